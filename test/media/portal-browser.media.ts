import { expect } from 'chai';
import request from 'supertest';
import type { Page } from 'playwright-core';
import { homePageSuite } from '../support/browser.js';
import { ACCOUNT_PASSWORD } from '../support/factories.js';
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
