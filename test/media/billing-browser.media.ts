import { expect } from 'chai';
import type { Page } from 'playwright-core';
import request from 'supertest';
import { en } from '../../client/i18n/en.js';
import { zhCN } from '../../client/i18n/zh-CN.js';
import { homePageSuite } from '../support/browser.js';
import { chargeItem, coveredPatient, DEMO_INSURER, demoPayerId } from '../support/billing.js';
import { adminToken, newVisit, sessionLogWriter, startVisit } from '../support/consultations.js';
import { ACCOUNT_PASSWORD, diagnoseHypertensionInPerson, newPatient, recordInPersonVisit } from '../support/factories.js';
import { checkPage, VIEWPORTS } from '../support/page-checks.js';
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
    const shortVisit = section.locator('[data-reason="minutes-below-minimum"]').first();
    await shortVisit.waitFor({ state: 'attached' });
    // The page words the rule's reason code for staff; the CSV below keeps the rules' stored English.
    expect(await shortVisit.textContent()).to.equal(en.billing.staffReason['minutes-below-minimum']);

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

  /** A covered, eligible patient's video visit in progress, both sides connected for `minutes` (and 30 s), with a note. */
  async function connectedVisit(minutes: number, name: string) {
    const visit = await newVisit(hospital, name);
    await diagnoseHypertensionInPerson(hospital, visit.patient.patientId, visit.doctor.practitionerId);
    await startVisit(hospital, visit);
    const line = sessionLogWriter(hospital, {
      appointmentId: visit.appointment.id, encounterId: visit.visitId, patientUserId: visit.patient.userId, doctorUserId: visit.doctor.userId,
    }, Date.now() - (minutes + 1) * 60_000);
    for (const side of ['patient', 'doctor'] as const) await line(side, 'connect', 0);
    for (const side of ['patient', 'doctor'] as const) await line(side, 'leave', minutes * 60_000 + 30_000);
    await request(hospital.app).put(`/api/visits/${visit.visitId}/note`).auth(visit.doctor.token, { type: 'bearer' })
      .send({ subjective: 'Home readings 130/84', assessment: 'Hypertension, controlled', plan: 'Continue ramipril' }).expect(200);
    return visit;
  }

  const visitCharges = async (visitId: string) => (await request(hospital.app).get(`/api/visits/${visitId}/charges`)
    .auth(await adminToken(hospital), { type: 'bearer' }).expect(200)).body as Array<{ id: string; code: string; status: string; versionId: string; reasons: Array<{ code: string; display: string }> }>;

  for (const [locale, viewport] of [['en-US', 'desktop'], ['zh-CN', 'phone']] as const) {
    it(`when the doctor finishes a 25-minute video visit (${locale}, ${VIEWPORTS[viewport].width} px), then the page explains the 99213 the minutes reach, offers only it and lower levels, refuses a higher one in the doctor's language and bills the lower one chosen`, async () => {
      const visit = await connectedVisit(25, `Level${viewport}`);
      const page = await suite.signIn(visit.doctor.email, ACCOUNT_PASSWORD, { locale, viewport: VIEWPORTS[viewport] });
      await page.locator(`#upcoming-visits [data-appointment="${visit.appointment.id}"]`).getByRole('button', { name: (locale === 'en-US' ? en : zhCN).doctorVisits.openWorkspace }).click();
      const level = page.locator('#finish-level');
      await level.locator('.level-explanation p').first().waitFor();
      const words = await level.locator('.level-explanation').textContent();
      if (locale === 'en-US') {
        expect(words).to.include('You and the patient were connected for 25 minutes in the video session.')
          .and.include('That reaches 99213, which needs 20 minutes or more').and.include('The next level, 99214, needs 30 minutes.')
          .and.include('never a higher one');
      } else {
        expect(words).to.include('您与患者在视频中连线了 25 分钟。').and.include('已达到 99213').and.include('下一级别 99214 需要 30 分钟。')
          .and.include('不能按更高级别计费');
      }
      const choice = page.locator('#finish-level-choice');
      expect(await choice.locator('option').evaluateAll((options) => options.map((o) => (o as HTMLOptionElement).value))).to.deep.equal(['99213', '99212']);
      expect(await choice.inputValue()).to.equal('99213');
      await checkPage(page, `billing-finish-level-${locale}-${VIEWPORTS[viewport].width}`);

      // A higher level forced into the form (an old page, a tampered one) is refused by the server, in the page's language.
      await choice.evaluate((select) => {
        const higher = document.createElement('option');
        higher.value = '99214';
        higher.textContent = '99214';
        select.append(higher);
        (select as HTMLSelectElement).value = '99214';
      });
      await page.getByRole('button', { name: (locale === 'en-US' ? en : zhCN).lastPages.finishVisit }).click();
      const refusal = page.locator('#visit-workspace > .problem');
      await refusal.filter({ hasText: locale === 'en-US' ? 'You may bill a lower level, never a higher one. The visit is still open.' : '不能选择更高的级别。就诊尚未结束。' }).waitFor();
      expect((await hospital.db.models.Encounter.findByPk(visit.visitId, { rejectOnEmpty: true })).status).to.equal('in-progress');

      await choice.selectOption('99212');
      await page.getByRole('button', { name: (locale === 'en-US' ? en : zhCN).lastPages.finishVisit }).click();
      await page.waitForSelector('#visit-state[data-status="finished"]');
      expect(await level.isHidden()).to.equal(true);
      const em = (await visitCharges(visit.visitId)).find((c) => /^992/.test(c.code))!;
      expect([em.code, em.status]).to.deep.equal(['99212', 'billable']);
      expect(em.reasons.map((r) => r.display).join(' ')).to.match(/The doctor chose 99212, below the 99213/);
    });
  }

  /** The admin's coverage form filled in: the patient found by name, the payer, the member number and the period. */
  async function fillCoverage(page: Page, fields: { name?: string; payer?: string; member: string; start: string; end: string; status?: string }) {
    const form = page.locator('#coverage-form');
    if (fields.name) {
      await form.locator('#coverage-find').fill(fields.name);
      await form.getByRole('button', { name: 'Find' }).click();
      await form.locator('#coverage-patient option', { hasText: fields.name }).waitFor({ state: 'attached' });
    }
    if (fields.payer) await form.locator('#coverage-payer').selectOption(fields.payer);
    await form.locator('#coverage-member').fill(fields.member);
    await form.locator('#coverage-start').fill(fields.start);
    await form.locator('#coverage-end').fill(fields.end);
    if (fields.status) await form.locator('#coverage-status').selectOption(fields.status);
    await form.locator('button[type="submit"]').click();
  }

  it('when the admin records a patient\'s insurance and then edits it, then the Coverage has a new version and the patient sees it on her page, in Chinese on a phone', async () => {
    const patient = await newPatient(hospital, 'Insured');
    const payerId = await demoPayerId(hospital);
    const admin = await suite.signIn('admin@demo.test', DEMO_PASSWORD, { viewport: VIEWPORTS.desktop });
    const section = admin.locator('#admin-coverage');
    await fillCoverage(admin, { name: 'Insured', payer: payerId, member: 'SZ-0001', start: '2026-01-01', end: '2026-06-30' });
    await section.getByRole('status').filter({ hasText: 'The insurance is saved.' }).waitFor();
    const stored = await hospital.db.models.Coverage.findOne({ where: { patientId: patient.patientId }, rejectOnEmpty: true });
    expect([stored.payorId, stored.memberId, stored.status]).to.deep.equal([payerId, 'SZ-0001', 'active']);
    const row = section.locator(`[data-coverage="${stored.id}"]`);
    await row.filter({ hasText: 'Insured Test' }).filter({ hasText: 'SZ-0001' }).waitFor();

    await row.getByRole('button', { name: 'Edit the insurance of Insured Test, member SZ-0001' }).click();
    expect(await section.locator('#coverage-form-title').textContent()).to.equal('Editing the insurance of Insured Test');
    expect(await section.locator('#coverage-member').inputValue()).to.equal('SZ-0001');
    await fillCoverage(admin, { member: 'SZ-0002', start: '2026-01-01', end: '2026-12-31' });
    await row.filter({ hasText: 'SZ-0002' }).waitFor();
    await stored.reload();
    expect([stored.memberId, stored.periodEnd]).to.deep.equal(['SZ-0002', '2026-12-31']);
    const history = await request(hospital.app).get(`/fhir/Coverage/${stored.id}/_history`).auth(await adminToken(hospital), { type: 'bearer' }).expect(200);
    expect(history.body.entry.map((e: { resource: { subscriberId: string } }) => e.resource.subscriberId)).to.deep.equal(['SZ-0002', 'SZ-0001']);
    await checkPage(admin, 'billing-admin-coverage-en-1280');

    const page = await suite.signIn(patient.email, ACCOUNT_PASSWORD, { locale: 'zh-CN', viewport: VIEWPORTS.phone });
    const mine = page.locator('#patient-billing');
    await mine.getByRole('heading', { name: '您的保险' }).waitFor();
    const coverage = mine.locator(`[data-coverage="${stored.id}"]`);
    await coverage.waitFor();
    expect(await coverage.textContent()).to.include('参保号 SZ-0002').and.include('2026年1月1日 至 2026年12月31日').and.include('（有效）');
    await checkPage(page, 'billing-patient-coverage-zh-CN-390');
  });

  for (const [locale, viewport] of [['en-US', 'desktop'], ['zh-CN', 'phone']] as const) {
    it(`when the admin re-runs the rules for a finished visit (${locale}, ${VIEWPORTS[viewport].width} px), then its charges show version 2 and version 1 stays listed as history`, async () => {
      const visit = await connectedVisit(22, `Rerun${viewport}`);
      await request(hospital.app).post(`/api/visits/${visit.visitId}/finish`).auth(visit.doctor.token, { type: 'bearer' }).send({}).expect(200);
      const [first] = (await visitCharges(visit.visitId)).filter((c) => c.code === '99213');
      expect(first!.versionId).to.equal('1');

      const page = await suite.signIn('admin@demo.test', DEMO_PASSWORD, { locale, viewport: VIEWPORTS[viewport] });
      const block = page.locator(`#admin-visit-charges [data-visit="${visit.visitId}"]`);
      const charge = block.locator(`[data-charge="${first!.id}"]`);
      await charge.waitFor();
      expect(await charge.getAttribute('data-version')).to.equal('1');
      await block.getByRole('button', { name: locale === 'en-US' ? 'Re-run the rules' : '重新运行计费规则' }).click();
      await block.locator(`[data-charge="${first!.id}"][data-version="2"]`).waitFor();
      const history = block.locator(`[data-charge="${first!.id}"] .charge-history [data-version="1"]`);
      await history.waitFor();
      expect(await history.textContent()).to.equal(locale === 'en-US' ? '99213: billable · version 1' : '99213：可计费 · 第 1 版');
      expect(await block.getByRole('status').textContent()).to.include(locale === 'en-US' ? 'the earlier versions are kept below' : '旧版本保留在下方');
      const [second] = (await visitCharges(visit.visitId)).filter((c) => c.code === '99213');
      expect([second!.id, second!.versionId, second!.status]).to.deep.equal([first!.id, '2', 'billable']);
      await checkPage(page, `billing-admin-rerun-${locale}-${VIEWPORTS[viewport].width}`);
    });
  }
});
