import { expect } from 'chai';
import { Op } from 'sequelize';
import { book, doctorWithSlots, freeSlotsOf, slotAt } from '../support/appointments.js';
import { homePageSuite } from '../support/browser.js';
import { checkPage } from '../support/page-checks.js';
import { diagnoseHypertensionInPerson, newPatient, ACCOUNT_PASSWORD } from '../support/factories.js';
import type { TestNode } from '../support/test-node.js';

describe('the patient books follow-ups and sends home readings in the browser (headless Chromium)', function () {
  const suite = homePageSuite();
  const { signIn } = suite;
  let hospital: TestNode;
  before(() => { hospital = suite.hospital; });

  /** A doctor with free video slots, and a patient (hypertension diagnosed by that doctor in person, unless not eligible). */
  async function doctorAndPatient(eligible = true) {
    const doctor = await doctorWithSlots(hospital);
    const patient = await newPatient(hospital, eligible ? 'Hyper' : 'First');
    if (eligible) await diagnoseHypertensionInPerson(hospital, patient.patientId, doctor.practitionerId);
    const { givenName, familyName } = await hospital.db.models.Practitioner.findByPk(doctor.practitionerId, { rejectOnEmpty: true });
    return { doctor, patient, doctorName: `Dr ${givenName} ${familyName}` };
  }

  /** The patient signed in, having searched the doctor's free video follow-up slots; `offered` is the first after the cut-off. */
  async function searchingPatient(eligible = true) {
    const { doctor, patient, doctorName } = await doctorAndPatient(eligible);
    const [slot] = await freeSlotsOf(hospital, doctor.practitionerId);
    const page = await signIn(patient.email, ACCOUNT_PASSWORD);
    const booking = page.locator('#book-follow-up');
    await booking.getByLabel('Visit type').selectOption({ label: 'Video follow-up' });
    await booking.getByLabel('Doctor').selectOption({ label: doctorName });
    await booking.getByRole('button', { name: 'Search free slots' }).click();
    const offered = booking.locator(`[data-slot="${slot.id}"]`);
    await offered.waitFor();
    return { patient, doctorName, slot: slot!, page, booking, offered };
  }

  it('when an eligible patient books a free video slot, then it is under My appointments and the slot is busy; Cancel frees it', async () => {
    const { patient, doctorName, slot, page, booking, offered } = await searchingPatient();
    expect(await offered.textContent()).to.contain(doctorName);
    await offered.getByRole('button', { name: new RegExp(`^Book .* with ${doctorName}$`) }).click();
    await booking.getByRole('status').filter({ hasText: /^Booked: .* It is listed under My appointments\.$/ }).waitFor();
    await offered.waitFor({ state: 'detached' });

    const appointment = await hospital.db.models.Appointment.findOne({ where: { patientId: patient.patientId }, rejectOnEmpty: true });
    expect(appointment).to.include({ slotId: slot.id, status: 'booked', visitType: 'video-follow-up' });
    expect((await hospital.db.models.Slot.findByPk(slot.id, { rejectOnEmpty: true })).status).to.equal('busy');
    const listed = page.locator(`#my-appointments [data-appointment="${appointment.id}"]`);
    expect(await listed.textContent()).to.contain('video follow-up, booked');
    await listed.getByRole('link', { name: 'Join the video visit' }).waitFor();

    await listed.getByRole('button', { name: /^Cancel the appointment on / }).click();
    await page.locator('#my-appointments [role="status"]').filter({ hasText: /^Cancelled the appointment on / }).waitFor();
    await page.locator(`#my-appointments [data-appointment="${appointment.id}"][data-status="cancelled"]`).waitFor();
    expect((await appointment.reload()).status).to.equal('cancelled');
    expect((await hospital.db.models.Slot.findByPk(slot.id, { rejectOnEmpty: true })).status).to.equal('free');
    await offered.waitFor();
    await checkPage(page, 'patient-booked-then-cancelled');
  });

  it('when a patient without an in-person diagnosis books a video follow-up, then the page says to book an in-person first visit and what is missing, and nothing is booked', async () => {
    const { patient, slot, page, booking, offered } = await searchingPatient(false);
    await offered.getByRole('button', { name: /^Book / }).click();
    const refusal = booking.locator('[role="alert"]').filter({ hasText: 'Please book an in-person first visit' });
    await refusal.waitFor();
    expect(await refusal.locator('li').allTextContents()).to.have.length(3)
      .and.to.satisfy((lines: string[]) => lines[0]!.startsWith('This hospital\'s records: no confirmed diagnosis'));

    expect((await hospital.db.models.Slot.findByPk(slot.id, { rejectOnEmpty: true })).status).to.equal('free');
    expect(await hospital.db.models.Appointment.count({ where: { patientId: patient.patientId } })).to.equal(0);
    await page.locator('#my-appointments').getByText('You have no appointments.').waitFor();
  });

  it('when another patient books the slot first, then the page says it was just taken and refreshes the list', async () => {
    const { patient, slot, booking, offered } = await searchingPatient();
    const other = await newPatient(hospital, 'Quicker');
    await book(hospital, other.token, slot.id).expect(201);
    await offered.getByRole('button', { name: /^Book / }).click();
    await booking.locator('[role="alert"]').filter({ hasText: 'Someone has just booked this slot.' }).waitFor();
    await offered.waitFor({ state: 'detached' });
    expect(await hospital.db.models.Appointment.count({ where: { patientId: patient.patientId } })).to.equal(0);
  });

  it('when the patient sends a crisis blood pressure from a device, then it is listed, the alert offers the doctor\'s next slots, and one books from it', async () => {
    const { doctor, patient } = await doctorAndPatient();
    const page = await signIn(patient.email, ACCOUNT_PASSWORD);
    const readings = page.locator('#my-readings');
    await readings.getByLabel('Reading', { exact: true }).selectOption({ label: 'Blood pressure' });
    await readings.getByLabel('Systolic (mmHg)').fill('190');
    await readings.getByLabel('Diastolic (mmHg)').fill('125');
    await readings.getByLabel('From my device').check();
    await readings.getByLabel('Device name (optional)').fill('Omron M3');
    await readings.getByRole('button', { name: 'Send reading' }).click();
    await readings.getByRole('status').filter({ hasText: 'Reading sent. It raised an alert' }).waitFor();

    const row = readings.locator('#my-last-readings tbody tr').first();
    await row.filter({ hasText: '190/125 mmHg' }).waitFor();
    expect(await row.textContent()).to.contain('Blood pressure').and.to.contain('from a device (Omron M3)');
    const stored = await hospital.db.models.Observation.findOne({ where: { patientId: patient.patientId }, rejectOnEmpty: true });
    expect(stored).to.include({ code: '85354-9', entryMethod: 'device', deviceName: 'Omron M3' });

    const alert = readings.locator('#my-alerts [data-kind="bp-crisis"]');
    await alert.filter({ hasText: 'Your blood pressure is very high' }).waitFor();
    expect(await alert.textContent()).to.contain('Your doctor has been told.').and.to.contain('Blood pressure 190/125 mmHg, above the crisis threshold (systolic over 180 mmHg or diastolic over 120 mmHg).');
    const next = await hospital.db.models.Slot.findAll({
      where: { practitionerId: doctor.practitionerId, status: 'free', start: { [Op.gt]: new Date() } }, order: [['start', 'ASC']], limit: 3,
    });
    expect(await alert.locator('button[data-slot]').evaluateAll((buttons) => buttons.map((b) => b.getAttribute('data-slot'))))
      .to.deep.equal(next.map((s) => s.id));

    await alert.locator(`button[data-slot="${next[0]!.id}"]`).click();
    await readings.locator('#my-alerts [role="status"]').filter({ hasText: /^Booked a video follow-up on / }).waitFor();
    const appointment = await hospital.db.models.Appointment.findOne({ where: { patientId: patient.patientId, slotId: next[0]!.id }, rejectOnEmpty: true });
    expect(appointment).to.include({ status: 'booked', visitType: 'video-follow-up' });
    expect((await hospital.db.models.Slot.findByPk(next[0]!.id, { rejectOnEmpty: true })).status).to.equal('busy');
    await page.locator(`#my-appointments [data-appointment="${appointment.id}"]`).waitFor();
    await alert.locator(`button[data-slot="${next[0]!.id}"]`).waitFor({ state: 'detached' });
  });

  it('when the patient types a systolic of 400, then the problem is shown next to that field and nothing is stored', async () => {
    const { patient } = await doctorAndPatient(false);
    const page = await signIn(patient.email, ACCOUNT_PASSWORD);
    const readings = page.locator('#my-readings');
    await readings.getByLabel('Systolic (mmHg)').fill('400');
    await readings.getByLabel('Diastolic (mmHg)').fill('90');
    await readings.getByRole('button', { name: 'Send reading' }).click();

    await readings.locator('[role="alert"]').filter({ hasText: 'The reading was not sent: please correct what is marked.' }).waitFor();
    const systolic = readings.getByLabel('Systolic (mmHg)');
    expect(await systolic.getAttribute('aria-invalid')).to.equal('true');
    const problemId = await systolic.getAttribute('aria-describedby');
    expect(await page.locator(`#${problemId}`).textContent()).to.match(/^Systolic blood pressure of 400 mmHg is not plausible \(accepted: 40–299 mmHg\)/);
    expect(await readings.getByLabel('Diastolic (mmHg)').getAttribute('aria-invalid')).to.equal(null);
    expect(await hospital.db.models.Observation.count({ where: { patientId: patient.patientId } })).to.equal(0);
    await readings.locator('#my-last-readings').getByText('You have sent no readings yet.').waitFor();
  });

  it('when a booked appointment starts within the cancellation cut-off, then Cancel is refused in plain words and it stays booked', async () => {
    const { doctor, patient } = await doctorAndPatient(false);
    const soon = await slotAt(hospital, doctor.practitionerId, new Date(Date.now() + 30 * 60_000));
    const { body } = await book(hospital, patient.token, soon.id).expect(201);
    const page = await signIn(patient.email, ACCOUNT_PASSWORD);

    await page.locator(`#my-appointments [data-appointment="${body.id}"]`).getByRole('button', { name: /^Cancel/ }).click();
    await page.locator('#my-appointments [role="alert"]')
      .filter({ hasText: 'It is too late to cancel this appointment online: appointments can be cancelled up to 2 hours before the start. Please call the hospital.' })
      .waitFor();
    expect((await hospital.db.models.Appointment.findByPk(body.id, { rejectOnEmpty: true })).status).to.equal('booked');
  });
});
