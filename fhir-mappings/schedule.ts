import type { Schedule, VisitType } from '../db/models/scheduling.js';
import { metaOf } from './common.js';
import { SNOMED } from './practitioner.js';
import { serviceTypeOf } from './visit-type.js';

/** The R4 core extension that names a resource's IANA time zone. */
export const TIMEZONE_EXTENSION = 'http://hl7.org/fhir/StructureDefinition/timezone';

export interface ScheduleContext {
  /** Visit types offered by any of the schedule's weekly openings. */
  visitTypes: VisitType[];
  practitionerDisplay?: string;
  specialty?: { code: string; display: string | null } | null;
  /** The rolling horizon's end (now + horizonDays) when the resource is rendered. */
  now?: Date;
}

/** Schedule row → FHIR R4 Schedule: one per doctor, in the doctor's time zone. */
export function scheduleToFhir(row: Schedule, context: ScheduleContext) {
  const now = context.now ?? new Date();
  return {
    resourceType: 'Schedule' as const,
    id: row.id,
    meta: metaOf(row),
    extension: [{ url: TIMEZONE_EXTENSION, valueCode: row.timeZone }],
    active: row.active,
    serviceType: context.visitTypes.map(serviceTypeOf),
    ...(context.specialty ? {
      specialty: [{ coding: [{ system: SNOMED, code: context.specialty.code, ...(context.specialty.display ? { display: context.specialty.display } : {}) }] }],
    } : {}),
    actor: [{ reference: `Practitioner/${row.practitionerId}`, ...(context.practitionerDisplay ? { display: context.practitionerDisplay } : {}) }],
    planningHorizon: { start: now.toISOString(), end: new Date(now.getTime() + row.horizonDays * 86_400_000).toISOString() },
    comment: `${row.slotMinutes}-minute slots${row.bufferMinutes ? ` with ${row.bufferMinutes} minutes between them` : ''}, times set in ${row.timeZone}.`,
  };
}
