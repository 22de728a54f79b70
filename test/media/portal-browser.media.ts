import { expect } from 'chai';
import request from 'supertest';
import type { Page } from 'playwright-core';
import { homePageSuite } from '../support/browser.js';
import { doctorWithSlots } from '../support/appointments.js';
import { ACCOUNT_PASSWORD, diagnoseHypertensionInPerson, newPatient } from '../support/factories.js';
import { checkPage, VIEWPORTS, type ViewportName } from '../support/page-checks.js';
import { issuePrescription, openFollowUpVisit, PHARMACIST } from '../support/prescriptions.js';
import { DEMO_PASSWORD, type TestNode } from '../support/test-node.js';

/** Chinese characters (CJK Unified Ideographs). */
const CHINESE = /[\u4e00-\u9fff]/;

describe('the portal in Chinese and English, on a laptop and a phone (headless Chromium)', function () {
  const suite = homePageSuite();
  let hospital: TestNode;
  let accounts: Record<'patient' | 'doctor' | 'pharmacist' | 'admin', { email: string; password: string }>;

  before(async () => {
    hospital = suite.hospital;
    // A patient in follow-up care: a visit under way, a prescription awaiting review, and a crisis reading's alert.
    const setup = await openFollowUpVisit(hospital);
    expect((await issuePrescription(hospital, setup)).status).to.equal(201);
    await request(hospital.app).post(`/api/patients/${setup.patient.patientId}/readings`).auth(setup.patient.token, { type: 'bearer' }).send({
      code: '85354-9', effectiveAt: new Date(Date.now() - 60_000).toISOString(), entryMethod: 'device', deviceName: 'Omron M7',
      components: [{ code: '8480-6', value: 190, unit: 'mm[Hg]' }, { code: '8462-4', value: 125, unit: 'mm[Hg]' }],
    }).expect(201);
    accounts = {
      patient: { email: setup.patient.email, password: ACCOUNT_PASSWORD },
      doctor: { email: setup.doctor.email, password: ACCOUNT_PASSWORD },
      pharmacist: { email: PHARMACIST, password: DEMO_PASSWORD },
      admin: { email: 'admin@demo.test', password: DEMO_PASSWORD },
    };
  });

  /** The signed-in home, once its sections have loaded what they show. */
  async function home(role: keyof typeof accounts, locale: string, viewport: ViewportName): Promise<Page> {
    const page = await suite.signIn(accounts[role].email, accounts[role].password, { locale, viewport: VIEWPORTS[viewport] });
    await page.waitForLoadState('networkidle');
    return page;
  }

  for (const role of ['patient', 'doctor', 'pharmacist', 'admin'] as const) {
    for (const locale of ['en', 'zh-CN'] as const) {
      for (const viewport of ['desktop', 'phone'] as const) {
        it(`when a ${role} whose browser speaks ${locale} opens the home page on a ${viewport}, then it is in that language, passes axe-core and fits a 360-px phone`, async () => {
          const page = await home(role, locale, viewport);
          expect(await page.evaluate(() => document.documentElement.lang)).to.equal(locale);
          const heading = await page.locator('#app-name').textContent();
          if (locale === 'zh-CN') expect(heading).to.equal('互联网医院');
          else expect(heading).to.equal('Internet hospital');
          expect(CHINESE.test(await page.locator('#role-home').innerText())).to.equal(locale === 'zh-CN');
          await checkPage(page, `portal-${role}-home-${locale}-${VIEWPORTS[viewport].width}`);
          await page.context().close();
        });
      }
    }
  }

  it('when the patient opens her home, then "At a glance" shows her next visit, her open alert and no prescription ready yet; the doctor\'s shows the unacknowledged alert and the prescription awaiting review', async () => {
    const page = await home('patient', 'en-US', 'desktop');
    const next = page.locator('#summary-next-visit');
    await next.getByText(/video follow-up · booked$/).waitFor();
    await next.getByRole('link', { name: 'Join the video visit' }).waitFor();
    expect(await page.locator('#summary-open-alerts .summary-count').textContent()).to.equal('1');
    expect(await page.locator('#summary-ready-prescriptions .summary-count').textContent()).to.equal('0');
    await page.getByRole('navigation').getByRole('link', { name: 'My prescriptions' }).click();
    expect(await page.evaluate(() => document.activeElement?.id)).to.equal('my-prescriptions');
    await page.context().close();

    const desk = await home('doctor', 'zh-CN', 'phone');
    expect(await desk.locator('#summary-unacknowledged-alerts .summary-count').textContent()).to.equal('1');
    expect(await desk.locator('#summary-reviews-pending .summary-count').textContent()).to.equal('1');
    expect(await desk.locator('#home-summary h2').textContent()).to.equal('概览');
    await desk.context().close();
  });

  it('when a patient searches free slots on a phone, then they show as a week calendar under each doctor\'s card with initials and specialty, and the page fits 360 px', async () => {
    const doctor = await doctorWithSlots(hospital);
    const patient = await newPatient(hospital, 'Calendar');
    await diagnoseHypertensionInPerson(hospital, patient.patientId, doctor.practitionerId);
    const { givenName, familyName } = await hospital.db.models.Practitioner.findByPk(doctor.practitionerId, { rejectOnEmpty: true });
    const page = await suite.signIn(patient.email, ACCOUNT_PASSWORD, { locale: 'zh-CN', viewport: VIEWPORTS.phone });
    const booking = page.locator('#book-follow-up');
    await booking.locator('select[name="practitioner"]').selectOption({ label: `${givenName} ${familyName} 医生` });
    await booking.getByRole('button', { name: '查询号源' }).click();
    const card = booking.locator(`.doctor-card[data-practitioner="${doctor.practitionerId}"]`);
    await card.waitFor();
    expect(await card.locator('.initials').textContent()).to.equal(`${givenName[0]}${familyName[0]}`.toUpperCase());
    expect(await booking.locator('.week .slot-day').count()).to.equal(7);
    expect(await booking.locator('.week .slot-day button').count()).to.be.greaterThan(0);
    await checkPage(page, 'portal-patient-week-calendar-zh-CN-390');
    await page.context().close();
  });

  it('when the patient switches to 中文, then the page is drawn in Chinese and stays so in a new tab', async () => {
    const page = await home('patient', 'en-US', 'phone');
    await page.locator('#my-appointments').getByRole('heading', { name: 'My appointments' }).waitFor();
    await Promise.all([page.waitForEvent('load'), page.getByLabel('Language').selectOption({ label: '中文' })]);
    await page.locator('#my-appointments').getByRole('heading', { name: '我的预约' }).waitFor();
    const tab = suite.watch(await page.context().newPage());
    await tab.goto(page.url());
    await tab.locator('#my-prescriptions').getByRole('heading', { name: '我的处方' }).waitFor();
    expect(await tab.evaluate(() => document.documentElement.lang)).to.equal('zh-CN');
    await page.context().close();
  });

  it('when a wrong password is typed in Chinese, then the refusal is shown in Chinese by its code', async () => {
    const context = await suite.node.browser.newContext({ locale: 'zh-CN' });
    const page = suite.watch(await context.newPage());
    await page.goto(`${suite.node.web.base}/`);
    await page.getByLabel('邮箱').fill(accounts.patient.email);
    await page.getByLabel('密码').fill('not the password');
    await page.getByRole('button', { name: '登录' }).click();
    await page.locator('form.sign-in [role="alert"]').filter({ hasText: '邮箱或密码不正确。' }).waitFor();
    await checkPage(page, 'portal-sign-in-refused-zh-CN');
    await context.close();
  });
});
