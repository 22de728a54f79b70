import type { ChargeItem } from '@medplum/fhirtypes';
import type { Database } from '../../db/connection.js';
import type { Caller } from '../auth/caller.js';
import type { Config } from '../config.js';
import type { SearchQuery } from '../fhir/search.js';
import { fhirContextOf, searchAll } from './billing-records.js';
import { reasonsOf } from './patient-billing.js';
import { serviceDateOf } from './claim-documents.js';

/**
 * The insurer's (or admin's) CSV export: exactly the rows of GET /fhir/ChargeItem with the same query, one line a
 * charge, in the search's order (docs/billing.md "What insurers see").
 */
export const CHARGE_CSV_COLUMNS = ['chargeItemId', 'patientId', 'practitionerId', 'encounterId', 'serviceDate', 'system', 'code', 'display',
  'status', 'price', 'currency', 'reasons'] as const;

const idOf = (reference: string | undefined) => reference?.split('/')[1] ?? '';

/** RFC 4180: a field with a comma, quote or line break is quoted, its quotes doubled; a leading =+-@ is defused for spreadsheets. */
function field(value: string): string {
  const safe = /^[=+\-@]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

export function chargeRow(charge: ChargeItem & { id: string }): string[] {
  const coding = charge.code.coding?.[0];
  return [
    charge.id, idOf(charge.subject.reference), idOf(charge.performer?.[0]?.actor.reference), idOf(charge.context?.reference), serviceDateOf(charge),
    coding?.system ?? '', coding?.code ?? '', coding?.display ?? '', charge.status, charge.priceOverride?.value?.toString() ?? '',
    charge.priceOverride?.currency ?? '', reasonsOf(charge).join(' | '),
  ];
}

export async function chargesCsv(db: Database, config: Config, caller: Caller, query: SearchQuery): Promise<string> {
  const charges = await searchAll<ChargeItem>(fhirContextOf(db, config, caller), 'ChargeItem', query);
  return [CHARGE_CSV_COLUMNS.join(','), ...charges.map((c) => chargeRow(c).map(field).join(','))].join('\r\n') + '\r\n';
}
