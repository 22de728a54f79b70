import { expect } from 'chai';
import type { Page } from 'playwright-core';
import request from 'supertest';
import { FAKE_MEDIA_ARGS, homePageSuite } from '../support/browser.js';
import { adminToken, newVisit, PDF_BYTES, startVisit } from '../support/consultations.js';
import { englishWordsOn, type EnglishWordsOptions } from '../support/english-words.js';
import { chargeItem, coveredPatient, DEMO_INSURER, demoPayerId } from '../support/billing.js';
import { ACCOUNT_PASSWORD, diagnoseHypertensionInPerson, recordInPersonVisit } from '../support/factories.js';
import { checkPage, VIEWPORTS } from '../support/page-checks.js';
import { PHARMACIST, RAMIPRIL } from '../support/prescriptions.js';
import { DEMO_PASSWORD, type TestNode } from '../support/test-node.js';

describe('every page in Simplified Chinese shows no English word but names, brands and units (headless Chromium, zh-CN, phone)', function () {
  this.timeout(120_000);
  const suite = homePageSuite(FAKE_MEDIA_ARGS);
  let hospital: TestNode;
  let visit: Awaited<ReturnType<typeof newVisit>>;
  let disputed: Awaited<ReturnType<typeof newVisit>>;
  /** What the pages show as it was entered: names, e-mails, the drug, what the doctor and patient typed. */
  let entered: string[];

  /**
   * The page's data: what was entered, the seeded names, specialties, organisations and drugs, the prescription numbers.
   */
  async function data(): Promise<string[]> {
    const { Drug, Practitioner, User, Organization, Prescription, Coverage } = hospital.db.models;
    const practitioners = await Practitioner.findAll();
    return [
      ...entered,
      ...practitioners.flatMap((p) => [`${p.givenName} ${p.familyName}`, `${p.givenName[0]}${p.familyName[0]}`.toUpperCase(), p.specialtyDisplay ?? '']),
      ...(await User.findAll()).map((u) => u.displayName),
      ...(await Organization.findAll()).map((o) => o.name),
      ...(await Drug.findAll()).flatMap((d) => [d.name, d.strength]),
      ...(await Prescription.findAll()).map((p) => p.number),
      ...(await Coverage.findAll()).map((c) => c.memberId),
    ];
  }

  before(async () => {
    hospital = suite.hospital;
    const post = (path: string, token: string, body: object = {}) => request(hospital.app).post(path).auth(token, { type: 'bearer' }).send(body);

    // A follow-up under way: a message and a file from the patient, a prescription awaiting review, a crisis reading.
    visit = await newVisit(hospital, 'Zh');
    await diagnoseHypertensionInPerson(hospital, visit.patient.patientId, visit.doctor.practitionerId);
    await startVisit(hospital, visit);
    await post(`/api/visits/${visit.visitId}/messages`, visit.patient.token, { text: 'Headache since Monday' }).expect(201);
    await request(hospital.app).post(`/api/visits/${visit.visitId}/attachments?name=readings.pdf`).auth(visit.patient.token, { type: 'bearer' })
      .set('content-type', 'application/pdf').send(PDF_BYTES).expect(201);
    await post('/api/prescriptions', visit.doctor.token, { encounterId: visit.visitId, lines: [RAMIPRIL] }).expect(201);
    await post(`/api/patients/${visit.patient.patientId}/readings`, visit.patient.token, {
      code: '85354-9', effectiveAt: new Date(Date.now() - 60_000).toISOString(), entryMethod: 'device', deviceName: 'Omron M7',
      components: [{ code: '8480-6', value: 190, unit: 'mm[Hg]' }, { code: '8462-4', value: 125, unit: 'mm[Hg]' }],
    }).expect(201);

    // A finished visit its patient disputes (from the page, below) and the admin reviews.
    disputed = await newVisit(hospital, 'Zhdispute');
    await startVisit(hospital, disputed);
    await request(hospital.app).put(`/api/visits/${disputed.visitId}/note`).auth(disputed.doctor.token, { type: 'bearer' })
      .send({ subjective: 'Dizzy', assessment: 'Stable', plan: 'Same' }).expect(200);
    await post(`/api/visits/${disputed.visitId}/finish`, disputed.doctor.token).expect(200);

    entered = [
      'Greg ZhDoctor', 'ZhPatient Test', 'Greg ZhdisputeDoctor', 'ZhdisputePatient Test', 'ZhDoctor', 'ZhdisputeDoctor',
      visit.patient.email, visit.doctor.email, disputed.patient.email, PHARMACIST, 'admin@demo.test',
      'Headache since Monday', 'readings.pdf', 'Ramipril', RAMIPRIL.dose, RAMIPRIL.frequency, 'Omron M7',
      'Essential (primary) hypertension', 'Dizzy', 'Stable', 'Same',
    ];
  });

  /** Checks a page (or its `root`) for English words, then the checks of every page: axe, 360 px, a screenshot. */
  async function inChinese(page: Page, name: string, options: EnglishWordsOptions = {}) {
    await page.waitForLoadState('networkidle');
    expect(await page.evaluate(() => document.documentElement.lang)).to.equal('zh-CN');
    const words = await englishWordsOn(page, { ...options, data: [...await data(), ...(options.data ?? [])] });
    expect(words, `English words on ${name}`).to.deep.equal([]);
    await checkPage(page, `zh-${name}`);
  }

  const signIn = (email: string, password = ACCOUNT_PASSWORD) => suite.signIn(email, password, { locale: 'zh-CN', viewport: VIEWPORTS.phone });

  it('when the patient opens her home, disputes a finished visit and opens her video visit, then every word is Chinese', async () => {
    const page = await signIn(disputed.patient.email);
    const appointment = page.locator(`#my-appointments [data-appointment="${disputed.appointment.id}"][data-status="fulfilled"]`);
    await appointment.getByRole('button').filter({ hasText: '投诉本次就诊' }).click();
    await appointment.getByRole('form').getByRole('button', { name: '提交投诉' }).click();
    await appointment.getByRole('alert').filter({ hasText: '请说明本次就诊出了什么问题' }).waitFor();
    await inChinese(page, 'patient-dispute-form');
    await appointment.getByRole('form').getByLabel('遇到了什么问题？').fill('The picture froze');
    await appointment.getByRole('form').getByRole('button', { name: '提交投诉' }).click();
    await page.locator('#my-disputes li[data-status="open"]').waitFor();
    await inChinese(page, 'patient-disputes', { data: ['The picture froze'] });
    await page.context().close();

    const home = await signIn(visit.patient.email);
    await home.locator('#my-prescriptions tbody tr').first().waitFor();
    await inChinese(home, 'patient-home');
    // The alert's finding is worded by the page from the server's numbers, with the unit as people write it.
    expect(await home.locator('#my-alerts [data-kind="bp-crisis"]').textContent()).to.contain('血压 190/125 mmHg，超过危象阈值（收缩压高于 180 mmHg 或舒张压高于 120 mmHg）。');
    const room = suite.watch(await home.context().newPage());
    await room.goto(`${suite.node.web.base}/visit/${visit.appointment.id}`);
    await room.locator('.visit-messages [data-message]').first().waitFor();
    await inChinese(room, 'patient-video-visit');
    await home.context().close();
  });

  it('when the doctor opens his home and the visit\'s workspace, then his pages, the workspace (chronic care, billing level, note, prescribing) and his availability are Chinese', async () => {
    const page = await signIn(visit.doctor.email);
    await page.locator('#issued-prescriptions tbody tr').first().waitFor();
    await inChinese(page, 'doctor-home');
    // The time zones are named in Chinese, the hospital's own first.
    expect(await page.locator('#my-availability select[name="timeZone"] optgroup').first().locator('option').first().textContent()).to.equal('中国标准时间（UTC+8）');
    await page.goto(`${suite.node.web.base}/#visit/${visit.appointment.id}`);
    await page.locator('#visit-workspace .visit-messages [data-message]').first().waitFor();
    await page.locator('#visit-workspace #prescribing').waitFor();
    await page.locator('#visit-workspace #finish-level .level-explanation p').first().waitFor();
    await page.locator('#my-availability h3').first().waitFor();
    // The levels' options name the billing codes in Chinese beside the code.
    await inChinese(page, 'doctor-workspace');
    await page.context().close();
  });

  it('when the admin reviews the dispute and the pharmacist opens the desk, then their pages are Chinese', async () => {
    // Opened from the patient's page above; opened here when this test runs alone.
    const disputeOf = async () => ((await request(hospital.app).get('/api/disputes').auth(await adminToken(hospital), { type: 'bearer' }).expect(200))
      .body as Array<{ id: string; encounterId: string }>).find((d) => d.encounterId === disputed.visitId);
    if (!await disputeOf()) {
      await request(hospital.app).post(`/api/visits/${disputed.visitId}/disputes`).auth(disputed.patient.token, { type: 'bearer' })
        .send({ reason: 'The picture froze' }).expect(201);
    }
    const { id } = (await disputeOf())!;
    const admin = await signIn('admin@demo.test', DEMO_PASSWORD);
    await admin.locator(`#open-disputes [data-dispute="${id}"]`).getByRole('button').filter({ hasText: '查看证据' }).click();
    await admin.locator('#dispute-review table').first().waitFor();
    // The timeline's facts are worded by the page, the audit trail (folded away) included.
    await admin.locator('#dispute-review details.audit-trail summary').click();
    await inChinese(admin, 'admin-dispute-review', { data: ['The picture froze'] });
    expect(await admin.locator('#dispute-review tr[data-kind="visit-finished"]').first().textContent()).to.contain('就诊状态变为：已结束');
    await admin.context().close();

    const pharmacist = await signIn(PHARMACIST, DEMO_PASSWORD);
    await pharmacist.locator('#review-queue [data-prescription]').first().waitFor();
    await inChinese(pharmacist, 'pharmacist-home');
    await pharmacist.context().close();
  });

  it('when the insurer opens the billable visits of its members and a charge\'s reasons, then the filters, the charges, the rules\' reasons and the risk flags are Chinese', async () => {
    const member = await coveredPatient(hospital, await demoPayerId(hospital), 'Missed');
    const held = await recordInPersonVisit(hospital, member.patient.patientId, member.doctor.practitionerId);
    const missed = await chargeItem(hospital, { patientId: member.patient.patientId, practitionerId: member.doctor.practitionerId,
      encounterId: held.id, code: '99213', date: new Date().toISOString().slice(0, 10), status: 'not-billable',
      reasons: [{ code: 'qualifies', display: 'signed-note: The doctor signed the visit note.' },
        { code: 'no-show', display: 'visit-status: The patient did not show up for the visit.' }] });
    const insurer = await signIn(DEMO_INSURER, DEMO_PASSWORD);
    await insurer.locator('#billing-risks ul').waitFor({ state: 'attached' });
    const charge = insurer.locator(`#insurer-billing [data-charge="${missed.id}"]`);
    await charge.locator('summary').click();
    // The rules' reasons in staff words by their codes, not the ChargeItem's stored English.
    expect(await charge.locator('[data-reason="no-show"]').textContent()).to.equal('未就诊：患者未按时就诊');
    expect(await charge.locator('[data-reason="qualifies"]').textContent()).to.equal('病历签署：符合');
    // The charge's doctor and its evidence link name the records themselves (ids, FHIR references): data, not words.
    await inChinese(insurer, 'insurer-billing', { data: [`Encounter/${held.id}`, member.doctor.practitionerId] });
    await insurer.context().close();
  });
});
