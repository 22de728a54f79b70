import { expect } from 'chai';
import request from 'supertest';
import { registerTimelineSource } from '../../server/consultations/dispute-timeline.js';
import { adminToken, newVisit, PDF_BYTES, sessionLogWriter, startVisit } from '../support/consultations.js';
import { newPatient } from '../support/factories.js';
import { readyPrescription } from '../support/prescriptions.js';
import { describeOnEachDatabase } from '../support/test-node.js';

describeOnEachDatabase('visit disputes', (hospital) => {
  const post = (path: string, token: string, body?: object) => request(hospital().app).post(path).auth(token, { type: 'bearer' }).send(body);
  const get = (path: string, token: string) => request(hospital().app).get(path).auth(token, { type: 'bearer' });

  /** A whole visit: waiting room, admission, a message each way, a file, a signed note; then the patient disputes it. */
  async function disputedVisit() {
    const visit = await newVisit(hospital(), 'Disputed');
    await startVisit(hospital(), visit);
    await post(`/api/visits/${visit.visitId}/messages`, visit.patient.token, { text: 'I waited 40 minutes' }).expect(201);
    await post(`/api/visits/${visit.visitId}/messages`, visit.doctor.token, { text: 'Sorry, an emergency' }).expect(201);
    await request(hospital().app).post(`/api/visits/${visit.visitId}/attachments`).set('Content-Type', 'application/pdf')
      .auth(visit.patient.token, { type: 'bearer' }).send(PDF_BYTES).expect(201);
    await request(hospital().app).put(`/api/visits/${visit.visitId}/note`).auth(visit.doctor.token, { type: 'bearer' })
      .send({ subjective: 's', assessment: 'a', plan: 'p' }).expect(200);
    await post(`/api/visits/${visit.visitId}/finish`, visit.doctor.token).expect(200);
    const dispute = await post(`/api/visits/${visit.visitId}/disputes`, visit.patient.token, { reason: 'The visit lasted 3 minutes but I was charged for 20' }).expect(201);
    return { ...visit, disputeId: dispute.body.id as string };
  }

  it('when an admin opens the evidence timeline, then it holds every source of the visit in time order', async () => {
    const visit = await disputedVisit();
    const res = await get(`/api/disputes/${visit.disputeId}/timeline`, await adminToken(hospital())).expect(200);
    const kinds: string[] = res.body.timeline.map((e: { kind: string }) => e.kind);
    for (const kind of ['appointment-booked', 'appointment-arrived', 'appointment-fulfilled', 'visit-arrived', 'visit-in-progress', 'visit-finished',
      'message', 'attachment', 'note-draft', 'note-signed', 'audit-visit-finished', 'audit-message-sent', 'audit-note-signed']) {
      expect(kinds, kind).to.include(kind);
    }
    const times: string[] = res.body.timeline.map((e: { at: string }) => e.at);
    expect(times).to.deep.equal([...times].sort());
    expect(kinds.indexOf('visit-arrived')).to.be.lessThan(kinds.indexOf('visit-in-progress'));
    expect(kinds.indexOf('visit-in-progress')).to.be.lessThan(kinds.indexOf('note-signed'));
    const messages = res.body.timeline.filter((e: { kind: string }) => e.kind === 'message').map((e: { data: { text: string } }) => e.data.text);
    expect(messages).to.deep.equal(['I waited 40 minutes', 'Sorry, an emergency']);
    expect(res.body.dispute).to.include({ status: 'open', encounterId: visit.visitId });
  });

  it('when the visit had a video call and a prescription that was dispensed, then the timeline shows the session log with the connected time and every step of the prescription', async () => {
    const rx = await readyPrescription(hospital());
    const appointmentId = rx.visit.appointmentId!;
    // The session log as signalling writes it: both join and connect; 3 min 11.5 s later the patient drops and leaves (two lines in one millisecond).
    const t0 = Date.now() - 10 * 60_000;
    const line = sessionLogWriter(hospital(), { appointmentId, encounterId: rx.visit.id, patientUserId: rx.patient.userId, doctorUserId: rx.doctor.userId }, t0);
    await line('patient', 'join', 0);
    await line('doctor', 'join', 1000);
    await line('patient', 'connect', 2000);
    await line('doctor', 'connect', 2500);
    await line('patient', 'disconnect', 194_000);
    await line('patient', 'leave', 194_000);
    await line('doctor', 'disconnect', 195_000);

    const taken = await post('/api/dispensations', rx.pharmacistToken, { code: rx.code }).expect(201);
    await post(`/api/dispensations/${taken.body.id}/hand-over`, rx.pharmacistToken, { dispenses: [{ lineNo: 1, quantity: 7 }] }).expect(200);
    await post(`/api/visits/${rx.visit.id}/finish`, rx.doctor.token).expect(200);
    const dispute = await post(`/api/visits/${rx.visit.id}/disputes`, rx.patient.token, { reason: 'The call dropped after 3 minutes' }).expect(201);

    const { timeline } = (await get(`/api/disputes/${dispute.body.id}/timeline`, await adminToken(hospital())).expect(200)).body;
    const kinds: string[] = timeline.map((e: { kind: string }) => e.kind);
    expect(kinds.filter((k) => k.startsWith('video-'))).to.deep.equal([
      'video-patient-join', 'video-doctor-join', 'video-patient-connect', 'video-doctor-connect',
      'video-patient-disconnect', 'video-patient-leave', 'video-doctor-disconnect', 'video-connected-time']);
    const connected = timeline.find((e: { kind: string }) => e.kind === 'video-connected-time');
    // Facts, not sentences: the admin's page words them in its language.
    expect(connected.said).to.deep.equal({ what: 'video-connected', seconds: 191 });
    expect(connected).not.to.have.property('summary');
    expect(connected.data).to.deep.equal({ connectedSeconds: 191, connectedMinutes: 3 });

    expect(kinds.filter((k) => k.startsWith('prescription-') || k === 'medication-dispensed')).to.deep.equal([
      'prescription-pending-review', 'prescription-ready', 'prescription-in-progress', 'prescription-completed', 'medication-dispensed']);
    const issued = timeline.find((e: { kind: string }) => e.kind === 'prescription-pending-review');
    expect(issued.data.lines).to.have.length(1);
    expect(issued.data.lines[0]).to.include({ drugCode: 'C09AA05', quantity: 7 });
    expect(timeline.find((e: { kind: string }) => e.kind === 'medication-dispensed').said).to.deep.include({ what: 'medication-dispensed', quantity: 7 });
    expect(timeline.find((e: { kind: string }) => e.kind === 'video-patient-join').said).to.deep.equal({ what: 'video-event', side: 'patient', event: 'join' });
    // The audit trail covers the prescription too: who issued, approved, accepted and closed it.
    for (const kind of ['audit-prescription-issued', 'audit-prescription-approved', 'audit-prescription-accepted', 'audit-prescription-dispensed']) {
      expect(kinds, kind).to.include(kind);
    }
    const times: string[] = timeline.map((e: { at: string }) => e.at);
    expect(times).to.deep.equal([...times].sort());
  });

  it('when another capability registers a timeline source, then its entries appear among the others', async () => {
    const visit = await disputedVisit();
    const unregister = registerTimelineSource({
      name: 'test-video-session',
      async entries({ visit: encounter }) {
        return [{ at: encounter.periodStart!.toISOString(), source: 'test-video-session', kind: 'video-joined', said: { what: 'video-connected', seconds: 0 } }];
      },
    });
    try {
      const res = await get(`/api/disputes/${visit.disputeId}/timeline`, await adminToken(hospital())).expect(200);
      expect(res.body.timeline.map((e: { kind: string }) => e.kind)).to.include('video-joined');
    } finally {
      unregister();
    }
  });

  it('when anyone tries to change the timeline, then it is refused; the admin resolves once and the patient sees the outcome', async () => {
    const visit = await disputedVisit();
    const admin = await adminToken(hospital());
    const before = (await get(`/api/disputes/${visit.disputeId}/timeline`, admin).expect(200)).body.timeline;
    for (const method of ['put', 'patch', 'delete', 'post'] as const) {
      await request(hospital().app)[method](`/api/disputes/${visit.disputeId}/timeline`).auth(admin, { type: 'bearer' }).send({ timeline: [] }).expect(405);
    }
    await get(`/api/disputes/${visit.disputeId}/timeline`, visit.patient.token).expect(403);
    await get(`/api/disputes/${visit.disputeId}/timeline`, visit.doctor.token).expect(403);

    const resolved = await post(`/api/disputes/${visit.disputeId}/resolution`, admin, { outcome: 'upheld', resolution: 'Session log shows 3 minutes; charge voided.' }).expect(200);
    expect(resolved.body.resolution).to.include({ outcome: 'upheld' });
    expect((await post(`/api/disputes/${visit.disputeId}/resolution`, admin, { outcome: 'rejected', resolution: 'no' }).expect(409)).body.code).to.equal('dispute-already-resolved');

    const seen = await get(`/api/disputes/${visit.disputeId}`, visit.patient.token).expect(200);
    expect(seen.body).to.deep.include({ status: 'resolved' });
    expect(seen.body.resolution).to.include({ outcome: 'upheld', text: 'Session log shows 3 minutes; charge voided.' });
    const mine = await get('/api/disputes', visit.patient.token).expect(200);
    expect(mine.body.map((d: { id: string }) => d.id)).to.deep.equal([visit.disputeId]);

    const after = (await get(`/api/disputes/${visit.disputeId}/timeline`, admin).expect(200)).body.timeline;
    const key = (e: { at: string; kind: string; summary: string }) => `${e.at} ${e.kind} ${e.summary}`;
    expect(after.filter((e: { source: string }) => e.source !== 'audit').map(key)).to.deep.equal(before.filter((e: { source: string }) => e.source !== 'audit').map(key));
    expect(after.map(key)).to.include.members(before.map(key));
  });

  it('when the patient or an admin lists disputes, then each names the disputed visit: its booked time, its doctor and how far it got', async () => {
    const visit = await disputedVisit();
    const admin = await adminToken(hospital());
    const expected = {
      status: 'finished', appointmentId: visit.appointment.id, visitType: 'video-follow-up', start: visit.appointment.start.toISOString(),
      end: visit.appointment.end.toISOString(), practitionerId: visit.doctor.practitionerId, doctorName: 'Greg DisputedDoctor',
    };
    const [mine] = (await get('/api/disputes', visit.patient.token).expect(200)).body;
    expect(mine.visit).to.deep.equal(expected);
    expect((await get(`/api/disputes/${visit.disputeId}`, visit.patient.token).expect(200)).body.visit).to.deep.equal(expected);
    const open = (await get('/api/disputes?status=open', admin).expect(200)).body;
    expect(open.find((d: { id: string }) => d.id === visit.disputeId).visit).to.deep.equal(expected);

    await post(`/api/disputes/${visit.disputeId}/resolution`, admin, { outcome: 'rejected', resolution: 'The session log shows 25 minutes.' }).expect(200);
    expect((await get('/api/disputes?status=open', admin).expect(200)).body.map((d: { id: string }) => d.id)).not.to.include(visit.disputeId);
    const resolved = (await get('/api/disputes?status=resolved', admin).expect(200)).body.find((d: { id: string }) => d.id === visit.disputeId);
    expect(resolved).to.deep.include({ status: 'resolved', visit: expected });
    const audited = await hospital().db.models.AuditEvent.count({ where: { activity: 'dispute-list-read', patientId: visit.patient.patientId } });
    expect(audited, "the patient's own list read is audited").to.equal(1);
  });

  it("when someone other than the visit's patient opens or reads a dispute, then 404 as for one that does not exist", async () => {
    const visit = await disputedVisit();
    const other = await newPatient(hospital(), 'Stranger');
    await post(`/api/visits/${visit.visitId}/disputes`, other.token, { reason: 'not mine' }).expect(404);
    await post(`/api/visits/${visit.visitId}/disputes`, visit.doctor.token, { reason: 'doctor' }).expect(403);
    expect((await get(`/api/disputes/${visit.disputeId}`, other.token).expect(404)).body.code).to.equal('dispute-not-found');
  });
});
