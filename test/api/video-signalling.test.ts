import { expect } from 'chai';
import request from 'supertest';
import type { VideoSessionEventType, VideoSide } from '../../db/models/video-session.js';
import { issueRoomToken } from '../../server/video/room-tokens.js';
import { connectedMinutes } from '../../server/video/session-log.js';
import { sessionLogWriter } from '../support/consultations.js';
import { newPatient } from '../support/factories.js';
import { describeOnEachDatabase, type TestNode } from '../support/test-node.js';
import { eventually, listeningNode, roomToken, SignalClient, videoVisit } from '../support/video.js';

const offer = { type: 'offer', sdp: 'v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\n' };

describeOnEachDatabase('video signalling', (hospital) => {
  let web: Awaited<ReturnType<typeof listeningNode>>;
  const clients: SignalClient[] = [];
  before(async () => { web = await listeningNode(hospital()); });
  afterEach(async () => { await Promise.all(clients.splice(0).map((c) => c.close())); });
  after(async () => { await web.close(); });

  async function join(node: TestNode, appointmentId: string, accessToken: string) {
    const joined = await SignalClient.join(web.wsUrl, await roomToken(node, appointmentId, accessToken));
    clients.push(joined.client);
    return joined;
  }

  /** Patient waiting, doctor in the room and admitted. */
  async function admittedPair() {
    const visit = await videoVisit(hospital());
    const patient = await join(hospital(), visit.appointmentId, visit.patient.token);
    const doctor = await join(hospital(), visit.appointmentId, visit.doctor.token);
    await doctor.client.nextOfType('peer-joined');
    doctor.client.send({ type: 'admit' });
    await Promise.all([patient.client.nextOfType('admitted'), doctor.client.nextOfType('admitted')]);
    return { ...visit, patient: patient.client, doctor: doctor.client, users: visit };
  }

  it('when the patient joins first, then the visit is arrived, the join is audited, and the doctor who joins sees them waiting', async () => {
    const { doctor, patient, appointmentId } = await videoVisit(hospital());
    const p = await join(hospital(), appointmentId, patient.token);
    expect(p.answer).to.include({ type: 'joined', side: 'patient', admitted: false, visitStatus: 'arrived' });
    const visit = await hospital().db.models.Encounter.findOne({ where: { appointmentId }, rejectOnEmpty: true });
    expect(visit.status).to.equal('arrived');
    const d = await join(hospital(), appointmentId, doctor.token);
    expect(await d.client.nextOfType('peer-joined')).to.include({ side: 'patient', admitted: false });
    const audit = await hospital().db.models.AuditEvent.findAll({ where: { activity: 'video-join', resourceId: visit.id } });
    expect(audit.map((a) => a.actorUserId).sort()).to.deep.equal([patient.userId, doctor.userId].sort());
  });

  it('when signals are sent before the doctor admits, then they are refused and nothing reaches the other side', async () => {
    const { doctor, patient, appointmentId } = await videoVisit(hospital());
    const p = await join(hospital(), appointmentId, patient.token);
    const d = await join(hospital(), appointmentId, doctor.token);
    await d.client.nextOfType('peer-joined');
    p.client.send({ type: 'signal', gen: 1, data: offer });
    expect(await p.client.nextOfType('error')).to.include({ code: 'not-admitted' });
    p.client.send({ type: 'admit' });
    expect((await p.client.next((m) => m.code === 'not-the-doctor')).type).to.equal('error');
    expect(d.client.heard.filter((m) => m.type === 'signal')).to.deep.equal([]);
  });

  it('when the doctor admits, then the visit is in-progress and offer, answer, candidates, renegotiate and transceiverRequest are relayed between the two', async () => {
    const { doctor, patient, appointmentId } = await admittedPair();
    const visit = await hospital().db.models.Encounter.findOne({ where: { appointmentId }, rejectOnEmpty: true });
    expect(visit.status).to.equal('in-progress');
    doctor.send({ type: 'signal', gen: 7, data: offer });
    expect(await patient.nextOfType('signal')).to.deep.equal({ type: 'signal', gen: 7, data: offer });
    const fromPatient = [
      { type: 'answer', sdp: 'v=0\r\n' },
      { type: 'candidate', candidate: { candidate: 'candidate:1 1 udp 1 127.0.0.1 5000 typ host', sdpMid: '0', sdpMLineIndex: 0 } },
      { type: 'renegotiate', renegotiate: true },
      { type: 'transceiverRequest', transceiverRequest: { kind: 'video', init: {} } },
    ];
    for (const data of fromPatient) patient.send({ type: 'signal', gen: 7, data });
    await eventually(async () => expect(doctor.heard.filter((m) => m.type === 'signal')).to.have.length(4));
    expect(doctor.heard.filter((m) => m.type === 'signal').map((m) => m.data)).to.deep.equal(fromPatient);
  });

  it('when a socket sends malformed, oversized or too many messages, then each is dropped with an error and the room keeps working', async () => {
    const { doctor, patient } = await admittedPair();
    patient.send('not json');
    expect(await patient.nextOfType('error')).to.include({ code: 'malformed-message' });
    let mark = patient.heard.length;
    patient.send({ type: 'signal', gen: 1, data: { type: 'bogus' } });
    expect(await patient.nextOfType('error', mark)).to.include({ code: 'malformed-message' });
    mark = patient.heard.length;
    patient.send({ type: 'signal', gen: 1, data: { type: 'offer', sdp: 'x'.repeat(40_000) } });
    expect(await patient.nextOfType('error', mark)).to.include({ code: 'message-too-large' });
    mark = patient.heard.length;
    for (let i = 0; i < 150; i++) patient.send({ type: 'media', state: 'disconnected' });
    expect(await patient.nextOfType('error', mark)).to.include({ code: 'rate-limited' });
    await new Promise((resolve) => setTimeout(resolve, 1100));
    patient.send({ type: 'signal', gen: 2, data: offer });
    expect(await doctor.nextOfType('signal')).to.include({ gen: 2 });
  });

  it('when an intruder joins with an access token, a forged or expired room token, or before the window, then they are refused and closed', async () => {
    const { doctor, patient, appointmentId } = await videoVisit(hospital());
    const { node, config } = hospital();
    const withAccessToken = await SignalClient.join(web.wsUrl, patient.token);
    expect(withAccessToken.answer).to.include({ type: 'error', code: 'room-token-invalid' });
    await withAccessToken.client.closed();
    expect(withAccessToken.client.closeCode).to.equal(4403);

    const expired = issueRoomToken(node.keys, config.publicBaseUrl, -10, { appointmentId, userId: patient.userId, side: 'patient' });
    const late = await SignalClient.join(web.wsUrl, expired);
    expect(late.answer).to.include({ type: 'error', code: 'room-token-expired' });

    const early = await SignalClient.join(web.wsUrl, await roomToken(hospital(), appointmentId, doctor.token));
    expect(early.answer.type).to.equal('joined');
    await early.client.close();
    // The appointment moves to tomorrow: a token obtained earlier no longer opens the room.
    await node.db.models.Appointment.update({ start: new Date(Date.now() + 86_400_000) }, { where: { id: appointmentId } });
    const refused = await SignalClient.join(web.wsUrl, await issueRoomToken(node.keys, config.publicBaseUrl, 60, { appointmentId, userId: doctor.userId, side: 'doctor' }));
    expect(refused.answer).to.include({ type: 'error', code: 'video-room-not-open' });

    const notConnected = await SignalClient.open(web.wsUrl);
    clients.push(notConnected);
    notConnected.send({ type: 'signal', gen: 1, data: offer });
    expect(await notConnected.nextOfType('error')).to.include({ code: 'join-first' });
  });

  it('when another patient tries a room, then they get no token and the room hears nothing from them', async () => {
    const { patient: mine, appointmentId } = await admittedPair();
    const stranger = await newPatient(hospital(), 'Eve');
    const res = await request(hospital().app).post(`/api/appointments/${appointmentId}/video-token`).set('authorization', `Bearer ${stranger.token}`);
    expect(res.status).to.equal(404); // as for an appointment that does not exist
    expect(mine.heard.filter((m) => m.type === 'peer-joined' && m.side === 'patient')).to.deep.equal([]);
  });

  it('when the doctor ends the call, then both sides are told and closed, the visit is finished and the room stays shut', async () => {
    const { doctor, patient, appointmentId, users } = await admittedPair();
    doctor.send({ type: 'end' });
    await Promise.all([patient.nextOfType('ended'), doctor.nextOfType('ended'), patient.closed(), doctor.closed()]);
    const visit = await hospital().db.models.Encounter.findOne({ where: { appointmentId }, rejectOnEmpty: true });
    expect(visit.status).to.equal('finished');
    const again = await request(hospital().app).post(`/api/appointments/${appointmentId}/video-token`).set('authorization', `Bearer ${users.patient.token}`);
    expect(again.status).to.equal(410);
  });

  it('when both report their media connection, drop and come back, then the doctor reads the session log with per-side lines', async () => {
    const { doctor, patient, appointmentId, users } = await admittedPair();
    patient.send({ type: 'media', state: 'connected' });
    doctor.send({ type: 'media', state: 'connected' });
    await eventually(async () => expect(await hospital().db.models.VideoSessionEvent.count({ where: { appointmentId, event: 'connect' } })).to.equal(2));
    await patient.close();
    await doctor.nextOfType('peer-left');
    doctor.send({ type: 'media', state: 'disconnected' });
    const back = await join(hospital(), appointmentId, users.patient.token);
    expect(back.answer).to.include({ admitted: true, visitStatus: 'in-progress' });
    back.client.send({ type: 'media', state: 'connected' });
    doctor.send({ type: 'media', state: 'connected' });
    const read = () => request(hospital().app).get(`/api/appointments/${appointmentId}/video-session`).set('authorization', `Bearer ${users.doctor.token}`);
    const session = await eventually(async () => {
      const res = await read();
      expect(res.body.events.filter((e: { event: string }) => e.event === 'reconnect')).to.have.length(2);
      return res;
    });
    expect(session.status).to.equal(200);
    const lines = (side: string) => session.body.events.filter((e: { side: string }) => e.side === side).map((e: { event: string }) => e.event);
    expect(lines('patient')).to.deep.equal(['join', 'connect', 'disconnect', 'leave', 'join', 'reconnect']);
    expect(lines('doctor')).to.deep.equal(['join', 'connect', 'disconnect', 'reconnect']);
    expect(session.body.connectedMinutes).to.equal(0);
    const asPatient = await request(hospital().app).get(`/api/appointments/${appointmentId}/video-session`).set('authorization', `Bearer ${users.patient.token}`);
    expect(asPatient.status).to.equal(403);
  });

  it('when the log shows both connected 3 + 12 minutes around a drop, then connected minutes are 15', async () => {
    const { appointmentId } = await videoVisit(hospital());
    const visit = await hospital().db.models.Encounter.findOne({ where: { appointmentId } })
      ?? await (await import('../../server/consultations/visit-lifecycle.js')).visitForAppointment(hospital().db, appointmentId);
    const write = sessionLogWriter(hospital(), { appointmentId, encounterId: visit.id, patientUserId: 'patient', doctorUserId: 'doctor' }, Date.now() - 60 * 60_000);
    const line = (side: VideoSide, event: VideoSessionEventType, minutes: number) => write(side, event, minutes * 60_000);
    await line('patient', 'join', 0);
    await line('patient', 'connect', 1);
    await line('doctor', 'join', 2);
    await line('doctor', 'connect', 2);
    await line('patient', 'disconnect', 5);
    await line('patient', 'leave', 5);
    await line('patient', 'join', 7);
    await line('patient', 'reconnect', 8);
    await line('doctor', 'disconnect', 20);
    await line('doctor', 'leave', 20);
    await line('patient', 'leave', 21);
    expect(await connectedMinutes(hospital().db, appointmentId)).to.equal(15);
  });
});
