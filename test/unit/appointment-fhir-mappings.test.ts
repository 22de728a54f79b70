import { expect } from 'chai';
import type { Appointment, Schedule, Slot } from '../../db/models/scheduling.js';
import { appointmentToFhir, bookingInputFromFhir } from '../../fhir-mappings/appointment.js';
import { scheduleToFhir } from '../../fhir-mappings/schedule.js';
import { slotToFhir } from '../../fhir-mappings/slot.js';
import { Invalid } from '../../server/http/errors.js';
import { validateR4 } from '../support/fhir-validator.js';

const at = (iso: string) => new Date(iso);
const stamps = { versionId: 3, createdAt: at('2026-11-01T08:00:00Z'), updatedAt: at('2026-11-02T08:00:00Z') };
const appointment = (over: Partial<Appointment> = {}) => ({
  id: 'appt-1', slotId: 'slot-1', heldSlotId: 'slot-1', patientId: 'pat-1', practitionerId: 'prac-1', visitType: 'video-follow-up',
  status: 'booked', start: at('2026-12-01T01:00:00Z'), end: at('2026-12-01T01:20:00Z'), reasonConditionId: 'cond-1',
  cancellationReason: null, cancelledAt: null, ...stamps, ...over,
}) as unknown as Appointment;

function expectValidR4(resource: unknown) {
  const result = validateR4(resource);
  expect(result.issues.filter((i) => i.severity === 'error'), JSON.stringify(result.issues)).to.deep.equal([]);
}

describe('FHIR mappings of scheduling', () => {
  it('when a booked video follow-up is mapped, then the Appointment has status, both participants accepted, slot, service and appointment type and the Condition as reason', () => {
    const fhir = appointmentToFhir(appointment());
    expect(fhir).to.deep.include({
      resourceType: 'Appointment', id: 'appt-1', status: 'booked', slot: [{ reference: 'Slot/slot-1' }],
      reasonReference: [{ reference: 'Condition/cond-1' }], start: '2026-12-01T01:00:00.000Z', minutesDuration: 20,
      meta: { versionId: '3', lastUpdated: '2026-11-02T08:00:00.000Z' },
    });
    expect(fhir.participant).to.deep.equal([
      { actor: { reference: 'Patient/pat-1' }, required: 'required', status: 'accepted' },
      { actor: { reference: 'Practitioner/prac-1' }, required: 'required', status: 'accepted' },
    ]);
    expect(fhir.serviceType[0].coding![0].code).to.equal('video-follow-up');
    expect(fhir.appointmentType.coding![0]).to.include({ code: 'FOLLOWUP' });
    expectValidR4(fhir);
  });

  it('when a cancelled or no-show appointment is mapped, then the status follows and a cancelled one carries its reason', () => {
    const cancelled = appointmentToFhir(appointment({ status: 'cancelled', cancellationReason: 'doctor unwell', heldSlotId: null }));
    expect(cancelled.status).to.equal('cancelled');
    expect(cancelled.cancelationReason).to.deep.equal({ text: 'doctor unwell' });
    expect(cancelled.participant.map((p) => p.status)).to.deep.equal(['declined', 'declined']);
    expectValidR4(cancelled);
    for (const status of ['arrived', 'fulfilled', 'noshow'] as const) expectValidR4(appointmentToFhir(appointment({ status, visitType: 'in-person', reasonConditionId: null })));
  });

  it('when slots are mapped, then free and busy come out as Slot.status with the schedule reference', () => {
    const slot = (status: Slot['status']) => ({
      id: 'slot-1', scheduleId: 'sched-1', practitionerId: 'prac-1', start: at('2026-12-01T01:00:00Z'), end: at('2026-12-01T01:20:00Z'),
      visitTypes: 'video-follow-up,in-person', status, ...stamps,
    }) as unknown as Slot;
    for (const status of ['free', 'busy'] as const) {
      const fhir = slotToFhir(slot(status));
      expect(fhir).to.deep.include({ resourceType: 'Slot', status, schedule: { reference: 'Schedule/sched-1' }, end: '2026-12-01T01:20:00.000Z' });
      expect(fhir.serviceType.map((s) => s.coding![0].code)).to.deep.equal(['video-follow-up', 'in-person']);
      expectValidR4(fhir);
    }
  });

  it('when a schedule is mapped, then it names the doctor, the visit types, the time zone and the planning horizon', () => {
    const schedule = { id: 'sched-1', practitionerId: 'prac-1', timeZone: 'Asia/Shanghai', slotMinutes: 20, bufferMinutes: 10, horizonDays: 14, active: true, ...stamps } as unknown as Schedule;
    const fhir = scheduleToFhir(schedule, { visitTypes: ['video-follow-up', 'in-person'], practitionerDisplay: 'Dr Wei Chen', specialty: { code: '419192003', display: 'Internal medicine' }, now: at('2026-11-29T00:00:00Z') });
    expect(fhir.actor).to.deep.equal([{ reference: 'Practitioner/prac-1', display: 'Dr Wei Chen' }]);
    expect(fhir.extension).to.deep.equal([{ url: 'http://hl7.org/fhir/StructureDefinition/timezone', valueCode: 'Asia/Shanghai' }]);
    expect(fhir.planningHorizon).to.deep.equal({ start: '2026-11-29T00:00:00.000Z', end: '2026-12-13T00:00:00.000Z' });
    expectValidR4(fhir);
  });

  it('when a FHIR client posts a booked Appointment for a slot, then it becomes the booking input; the mapped resource round-trips', () => {
    expect(bookingInputFromFhir({
      resourceType: 'Appointment', status: 'booked', slot: [{ reference: 'Slot/slot-9' }],
      participant: [{ actor: { reference: 'Patient/pat-9' }, status: 'accepted' }, { actor: { reference: 'Practitioner/p' }, status: 'accepted' }],
      appointmentType: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0276', code: 'FOLLOWUP' }] },
      reasonCode: [{ coding: [{ system: 'http://hl7.org/fhir/sid/icd-10', code: 'I10' }] }],
    })).to.deep.equal({ slotId: 'slot-9', patientId: 'pat-9', visitType: 'video-follow-up', conditionCode: 'I10' });
    expect(bookingInputFromFhir(appointmentToFhir(appointment()))).to.deep.equal({
      slotId: 'slot-1', patientId: 'pat-1', visitType: 'video-follow-up', reasonConditionId: 'cond-1',
    });
  });

  it('when the posted Appointment lacks a slot, a patient or a visit type, or is not booked, then 400 points at each element', () => {
    const error = (() => {
      try {
        bookingInputFromFhir({ resourceType: 'Appointment', status: 'proposed', participant: [] });
      } catch (e) {
        return e;
      }
    })() as Invalid;
    expect(error).to.be.instanceOf(Invalid);
    expect(error.code).to.equal('invalid-appointment');
    expect(error.details.map((d) => d.expression)).to.deep.equal([
      'Appointment.status', 'Appointment.slot', 'Appointment.participant', 'Appointment.serviceType',
    ]);
  });
});
