import { expect } from 'chai';
import { homePageSuite } from '../support/browser.js';
import { chargeItem, coveredPatient, DEMO_INSURER, demoPayerId } from '../support/billing.js';
import { recordInPersonVisit } from '../support/factories.js';
import { DEMO_PASSWORD, type TestNode } from '../support/test-node.js';

describe('the insurer\'s billing page in the browser: filter, explanation, CSV export (headless Chromium)', function () {
  const suite = homePageSuite();
  let hospital: TestNode;
  before(() => { hospital = suite.hospital; });

  it('when the insurer filters its members\' charges by code, then it opens a charge\'s reasons and evidence and exports the same rows as CSV', async () => {
    const member = await coveredPatient(hospital, await demoPayerId(hospital), 'Browsed');
    const visit = await recordInPersonVisit(hospital, member.patient.patientId, member.doctor.practitionerId);
    const base = { patientId: member.patient.patientId, practitionerId: member.doctor.practitionerId, encounterId: visit.id };
    const billable = await chargeItem(hospital, { ...base, code: '99213', date: '2026-02-10', price: 90 });
    await chargeItem(hospital, { ...base, code: '99215', date: '2026-02-10', status: 'not-billable',
      reasons: [{ code: 'minutes-below-minimum', display: 'Connected 22 minutes; 99215 needs 40.' }] });

    const page = await suite.signIn(DEMO_INSURER, DEMO_PASSWORD);
    const section = page.locator('#insurer-billing');
    await section.getByLabel('From').fill('2026-02-01');
    await section.getByLabel('to', { exact: true }).fill('2026-02-28');
    await section.getByLabel('Code').fill('99213');
    await section.getByRole('button', { name: 'Show charges' }).click();
    const row = section.locator(`[data-charge="${billable.id}"]`);
    await row.waitFor();
    expect(await section.locator('tbody tr').count()).to.equal(1);
    await row.getByText('Why').click();
    await row.locator('[data-reason="qualifies"]').waitFor();
    expect(await row.locator('.evidence a').getAttribute('href')).to.equal(`/fhir/Encounter/${visit.id}`);

    await section.getByLabel('Code').fill('');
    await section.getByLabel('Status').selectOption('not-billable');
    await section.getByRole('button', { name: 'Show charges' }).click();
    await section.locator('[data-reason="minutes-below-minimum"]').first().waitFor({ state: 'attached' });

    const download = page.waitForEvent('download');
    await section.getByRole('button', { name: 'Export CSV' }).click();
    const csv = await (await download).createReadStream().then(async (stream) => {
      let text = '';
      for await (const chunk of stream) text += String(chunk);
      return text;
    });
    const lines = csv.trim().split('\r\n');
    expect(lines).to.have.length(2);
    expect(lines[1]).to.include('99215').and.include('not-billable').and.include('Connected 22 minutes');
    await page.screenshot({ path: 'test-results/billing-insurer-export.png', fullPage: true });
  });
});
