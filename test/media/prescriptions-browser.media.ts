import { expect } from 'chai';
import type { Page } from 'playwright-core';
import { homePageSuite } from '../support/browser.js';
import { ACCOUNT_PASSWORD } from '../support/factories.js';
import { openFollowUpVisit, issuePrescription, PHARMACIST, readyPrescription } from '../support/prescriptions.js';
import { DEMO_PASSWORD, type TestNode } from '../support/test-node.js';

describe('prescriptions in the browser: the patient\'s code and the pharmacy desk (headless Chromium)', function () {
  const suite = homePageSuite();
  const { signIn } = suite;
  let hospital: TestNode;
  before(() => { hospital = suite.hospital; });

  const statusOf = (page: Page, prescriptionId: string) => page.locator(`[data-prescription="${prescriptionId}"] .status`);

  it('when the patient shows the code and the pharmacist enters it, then the medicines are handed over once and the patient sees it dispensed', async () => {
    const rx = await readyPrescription(hospital);
    const patientPage = await signIn(rx.patient.email, ACCOUNT_PASSWORD);
    await statusOf(patientPage, rx.id).filter({ hasText: 'ready' }).waitFor();

    await patientPage.locator(`[data-prescription="${rx.id}"]`).getByRole('button', { name: 'Show code' }).click();
    const qr = patientPage.getByRole('img', { name: /^QR code of prescription / });
    await qr.waitFor();
    // The SVG decoded as an image (the page's Content-Security-Policy lets data: images through).
    await patientPage.waitForFunction(() => (document.querySelector('img.qr') as HTMLImageElement).naturalWidth > 0);
    const shownCode = await patientPage.getByLabel('Prescription code').inputValue();
    expect(shownCode).to.equal(rx.code);

    const desk = await signIn(PHARMACIST, DEMO_PASSWORD);
    await desk.getByLabel('Patient\'s prescription code').fill(shownCode);
    await desk.getByRole('button', { name: 'Check code' }).click();
    const checked = desk.locator('#dispensation article');
    await checked.waitFor();
    expect(await checked.locator('.verified').textContent()).to.match(/^Verified \(key /);
    expect(await checked.textContent()).to.contain('Rx Test').and.to.contain('Ramipril');
    const quantity = desk.getByLabel(/^Quantity of .* to hand over$/);
    expect(await quantity.inputValue()).to.equal('7');
    expect(await quantity.getAttribute('max')).to.equal('7');

    await desk.getByRole('button', { name: 'Hand over' }).click();
    await desk.waitForSelector('#dispensation-state[data-state="completed"]');
    expect(await desk.locator('#dispensation-state').textContent()).to.equal('Dispensed: the issuer\'s signed receipt is verified.');
    const prescription = await hospital.db.models.Prescription.findByPk(rx.id, { rejectOnEmpty: true });
    expect(prescription.status).to.equal('completed');
    expect(await hospital.db.models.MedicationDispense.count({ where: { prescriptionId: rx.id } })).to.equal(1);

    await patientPage.locator('#my-prescriptions').getByRole('button', { name: 'Refresh' }).click();
    await statusOf(patientPage, rx.id).filter({ hasText: 'dispensed' }).waitFor();
    expect(await patientPage.locator(`[data-prescription="${rx.id}"]`).getByRole('button', { name: 'Show code' }).count()).to.equal(0);

    // The same code again is refused in the server's words, and nothing is dispensed twice.
    await desk.getByLabel('Patient\'s prescription code').fill(shownCode);
    await desk.getByRole('button', { name: 'Check code' }).click();
    await desk.locator('#pharmacy-desk [role="alert"]').filter({ hasText: /already been dispensed/ }).waitFor();
    expect(await desk.locator('#dispensation article').count()).to.equal(0);
    expect(await hospital.db.models.MedicationDispense.count({ where: { prescriptionId: rx.id } })).to.equal(1);
  });

  it('when the pharmacist gives a prescription back, then the same code can be taken again; text that is not a code is refused in words; a held one is finished after a reload', async () => {
    const rx = await readyPrescription(hospital);
    const desk = await signIn(PHARMACIST, DEMO_PASSWORD);
    await desk.getByLabel('Patient\'s prescription code').fill(rx.code);
    await desk.getByRole('button', { name: 'Check code' }).click();
    await desk.getByRole('button', { name: 'Give back' }).click();
    await desk.waitForSelector('#dispensation-state[data-state="given-back"]');
    expect((await hospital.db.models.Prescription.findByPk(rx.id, { rejectOnEmpty: true })).status).to.equal('ready');

    await desk.getByLabel('Patient\'s prescription code').fill(rx.code);
    await desk.getByRole('button', { name: 'Check code' }).click();
    await desk.waitForSelector('#dispensation-state[data-state="in-progress"]');
    const { number } = await hospital.db.models.Prescription.findByPk(rx.id, { rejectOnEmpty: true });
    const held = desk.locator('#held li').filter({ hasText: `Prescription ${number} for Rx Test` });
    await held.waitFor();

    await desk.getByLabel('Patient\'s prescription code').fill('not a code');
    await desk.getByRole('button', { name: 'Check code' }).click();
    await desk.locator('#pharmacy-desk [role="alert"]').filter({ hasText: /^This is not a prescription code/ }).waitFor();

    // The held prescription is still listed after the refusal (or a reload), and can be given back from there.
    await desk.reload();
    await held.getByRole('button', { name: 'Continue' }).click();
    await desk.getByRole('button', { name: 'Give back' }).click();
    await desk.waitForSelector('#dispensation-state[data-state="given-back"]');
    await held.waitFor({ state: 'detached' });
    expect((await hospital.db.models.Prescription.findByPk(rx.id, { rejectOnEmpty: true })).status).to.equal('ready');
  });

  it('when the pharmacist rejects without a reason, then the page asks for one; with one, the patient sees it rejected', async () => {
    const setup = await openFollowUpVisit(hospital);
    const issued = await issuePrescription(hospital, setup);
    expect(issued.status).to.equal(201);
    const desk = await signIn(PHARMACIST, DEMO_PASSWORD);
    const item = desk.locator(`#review-queue [data-prescription="${issued.body.id}"]`);
    await item.waitFor();

    await item.getByRole('button', { name: 'Reject' }).click();
    await desk.locator('#review-queue [role="alert"]').filter({ hasText: 'Choose a reason to reject' }).waitFor();
    await item.getByLabel('Reason (to reject)').selectOption('dose-out-of-range');
    await item.getByRole('button', { name: 'Reject' }).click();
    await desk.locator('#review-queue [role="status"]').filter({ hasText: 'rejected' }).waitFor();
    await item.waitFor({ state: 'detached' });

    const patientPage = await signIn(setup.patient.email, ACCOUNT_PASSWORD);
    await statusOf(patientPage, issued.body.id).filter({ hasText: 'rejected' }).waitFor();
    const stored = await hospital.db.models.Prescription.findByPk(issued.body.id, { rejectOnEmpty: true });
    expect(stored.reviewReasonCode).to.equal('dose-out-of-range');
  });
});
