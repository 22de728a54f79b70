import { expect } from 'chai';
import wrtc from '@roamhq/wrtc';
import request from 'supertest';
import WebSocket from 'ws';
import { PeerSession, type SessionState } from '../../client/video/peer-session.js';
import { describeOnEachDatabase } from '../support/test-node.js';
import { redisRoomBus } from '../../server/video/room-bus.js';
import { startRedis } from '../support/redis-server.js';
import { eventually, listeningNode, videoVisit } from '../support/video.js';

/** Resolves when the session reaches the state. */
function reaches(session: PeerSession, state: SessionState): Promise<void> {
  if (session.state === state) return Promise.resolve();
  return new Promise((resolve) => session.on('state', (s) => { if (s === state) resolve(); }));
}

const nextData = (session: PeerSession) => new Promise<string>((resolve) => session.on('data', resolve));

describeOnEachDatabase('video visit with two real peers (simple-peer + @roamhq/wrtc, loopback only)', (hospital) => {
  let web: Awaited<ReturnType<typeof listeningNode>>;
  const sessions: PeerSession[] = [];

  before(async () => {
    web = await listeningNode(hospital());
  });
  after(async () => {
    for (const s of sessions) s.hangUp();
    await web.close();
  });

  const sessionFor = (appointmentId: string, accessToken: string, baseUrl = web.base) => {
    const session = new PeerSession({ appointmentId, accessToken, baseUrl, wrtc, WebSocket: WebSocket as never, deadAfterMs: 1000 });
    sessions.push(session);
    return session;
  };

  it('when the patient waits and the doctor admits, then both peers connect and exchange data; after a drop and a rejoin the call resumes and the session log shows it', async () => {
    const { doctor, patient, appointmentId } = await videoVisit(hospital());
    const patientSide = sessionFor(appointmentId, patient.token);
    await patientSide.join();
    expect(patientSide.state).to.equal('waiting');
    const visit = await hospital().db.models.Encounter.findOne({ where: { appointmentId }, rejectOnEmpty: true });
    expect(visit.status).to.equal('arrived');

    const doctorSide = sessionFor(appointmentId, doctor.token);
    await doctorSide.join();
    await reaches(doctorSide, 'patient-waiting');
    doctorSide.admit();
    await Promise.all([reaches(patientSide, 'connected'), reaches(doctorSide, 'connected')]);
    await visit.reload();
    expect(visit.status).to.equal('in-progress');

    const toPatient = nextData(patientSide);
    doctorSide.send('hello from the doctor');
    expect(await toPatient).to.equal('hello from the doctor');

    // The patient's browser crashes; the doctor's side sees them leave.
    patientSide.dropAbruptly();
    await reaches(doctorSide, 'peer-left');

    // The patient comes back within the visit window: the call resumes.
    const patientAgain = sessionFor(appointmentId, patient.token);
    await patientAgain.join();
    await Promise.all([reaches(patientAgain, 'connected'), reaches(doctorSide, 'connected')]);
    const toDoctor = nextData(doctorSide);
    patientAgain.send('I am back');
    expect(await toDoctor).to.equal('I am back');

    // The log as the doctor reads it: lines of one connection written in the same millisecond keep their order.
    const lines = await eventually(async () => {
      const res = await request(hospital().app).get(`/api/appointments/${appointmentId}/video-session`).auth(doctor.token, { type: 'bearer' }).expect(200);
      const seen = (res.body.events as { side: string; event: string }[]).map((e) => `${e.side}:${e.event}`);
      expect(seen.filter((e) => e === 'doctor:reconnect' || e === 'patient:reconnect')).to.have.length(2);
      return seen;
    });
    expect(lines.filter((l) => l.startsWith('patient:'))).to.deep.equal(
      ['patient:join', 'patient:connect', 'patient:disconnect', 'patient:leave', 'patient:join', 'patient:reconnect']);
    expect(lines.filter((l) => l.startsWith('doctor:'))).to.deep.equal(['doctor:join', 'doctor:connect', 'doctor:disconnect', 'doctor:reconnect']);
  });

  it('when a peer connection dies under a connected call, then a fresh one is negotiated through signalling', async () => {
    const { doctor, patient, appointmentId } = await videoVisit(hospital());
    const patientSide = sessionFor(appointmentId, patient.token);
    await patientSide.join();
    const doctorSide = sessionFor(appointmentId, doctor.token);
    await doctorSide.join();
    await reaches(doctorSide, 'patient-waiting');
    doctorSide.admit();
    await Promise.all([reaches(patientSide, 'connected'), reaches(doctorSide, 'connected')]);
    const firstPeer = patientSide.peer;

    const reconnecting = reaches(patientSide, 'reconnecting');
    firstPeer!.destroy();
    await reconnecting;
    await eventually(async () => expect([patientSide.peer?.connected, doctorSide.peer?.connected]).to.deep.equal([true, true]));
    expect(patientSide.state).to.equal('connected');
    expect(patientSide.peer).to.not.equal(firstPeer);
    const toDoctor = nextData(doctorSide);
    patientSide.send('still here');
    expect(await toDoctor).to.equal('still here');
  });

  it('when the patient is on instance A and the doctor on instance B sharing rooms through Redis, then their peers connect', async () => {
    const redis = await startRedis();
    const a = await listeningNode(hospital(), { bus: redisRoomBus(redis.url, hospital().node.log) });
    const b = await listeningNode(hospital(), { bus: redisRoomBus(redis.url, hospital().node.log) });
    try {
      const { doctor, patient, appointmentId } = await videoVisit(hospital());
      const patientSide = sessionFor(appointmentId, patient.token, a.base);
      await patientSide.join();
      const doctorSide = sessionFor(appointmentId, doctor.token, b.base);
      await doctorSide.join();
      await reaches(doctorSide, 'patient-waiting');
      doctorSide.admit();
      await Promise.all([reaches(patientSide, 'connected'), reaches(doctorSide, 'connected')]);
      const toDoctor = nextData(doctorSide);
      patientSide.send('across instances');
      expect(await toDoctor).to.equal('across instances');
      patientSide.hangUp();
      doctorSide.hangUp();
    } finally {
      for (const instance of [a, b]) {
        await instance.close();
        await instance.signalling.bus.close();
      }
      await redis.stop();
    }
  });
});
