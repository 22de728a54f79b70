import fs from 'node:fs';
import { expect } from 'chai';
import type { Page, Route } from 'playwright-core';
import request from 'supertest';
import { eligiblePatient } from '../support/appointments.js';
import { FAKE_MEDIA_ARGS, homePageSuite } from '../support/browser.js';
import { adminToken, PDF_BYTES, PNG_BYTES } from '../support/consultations.js';
import { closeServer, registerPartner, startListeningNode, type ListeningNode } from '../support/exchange.js';
import { ACCOUNT_PASSWORD, bookedAppointment, newDoctor, newPatient } from '../support/factories.js';
import { labResult, lipidPanel } from '../support/fhir.js';
import { openFollowUpVisit } from '../support/prescriptions.js';
import { startTestNode, type TestNode } from '../support/test-node.js';

/** How often a panel reads the conversation again (client/visits/visit-messages.ts POLL_MS). */
const POLL_MS = 4000;

describe('messages, files, exam results and consent to partner hospitals in the browser (headless Chromium, SQLite)', function () {
  // Messages arrive by polling every few seconds, and a test drives two pages (and in one, two hospitals).
  this.timeout(90_000);
  const suite = homePageSuite(FAKE_MEDIA_ARGS);
  let hospital: TestNode;
  before(() => { hospital = suite.hospital; });
  const signIn = (email: string) => suite.signIn(email, ACCOUNT_PASSWORD);

  /** The doctor's workspace of the visit of this appointment. */
  async function doctorWorkspace(email: string, appointmentId: string): Promise<Page> {
    const page = await signIn(email);
    await page.locator(`#upcoming-visits [data-appointment="${appointmentId}"]`).getByRole('button', { name: 'Open the visit workspace' }).click();
    await page.waitForSelector('#visit-state');
    return page;
  }

  const panelOf = (page: Page) => page.locator('.visit-messages');
  const messagesOf = (page: Page) => panelOf(page).locator('.conversation > li');
  const sendText = async (page: Page, text: string) => {
    await panelOf(page).getByLabel('Your message').fill(text);
    await panelOf(page).getByRole('button', { name: 'Send message' }).click();
  };
  const sendFile = async (page: Page, file: { name: string; mimeType: string; buffer: Buffer }) => {
    await panelOf(page).getByLabel('File to send (PDF, PNG or JPEG)').setInputFiles(file);
    await panelOf(page).getByRole('button', { name: 'Send file' }).click();
  };
  /** Who sent each message shown and what it says, in order. */
  const conversation = (page: Page) => messagesOf(page).evaluateAll((items) => items.map((li) => ({
    from: li.querySelector('strong')!.textContent, says: (li.querySelector('.message-text') ?? li.querySelector('button'))!.textContent,
  })));

  it('when the patient (on the video visit page) and the doctor (in the workspace) exchange a message and a PDF, then both pages show both and the PDF downloads as sent; another patient is refused', async () => {
    const { patient, doctor, visit } = await openFollowUpVisit(hospital);
    const patientPage = await signIn(patient.email);
    await patientPage.locator(`#my-appointments [data-appointment="${visit.appointmentId}"]`).getByRole('link', { name: 'Join the video visit' }).click();
    await patientPage.waitForURL(`**/visit/${visit.appointmentId}`);
    await panelOf(patientPage).getByText('No messages yet.').waitFor();
    const doctorPage = await doctorWorkspace(doctor.email, visit.appointmentId!);

    await sendText(patientPage, 'My readings were around 150/95 this week.');
    await panelOf(patientPage).getByRole('status').filter({ hasText: 'Message sent.' }).waitFor();
    await messagesOf(doctorPage).filter({ hasText: 'My readings were around 150/95 this week.' }).waitFor();

    await sendFile(doctorPage, { name: 'lab-request.pdf', mimeType: 'application/pdf', buffer: PDF_BYTES });
    await panelOf(doctorPage).getByRole('status').filter({ hasText: 'lab-request.pdf sent.' }).waitFor();
    const download = patientPage.getByRole('button', { name: 'Download lab-request.pdf' });
    await download.waitFor();

    expect(await conversation(patientPage)).to.deep.equal([
      { from: 'You', says: 'My readings were around 150/95 this week.' },
      { from: 'The doctor', says: 'Download lab-request.pdf' },
    ]);
    expect(await conversation(doctorPage)).to.deep.equal([
      { from: 'Rx Test', says: 'My readings were around 150/95 this week.' },
      { from: 'You', says: 'Download lab-request.pdf' },
    ]);
    const [saved] = await Promise.all([patientPage.waitForEvent('download'), download.click()]);
    expect(saved.suggestedFilename()).to.equal('lab-request.pdf');
    expect(fs.readFileSync(await saved.path())).to.deep.equal(PDF_BYTES);

    const stored = await hospital.db.models.VisitMessage.findAll({ where: { encounterId: visit.id }, order: [['sentAt', 'ASC']] });
    expect(stored.map((m) => [m.senderRole, m.text ?? m.fileName])).to.deep.equal([['patient', 'My readings were around 150/95 this week.'], ['doctor', 'lab-request.pdf']]);
    const stranger = await newPatient(hospital, 'Stranger');
    // Another patient's visit answers as one that does not exist (docs/api.md "Who may see what").
    const refused = await request(hospital.app).get(`/api/visits/${visit.id}/messages`).auth(stranger.token, { type: 'bearer' }).expect(404);
    expect(refused.body.code).to.equal('visit-not-found');
    await request(hospital.app).get(`/api/visits/${visit.id}/messages/${stored[1]!.id}/content`).auth(stranger.token, { type: 'bearer' }).expect(404);
  });

  it('when the patient picks a file that is not a PDF, PNG or JPEG, is not what it says or is too large, then the page says so in plain words and nothing is sent', async () => {
    const { patient, visit } = await openFollowUpVisit(hospital);
    const page = await signIn(patient.email);
    await page.goto(`${suite.node.web.base}/visit/${visit.appointmentId}`);
    await panelOf(page).getByText('No messages yet.').waitFor();
    const refusal = panelOf(page).locator('[role="alert"]').first();

    await sendFile(page, { name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('my notes') });
    await refusal.filter({ hasText: 'notes.txt cannot be sent: only PDF documents and PNG or JPEG images are accepted.' }).waitFor();
    await sendFile(page, { name: 'scan.pdf', mimeType: 'application/pdf', buffer: PNG_BYTES });
    await refusal.filter({ hasText: 'scan.pdf cannot be sent: it is labelled as a PDF document but its content is a PNG image.' }).waitFor();
    const tooLarge = Buffer.concat([PDF_BYTES, Buffer.alloc(hospital.config.attachmentMaxBytes)]);
    await sendFile(page, { name: 'scan-of-all-pages.pdf', mimeType: 'application/pdf', buffer: tooLarge });
    await refusal.filter({ hasText: 'scan-of-all-pages.pdf is too large to send: files up to 5 MB are accepted.' }).waitFor();

    expect(await hospital.db.models.VisitMessage.count({ where: { encounterId: visit.id } })).to.equal(0);
    expect(await messagesOf(page).count()).to.equal(0);
  });

  it('when the doctor finishes the visit, then a message the patient sends is refused as the visit being over, the forms go away and the page stops asking for messages', async () => {
    const { patient, doctor, visit } = await openFollowUpVisit(hospital);
    const patientPage = await signIn(patient.email);
    await patientPage.goto(`${suite.node.web.base}/visit/${visit.appointmentId}`);
    await panelOf(patientPage).getByText('No messages yet.').waitFor();
    // Hold the patient page's polls (they carry the visit's status), so the send is what meets the closed visit.
    const held: Route[] = [];
    const conversation = (url: URL) => url.pathname === `/api/visits/${visit.id}/messages`;
    await patientPage.route(conversation, (route) => {
      if (route.request().method() === 'GET') held.push(route);
      else void route.continue();
    });

    const doctorPage = await doctorWorkspace(doctor.email, visit.appointmentId!);
    await doctorPage.getByRole('button', { name: 'Finish the visit' }).click();
    await doctorPage.waitForSelector('#visit-state[data-status="finished"]');
    await panelOf(doctorPage).getByText('The visit is over: no more messages can be sent in it.').waitFor();
    expect(await panelOf(doctorPage).getByLabel('Your message').isVisible()).to.equal(false);

    await sendText(patientPage, 'One more question.');
    await panelOf(patientPage).locator('[role="alert"]').filter({ hasText: 'The visit is over: your message was not sent.' }).waitFor();
    await panelOf(patientPage).getByText('The visit is over: no more messages can be sent in it.').waitFor();
    expect(await panelOf(patientPage).getByLabel('Your message').isVisible()).to.equal(false);
    expect(await panelOf(patientPage).getByLabel('File to send (PDF, PNG or JPEG)').isVisible()).to.equal(false);
    expect(await hospital.db.models.VisitMessage.count({ where: { encounterId: visit.id } })).to.equal(0);

    await Promise.all(held.map((route) => route.continue()));
    await patientPage.unroute(conversation);
    const reads: string[] = [];
    patientPage.on('request', (r) => { if (new URL(r.url()).pathname === `/api/visits/${visit.id}/messages`) reads.push(r.url()); });
    await patientPage.waitForTimeout(3 * POLL_MS);
    expect(reads, 'reads of the conversation after the visit closed').to.deep.equal([]);
  });

  it('when the patient allows sharing with a partner hospital and stops it, then the API shows the consent active with their number there, then revoked; a partner that is down is named with the reason', async () => {
    const partnerId = await registerPartner(hospital, { url: 'http://127.0.0.1:9' }, 'Hospital Down');
    const patient = await newPatient(hospital, 'Consenting');
    const page = await signIn(patient.email);
    const section = page.locator('#partner-hospitals');
    const partner = section.locator(`[data-partner="${partnerId}"]`);
    await partner.getByLabel('Your patient number at Hospital Down').fill('HD-4711');
    await partner.getByRole('button', { name: 'Allow sharing with Hospital Down' }).click();
    await section.getByRole('status').filter({ hasText: 'Sharing with Hospital Down allowed.' }).waitFor();
    await section.locator(`[data-partner="${partnerId}"][data-consent="active"]`).filter({ hasText: 'Your patient number there: HD-4711.' }).waitFor();
    const consents = () => request(hospital.app).get(`/api/patients/${patient.patientId}/consents`).auth(patient.token, { type: 'bearer' }).expect(200);
    expect((await consents()).body).to.have.length(1).and.to.satisfy(([c]: Array<Record<string, unknown>>) =>
      c.partnerId === partnerId && c.status === 'active' && c.partnerPatientId === 'HD-4711');

    await section.getByRole('button', { name: 'Fetch my records from partner hospitals' }).click();
    await section.locator('[role="alert"]').filter({ hasText: 'Some records may be missing' })
      .filter({ hasText: 'Hospital Down: it could not be reached.' }).waitFor();

    await partner.getByRole('button', { name: 'Stop sharing with Hospital Down' }).click();
    await section.getByRole('status').filter({ hasText: 'Sharing with Hospital Down stopped' }).waitFor();
    await section.locator(`[data-partner="${partnerId}"][data-consent="inactive"]`).filter({ hasText: 'You stopped sharing on' }).waitFor();
    const [revoked] = (await consents()).body as Array<{ status: string; revokedAt: string | null }>;
    expect(revoked!.status).to.equal('inactive');
    expect(revoked!.revokedAt).to.be.a('string');
  });

  describe('with a partner hospital B on its own node', function () {
    let b: ListeningNode | undefined;
    after(async () => { if (b) await closeServer(b.server); });

    /**
     * B listens on 127.0.0.1; each node registers the other. This node's client assertions name its configured
     * public base URL, and its keys are served where it listens.
     */
    async function partnerB() {
      b = await startListeningNode((o) => startTestNode('sqlite', o));
      const partnerBatA = await registerPartner(hospital, b, 'Hospital B');
      const registered = await request(b.hospital.app).post('/api/partners').auth(await adminToken(b.hospital), { type: 'bearer' }).send({
        name: 'Hospital A', fhirBaseUrl: `${hospital.config.publicBaseUrl}/fhir`, jwksUrl: `${suite.node.web.base}/.well-known/jwks.json`,
      }).expect(201);
      return { b, partnerBatA, partnerAatB: registered.body.id as string };
    }

    /** The patient at B, consenting there to A, with two lipid panels (2025 and 2026) of two results each. */
    async function patientAtB(node: ListeningNode, partnerAatB: string) {
      const atB = await eligiblePatient(node.hospital);
      await request(node.hospital.app).post(`/api/patients/${atB.patientId}/consents`).auth(atB.token, { type: 'bearer' }).send({ partnerId: partnerAatB }).expect(201);
      // Recorded by Dr Chen, who diagnosed the patient in person at B (an admin writes no clinical content).
      const doctorB = await node.hospital.tokenFor('dr.chen@demo.test');
      const post = async (type: string, body: object) => (await request(node.hospital.app).post(`/fhir/${type}`).auth(doctorB, { type: 'bearer' })
        .set('Content-Type', 'application/fhir+json').send(JSON.stringify(body)).expect(201)).body as { id: string };
      for (const [effective, ldl, conclusion] of [['2025-03-01T08:00:00Z', 171, 'LDL high.'], ['2026-09-01T08:00:00Z', 128, 'LDL at target.']] as const) {
        const results = [await post('Observation', labResult(atB.patientId, '13457-7', 'LDL cholesterol', ldl, { effective })),
          await post('Observation', labResult(atB.patientId, '2085-9', 'HDL cholesterol', 44, { effective }))];
        await post('DiagnosticReport', lipidPanel(atB.patientId, results.map((r) => r.id), { effective, conclusion }));
      }
      return atB;
    }

    it('when the patient fetches their records from B, then the page says what came; the doctor\'s workspace shows B\'s exam results marked as from B, and names B when it is down', async () => {
      const { b: nodeB, partnerBatA, partnerAatB } = await partnerB();
      const atB = await patientAtB(nodeB, partnerAatB);
      const patient = await newPatient(hospital, 'Shared');
      const doctor = await newDoctor(hospital, 'Lipid');
      const appointment = await bookedAppointment(hospital, { patientId: patient.patientId, practitionerId: doctor.practitionerId });

      const patientPage = await signIn(patient.email);
      const section = patientPage.locator('#partner-hospitals');
      const partner = section.locator(`[data-partner="${partnerBatA}"]`);
      await partner.getByLabel('Your patient number at Hospital B').fill(atB.patientId);
      await partner.getByRole('button', { name: 'Allow sharing with Hospital B' }).click();
      await section.locator(`[data-partner="${partnerBatA}"][data-consent="active"]`).waitFor();
      await section.getByRole('button', { name: 'Fetch my records from partner hospitals' }).click();
      await section.getByRole('status').filter({ hasText: 'Records received from partner hospitals:' })
        .filter({ hasText: 'Hospital B: 2 exam reports, 4 test results and measurements, 1 diagnosis, 1 visit new here.' }).waitFor();
      expect(await section.locator('.partner-pull [role="alert"]').count()).to.equal(0);

      const doctorPage = await doctorWorkspace(doctor.email, appointment.id);
      const exams = doctorPage.locator('.exam-results');
      const reports = exams.locator('.exam-report');
      await reports.first().waitFor();
      expect(await reports.locator('h4').allTextContents()).to.deep.equal(['Lipid 1996 panel - Serum or Plasma', 'Lipid 1996 panel - Serum or Plasma']);
      expect(await reports.locator('.origin').allTextContents()).to.deep.equal(Array(2).fill(`From partner hospital Hospital B (${nodeB.url}/fhir).`));
      expect(await reports.first().textContent()).to.contain('LDL at target.').and.to.contain('Central laboratory');
      expect(await reports.first().locator('tbody tr').evaluateAll((rows) => rows.map((r) => [...r.children].slice(0, 2).map((c) => c.textContent))))
        .to.deep.equal([['LDL cholesterol', '128 mg/dL'], ['HDL cholesterol', '44 mg/dL']]);

      await exams.getByRole('button', { name: 'Check partner hospitals now' }).click();
      await exams.getByRole('status').filter({ hasText: 'Hospital B: nothing new since the last time.' }).waitFor();

      await closeServer(nodeB.server);
      b = undefined;
      await exams.getByRole('button', { name: 'Check partner hospitals now' }).click();
      await exams.locator('[role="alert"]').filter({ hasText: 'Some records may be missing' }).filter({ hasText: 'Hospital B: it could not be reached.' }).waitFor();
      expect(await reports.count(), 'what is stored is still listed').to.equal(2);
    });
  });
});
