import { expect } from 'chai';
import request from 'supertest';
import { homePageSuite } from '../support/browser.js';
import { checkPage } from '../support/page-checks.js';
import { ACCOUNT_PASSWORD } from '../support/factories.js';
import { openFollowUpVisit, PHARMACIST } from '../support/prescriptions.js';
import type { TestNode } from '../support/test-node.js';

/** The password the factories give every patient and doctor they create (test/support/factories.ts). */

describe('the doctor\'s home in the browser: visits, alerts, the visit workspace and prescribing (headless Chromium)', function () {
  const suite = homePageSuite();
  let hospital: TestNode;
  before(() => { hospital = suite.node.hospital; });
  const signIn = (email: string) => suite.signIn(email, ACCOUNT_PASSWORD);

  /** The patient's cuff sends a crisis reading: an alert for the doctor of their latest visit. */
  async function crisisReading(patient: { patientId: string; token: string }) {
    const sent = await request(hospital.app).post(`/api/patients/${patient.patientId}/readings`).auth(patient.token, { type: 'bearer' }).send({
      code: '85354-9', effectiveAt: new Date(Date.now() - 60_000).toISOString(), entryMethod: 'device', deviceName: 'Omron M7',
      components: [{ code: '8480-6', value: 190, unit: 'mm[Hg]' }, { code: '8462-4', value: 125, unit: 'mm[Hg]' }],
    });
    expect(sent.status, JSON.stringify(sent.body)).to.equal(201);
    expect(sent.body.alerts).to.have.length(1);
    return sent.body.alerts[0].id as string;
  }

  it('when a doctor signs in, then their upcoming video visit names the patient and links to its room, and an open alert is acknowledged off the list with the minutes she spent on it', async () => {
    const { patient, doctor, visit } = await openFollowUpVisit(hospital);
    const alertId = await crisisReading(patient);
    const page = await signIn(doctor.email);

    const upcoming = page.locator(`#upcoming-visits [data-appointment="${visit.appointmentId}"]`);
    await upcoming.waitFor();
    expect(await upcoming.locator('.patient').textContent()).to.equal('Rx Test');
    expect(await upcoming.textContent()).to.contain('video follow-up').and.to.contain('booked');
    expect(await upcoming.getByRole('link', { name: 'Open video room' }).getAttribute('href')).to.equal(`/visit/${visit.appointmentId}`);

    const alert = page.locator(`#my-alerts [data-alert="${alertId}"]`);
    await alert.waitFor();
    expect(await alert.textContent()).to.contain('Blood pressure crisis').and.to.contain('Rx Test').and.to.contain('190/125');
    const minutes = alert.getByLabel('Minutes spent on this alert (optional)');
    await minutes.fill('61');
    await alert.getByRole('button', { name: 'Acknowledge' }).click();
    await page.locator('#my-alerts [role="alert"]').filter({ hasText: 'Some values are missing or not valid.' }).waitFor();
    expect((await hospital.db.models.MonitoringAlert.findByPk(alertId, { rejectOnEmpty: true })).status, 'a refused acknowledgement changes nothing').to.equal('open');
    expect((await minutes.boundingBox())!.height, 'a target a finger can hit').to.be.at.least(44);
    await checkPage(page, 'doctor-alert-minutes-refused');
    await minutes.fill('25');
    await alert.getByRole('button', { name: 'Acknowledge' }).click();
    await alert.waitFor({ state: 'detached' });
    await page.locator('#my-alerts [role="status"]').filter({ hasText: 'Acknowledged: Blood pressure crisis for Rx Test.' }).waitFor();
    await page.locator('#my-alerts').getByText('No open alerts.').waitFor();
    const stored = await hospital.db.models.MonitoringAlert.findByPk(alertId, { rejectOnEmpty: true });
    expect(stored.status).to.equal('acknowledged');
    expect(stored.acknowledgedBy).to.equal(doctor.userId);
    expect(stored.acknowledgedMinutes, 'the minutes count toward remote monitoring time (99457)').to.equal(25);
    await checkPage(page, 'doctor-alert-acknowledged');
  });

  it('when the doctor writes the note and prescribes in an in-progress visit, then the prescription is listed pending review; a refusal names the line, keeps the form and stores nothing', async () => {
    const { doctor, visit } = await openFollowUpVisit(hospital);
    const page = await signIn(doctor.email);
    await page.locator(`#upcoming-visits [data-appointment="${visit.appointmentId}"]`).getByRole('button', { name: 'Open the visit workspace' }).click();
    await page.waitForSelector('#visit-state[data-status="in-progress"]');

    await page.getByLabel('Subjective').fill('Home readings 150/95 on most days; no headache.');
    await page.getByLabel('Assessment').fill('Essential hypertension (I10), above target.');
    await page.getByLabel('Plan').fill('Start ramipril 5 mg once daily.');
    await page.getByRole('button', { name: 'Save note' }).click();
    await page.locator('#visit-note [role="status"]').filter({ hasText: 'Note saved' }).waitFor();
    const note = await hospital.db.models.VisitNote.findOne({ where: { encounterId: visit.id }, rejectOnEmpty: true });
    expect(note.assessment).to.equal('Essential hypertension (I10), above target.');
    expect(note.status).to.equal('preliminary');

    const line = (n: number) => page.getByRole('group', { name: `Line ${n}` });
    const fillLine = async (n: number, drugCode: string, quantity: number, supplyDays: number) => {
      await line(n).getByLabel('Medicine').selectOption(drugCode);
      await line(n).getByLabel('Dose').fill('1 tablet');
      await line(n).getByLabel('Frequency').fill('once daily');
      await line(n).getByLabel('Quantity').fill(String(quantity));
      await line(n).getByLabel('Supply (days)').fill(String(supplyDays));
    };
    const issue = () => page.getByRole('button', { name: 'Issue prescription' }).click();
    const stored = () => hospital.db.models.Prescription.findAll({ where: { encounterId: visit.id } });

    await fillLine(1, 'C09AA05', 7, 7);
    await issue();
    await page.locator('#prescribing [role="status"]').filter({ hasText: /^Prescription RX-\S+ issued: waiting for a pharmacist's review\.$/ }).waitFor();
    const [first] = await stored();
    const issuedRow = page.locator(`#issued-prescriptions [data-prescription="${first!.id}"]`);
    await issuedRow.locator('.status[data-status="pending-review"]').waitFor();
    expect(await issuedRow.textContent()).to.contain('Rx Test').and.to.contain('Ramipril: 1 tablet once daily, 7 for 7 days').and.to.contain('pending review');

    // Four weeks without a chronic condition: refused in words that name the line; the form keeps every entry.
    await fillLine(1, 'C09AA05', 28, 28);
    await page.getByRole('button', { name: 'Add a medicine' }).click();
    await fillLine(2, 'C08CA01', 7, 7);
    await issue();
    const refusal = page.locator('#prescribing [role="alert"]');
    await refusal.filter({ hasText: 'The prescription was not issued:' }).waitFor();
    const refusalText = await refusal.textContent();
    expect(refusalText).to.contain('Line 1 (Ramipril 5 mg tablet), supply (days): Supply is at most 7 days').and.not.to.contain('Line 2');
    expect(refusalText).to.contain('Choose the chronic condition the medicine treats');
    expect(await line(1).getByLabel('Supply (days)').getAttribute('aria-invalid')).to.equal('true');
    expect(await line(1).getByLabel('Supply (days)').inputValue()).to.equal('28');
    expect(await line(2).getByLabel('Medicine').inputValue()).to.equal('C08CA01');
    expect(await stored()).to.have.length(1);
    expect(await hospital.db.models.PrescriptionLine.count({ where: { prescriptionId: first!.id } })).to.equal(1);

    // With the chronic condition it treats, the same form is issued as it stands.
    await page.getByLabel('Chronic condition treated').selectOption('I10');
    await issue();
    await page.locator('#prescribing [role="status"]').filter({ hasText: 'issued' }).waitFor();
    expect(await refusal.textContent()).to.equal('');
    const second = (await stored()).find((p) => p.id !== first!.id)!;
    expect(second.chronicConditionCode).to.equal('I10');
    expect(await hospital.db.models.PrescriptionLine.count({ where: { prescriptionId: second.id } })).to.equal(2);
    await page.locator(`#issued-prescriptions [data-prescription="${second.id}"]`).waitFor();
    expect(await line(1).getByLabel('Supply (days)').inputValue(), 'an issued prescription clears the form').to.equal('');
    expect(await line(2).count()).to.equal(0);

    // Finishing saves the note's last edit first, then signs it.
    await page.getByLabel('Plan').fill('Start ramipril 5 mg and amlodipine 5 mg once daily; readings again in 4 weeks.');
    await page.getByRole('button', { name: 'Finish the visit' }).click();
    await page.waitForSelector('#visit-state[data-status="finished"]');
    await page.locator('#visit-note [role="status"]').filter({ hasText: 'The note was signed when the visit finished' }).waitFor();
    await note.reload();
    expect(note.status).to.equal('final');
    expect(note.plan).to.equal('Start ramipril 5 mg and amlodipine 5 mg once daily; readings again in 4 weeks.');
    expect(await page.getByLabel('Plan').getAttribute('readonly')).to.not.equal(null);

    // The pharmacist's rejection shows in the doctor's list with its reason.
    const pharmacistToken = await hospital.tokenFor(PHARMACIST);
    await request(hospital.app).post(`/api/prescriptions/${first!.id}/review`).auth(pharmacistToken, { type: 'bearer' })
      .send({ decision: 'reject', reasonCode: 'dose-out-of-range', note: 'Start at 2.5 mg.' }).expect(200);
    await page.locator('#issued-prescriptions').getByRole('button', { name: 'Refresh' }).click();
    await issuedRow.locator('.status[data-status="rejected"]').filter({ hasText: 'rejected by the pharmacist: Dose out of range ("Start at 2.5 mg.")' }).waitFor();
  });
});
