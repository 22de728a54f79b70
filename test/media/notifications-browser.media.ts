import { MOMENT } from '../../client/i18n/formats.js';
import { expect } from 'chai';
import type { Page } from 'playwright-core';
import { startAppointmentsWorker } from '../../server/appointments/outbox-worker.js';
import { createLogger } from '../../server/logger.js';
import type { BackgroundWorker } from '../../server/operations/background-loop.js';
import { emailTransport } from '../../server/notifications/email-transport.js';
import { doctorWithSlots, freeSlotsOf } from '../support/appointments.js';
import { homePageSuite } from '../support/browser.js';
import { ACCOUNT_PASSWORD, diagnoseHypertensionInPerson, newPatient } from '../support/factories.js';
import { startSmtpInbox } from '../support/smtp-inbox.js';

/**
 * The notifications end to end: what the patient does in the page is queued, the outbox worker (as server/main.ts
 * starts it, with SMTP_URL pointing at a real SMTP server in this process) e-mails it, and the recipient's home
 * page lists it.
 */
describe('notifications in the browser: the e-mail arrives and the home page lists it (headless Chromium)', function () {
  const suite = homePageSuite();
  let inbox: Awaited<ReturnType<typeof startSmtpInbox>>;
  let transport: ReturnType<typeof emailTransport>;
  let worker: BackgroundWorker;
  before(async () => {
    inbox = await startSmtpInbox();
    const mail = { smtpUrl: inbox.url, from: 'Internet Hospital <noreply@hospital.test>' };
    transport = emailTransport(suite.hospital.db, mail, 'https://hospital.test');
    worker = startAppointmentsWorker(suite.hospital.db, transport, createLogger('silent'), 100);
  });
  after(async () => {
    await worker.stop();
    transport.close();
    await inbox.close();
  });

  /** Waits for the SMTP server to receive a message to `address` whose subject starts so (the worker runs every 100 ms). */
  async function mailTo(address: string, subjectStart: string) {
    for (let waited = 0; waited < 15_000; waited += 100) {
      const mail = inbox.received.find((m) => m.to.includes(address) && m.subject.startsWith(subjectStart));
      if (mail) return mail;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`no e-mail to ${address} starting "${subjectStart}"; received: ${inbox.received.map((m) => m.subject).join(' | ')}`);
  }

  async function doctorAndPatient() {
    const doctor = await doctorWithSlots(suite.hospital);
    const patient = await newPatient(suite.hospital, 'Inbox');
    await diagnoseHypertensionInPerson(suite.hospital, patient.patientId, doctor.practitionerId);
    const { givenName, familyName } = await suite.hospital.db.models.Practitioner.findByPk(doctor.practitionerId, { rejectOnEmpty: true });
    return { doctor, patient, doctorName: `Dr ${givenName} ${familyName}` };
  }

  const notifications = (page: Page) => page.locator('#my-notifications');

  it('when the patient books a video follow-up in the page, then the confirmation reaches her mailbox and her list shows it', async () => {
    const { doctor, patient, doctorName } = await doctorAndPatient();
    const [slot] = await freeSlotsOf(suite.hospital, doctor.practitionerId);
    const page = await suite.signIn(patient.email, ACCOUNT_PASSWORD);
    await notifications(page).getByText('No notifications yet.').waitFor();
    const booking = page.locator('#book-follow-up');
    await booking.getByLabel('Visit type').selectOption({ label: 'Video follow-up' });
    await booking.getByLabel('Doctor').selectOption({ label: doctorName });
    await booking.getByRole('button', { name: 'Search free slots' }).click();
    await booking.locator(`[data-slot="${slot!.id}"]`).getByRole('button', { name: /^Book / }).click();
    await booking.getByRole('status').filter({ hasText: /^Booked: / }).waitFor();

    const mail = await mailTo(patient.email, '预约成功');
    expect(mail.parts.some((p) => p.filename === 'visit.ics'), 'the visit as a calendar file').to.equal(true);

    const item = notifications(page).locator('li[data-kind="appointment-booked"]');
    await item.waitFor();
    const zone = (await suite.hospital.db.models.Patient.findByPk(patient.patientId, { rejectOnEmpty: true })).timeZone;
    const local = new Intl.DateTimeFormat('en', { timeZone: zone, ...MOMENT }).format(slot!.start);
    expect(await item.textContent()).to.contain('New: Your video follow-up visit on').and.contain(local).and.contain('is booked.');
    // The 24-hour reminder of a visit within a day is due at once too: count the unread, not assume them.
    const unread = await notifications(page).locator('li.unread').count();
    await notifications(page).getByRole('status').filter({ hasText: `${unread} unread. Times are in your time zone, ${zone}.` }).waitFor();

    await item.getByRole('button', { name: 'Mark as read' }).click();
    await notifications(page).locator('li.read[data-kind="appointment-booked"]').waitFor();
    await notifications(page).getByRole('status').filter({ hasText: `${unread - 1} unread.` }).waitFor();
    await page.screenshot({ path: 'test-results/notifications-patient-booked.png', fullPage: true });
  });

  it('when the patient sends a blood pressure of 190/125 from her page, then her doctor is e-mailed and his list shows it', async () => {
    const { doctor, patient } = await doctorAndPatient();
    // Her doctor: the one who saw her in person (the alert goes to the treating doctor).
    const page = await suite.signIn(patient.email, ACCOUNT_PASSWORD);
    const readings = page.locator('#my-readings');
    await readings.getByLabel('Reading', { exact: true }).selectOption({ label: 'Blood pressure' });
    await readings.getByLabel('Systolic (mmHg)').fill('190');
    await readings.getByLabel('Diastolic (mmHg)').fill('125');
    await readings.getByRole('button', { name: 'Send reading' }).click();
    await readings.getByRole('status').filter({ hasText: 'Reading sent. It raised an alert' }).waitFor();

    const mail = await mailTo(doctor.email, '紧急');
    expect(mail.subject).to.contain('血压危象');
    const text = mail.parts.find((p) => p.contentType.startsWith('text/plain'))!.body;
    expect(text, 'an e-mail names no value').not.to.contain('190');

    const doctorPage = await suite.signIn(doctor.email, ACCOUNT_PASSWORD);
    const item = notifications(doctorPage).locator('li.unread[data-kind="crisis-alert"]');
    await item.waitFor();
    expect(await item.textContent()).to.contain('Urgent: a patient in your care sent a critical home reading (Blood pressure crisis).');
    await doctorPage.screenshot({ path: 'test-results/notifications-doctor-crisis.png', fullPage: true });
  });
});
