import type { Slot, VisitType } from '../db/models/scheduling.js';
import { instant, metaOf } from './common.js';
import { serviceTypeOf } from './visit-type.js';

/** Slot row (live, or a stored version) → FHIR R4 Slot (status free | busy | busy-unavailable; times are UTC instants). */
export function slotToFhir(row: Slot) {
  return {
    resourceType: 'Slot' as const,
    id: row.id,
    meta: metaOf(row),
    serviceType: (row.visitTypes.split(',') as VisitType[]).map(serviceTypeOf),
    schedule: { reference: `Schedule/${row.scheduleId}` },
    status: row.status,
    start: instant(row.start),
    end: instant(row.end),
  };
}

