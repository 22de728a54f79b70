import fs from 'node:fs';
import { expect } from 'chai';
import type { BrowserContext, Locator, Page } from 'playwright-core';
import request from 'supertest';
import { FAKE_MEDIA_ARGS, homePageSuite } from '../support/browser.js';
import { newVisit } from '../support/consultations.js';
import { ACCOUNT_PASSWORD, diagnoseHypertensionInPerson } from '../support/factories.js';
import { openFollowUpVisit, RAMIPRIL, readyPrescription } from '../support/prescriptions.js';
import type { TestNode } from '../support/test-node.js';

/** Access tokens that expire while a person is still typing; the refresh token (the session) lasts as usual. */
const ACCESS_TTL_SECONDS = 3;
const LONGER_THAN_AN_ACCESS_TOKEN_MS = ACCESS_TTL_SECONDS * 1000 + 500;
const WIDTHS = [1280, 390];

describe('sessions, links and the end of a visit in the browser (headless Chromium, 3-second access tokens)', function () {
  this.timeout(60_000);
  const suite = homePageSuite(FAKE_MEDIA_ARGS, { accessTokenTtlSeconds: ACCESS_TTL_SECONDS });
  let hospital: TestNode;
  before(() => {
    hospital = suite.node.hospital;
    fs.mkdirSync('test-results', { recursive: true });
  });

  async function newContext(width: number): Promise<BrowserContext> {
    return suite.node.browser.newContext({ viewport: { width, height: 900 } });
  }
  const open = async (context: BrowserContext, path: string) => {
    const page = suite.watch(await context.newPage());
    await page.goto(`${suite.node.web.base}${path}`);
    return page;
  };
  /** Fills the sign-in form inside `where` (the page, or the dialog over it) and sends it. */
  async function signIn(where: Page | Locator, email: string) {
    await where.getByLabel('Email').fill(email);
    await where.getByLabel('Password').fill(ACCOUNT_PASSWORD);
    await where.getByRole('button', { name: 'Sign in' }).click();
  }
  const screenshot = (page: Page, journey: string, width: number) =>
    page.screenshot({ path: `test-results/sessions-${journey}-${width}.png`, fullPage: true });

  /**
   * Holds the first request of each kind `matches` picks for longer than an access token lives, as a slow network
   * would: it reaches the server with an expired token. Their retries go through at once.
   */
  async function slowNetwork(page: Page, matches: (method: string, url: URL) => boolean) {
    const held = new Set<string>();
    await page.route('**/api/**', async (route) => {
      const url = new URL(route.request().url());
      const kind = `${route.request().method()} ${url.pathname}`;
      if (matches(route.request().method(), url) && !held.has(kind)) {
        held.add(kind);
        await new Promise((resolve) => setTimeout(resolve, LONGER_THAN_AN_ACCESS_TOKEN_MS));
      }
      await route.continue();
    });
  }

  const reuses = (userId: string) => hospital.db.models.AuditEvent.count({ where: { activity: 'refresh-token-reuse', actorUserId: userId } });
  const revoked = async (userId: string) =>
    (await hospital.db.models.RefreshToken.findAll({ where: { userId } })).filter((t) => t.revokedAt !== null).length;

  for (const width of WIDTHS) {
    describe(`at ${width} px`, () => {
      it('when the access token expires while the doctor writes the note, then saving renews it once, silently, and the note and the list are saved and read', async () => {
        const { doctor, visit } = await openFollowUpVisit(hospital);
        const context = await newContext(width);
        // A link to the visit's workspace, opened before signing in.
        const page = await open(context, `/#visit/${visit.appointmentId}`);
        await page.getByText('Sign in to open the page the link points to.').waitFor();
        await signIn(page, doctor.email);
        await page.waitForSelector('#visit-state[data-status="in-progress"]');

        await page.getByLabel('Subjective').fill('Home readings 150/95 on most days.');
        await page.getByLabel('Plan').fill('Start ramipril 5 mg once daily.');
        const answers: Array<{ what: string; status: number }> = [];
        page.on('response', (res) => {
          const url = new URL(res.url());
          if (url.pathname.endsWith('/note') && res.request().method() === 'PUT') answers.push({ what: 'note', status: res.status() });
          if (url.pathname === '/api/appointments') answers.push({ what: 'visits', status: res.status() });
          if (url.pathname === '/auth/session/refresh') answers.push({ what: 'renewal', status: res.status() });
        });
        // The note and the doctor's list both reach the server after their token expired, at the same moment.
        await slowNetwork(page, (method, url) => (method === 'PUT' && url.pathname.endsWith('/note')) || url.pathname === '/api/appointments');
        await Promise.all([
          page.getByRole('button', { name: 'Save note' }).click(),
          page.locator('#my-visits').getByRole('button', { name: 'Refresh' }).click(),
        ]);
        await page.locator('#visit-note [role="status"]').filter({ hasText: 'Note saved' }).waitFor({ timeout: 20_000 });
        await page.locator('#my-visits button:not([disabled])').filter({ hasText: 'Refresh' }).waitFor();

        const note = answers.filter((a) => a.what === 'note').map((a) => a.status);
        expect(note, 'the first save met an expired token, the retry was saved').to.deep.equal([401, 200]);
        expect(answers.filter((a) => a.what === 'visits').map((a) => a.status).slice(-2)).to.deep.equal([401, 200]);
        expect(answers.filter((a) => a.what === 'renewal').every((a) => a.status === 200)).to.equal(true);
        expect(await page.locator('#visit-note [role="alert"]').textContent()).to.equal('');
        expect(await page.locator('#my-visits [role="alert"]').textContent()).to.equal('');
        expect(await page.locator(`#upcoming-visits [data-appointment="${visit.appointmentId}"]`).count()).to.equal(1);
        const stored = await hospital.db.models.VisitNote.findOne({ where: { encounterId: visit.id }, rejectOnEmpty: true });
        expect(stored.plan).to.equal('Start ramipril 5 mg once daily.');
        // Two renewals at once would have spent one refresh token twice, which revokes the session.
        expect(await reuses(doctor.userId)).to.equal(0);
        expect(await revoked(doctor.userId)).to.equal(0);
        await screenshot(page, 'expired-token-mid-form', width);
        await context.close();
      });

      it('when the session is revoked while the patient writes a message, then a sign-in dialog opens over the page, the text stays, and after signing in the message is sent', async () => {
        const visit = await newVisit(hospital, 'Revoked');
        const context = await newContext(width);
        const page = await open(context, `/visit/${visit.appointment.id}`);
        await signIn(page, visit.patient.email);
        const text = page.getByLabel('Your message');
        await text.fill('My readings were high this morning, 162/101.');

        await hospital.db.models.RefreshToken.update({ revokedAt: new Date() }, { where: { userId: visit.patient.userId } });
        // The messages are read every few seconds: once the access token expires, the renewal is refused.
        const dialog = page.locator('#session-lost');
        await dialog.waitFor({ timeout: 15_000 });
        expect(await dialog.textContent()).to.contain('Your session has ended.');
        expect(await text.inputValue()).to.equal('My readings were high this morning, 162/101.');
        await signIn(dialog, visit.patient.email);
        await dialog.waitFor({ state: 'detached' });

        expect(await text.inputValue(), 'the text is still there after signing in again').to.equal('My readings were high this morning, 162/101.');
        await page.getByRole('button', { name: 'Send message' }).click();
        await page.locator('.visit-messages [role="status"]').filter({ hasText: 'Message sent.' }).waitFor();
        const sent = await hospital.db.models.VisitMessage.findAll({ where: { encounterId: visit.visitId } });
        expect(sent.map((m) => m.text)).to.deep.equal(['My readings were high this morning, 162/101.']);
        await screenshot(page, 'revoked-session-kept-text', width);
        await context.close();
      });

      it('when a visit link is opened before sign-in, then the visit page asks to sign in and joins that visit; another tab opens it and the home without asking', async () => {
        const visit = await newVisit(hospital, 'Linked');
        const context = await newContext(width);
        const page = await open(context, `/visit/${visit.appointment.id}`);
        await page.getByRole('heading', { name: 'Sign in to your visit' }).waitFor();
        expect(await page.locator('#state').textContent()).to.equal('Sign in to join your video visit.');
        await signIn(page, visit.patient.email);
        await page.waitForSelector('#state[data-state="waiting"]');
        expect(await page.locator('#visit-sign-in').isHidden()).to.equal(true);

        const home = await open(context, '/');
        await home.waitForSelector('#home:not([hidden])');
        expect(await home.locator('#welcome').textContent()).to.contain('LinkedPatient');
        const again = await open(context, `/visit/${visit.appointment.id}`);
        await again.waitForSelector('#state[data-state="waiting"]');
        expect(await again.getByRole('heading', { name: 'Sign in to your visit' }).count()).to.equal(0);
        await screenshot(again, 'visit-link-before-sign-in', width);
        await context.close();
      });

      it('when a prescription link is opened before sign-in, then after signing in the home shows that prescription, marked, with its code', async () => {
        const prescription = await readyPrescription(hospital);
        const context = await newContext(width);
        const page = await open(context, `/#prescription/${prescription.id}`);
        await signIn(page, prescription.patient.email);
        const row = page.locator(`#my-prescriptions tr[data-prescription="${prescription.id}"]`);
        await row.and(page.locator('[aria-current="true"]')).waitFor();
        const number = await row.locator('td').first().textContent();
        await page.getByRole('heading', { name: `Code for prescription ${number}` }).waitFor();
        expect(await page.locator('#prescription-code-text').inputValue()).to.equal(prescription.code);
        await screenshot(page, 'prescription-link', width);
        await context.close();
      });

      it('when the doctor finishes the visit in the workspace, then the patient\'s video page ends the call, releases camera and microphone, and links to the note and the prescription', async () => {
        const visit = await newVisit(hospital, 'Ending');
        await diagnoseHypertensionInPerson(hospital, visit.patient.patientId, visit.doctor.practitionerId);
        const patientContext = await newContext(width);
        // Keeps every stream the page gets from the camera, to see that each track was stopped.
        await patientContext.addInitScript(() => {
          const devices = navigator.mediaDevices;
          const getUserMedia = devices.getUserMedia.bind(devices);
          const streams: MediaStream[] = [];
          (window as unknown as { cameraStreams: MediaStream[] }).cameraStreams = streams;
          devices.getUserMedia = async (constraints) => {
            const stream = await getUserMedia(constraints);
            streams.push(stream);
            return stream;
          };
        });
        const patientPage = await open(patientContext, `/visit/${visit.appointment.id}`);
        await signIn(patientPage, visit.patient.email);
        await patientPage.waitForSelector('#state[data-state="waiting"]');

        const doctorContext = await newContext(width);
        const room = await open(doctorContext, `/visit/${visit.appointment.id}`);
        await signIn(room, visit.doctor.email);
        await room.locator('#admit').click();
        await patientPage.waitForSelector('#state[data-state="connected"]', { timeout: 20_000 });
        const issued = await request(hospital.app).post('/api/prescriptions').auth(await hospital.tokenFor(visit.doctor.email), { type: 'bearer' })
          .send({ encounterId: visit.visitId, lines: [RAMIPRIL] });
        expect(issued.status, JSON.stringify(issued.body)).to.equal(201);

        // The doctor finishes in the workspace, in another tab of the same browser (no second sign-in).
        const desk = await open(doctorContext, `/#visit/${visit.appointment.id}`);
        await desk.waitForSelector('#visit-state[data-status="in-progress"]');
        await desk.getByLabel('Plan').fill('Continue ramipril; readings twice a week.');
        await desk.getByRole('button', { name: 'Finish the visit' }).click();
        await desk.waitForSelector('#visit-state[data-status="finished"]');

        await patientPage.waitForSelector('#visit-ended', { timeout: 15_000 });
        expect(await patientPage.locator('#state').textContent()).to.equal('The visit has ended.');
        expect(await patientPage.getByRole('heading', { name: 'The visit has ended' }).count()).to.equal(1);
        expect(await patientPage.locator('#call-controls').isHidden()).to.equal(true);
        const tracks = await patientPage.evaluate(() => (window as unknown as { cameraStreams: MediaStream[] }).cameraStreams
          .flatMap((s) => s.getTracks()).map((t) => `${t.kind}:${t.readyState}`));
        expect(tracks).to.have.members(['video:ended', 'audio:ended']);
        await patientPage.locator('#visit-ended-note').getByText('Continue ramipril; readings twice a week.').waitFor();
        const link = patientPage.locator(`#visit-ended-prescriptions [data-prescription="${issued.body.id}"] a`);
        await link.waitFor();
        expect(await link.getAttribute('href')).to.equal(`/#prescription/${issued.body.id}`);
        expect(await patientPage.getByRole('link', { name: 'The doctor\'s note' }).count()).to.equal(1);

        // The doctor's video page follows the visit too, and leads back to the workspace.
        await room.waitForSelector('#visit-ended');
        expect(await room.getByRole('link', { name: 'Open the visit workspace' }).getAttribute('href')).to.equal(`/#visit/${visit.appointment.id}`);
        await screenshot(patientPage, 'visit-ended', width);

        // The prescription link opens it on the patient's home, in the same session.
        await link.click();
        await patientPage.locator(`#my-prescriptions tr[data-prescription="${issued.body.id}"][aria-current="true"]`).waitFor();
        await patientContext.close();
        await doctorContext.close();
        const stored = await hospital.db.models.Encounter.findByPk(visit.visitId, { rejectOnEmpty: true });
        expect(stored.status).to.equal('finished');
      });
    });
  }
});
