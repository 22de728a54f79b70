import type { Resource } from '@medplum/fhirtypes';
import { isDeepStrictEqual } from 'node:util';
import { QueryTypes, type QueryInterface } from 'sequelize';
import type { MedicationDispense, Prescription, PrescriptionLine } from '../models/prescription.js';
import {
  toCarePlanResource, toCommunicationResource, toConsentResource, toDiagnosisDocumentResource, toDisputeResource, toVisitNoteResource,
} from '../../fhir-mappings/consultation-records.js';
import { lookupRowsOf } from '../../server/fhir/repository/index-rows.js';
import { issuerOf } from '../../server/prescriptions/prescription-records.js';
import { medicationDispense, medicationRequest, prescriptionProvenance, prescriptionTask } from '../../server/prescriptions/fhir-views.js';
import type { Migration } from './index.js';

/**
 * Until this release the records of the domain acts (prescriptions, handovers, consents, notes, messages, care
 * plans, diagnosis documents, complaints) kept their versions in resource_versions as the ROW as it was, and had no
 * stored resource. This upgrade turns each of those versions into the FHIR resource that row maps to (same
 * version number and time), stores the current one in fhir_resources with its lookup rows, and appends a version
 * where the current rows say more than the last stored version (a MedicationRequest whose prescription moved on).
 * It uses the mappings of this release (fhir-mappings/consultation-records.ts, server/prescriptions/fhir-views.ts).
 */
type Row = Record<string, unknown>;
type Json = Resource & { id: string };

/** An instant as JSON wrote it (…T…Z) or as SQLite answers it (`2026-01-02 03:04:05.678 +00:00`). */
const INSTANT = /^(\d{4}-\d\d-\d\d)[T ](\d\d:\d\d:\d\d(?:\.\d+)?) ?(Z|[+-]\d\d:\d\d)$/;
/** A row as JSON or the driver gave it, with its instants as Dates (DATEONLY values have no time and stay strings). */
const revived = (row: Row): Row => Object.fromEntries(Object.entries(row).map(([k, v]) => {
  const instant = typeof v === 'string' ? INSTANT.exec(v) : null;
  return [k, instant ? new Date(`${instant[1]}T${instant[2]}${instant[3]}`) : v];
}));

const LOOKUP_TABLES = {
  FhirToken: 'fhir_tokens', FhirString: 'fhir_strings', FhirDate: 'fhir_dates', FhirReference: 'fhir_references',
  FhirQuantity: 'fhir_quantities', FhirUri: 'fhir_uris', FhirComposite: 'fhir_composites', FhirCompartment: 'fhir_compartments',
} as const;

async function rows(q: QueryInterface, sql: string, replacements: unknown[] = []): Promise<Row[]> {
  return (await q.sequelize.query<Row>(sql, { replacements, type: QueryTypes.SELECT })).map(revived);
}

const withoutMeta = (resource: Resource) => ({ ...resource, meta: undefined });

/** The versions of one record rewritten as resources, then its current resource stored (and versioned if new). */
async function upgradeRecord(q: QueryInterface, type: string, id: string, asResource: (row: Row) => Resource, current: Resource): Promise<void> {
  const versions = await q.sequelize.query<{ versionId: number; recordedAt: Date | string; content: string }>(
    'SELECT versionId, recordedAt, content FROM resource_versions WHERE resourceType = ? AND resourceId = ? ORDER BY versionId',
    { replacements: [type, id], type: QueryTypes.SELECT },
  );
  let last: Json | undefined;
  for (const version of versions) {
    const recordedAt = new Date(version.recordedAt);
    const resource = { ...asResource(revived(JSON.parse(version.content) as Row)), id, meta: { versionId: String(version.versionId), lastUpdated: recordedAt.toISOString() } } as Json;
    await q.sequelize.query('UPDATE resource_versions SET content = ? WHERE resourceType = ? AND resourceId = ? AND versionId = ?',
      { replacements: [JSON.stringify(resource), type, id, version.versionId] });
    last = resource;
  }
  if (!last || !isDeepStrictEqual(withoutMeta(last), withoutMeta({ ...current, id } as Json))) {
    const versionId = Number(last?.meta?.versionId ?? 0) + 1;
    const now = new Date();
    last = { ...current, id, meta: { versionId: String(versionId), lastUpdated: now.toISOString() } } as Json;
    await q.bulkInsert('resource_versions', [{ resourceType: type, resourceId: id, versionId, recordedAt: now, content: JSON.stringify(last) }]);
  }
  await q.bulkInsert('fhir_resources', [{
    resourceType: type, id, versionId: Number(last.meta!.versionId), lastUpdated: new Date(last.meta!.lastUpdated!), deleted: false, content: JSON.stringify(last),
  }]);
  const lookups = lookupRowsOf(last);
  for (const [model, table] of Object.entries(LOOKUP_TABLES)) {
    const values = lookups[model as keyof typeof LOOKUP_TABLES];
    if (values.length) await q.bulkInsert(table, values);
  }
}

export const domainActRecords: Migration = {
  name: '0220-domain-act-records',
  async up({ context: q }) {
    const same = (row: Row) => row;
    for (const row of await rows(q, 'SELECT * FROM consents')) {
      await upgradeRecord(q, 'Consent', String(row.id), (r) => toConsentResource(r as never), toConsentResource(row as never));
    }
    for (const row of await rows(q, 'SELECT * FROM care_plans')) {
      await upgradeRecord(q, 'CarePlan', String(row.id), (r) => toCarePlanResource(r as never), toCarePlanResource(row as never));
    }
    for (const row of await rows(q, 'SELECT * FROM diagnosis_documents')) {
      await upgradeRecord(q, 'DocumentReference', String(row.id), (r) => toDiagnosisDocumentResource(r as never), toDiagnosisDocumentResource(row as never));
    }
    for (const row of await rows(q, 'SELECT * FROM visit_notes')) {
      await upgradeRecord(q, 'Composition', String(row.id), (r) => toVisitNoteResource(r as never), toVisitNoteResource(row as never));
    }
    for (const row of await rows(q, 'SELECT * FROM disputes')) {
      await upgradeRecord(q, 'Task', String(row.id), (r) => toDisputeResource(r as never), toDisputeResource(row as never));
    }
    for (const row of await rows(q, 'SELECT m.*, e.practitionerId AS visitPractitionerId FROM visit_messages m LEFT JOIN encounters e ON e.id = m.encounterId')) {
      const sender = (row.visitPractitionerId as string | null) ?? null;
      await upgradeRecord(q, 'Communication', String(row.id), (r) => toCommunicationResource(r as never, sender), toCommunicationResource(row as never, sender));
    }
    for (const row of await rows(q, 'SELECT * FROM prescriptions') as unknown as Prescription[]) {
      const lines = await rows(q, 'SELECT * FROM prescription_lines WHERE prescriptionId = ? ORDER BY lineNo', [row.id]) as unknown as PrescriptionLine[];
      const issuer = issuerOf(row);
      await upgradeRecord(q, 'Task', row.id, (r) => prescriptionTask(r as never, lines, issuer) as Resource, prescriptionTask(row, lines, issuer) as Resource);
      // A line was versioned once, when it was issued (pending review): its first version is the draft.
      for (const line of lines) {
        await upgradeRecord(q, 'MedicationRequest', line.id, (r) => medicationRequest({ ...row, status: 'pending-review' } as unknown as Prescription, r as never, issuer) as Resource,
          medicationRequest(row, line, issuer) as Resource);
      }
      await upgradeRecord(q, 'Provenance', `${row.id}-signature`, same as never, prescriptionProvenance(row, lines) as Resource);
      for (const dispense of await rows(q, 'SELECT * FROM medication_dispenses WHERE prescriptionId = ?', [row.id]) as unknown as MedicationDispense[]) {
        const line = lines.find((l) => l.lineNo === dispense.lineNo);
        await upgradeRecord(q, 'MedicationDispense', dispense.id, (r) => medicationDispense(row, r as never, line) as Resource,
          medicationDispense(row, dispense, line) as Resource);
      }
    }
  },
  async down() {
    // The row-shaped versions are not rebuilt: an older release reads these records from their tables.
  },
};
