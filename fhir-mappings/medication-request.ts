import type { MedicationRequest } from '@medplum/fhirtypes';
import { originIdentifier } from './common.js';

/** A relative reference (`Practitioner/123`, `MedicationRequest/9/_history/2`): it names a record at the server that wrote it. */
const RELATIVE = /^[A-Z][A-Za-z]+\/[A-Za-z0-9\-.]{1,64}(\/_history\/[A-Za-z0-9\-.]{1,64})?$/;

/** Every relative reference in `value` made absolute at `base`; contained (`#…`) and absolute ones are left as they are. */
function absoluteAt<T>(value: T, base: string): T {
  if (Array.isArray(value)) return value.map((item) => absoluteAt(item, base)) as T;
  if (!value || typeof value !== 'object') return value;
  return Object.fromEntries(Object.entries(value).map(([key, item]) =>
    [key, key === 'reference' && typeof item === 'string' && RELATIVE.test(item) ? `${base}/${item}` : absoluteAt(item, base)])) as T;
}

/**
 * A partner's MedicationRequest as this node stores it (server/exchange/pull.ts): whole, under our id, with
 * `meta.source` naming the partner and an identifier naming the record there; its subject is our patient and its
 * encounter our copy of the partner's visit. Its other references keep pointing at the partner (made absolute), never
 * at a record of ours that happens to share an id.
 */
export function importedMedicationRequest(
  resource: MedicationRequest, at: { source: string; id: string; patientId: string; encounterId: string | null },
): MedicationRequest & { id: string } {
  const { meta, ...rest } = absoluteAt(resource, at.source.replace(/\/+$/, ''));
  // The partner's version and time are its own (ours are stamped when stored); its profiles and tags stay.
  const kept = Object.fromEntries(Object.entries(meta ?? {}).filter(([key]) => !['versionId', 'lastUpdated', 'source'].includes(key)));
  return {
    ...rest, id: at.id, meta: { ...kept, source: at.source },
    identifier: [...(resource.identifier ?? []), ...(originIdentifier('MedicationRequest', { source: at.source, sourceId: resource.id }) ?? [])],
    subject: { reference: `Patient/${at.patientId}` },
    ...(at.encounterId ? { encounter: { reference: `Encounter/${at.encounterId}` } } : {}),
  };
}
