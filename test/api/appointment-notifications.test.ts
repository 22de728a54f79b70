import { expect } from 'chai';
import { deliverDueNotifications, startAppointmentsWorker, type NotificationTransport } from '../../server/appointments/outbox-worker.js';
import { createLogger } from '../../server/logger.js';
import { book, doctorWithSlots, freeSlotsOf, quickPatient } from '../support/appointments.js';
import { describeOnEachDatabase } from '../support/test-node.js';

describeOnEachDatabase('appointment notifications (outbox)', (hospital) => {
  const recorder = () => {
    const delivered: Array<{ kind: string; payload: unknown }> = [];
    const transport: NotificationTransport = { async deliver(m) { delivered.push({ kind: m.kind, payload: m.payload }); } };
    return { delivered, transport };
  };

  it('when a booking is made, then the worker delivers its confirmations once and marks them sent; the reminder waits until due', async () => {
    const doctor = await doctorWithSlots(hospital());
    const patient = await quickPatient(hospital());
    const [slot] = await freeSlotsOf(hospital(), doctor.practitionerId);
    const booked = (await book(hospital(), patient.token, slot.id).expect(201)).body;
    const { delivered, transport } = recorder();
    await Promise.all([deliverDueNotifications(hospital().db, transport, new Date(), 10_000), deliverDueNotifications(hospital().db, transport, new Date(), 10_000)]);
    const { NotificationOutbox } = hospital().db.models;
    const mine = await NotificationOutbox.findAll({ where: { appointmentId: booked.id } });
    const confirmations = mine.filter((e) => e.kind === 'appointment-booked');
    expect(confirmations.map((e) => e.status)).to.deep.equal(['sent', 'sent']);
    expect(delivered.filter((d) => d.kind === 'appointment-booked' && (d.payload as { appointmentId: string }).appointmentId === booked.id)).to.have.length(2);
    const reminder = mine.find((e) => e.kind === 'appointment-reminder')!;
    const due = reminder.dueAt.getTime() <= Date.now();
    expect(reminder.status).to.equal(due ? 'sent' : 'pending');
  });

  it('when delivery fails, then the event goes back to pending with the error and its attempt counted', async () => {
    const doctor = await doctorWithSlots(hospital());
    const patient = await quickPatient(hospital());
    const [slot] = await freeSlotsOf(hospital(), doctor.practitionerId);
    const booked = (await book(hospital(), patient.token, slot.id).expect(201)).body;
    await deliverDueNotifications(hospital().db, { async deliver() { throw new Error('SMS gateway down'); } }, new Date(), 10_000);
    const event = await hospital().db.models.NotificationOutbox.findOne({ where: { appointmentId: booked.id, kind: 'appointment-booked' }, rejectOnEmpty: true });
    expect(event).to.include({ status: 'pending', attempts: 1, lastError: 'SMS gateway down' });
  });

  it('when the worker is started and stopped, then it delivers on its interval and stops cleanly', async () => {
    const doctor = await doctorWithSlots(hospital());
    const patient = await quickPatient(hospital());
    const [slot] = await freeSlotsOf(hospital(), doctor.practitionerId);
    const booked = (await book(hospital(), patient.token, slot.id).expect(201)).body;
    const { transport } = recorder();
    const worker = startAppointmentsWorker(hospital().db, transport, createLogger('silent'), 100);
    const { NotificationOutbox } = hospital().db.models;
    for (let i = 0; i < 100; i++) {
      if ((await NotificationOutbox.count({ where: { appointmentId: booked.id, kind: 'appointment-booked', status: 'sent' } })) === 2) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    await worker.stop();
    expect(await NotificationOutbox.count({ where: { appointmentId: booked.id, kind: 'appointment-booked', status: 'sent' } })).to.equal(2);
  });
});
