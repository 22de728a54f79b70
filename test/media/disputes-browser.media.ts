import { expect } from 'chai';
import type { Page } from 'playwright-core';
import request from 'supertest';
import { escalateOverdueAlerts } from '../../server/monitoring/alerts.js';
import { homePageSuite } from '../support/browser.js';
import { adminToken, newVisit, sessionLogWriter, startVisit } from '../support/consultations.js';
import { ACCOUNT_PASSWORD } from '../support/factories.js';
import { DEMO_PASSWORD, type TestNode } from '../support/test-node.js';

const ADMIN = 'admin@demo.test';

describe('disputes and escalations in the browser: the patient disputes a visit, the admin reads the evidence and resolves it (headless Chromium)', function () {
  const suite = homePageSuite();
  let hospital: TestNode;
  before(() => { hospital = suite.hospital; });
  const post = (path: string, token: string, body: object = {}) => request(hospital.app).post(path).auth(token, { type: 'bearer' }).send(body);

  /** A video follow-up that happened: waiting room, admission, 3 min 11 s of video, a message from the patient, a note, finished. */
  async function finishedVisit() {
    const visit = await newVisit(hospital, 'Disputing');
    await startVisit(hospital, visit);
    const t0 = Date.now() - 5 * 60_000;
    const line = sessionLogWriter(hospital, {
      appointmentId: visit.appointment.id, encounterId: visit.visitId, patientUserId: visit.patient.userId, doctorUserId: visit.doctor.userId,
    }, t0);
    await line('patient', 'join', 0);
    await line('doctor', 'join', 1000);
    await line('patient', 'connect', 2000);
    await line('doctor', 'connect', 2500);
    await line('patient', 'disconnect', 194_000);
    await post(`/api/visits/${visit.visitId}/messages`, visit.patient.token, { text: 'The picture froze after three minutes' }).expect(201);
    await request(hospital.app).put(`/api/visits/${visit.visitId}/note`).auth(visit.doctor.token, { type: 'bearer' })
      .send({ subjective: 'Call dropped', assessment: 'I10 stable', plan: 'Same treatment' }).expect(200);
    await post(`/api/visits/${visit.visitId}/finish`, visit.doctor.token).expect(200);
    return visit;
  }

  /** The admin's page with the dispute's evidence open under "Dispute under review". */
  async function adminReviewing(disputeId: string): Promise<Page> {
    const page = await suite.signIn(ADMIN, DEMO_PASSWORD);
    await page.locator(`#open-disputes [data-dispute="${disputeId}"]`).getByRole('button', { name: /^Review the evidence/ }).click();
    await page.locator('#dispute-review table').first().waitFor();
    return page;
  }

  it('when a patient disputes a finished visit, then the admin reads its evidence in order, resolves it as upheld, a second resolution is refused in words, and the patient reads the outcome', async () => {
    const visit = await finishedVisit();
    const patientPage = await suite.signIn(visit.patient.email, ACCOUNT_PASSWORD);
    const appointment = patientPage.locator(`#my-appointments [data-appointment="${visit.appointment.id}"][data-status="fulfilled"]`);
    await appointment.getByRole('button', { name: /^Dispute this visit on / }).click();
    const form = appointment.getByRole('form', { name: /^Dispute the visit on / });
    await form.getByRole('button', { name: 'Open the dispute' }).click();
    await form.getByRole('alert').filter({ hasText: 'Say what went wrong with the visit' }).waitFor();
    expect(await hospital.db.models.Dispute.count({ where: { patientId: visit.patient.patientId } })).to.equal(0);

    const reason = 'The video froze after 3 minutes but the visit was billed as 20';
    await form.getByLabel('What went wrong?').fill(reason);
    await form.getByRole('button', { name: 'Open the dispute' }).click();
    await appointment.getByRole('status').filter({ hasText: /^Dispute opened about the visit on .*The hospital's answer will be under My disputes\.$/ }).waitFor();
    const dispute = await hospital.db.models.Dispute.findOne({ where: { patientId: visit.patient.patientId }, rejectOnEmpty: true });
    expect(dispute).to.include({ encounterId: visit.visitId, reason, status: 'open' });
    expect(await hospital.db.models.Encounter.count({ where: { appointmentId: visit.appointment.id } }), 'finding the visit created nothing').to.equal(1);
    const mine = patientPage.locator(`#my-disputes [data-dispute="${dispute.id}"][data-status="open"]`);
    await mine.waitFor();
    expect(await mine.textContent()).to.contain('Video follow-up on').and.to.contain('with Dr Greg DisputingDoctor').and.to.contain(reason)
      .and.to.contain('Open: the hospital is reviewing');

    // A second admin has the same dispute open in another window before the first resolves it.
    const other = await adminReviewing(dispute.id);
    const admin = await adminReviewing(dispute.id);
    const listed = admin.locator(`#open-disputes [data-dispute="${dispute.id}"]`);
    expect(await listed.locator('.patient').textContent()).to.equal('DisputingPatient Test');
    expect(await listed.textContent()).to.contain('Video follow-up on').and.to.contain('Dr Greg DisputingDoctor').and.to.contain(reason).and.to.contain('Opened');

    const review = admin.locator('#dispute-review');
    expect(await review.locator('.connected-time').textContent()).to.equal('Video connected time: Both sides were connected for 3 min 11 s');
    const evidence = review.getByRole('table', { name: 'Evidence in time order' });
    const kinds = await evidence.locator('tbody tr').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-kind')));
    const { timeline } = (await request(hospital.app).get(`/api/disputes/${dispute.id}/timeline`).auth(await adminToken(hospital), { type: 'bearer' }).expect(200)).body;
    expect(kinds).to.deep.equal(timeline.filter((e: { source: string }) => e.source !== 'audit').map((e: { kind: string }) => e.kind));
    const at = (kind: string) => kinds.indexOf(kind);
    for (const kind of ['appointment-booked', 'visit-arrived', 'visit-in-progress', 'video-patient-connect', 'message', 'note-signed', 'visit-finished', 'video-connected-time']) {
      expect(kinds, kind).to.include(kind);
    }
    expect(at('appointment-booked')).to.be.lessThan(at('visit-arrived'));
    expect(at('visit-arrived')).to.be.lessThan(at('visit-in-progress'));
    expect(at('visit-in-progress')).to.be.lessThan(at('message'));
    expect(at('message')).to.be.lessThan(at('visit-finished'));
    const message = evidence.locator('tr[data-kind="message"]');
    expect(await message.textContent()).to.contain('Messages').and.to.contain('patient: The picture froze after three minutes');

    // Sources can be hidden; the audit trail is folded away until opened.
    await review.getByRole('checkbox', { name: 'Messages (1)' }).uncheck();
    await message.waitFor({ state: 'hidden' });
    await review.getByRole('checkbox', { name: 'Messages (1)' }).check();
    await message.waitFor({ state: 'visible' });
    const auditTrail = review.locator('details.audit-trail');
    expect(await auditTrail.getAttribute('open')).to.equal(null);
    const auditTable = review.getByRole('table', { name: 'Audit trail in time order' });
    expect(await auditTable.isVisible()).to.equal(false);
    await auditTrail.locator('summary').click();
    await auditTable.waitFor({ state: 'visible' });
    // Finishing changed two records, the appointment and the visit's encounter: one audit row each.
    const finished = await auditTable.locator('tr[data-kind="audit-visit-finished"]').allTextContents();
    expect(finished).to.have.length(2);
    expect(new Set(finished).size).to.equal(2);

    await review.getByRole('button', { name: 'Resolve the dispute' }).click();
    await review.getByRole('alert').filter({ hasText: 'Choose an outcome' }).waitFor();
    await review.getByLabel('Upheld', { exact: true }).check();
    await review.getByLabel('Resolution (the patient reads this)').fill('The session log shows 3 minutes of video: the charge is voided.');
    await review.getByRole('button', { name: 'Resolve the dispute' }).click();
    await review.getByRole('status').filter({ hasText: 'Resolved as Upheld. The patient sees the outcome under My disputes.' }).waitFor();
    await admin.locator(`#resolved-disputes [data-dispute="${dispute.id}"]`).waitFor();
    await listed.waitFor({ state: 'detached' });
    expect(await (await dispute.reload()).get({ plain: true })).to.include({ status: 'resolved', outcome: 'upheld' });

    // The other window resolves again: refused in words, the resolution on record shown, nothing changed.
    const late = other.locator('#dispute-review');
    await late.getByLabel('Rejected').check();
    await late.getByLabel('Resolution (the patient reads this)').fill('No fault found.');
    await late.getByRole('button', { name: 'Resolve the dispute' }).click();
    await late.getByRole('alert').filter({ hasText: 'This dispute had already been resolved (by another admin, or in another window), so your resolution was not recorded.' }).waitFor();
    await late.locator('.resolution[data-outcome="upheld"]').filter({ hasText: 'The session log shows 3 minutes of video' }).waitFor();
    expect((await dispute.reload()).outcome).to.equal('upheld');

    await mine.getByRole('button', { name: /^Check for an answer to the dispute you opened on / }).click();
    const answered = patientPage.locator(`#my-disputes [data-dispute="${dispute.id}"][data-status="resolved"]`);
    await answered.waitFor();
    expect(await answered.locator('.outcome').textContent()).to.equal('Resolved: Upheld');
    expect(await answered.textContent()).to.contain('the hospital agrees with you');
    expect(await answered.locator('.answer').textContent()).to.equal('The session log shows 3 minutes of video: the charge is voided.');
    await patientPage.locator('#my-disputes [role="status"]').filter({ hasText: /has been answered\.$/ }).waitFor();
  });

  it('when a crisis alert goes unacknowledged past its escalation time, then it is on the admin\'s list of escalated alerts with the patient, the treating doctor, the reading and both times', async () => {
    const visit = await newVisit(hospital, 'Escalated');
    const sent = await post(`/api/patients/${visit.patient.patientId}/readings`, visit.patient.token, {
      code: '85354-9', effectiveAt: new Date(Date.now() - 60_000).toISOString(), entryMethod: 'device', deviceName: 'Omron M7',
      components: [{ code: '8480-6', value: 195, unit: 'mm[Hg]' }, { code: '8462-4', value: 125, unit: 'mm[Hg]' }],
    }).expect(201);
    const alert = sent.body.alerts[0] as { id: string; escalateAt: string };
    const page = await suite.signIn(ADMIN, DEMO_PASSWORD);
    const escalated = page.locator('#escalated-alerts');
    await escalated.getByText('No escalated alerts.').waitFor();

    expect(await escalateOverdueAlerts(hospital.db, new Date(Date.parse(alert.escalateAt) + 1000))).to.include(alert.id);
    await escalated.getByRole('button', { name: 'Refresh the escalated alerts' }).click();
    const row = escalated.locator(`[data-alert="${alert.id}"]`);
    await row.waitFor();
    expect(await row.textContent()).to.contain('Blood pressure crisis (critical)').and.to.contain('195/125').and.to.contain('Raised').and.to.contain('escalated');
    expect(await row.locator('.patient').textContent()).to.equal('EscalatedPatient Test');
    const doctor = await hospital.db.models.Practitioner.findByPk(visit.doctor.practitionerId, { rejectOnEmpty: true });
    expect(await row.locator('.doctor').textContent()).to.equal(`Dr ${doctor.givenName} ${doctor.familyName}`);
    expect(await row.locator('time').count()).to.equal(2);
  });
});
