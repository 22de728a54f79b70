import type { Slot, VisitType } from '../db/models/scheduling.js';
import { metaOf, serviceTypeOf } from './visit-type.js';

/** Slot row → FHIR R4 Slot (status free | busy | busy-unavailable; times are UTC instants). */
export function slotToFhir(row: Slot) {
  return {
    resourceType: 'Slot' as const,
    id: row.id,
    meta: metaOf(row),
    serviceType: (row.visitTypes.split(',') as VisitType[]).map(serviceTypeOf),
    schedule: { reference: `Schedule/${row.scheduleId}` },
    status: row.status,
    start: row.start.toISOString(),
    end: row.end.toISOString(),
  };
}

/** The FHIR search parameters of Slot that map onto the slot search (`status` is always free for patients). */
export const SLOT_STATUS_CODES = ['free', 'busy', 'busy-unavailable'] as const;
