import type { Appointment as FhirAppointment } from '@medplum/fhirtypes';
import type { Appointment, Schedule, Slot } from '../../../db/models/scheduling.js';
import { appointmentToFhir, bookingInputFromFhir } from '../../../fhir-mappings/appointment.js';
import { scheduleToFhir } from '../../../fhir-mappings/schedule.js';
import { slotToFhir } from '../../../fhir-mappings/slot.js';
import { bookAppointment, appointmentSettings } from '../../appointments/book-appointment.js';
import { Unprocessable } from '../../http/errors.js';
import { registerResource, type Row } from '../registry.js';

// Schedules and slots are the hospital's public calendar: any signed-in caller whose scope allows it may read
// them. Changing them is a domain act (availability rules), done through /api/availability, not FHIR writes.
registerResource({
  type: 'Schedule',
  model: (db) => db.models.Schedule,
  // The visit types a schedule offers live in its weekly rules; its slots carry them (Slot.serviceType). Its
  // planning horizon runs from when the schedule was last set, so a row maps to one resource whenever it is mapped.
  toResource: (row) => scheduleToFhir(row as unknown as Schedule, { visitTypes: [], now: row.updatedAt instanceof Date ? row.updatedAt : undefined }),
  interactions: ['read', 'search-type'],
  searchParams: [
    { name: 'actor', type: 'reference', columns: ['practitionerId'], target: ['Practitioner'], documentation: 'The doctor whose calendar it is' },
  ],
});

registerResource({
  type: 'Slot',
  model: (db) => db.models.Slot,
  toResource: (row) => slotToFhir(row as unknown as Slot),
  interactions: ['read', 'vread', 'search-type', 'history-instance'],
  searchParams: [
    { name: 'schedule', type: 'reference', columns: ['scheduleId'], target: ['Schedule'], documentation: 'The doctor\'s schedule' },
    { name: 'status', type: 'token', columns: ['status'], system: 'http://hl7.org/fhir/slotstatus', documentation: 'free | busy | busy-unavailable' },
    { name: 'start', type: 'date', columns: ['start'], precision: 'instant', sortable: true, documentation: 'When the slot starts' },
  ],
});

registerResource({
  type: 'Appointment',
  model: (db) => db.models.Appointment,
  toResource: (row) => appointmentToFhir(row as unknown as Appointment),
  interactions: ['read', 'vread', 'search-type', 'history-instance', 'create'],
  patientColumn: 'patientId',
  patientReference: 'participant.actor',
  writeRoles: ['patient', 'admin'],
  searchParams: [
    { name: 'patient', type: 'reference', columns: ['patientId'], target: ['Patient'], documentation: 'Who is booked' },
    { name: 'practitioner', type: 'reference', columns: ['practitionerId'], target: ['Practitioner'], documentation: 'The doctor' },
    { name: 'slot', type: 'reference', columns: ['slotId'], target: ['Slot'], documentation: 'The slot booked' },
    { name: 'status', type: 'token', columns: ['status'], system: 'http://hl7.org/fhir/appointmentstatus', documentation: 'booked | arrived | fulfilled | cancelled | noshow …' },
    { name: 'date', type: 'date', columns: ['start'], precision: 'instant', sortable: true, documentation: 'When the visit starts' },
  ],
  // POST /fhir/Appointment with status booked, a slot and the patient books that slot under the booking rules
  // (eligibility, one slot one booking, no overlap): 201, or 409 when the slot is taken.
  async create(ctx, resource, id) {
    const input = bookingInputFromFhir(resource);
    const { start, end } = resource as { start?: string; end?: string };
    const slot = await ctx.db.models.Slot.findByPk(input.slotId, { transaction: ctx.tx });
    // R4 requires start and end on a booked Appointment (app-3); they must be the slot's.
    if (slot && (Date.parse(start ?? '') !== slot.start.getTime() || Date.parse(end ?? '') !== slot.end.getTime())) {
      throw new Unprocessable('slot-times-mismatch', `Appointment.start and end must be the slot's: ${slot.start.toISOString()} to ${slot.end.toISOString()}.`,
        [{ expression: 'Appointment.start', message: 'not the start of the referenced slot' }]);
    }
    const booked = await bookAppointment(ctx.db, ctx.caller, {
      id, slotId: input.slotId, visitType: input.visitType, patientId: input.patientId, conditionCode: input.conditionCode,
      resource: resource as FhirAppointment,
    }, appointmentSettings(ctx.config), ctx.tx);
    return booked.get({ plain: true }) as unknown as Row;
  },
});
