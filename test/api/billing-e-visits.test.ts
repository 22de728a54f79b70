import { expect } from 'chai';
import request from 'supertest';
import { chargePeriods } from '../../server/billing/period-charges.js';
import { adminToken, newVisit, sessionLogWriter, startVisit } from '../support/consultations.js';
import { bookedAppointment, diagnoseHypertensionInPerson } from '../support/factories.js';
import { describeOnEachDatabase } from '../support/test-node.js';

const DAY = 86_400_000;
/** The loop looks a week and a day ahead, so the 7-day window of a conversation held today is over. */
const AFTER_THE_WINDOW = () => new Date(Date.now() + 8 * DAY);

interface Charge { code: string; status: string; reasons: string[]; minutes: number | undefined; evidence: string[] }

describeOnEachDatabase('e-visits: the doctor\'s documented time on the patient\'s online conversations over 7 days', (hospital) => {
  const note = { subjective: 'Asked about a missed dose', assessment: 'Hypertension, controlled', plan: 'Take the next dose as usual' };
  type Visit = Awaited<ReturnType<typeof newVisit>>;

  /** A conversation by messages: the first message from `firstSender`, the doctor's time documented in the signed note. */
  async function conversation(minutes: number, options: { firstSender?: 'patient' | 'doctor'; visit?: Visit; firstEverContact?: boolean } = {}): Promise<Visit> {
    const node = hospital();
    const visit = options.visit ?? await newVisit(node, 'Online');
    if (!options.visit && !options.firstEverContact) await diagnoseHypertensionInPerson(node, visit.patient.patientId, visit.doctor.practitionerId);
    const first = options.firstSender === 'doctor' ? visit.doctor.token : visit.patient.token;
    const second = options.firstSender === 'doctor' ? visit.patient.token : visit.doctor.token;
    await request(node.app).post(`/api/visits/${visit.visitId}/messages`).auth(first, { type: 'bearer' }).send({ text: 'A question about my tablets' }).expect(201);
    await request(node.app).post(`/api/visits/${visit.visitId}/messages`).auth(second, { type: 'bearer' }).send({ text: 'An answer' }).expect(201);
    await startVisit(node, visit);
    await request(node.app).put(`/api/visits/${visit.visitId}/note`).auth(visit.doctor.token, { type: 'bearer' })
      .send({ ...note, contactMode: 'chat', documentedMinutes: minutes }).expect(200);
    await request(node.app).post(`/api/visits/${visit.visitId}/finish`).auth(visit.doctor.token, { type: 'bearer' }).send({}).expect(200);
    return visit;
  }

  /** Another conversation, or a video visit, of the same patient with the same doctor. */
  async function again(visit: Visit): Promise<Visit> {
    const appointment = await bookedAppointment(hospital(), { patientId: visit.patient.patientId, practitionerId: visit.doctor.practitionerId });
    const res = await request(hospital().app).post(`/api/appointments/${appointment.id}/visit`).auth(visit.patient.token, { type: 'bearer' }).expect(200);
    return { ...visit, appointment, visitId: res.body.id as string };
  }

  async function eVisitsOf(patientId: string): Promise<Charge[]> {
    const admin = await adminToken(hospital());
    const res = await request(hospital().app).get(`/fhir/ChargeItem?subject=Patient/${patientId}`).auth(admin, { type: 'bearer' }).expect(200);
    type Resource = { code: { coding: Array<{ code: string }> }; status: string; supportingInformation?: Array<{ reference: string }>; extension: Array<{ extension: Array<{ url: string; valueInteger?: number; valueCoding?: { code: string } }> }> };
    return (res.body.entry ?? []).map((e: { resource: Resource }) => e.resource)
      .filter((r: Resource) => /^9942[123]$/.test(r.code.coding[0].code))
      .map((r: Resource) => ({
        code: r.code.coding[0].code, status: r.status, minutes: r.extension[0].extension.find((x) => x.url === 'minutes')?.valueInteger,
        reasons: r.extension[0].extension.filter((x) => x.url === 'reason' && x.valueCoding!.code !== 'qualifies').map((x) => x.valueCoding!.code),
        evidence: (r.supportingInformation ?? []).map((s) => s.reference),
      }));
  }

  it('when the doctor documents 4/5, 10/11 and 20/21 minutes on a patient\'s conversation, then the e-visit is the band reached: 99421–99423', async () => {
    const results: Array<[number, string, string, string[]]> = [];
    const visits: Array<[number, Visit]> = [];
    for (const minutes of [4, 5, 10, 11, 20, 21]) visits.push([minutes, await conversation(minutes)]);
    expect(await eVisitsOf(visits[0][1].patient.patientId), 'nothing before the 7 days are over').to.deep.equal([]);
    await chargePeriods(hospital().node, AFTER_THE_WINDOW());
    for (const [minutes, visit] of visits) {
      const [charge] = await eVisitsOf(visit.patient.patientId);
      results.push([minutes, charge.code, charge.status, charge.reasons]);
    }
    expect(results).to.deep.equal([
      [4, '99421', 'not-billable', ['minutes-below-minimum']], [5, '99421', 'billable', []], [10, '99421', 'billable', []],
      [11, '99422', 'billable', []], [20, '99422', 'billable', []], [21, '99423', 'billable', []],
    ]);
  });

  it('when a conversation by messages finishes, then it is not billed as an E/M visit: that needs a real-time contact', async () => {
    const visit = await newVisit(hospital(), 'Chat');
    await diagnoseHypertensionInPerson(hospital(), visit.patient.patientId, visit.doctor.practitionerId);
    await startVisit(hospital(), visit);
    await request(hospital().app).put(`/api/visits/${visit.visitId}/note`).auth(visit.doctor.token, { type: 'bearer' })
      .send({ ...note, contactMode: 'chat', documentedMinutes: 25 }).expect(200);
    const res = await request(hospital().app).post(`/api/visits/${visit.visitId}/finish`).auth(visit.doctor.token, { type: 'bearer' }).send({}).expect(200);
    const em = res.body.charges.find((c: { code: string }) => /^992/.test(c.code));
    expect([em.code, em.status, em.reasons.filter((r: { code: string }) => r.code !== 'qualifies').map((r: { code: string }) => r.code)])
      .to.deep.equal(['99213', 'not-billable', ['not-real-time']]);
  });

  it('when two conversations start within 7 days, then their minutes add up in one e-visit, with both as evidence', async () => {
    const first = await conversation(6);
    const second = await conversation(7, { visit: await again(first) });
    await chargePeriods(hospital().node, AFTER_THE_WINDOW());
    const charges = await eVisitsOf(first.patient.patientId);
    expect(charges.map((c) => [c.code, c.status, c.minutes])).to.deep.equal([['99422', 'billable', 13]]);
    expect(charges[0].evidence.filter((r) => r.startsWith('Encounter/'))).to.deep.equal([`Encounter/${first.visitId}`, `Encounter/${second.visitId}`]);
  });

  it('when the doctor started the conversation, then it is no e-visit: not patient-initiated', async () => {
    const visit = await conversation(12, { firstSender: 'doctor' });
    await chargePeriods(hospital().node, AFTER_THE_WINDOW());
    expect((await eVisitsOf(visit.patient.patientId)).map((c) => [c.code, c.status, c.reasons])).to.deep.equal([['99422', 'not-billable', ['not-patient-initiated']]]);
  });

  it('when an E/M video visit on the same problem falls within the 7 days, then the e-visit is not billable: mutually exclusive', async () => {
    const online = await conversation(15);
    const video = await again(online);
    await startVisit(hospital(), video);
    const t0 = Date.now() - 22 * 60_000;
    const line = sessionLogWriter(hospital(), { appointmentId: video.appointment.id, encounterId: video.visitId, patientUserId: video.patient.userId, doctorUserId: video.doctor.userId }, t0);
    await line('patient', 'connect', 0);
    await line('doctor', 'connect', 0);
    await line('patient', 'leave', 21 * 60_000);
    await line('doctor', 'leave', 21 * 60_000);
    await request(hospital().app).put(`/api/visits/${video.visitId}/note`).auth(video.doctor.token, { type: 'bearer' }).send(note).expect(200);
    const finished = await request(hospital().app).post(`/api/visits/${video.visitId}/finish`).auth(video.doctor.token, { type: 'bearer' }).send({}).expect(200);
    expect(finished.body.charges.find((c: { code: string }) => c.code === '99213')).to.include({ status: 'billable' });
    await chargePeriods(hospital().node, AFTER_THE_WINDOW());
    expect((await eVisitsOf(online.patient.patientId)).map((c) => [c.code, c.status, c.reasons])).to.deep.equal([['99422', 'not-billable', ['mutually-exclusive']]]);
  });

  it('when the conversation is the patient\'s first-ever contact here, then it is no e-visit: for established patients only, as E/M decides', async () => {
    const established = await conversation(12);
    const firstEver = await conversation(12, { firstEverContact: true });
    await chargePeriods(hospital().node, AFTER_THE_WINDOW());
    const [seen] = await eVisitsOf(established.patient.patientId);
    const [unseen] = await eVisitsOf(firstEver.patient.patientId);
    expect([[seen.code, seen.status, seen.reasons], [unseen.code, unseen.status, unseen.reasons]])
      .to.deep.equal([['99422', 'billable', []], ['99422', 'not-billable', ['not-eligible']]]);
  });
});
