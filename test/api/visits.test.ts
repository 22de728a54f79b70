import crypto from 'node:crypto';
import { expect } from 'chai';
import request from 'supertest';
import { isClosedForOnlinePrescribing } from '../../server/consultations/visits.js';
import { HTML_BYTES, newVisit, PDF_BYTES, PNG_BYTES, startVisit } from '../support/consultations.js';
import { bookedAppointment, newDoctor, newPatient } from '../support/factories.js';
import { describeOnEachDatabase } from '../support/test-node.js';

describeOnEachDatabase('the follow-up visit over HTTP', (hospital) => {
  const post = (path: string, token: string, body?: object) => request(hospital().app).post(path).auth(token, { type: 'bearer' }).send(body);
  const note = { subjective: 'Headaches in the morning', assessment: 'Hypertension, not controlled', plan: 'Increase amlodipine to 10 mg' };

  it('when the visit goes arrive → admit → finish, then each move is recorded; an illegal move is 409 naming the status', async () => {
    const visit = await newVisit(hospital(), 'Lifecycle');
    expect((await post(`/api/visits/${visit.visitId}/arrive`, visit.patient.token).expect(200)).body.status).to.equal('arrived');
    expect((await post(`/api/visits/${visit.visitId}/admit`, visit.doctor.token).expect(200)).body.status).to.equal('in-progress');
    const res = await post(`/api/visits/${visit.visitId}/arrive`, visit.patient.token).expect(409);
    expect(res.body).to.include({ code: 'illegal-visit-transition', current: 'in-progress', requested: 'arrived' });
    expect((await post(`/api/visits/${visit.visitId}/finish`, visit.doctor.token).expect(200)).body.status).to.equal('finished');
    expect((await post(`/api/visits/${visit.visitId}/cancel`, visit.patient.token).expect(409)).body.current).to.equal('finished');
    const audit = await hospital().db.models.AuditEvent.findAll({ where: { resourceId: visit.visitId, action: 'U' }, order: [['id', 'ASC']] });
    expect(audit.map((a) => a.activity)).to.deep.equal(['visit-arrived', 'visit-in-progress', 'visit-finished']);
  });

  it('when the patient tries to admit or finish, or the doctor to arrive, then 403; an outsider gets the 404 of a visit that does not exist', async () => {
    const visit = await newVisit(hospital(), 'Sides');
    expect((await post(`/api/visits/${visit.visitId}/admit`, visit.patient.token).expect(403)).body.code).to.equal('wrong-visit-side');
    await post(`/api/visits/${visit.visitId}/arrive`, visit.doctor.token).expect(403);
    const outsider = await newDoctor(hospital(), 'Outsider');
    expect((await request(hospital().app).get(`/api/visits/${visit.visitId}`).auth(outsider.token, { type: 'bearer' }).expect(404)).body.code).to.equal('visit-not-found');
    await post(`/api/visits/${visit.visitId}/cancel`, outsider.token, { reason: 'not mine' }).expect(404);
  });

  it('when a visit is cancelled, then its appointment is cancelled with it and the slot is free again, under the booking\'s rules', async () => {
    const { Appointment, Encounter, Slot } = hospital().db.models;
    const state = async (visit: Awaited<ReturnType<typeof newVisit>>) => {
      const appointment = await Appointment.findByPk(visit.appointment.id, { rejectOnEmpty: true });
      const slot = await Slot.findByPk(appointment.slotId, { rejectOnEmpty: true });
      return { visit: (await Encounter.findByPk(visit.visitId, { rejectOnEmpty: true })).status, appointment: appointment.status, slot: slot.status };
    };

    const tomorrow = await newVisit(hospital(), 'CancelEarly', new Date(Date.now() + 86_400_000));
    expect((await post(`/api/visits/${tomorrow.visitId}/cancel`, tomorrow.patient.token).expect(200)).body.status).to.equal('cancelled');
    expect(await state(tomorrow)).to.deep.equal({ visit: 'cancelled', appointment: 'cancelled', slot: 'free' });

    // Five minutes before the start the patient is past the cut-off; the doctor may cancel, but says why.
    const soon = await newVisit(hospital(), 'CancelLate');
    expect((await post(`/api/visits/${soon.visitId}/cancel`, soon.patient.token).expect(422)).body.code).to.equal('cancellation-cutoff-passed');
    expect((await post(`/api/visits/${soon.visitId}/cancel`, soon.doctor.token).expect(400)).body.code).to.equal('cancellation-reason-required');
    expect(await state(soon)).to.deep.equal({ visit: 'planned', appointment: 'booked', slot: 'busy' });
    await post(`/api/visits/${soon.visitId}/cancel`, soon.doctor.token, { reason: 'Called away to an emergency' }).expect(200);
    expect(await state(soon)).to.deep.equal({ visit: 'cancelled', appointment: 'cancelled', slot: 'free' });
    const told = await hospital().db.models.NotificationOutbox.findAll({ where: { appointmentId: soon.appointment.id, kind: 'appointment-cancelled' } });
    expect(told.map((n) => n.recipientPatientId ?? n.recipientPractitionerId).sort()).to.deep.equal([soon.patient.patientId, soon.doctor.practitionerId].sort());

    // Once the doctor has admitted the patient, neither the visit nor its appointment can be cancelled.
    const started = await newVisit(hospital(), 'CancelStarted');
    await startVisit(hospital(), started);
    expect((await post(`/api/visits/${started.visitId}/cancel`, started.doctor.token, { reason: 'x' }).expect(409)).body.current).to.equal('in-progress');
    expect((await post(`/api/appointments/${started.appointment.id}/cancel`, started.doctor.token, { reason: 'x' }).expect(409)).body.current).to.equal('in-progress');
    expect(await state(started)).to.deep.equal({ visit: 'in-progress', appointment: 'arrived', slot: 'busy' });
  });

  it('when the visit finishes, then the note is signed and can no longer be edited; an amendment is a new version and the signed one is kept', async () => {
    const visit = await newVisit(hospital(), 'Note');
    await startVisit(hospital(), visit);
    await request(hospital().app).put(`/api/visits/${visit.visitId}/note`).auth(visit.doctor.token, { type: 'bearer' }).send(note).expect(200);
    await request(hospital().app).put(`/api/visits/${visit.visitId}/note`).auth(visit.patient.token, { type: 'bearer' }).send(note).expect(403);
    expect((await post(`/api/visits/${visit.visitId}/note/amendments`, visit.doctor.token, { ...note, reason: 'x' }).expect(409)).body.code).to.equal('note-not-signed');
    await post(`/api/visits/${visit.visitId}/finish`, visit.doctor.token).expect(200);

    const signed = await request(hospital().app).get(`/api/visits/${visit.visitId}/note`).auth(visit.patient.token, { type: 'bearer' }).expect(200);
    expect(signed.body).to.include({ status: 'final', plan: note.plan });
    expect(signed.body.signedAt).to.be.a('string');
    const edit = await request(hospital().app).put(`/api/visits/${visit.visitId}/note`).auth(visit.doctor.token, { type: 'bearer' }).send({ ...note, plan: 'changed' }).expect(409);
    expect(edit.body.code).to.equal('visit-closed');
    const stored = await hospital().db.models.VisitNote.findOne({ where: { encounterId: visit.visitId }, rejectOnEmpty: true });
    expect(stored.plan).to.equal(note.plan);

    const amended = await post(`/api/visits/${visit.visitId}/note/amendments`, visit.doctor.token, { ...note, plan: 'Amlodipine 5 mg (dose typo)', reason: 'dose typo' }).expect(201);
    expect(amended.body).to.include({ status: 'amended', amendmentReason: 'dose typo' });
    const history = await request(hospital().app).get(`/api/visits/${visit.visitId}/note`).auth(visit.doctor.token, { type: 'bearer' }).expect(200);
    expect(history.body.versions.map((v: { status: string }) => v.status)).to.deep.equal(['preliminary', 'final', 'amended']);
    expect(history.body.versions[1]).to.include({ plan: note.plan });
  });

  it('when patient and doctor exchange messages and files, then only the two of them can read them, and each read is audited', async () => {
    const visit = await newVisit(hospital(), 'Messages');
    await post(`/api/visits/${visit.visitId}/messages`, visit.patient.token, { text: 'My readings are attached' }).expect(201);
    const file = await request(hospital().app).post(`/api/visits/${visit.visitId}/attachments`).query({ name: 'bp-log.pdf' })
      .set('Content-Type', 'application/pdf').auth(visit.patient.token, { type: 'bearer' }).send(PDF_BYTES).expect(201);
    expect(file.body.attachment).to.include({ fileName: 'bp-log.pdf', contentType: 'application/pdf', size: PDF_BYTES.length });
    await request(hospital().app).post(`/api/visits/${visit.visitId}/attachments`).set('Content-Type', 'image/png')
      .auth(visit.doctor.token, { type: 'bearer' }).send(PNG_BYTES).expect(201);
    expect((await request(hospital().app).post(`/api/visits/${visit.visitId}/attachments`).set('Content-Type', 'application/pdf')
      .auth(visit.doctor.token, { type: 'bearer' }).send(HTML_BYTES).expect(415)).body.code).to.equal('file-type-not-accepted');

    const list = await request(hospital().app).get(`/api/visits/${visit.visitId}/messages`).auth(visit.doctor.token, { type: 'bearer' }).expect(200);
    expect(list.body.map((m: { sender: { role: string } }) => m.sender.role)).to.deep.equal(['patient', 'patient', 'doctor']);
    const bytes = await request(hospital().app).get(file.body.attachment.url).auth(visit.doctor.token, { type: 'bearer' }).expect(200);
    expect(Buffer.from(bytes.body).equals(PDF_BYTES)).to.equal(true);

    const other = await newPatient(hospital(), 'Snooper');
    const refused = await request(hospital().app).get(`/api/visits/${visit.visitId}/messages`).auth(other.token, { type: 'bearer' }).expect(404);
    expect(refused.body.code).to.equal('visit-not-found');
    await request(hospital().app).get(file.body.attachment.url).auth(other.token, { type: 'bearer' }).expect(404);
    await post(`/api/visits/${visit.visitId}/messages`, other.token, { text: 'hello' }).expect(404);
    const admin = await hospital().tokenFor('admin@demo.test');
    await request(hospital().app).get(`/api/visits/${visit.visitId}/messages`).auth(admin, { type: 'bearer' }).expect(403);

    const { AuditEvent } = hospital().db.models;
    expect(await AuditEvent.count({ where: { resourceId: visit.visitId, activity: 'messages-read', actorUserId: visit.doctor.userId } })).to.equal(1);
    expect(await AuditEvent.count({ where: { resourceId: visit.visitId, activity: 'refused', actorUserId: other.userId } })).to.equal(3);
  });

  it('when a page polls the conversation with after=, then it gets only newer messages and the visit status; an empty poll writes no audit event', async () => {
    const visit = await newVisit(hospital(), 'Polling');
    const read = (after?: string) => request(hospital().app).get(`/api/visits/${visit.visitId}/messages`).query(after ? { after } : {})
      .auth(visit.patient.token, { type: 'bearer' });
    const first = (await post(`/api/visits/${visit.visitId}/messages`, visit.patient.token, { text: 'first' }).expect(201)).body.id as string;
    const all = await read().expect(200);
    expect(all.headers['visit-status']).to.equal('planned');
    expect(all.body.map((m: { id: string }) => m.id)).to.deep.equal([first]);

    const { AuditEvent } = hospital().db.models;
    const audited = () => AuditEvent.count({ where: { resourceId: visit.visitId, activity: 'messages-read', actorUserId: visit.patient.userId } });
    expect(await audited()).to.equal(1);
    expect((await read(first).expect(200)).body).to.deep.equal([]);
    expect(await audited(), 'nothing new, nothing disclosed').to.equal(1);

    await post(`/api/visits/${visit.visitId}/messages`, visit.doctor.token, { text: 'second' }).expect(201);
    await post(`/api/visits/${visit.visitId}/messages`, visit.doctor.token, { text: 'third' }).expect(201);
    const newer = await read(first).expect(200);
    expect(newer.body.map((m: { text: string }) => m.text)).to.deep.equal(['second', 'third']);
    expect(await audited()).to.equal(2);
    // A message whose transaction committed after 'third' was read, though it was sent just before it: still seen.
    const third = await hospital().db.models.VisitMessage.findByPk(newer.body[1].id as string, { rejectOnEmpty: true });
    await hospital().db.models.VisitMessage.create({
      ...third.get({ plain: true }), id: crypto.randomUUID(), text: 'late commit', sentAt: new Date(third.sentAt.getTime() - 1),
    });
    expect((await read(third.id).expect(200)).body.map((m: { text: string }) => m.text)).to.include('late commit');

    await startVisit(hospital(), visit);
    await post(`/api/visits/${visit.visitId}/finish`, visit.doctor.token).expect(200);
    expect((await read(newer.body[1].id).expect(200)).headers['visit-status']).to.equal('finished');
    const stranger = await newVisit(hospital(), 'OtherVisit');
    const foreign = (await post(`/api/visits/${stranger.visitId}/messages`, stranger.patient.token, { text: 'not yours' }).expect(201)).body.id as string;
    expect((await read(foreign).expect(404)).body.code).to.equal('message-not-found');
  });

  it('when a patient opened the visit but was marked a no-show, then their appointment list names the visit and they can dispute it', async () => {
    const visit = await newVisit(hospital(), 'NoShow', new Date(Date.now() - 30 * 60_000));
    const list = async () => (await request(hospital().app).get('/api/appointments').auth(visit.patient.token, { type: 'bearer' }).expect(200))
      .body.appointments as { id: string; status: string; visitId: string | null }[];
    expect((await list()).find((a) => a.id === visit.appointment.id)).to.include({ status: 'booked', visitId: visit.visitId });
    await post(`/api/appointments/${visit.appointment.id}/no-show`, visit.doctor.token).expect(200);
    const [noShow] = await list();
    expect(noShow).to.include({ id: visit.appointment.id, status: 'noshow', visitId: visit.visitId });
    await post(`/api/visits/${noShow.visitId}/disputes`, visit.patient.token, { reason: 'I was in the waiting room; nobody let me in' }).expect(201);

    const unopened = await bookedAppointment(hospital(), { patientId: visit.patient.patientId, practitionerId: visit.doctor.practitionerId });
    expect((await list()).find((a) => a.id === unopened.id)).to.include({ visitId: null });
  });

  it('when the doctor ends the visit as needing in-person care, then the reason is stored and online prescribing is closed', async () => {
    const visit = await newVisit(hospital(), 'InPerson');
    await startVisit(hospital(), visit);
    expect(await isClosedForOnlinePrescribing(hospital().db, visit.visitId)).to.equal(false);
    const res = await post(`/api/visits/${visit.visitId}/needs-in-person-care`, visit.doctor.token, { reason: 'Chest pain on exertion: needs an ECG in person' }).expect(200);
    expect(res.body).to.deep.include({ status: 'finished', outcome: { code: 'needs-in-person-care', reason: 'Chest pain on exertion: needs an ECG in person' } });
    expect(await isClosedForOnlinePrescribing(hospital().db, visit.visitId)).to.equal(true);
    await post(`/api/visits/${visit.visitId}/messages`, visit.patient.token, { text: 'one more thing' }).expect(409);
    await post(`/api/visits/${visit.visitId}/needs-in-person-care`, visit.doctor.token, { reason: 'again' }).expect(409);
  });
});
