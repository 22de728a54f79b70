import { expect } from 'chai';
import crypto from 'node:crypto';
import request from 'supertest';
import { generateSigningKey, keyRing } from '../../server/auth/keys.js';
import { iceServersFor } from '../../server/video/ice-servers.js';
import { verifyRoomToken } from '../../server/video/room-tokens.js';
import { bookedAppointment, newPatient } from '../support/factories.js';
import { describeOnEachDatabase } from '../support/test-node.js';
import { videoVisit } from '../support/video.js';

describeOnEachDatabase('video token', (hospital) => {
  const ask = (appointmentId: string, token: string) =>
    request(hospital().app).post(`/api/appointments/${appointmentId}/video-token`).set('authorization', `Bearer ${token}`);

  it('when the patient and the doctor ask within the window, then each gets a room token for their side and ICE servers', async () => {
    const { doctor, patient, appointmentId } = await videoVisit(hospital());
    const forPatient = await ask(appointmentId, patient.token);
    expect(forPatient.status).to.equal(201);
    expect(forPatient.body).to.include({ side: 'patient', appointmentId, signallingPath: '/visits/signal' });
    expect(forPatient.body.iceServers).to.be.an('array');
    const claims = verifyRoomToken(hospital().node.keys, hospital().config.publicBaseUrl, forPatient.body.token);
    expect(claims).to.include({ appointmentId, side: 'patient', userId: patient.userId });
    const forDoctor = await ask(appointmentId, doctor.token);
    expect(forDoctor.status).to.equal(201);
    expect(forDoctor.body.side).to.equal('doctor');
    const audit = await hospital().db.models.AuditEvent.findAll({ where: { activity: 'video-token', resourceId: appointmentId } });
    expect(audit.map((a) => a.outcome)).to.deep.equal(['0', '0']);
  });

  it('when another patient asks, then 404 appointment-not-found and the refusal is audited', async () => {
    const { appointmentId } = await videoVisit(hospital());
    const stranger = await newPatient(hospital(), 'Mallory');
    const res = await ask(appointmentId, stranger.token);
    expect(res.status).to.equal(404);
    expect(res.body.code).to.equal('appointment-not-found');
    const audit = await hospital().db.models.AuditEvent.findOne({ where: { activity: 'video-token', resourceId: appointmentId, outcome: '4' } });
    expect(audit?.actorUserId).to.equal(stranger.userId);
  });

  it('when it is more than 15 minutes before the start, then 403 video-room-not-open says when it opens', async () => {
    const { patient, appointmentId } = await videoVisit(hospital(), 16);
    const res = await ask(appointmentId, patient.token);
    expect(res.status).to.equal(403);
    expect(res.body.code).to.equal('video-room-not-open');
    expect(res.body.opensAt).to.be.a('string');
  });

  it('when the visit is finished, then 410 video-visit-over', async () => {
    const { patient, appointmentId } = await videoVisit(hospital());
    await ask(appointmentId, patient.token);
    await hospital().db.models.Encounter.update({ status: 'finished' }, { where: { appointmentId } });
    const res = await ask(appointmentId, patient.token);
    expect(res.status).to.equal(410);
    expect(res.body.code).to.equal('video-visit-over');
  });

  it('when the appointment is in person or unknown, then 422 not-a-video-visit or 404', async () => {
    const { doctor, patient } = await videoVisit(hospital());
    const inPerson = await bookedAppointment(hospital(), { patientId: patient.patientId, practitionerId: doctor.practitionerId, visitType: 'in-person' });
    expect((await ask(inPerson.id, patient.token)).body.code).to.equal('not-a-video-visit');
    expect((await ask(crypto.randomUUID(), patient.token)).status).to.equal(404);
  });

  it('when an access token is presented as a room token, or a room token from another hospital, then it is not accepted', async () => {
    const { patient, appointmentId } = await videoVisit(hospital());
    const { node, config } = hospital();
    expect(() => verifyRoomToken(node.keys, config.publicBaseUrl, patient.token)).to.throw(/not a room token/);
    const grant = await ask(appointmentId, patient.token);
    expect(() => verifyRoomToken(keyRing([generateSigningKey()]), config.publicBaseUrl, grant.body.token)).to.throw(/not a room token/);
  });
});

describe('ICE servers', () => {
  it('when TURN is configured, then the credential is base64(HMAC-SHA1(secret, "expiry:userId")) as coturn checks it', () => {
    const now = new Date('2026-01-01T00:00:00Z');
    const servers = iceServersFor({
      stunUrls: ['stun:stun.example.org:3478'], turnUrls: ['turn:turn.example.org:3478?transport=udp'], turnSecret: 's3cret',
      turnTtlSeconds: 3600, roomTokenTtlSeconds: 300, maxMessageBytes: 1024, maxMessagesPerSecond: 1, redisUrl: null,
    }, 'user-1', now);
    const expiry = now.getTime() / 1000 + 3600;
    expect(servers).to.deep.equal([
      { urls: ['stun:stun.example.org:3478'] },
      {
        urls: ['turn:turn.example.org:3478?transport=udp'], username: `${expiry}:user-1`,
        credential: crypto.createHmac('sha1', 's3cret').update(`${expiry}:user-1`).digest('base64'),
      },
    ]);
  });

  it('when nothing is configured, then there are no ICE servers (host candidates only)', () => {
    expect(iceServersFor({ stunUrls: [], turnUrls: [], turnSecret: null, turnTtlSeconds: 60, roomTokenTtlSeconds: 60,
      maxMessageBytes: 1024, maxMessagesPerSecond: 1, redisUrl: null }, 'u')).to.deep.equal([]);
  });
});
