import { expect } from 'chai';
import request from 'supertest';
import { zhCN } from '../../client/i18n/zh-CN.js';
import { deliverDueNotifications } from '../../server/appointments/outbox-worker.js';
import { emailTransport } from '../../server/notifications/email-transport.js';
import { book, doctorWithSlots, eligiblePatient, freeSlotsOf, quickPatient, slotAt } from '../support/appointments.js';
import { newVisit } from '../support/consultations.js';
import { readyPrescription } from '../support/prescriptions.js';
import { startSmtpInbox, type ReceivedMail } from '../support/smtp-inbox.js';
import { describeOnEachDatabase } from '../support/test-node.js';

const BASE = 'https://hospital.test';

describeOnEachDatabase('notifications by e-mail (a real SMTP server in the test)', (hospital) => {
  let inbox: Awaited<ReturnType<typeof startSmtpInbox>>;
  let transport: ReturnType<typeof emailTransport>;
  // A real SMTP delivery per test: on a busy 2-core machine one can take longer than mocha's 30 s.
  beforeEach(function () { this.currentTest?.timeout(120_000); });
  before(async () => {
    inbox = await startSmtpInbox();
    transport = emailTransport(hospital().db, { smtpUrl: inbox.url, from: 'Internet Hospital <noreply@hospital.test>' }, BASE);
  });
  after(async () => {
    transport.close();
    await inbox.close();
  });
  beforeEach(() => {
    inbox.fail(false);
    inbox.received.length = 0;
  });

  const deliver = () => deliverDueNotifications(hospital().db, transport, new Date(), 10_000);
  const mailTo = (address: string) => inbox.received.filter((m) => m.to.includes(address));
  const calendarOf = (mail: ReceivedMail) => mail.parts.find((p) => p.contentType.startsWith('text/calendar'));
  const textOf = (mail: ReceivedMail) => mail.parts.find((p) => p.contentType.startsWith('text/plain'))!.body;

  it('when a patient books, then she receives a confirmation in Chinese, in her time zone, with the visit as an .ics event', async () => {
    const doctor = await doctorWithSlots(hospital());
    const patient = await quickPatient(hospital(), 'Asia/Shanghai');
    const [slot] = await freeSlotsOf(hospital(), doctor.practitionerId);
    const booked = (await book(hospital(), patient.token, slot.id, 'in-person').expect(201)).body;
    await deliver();
    const [mail, ...more] = mailTo(patient.email).filter((m) => m.subject.startsWith('预约成功'));
    expect(more, 'one confirmation').to.have.length(0);
    const local = new Intl.DateTimeFormat('zh-CN', { timeZone: 'Asia/Shanghai', dateStyle: 'full', timeStyle: 'short' }).format(slot.start);
    expect(mail.subject).to.include(local).and.include(`：${zhCN.visitType['in-person']} `);
    expect(mail.headers).to.match(/^Content-Language: zh-CN/m);
    expect(textOf(mail)).to.include(`${local} (Asia/Shanghai)`).and.include('Sched');
    const ics = calendarOf(mail)!;
    expect(ics.filename).to.equal('visit.ics');
    const utc = (d: Date) => d.toISOString().replace(/[-:]/g, '').replace('.000', '');
    expect(ics.body).to.include('METHOD:PUBLISH').and.include(`UID:${booked.id}@hospital.test`)
      .and.include(`DTSTART:${utc(slot.start)}`).and.include(`DTEND:${utc(slot.end)}`).and.include('SUMMARY:预约成功')
      .and.include(`URL:${BASE}/`).and.include('STATUS:CONFIRMED');
    expect(ics.body.split('\r\n').every((line) => Buffer.byteLength(line) <= 75), 'folded at 75 octets').to.equal(true);
    const { NotificationOutbox } = hospital().db.models;
    const confirmations = await NotificationOutbox.findAll({ where: { appointmentId: booked.id, kind: 'appointment-booked' } });
    expect(confirmations.map((e) => e.status)).to.deep.equal(['sent', 'sent']);
    expect(mailTo(doctor.email).filter((m) => m.subject.startsWith('预约成功')), "the doctor's copy").to.have.length(1);
  });

  it('when a booking is cancelled, then the patient receives METHOD:CANCEL for the same UID', async () => {
    const doctor = await doctorWithSlots(hospital());
    const patient = await eligiblePatient(hospital());
    const [slot] = await freeSlotsOf(hospital(), doctor.practitionerId);
    const booked = (await book(hospital(), patient.token, slot.id, 'video-follow-up').expect(201)).body;
    await deliver();
    await request(hospital().app).post(`/api/appointments/${booked.id}/cancel`).auth(patient.token, { type: 'bearer' }).send({ reason: 'feeling better' }).expect(200);
    await deliver();
    const cancelled = mailTo(patient.email).find((m) => m.subject.startsWith('预约已取消'))!;
    expect(textOf(cancelled)).to.include('feeling better');
    const ics = calendarOf(cancelled)!;
    expect(ics.body).to.include('METHOD:CANCEL').and.include(`UID:${booked.id}@hospital.test`).and.include('STATUS:CANCELLED')
      .and.include(`URL:${BASE}/visit/${booked.id}`);
    expect(ics.contentType).to.include('method=CANCEL');
    const reminders = await hospital().db.models.NotificationOutbox.findAll({ where: { appointmentId: booked.id, kind: 'appointment-reminder' } });
    expect(reminders.map((r) => r.status), 'no reminder of a cancelled visit').to.not.include('pending');
  });

  it('when a video visit is 15 minutes away, then the reminder carries the visit link and no token', async () => {
    const doctor = await doctorWithSlots(hospital());
    const patient = await eligiblePatient(hospital());
    const soon = await slotAt(hospital(), doctor.practitionerId, new Date(Date.now() + 10 * 60_000));
    const booked = (await book(hospital(), patient.token, soon.id, 'video-follow-up').expect(201)).body;
    await deliver();
    const reminders = mailTo(patient.email).filter((m) => m.subject.startsWith('就诊提醒'));
    expect(reminders.length, 'both reminders are due at once for a visit in 10 minutes').to.equal(2);
    for (const mail of reminders) {
      expect(textOf(mail)).to.include(`${BASE}/visit/${booked.id}`);
      expect(textOf(mail)).to.not.match(/token|eyJ/i);
    }
  });

  it('when a home reading is a crisis, then the treating doctor receives an urgent e-mail naming no patient and no value', async () => {
    const visit = await newVisit(hospital(), 'Crisis');
    const reading = {
      code: '85354-9', effectiveAt: new Date().toISOString(), entryMethod: 'device',
      components: [{ code: '8480-6', value: 200, unit: 'mm[Hg]' }, { code: '8462-4', value: 115, unit: 'mm[Hg]' }],
    };
    const res = await request(hospital().app).post(`/api/patients/${visit.patient.patientId}/readings`).auth(visit.patient.token, { type: 'bearer' })
      .send(reading).expect(201);
    expect(res.body.alerts[0]).to.include({ kind: 'bp-crisis' });
    await deliver();
    const [alert] = mailTo(visit.doctor.email).filter((m) => m.subject.startsWith('紧急'));
    expect(alert.subject).to.include('血压危象');
    expect(textOf(alert)).to.include(`${BASE}/`).and.not.include('200').and.not.include('CrisisPatient');
    const event = await hospital().db.models.NotificationOutbox.findOne({ where: { appointmentId: res.body.alerts[0].id }, rejectOnEmpty: true });
    expect(event).to.include({ kind: 'crisis-alert', status: 'sent', recipientPractitionerId: visit.doctor.practitionerId });
  });

  it('when a pharmacist approves a prescription, then the patient is told it is ready and where to see the code, never the code', async () => {
    const rx = await readyPrescription(hospital());
    await deliver();
    const [mail] = mailTo(rx.patient.email).filter((m) => m.subject.includes('处方'));
    expect(textOf(mail)).to.include(`${BASE}/#prescription/${rx.id}`);
    const raw = JSON.stringify(mail);
    expect(raw).to.not.include(rx.accessCode);
    expect(raw).to.not.include(rx.code);
  });

  it('when the SMTP server refuses, then the event goes back to pending with the attempt counted and is sent on the next round', async () => {
    const doctor = await doctorWithSlots(hospital());
    const patient = await quickPatient(hospital());
    const [slot] = await freeSlotsOf(hospital(), doctor.practitionerId);
    const booked = (await book(hospital(), patient.token, slot.id).expect(201)).body;
    inbox.fail(true);
    await deliver();
    const { NotificationOutbox } = hospital().db.models;
    const mine = () => NotificationOutbox.findOne({ where: { appointmentId: booked.id, kind: 'appointment-booked', recipientPatientId: patient.patientId }, rejectOnEmpty: true });
    const failed = await mine();
    expect(failed).to.include({ status: 'pending', attempts: 1 });
    expect(failed.lastError).to.match(/451|unavailable/i);
    expect(mailTo(patient.email)).to.have.length(0);
    inbox.fail(false);
    await deliver();
    expect(await mine()).to.include({ status: 'sent', attempts: 2 });
    expect(mailTo(patient.email).filter((m) => m.subject.startsWith('预约成功'))).to.have.length(1);
  });

  it('when a patient has no e-mail address, then the event is skipped with the reason and never retried', async () => {
    const doctor = await doctorWithSlots(hospital());
    const patient = await quickPatient(hospital());
    await hospital().db.models.Patient.update({ email: null }, { where: { id: patient.patientId } });
    const [slot] = await freeSlotsOf(hospital(), doctor.practitionerId);
    const booked = (await book(hospital(), patient.token, slot.id).expect(201)).body;
    await deliver();
    await deliver();
    const event = await hospital().db.models.NotificationOutbox.findOne({
      where: { appointmentId: booked.id, kind: 'appointment-booked', recipientPatientId: patient.patientId }, rejectOnEmpty: true,
    });
    expect(event).to.include({ status: 'skipped', attempts: 1, lastError: 'the patient has no e-mail address' });
    expect(mailTo(patient.email)).to.have.length(0);
  });
});
