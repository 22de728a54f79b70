import crypto from 'node:crypto';
import type {
  Bundle, Condition as FhirCondition, DiagnosticReport as FhirDiagnosticReport, Encounter as FhirEncounter, MedicationRequest, Observation as FhirObservation,
  Resource,
} from '@medplum/fhirtypes';
import type { Client } from 'fhir-kit-client';
import { Op } from 'sequelize';
import type { Database } from '../../db/connection.js';
import type { Partner } from '../../db/models/consultations.js';
import { fromConditionResource } from '../../fhir-mappings/condition.js';
import { fromDiagnosticReportResource, resultIdsOf } from '../../fhir-mappings/diagnostic-report.js';
import { fromEncounterResource } from '../../fhir-mappings/encounter.js';
import { importedMedicationRequest } from '../../fhir-mappings/medication-request.js';
import { fromObservationResource } from '../../fhir-mappings/observation.js';
import { recordAudit } from '../audit/audit-log.js';
import type { Caller } from '../auth/caller.js';
import { assertPatientAccess } from '../auth/patient-access.js';
import { linkReportResults } from '../consultations/report-results.js';
import { storeDerived, type DerivedContext } from '../fhir/repository/derived-records.js';
import * as domainRecords from '../fhir/repository/records.js';
import { Forbidden } from '../http/errors.js';
import { withPartner, type PartnerCallDeps } from './partner-client.js';
import { trimSlash } from './partners.js';

export type PullDeps = PartnerCallDeps;

export interface PullResult {
  imported: {
    partnerId: string; fhirBaseUrl: string;
    encounters: number; conditions: number; observations: number; diagnosticReports: number; medicationRequests: number;
  }[];
  unavailable: { partnerId: string; fhirBaseUrl: string; reason: string }[];
}

/** Imported rows get a stable local id derived from (partner base URL, type, origin id): re-pulls do not duplicate. */
export const importedId = (source: string, type: string, originId: string) =>
  crypto.createHash('sha256').update(`${source}|${type}|${originId}`).digest('hex');

/** Most pages one search may take from a partner: a next link that never ends cannot hold the pull. */
const MAX_PAGES = 200;

/** Whether a URL the partner handed back lies under its registered FHIR base URL (our token goes with it). */
const isUnder = (url: string, base: string) => {
  const target = new URL(url);
  const root = new URL(trimSlash(base));
  return target.origin === root.origin && (target.pathname === root.pathname || target.pathname.startsWith(`${root.pathname}/`));
};

/** Every match of a search at a partner, following its `next` links (this software pages at 100). */
async function searchAll<T extends Resource>(client: Client, signal: AbortSignal, partner: Partner, resourceType: string, searchParams: Record<string, string>) {
  const found: T[] = [];
  let bundle = await client.search({ resourceType, searchParams: { ...searchParams, _count: '100' }, options: { signal } }) as unknown as Bundle;
  for (let page = 1; ; page++) {
    found.push(...(bundle.entry ?? []).map((e) => e.resource as T).filter((r) => r?.resourceType === resourceType));
    const next = bundle.link?.find((l) => l.relation === 'next')?.url;
    if (!next) return found;
    if (!isUnder(next, partner.fhirBaseUrl)) throw new Error(`its next page of ${resourceType} (${next}) is not under its FHIR base URL`);
    if (page === MAX_PAGES) throw new Error(`its ${resourceType} search ran past ${MAX_PAGES} pages`);
    bundle = await client.nextPage({ bundle: bundle as never, options: { signal } }) as unknown as Bundle;
  }
}

async function fetchRecords(deps: PullDeps, partner: Partner, partnerPatientId: string) {
  return withPartner(deps, partner, 'system/*.read', async (client, signal) => {
    const search = <T extends Resource>(resourceType: string) => searchAll<T>(client, signal, partner, resourceType, { patient: partnerPatientId });
    const [encounters, conditions, observations, diagnosticReports, medicationRequests] = await Promise.all([
      search<FhirEncounter>('Encounter'), search<FhirCondition>('Condition'), search<FhirObservation>('Observation'),
      search<FhirDiagnosticReport>('DiagnosticReport'), search<MedicationRequest>('MedicationRequest'),
    ]);
    return { encounters, conditions, observations, diagnosticReports, medicationRequests };
  });
}

/**
 * Pulls the patient's Encounters, Conditions, Observations, DiagnosticReports and MedicationRequests from every active partner
 * the patient consented to (and named their id there), importing them with `source` = the partner's FHIR base URL. A partner that
 * fails or is slow is listed under `unavailable`; the others still import. Each pull is audited.
 */
export async function pullPartnerRecords(deps: PullDeps, caller: Caller, patientId: string): Promise<PullResult> {
  const { db } = deps;
  if (!['patient', 'doctor'].includes(caller.role)) throw new Forbidden('wrong-role', 'Only the patient or their doctor pulls records from partner hospitals.');
  await assertPatientAccess(db, caller, patientId, 'Patient', 'write');
  const consents = await db.models.Consent.findAll({ where: { patientId, status: 'active' } });
  const partners = consents.length === 0 ? [] : await db.models.Partner.findAll({
    where: { id: { [Op.in]: consents.map((c) => c.partnerId) }, active: true }, order: [['name', 'ASC']],
  });
  const result: PullResult = { imported: [], unavailable: [] };
  const outcomes = await Promise.all(partners.map(async (partner) => {
    const partnerPatientId = consents.find((c) => c.partnerId === partner.id)?.partnerPatientId;
    if (!partnerPatientId) return { partner, error: 'the consent does not name the patient\'s id at this partner' };
    try {
      return { partner, records: await fetchRecords(deps, partner, partnerPatientId) };
    } catch (error) {
      return { partner, error: (error as Error).message };
    }
  }));
  for (const outcome of outcomes) {
    const { partner } = outcome;
    if (!('records' in outcome) || !outcome.records) {
      result.unavailable.push({ partnerId: partner.id, fhirBaseUrl: partner.fhirBaseUrl, reason: outcome.error ?? 'unknown' });
      await recordAudit(db, caller, {
        action: 'E', activity: 'partner-pull', outcome: '8', resourceType: 'Organization', resourceId: partner.id, patientId, detail: outcome.error,
      });
      continue;
    }
    try {
      result.imported.push({ partnerId: partner.id, fhirBaseUrl: partner.fhirBaseUrl, ...await importRecords(db, caller, patientId, partner, outcome.records) });
    } catch (error) {
      result.unavailable.push({ partnerId: partner.id, fhirBaseUrl: partner.fhirBaseUrl, reason: `records could not be imported: ${(error as Error).message}` });
    }
  }
  return result;
}

/** The partner's own record, not one it imported from another hospital (perhaps this one): that hospital's to give. */
const writtenBy = (resource: Resource, partnerBase: string) =>
  !resource.meta?.source || trimSlash(resource.meta.source) === trimSlash(partnerBase);

/** The id at the partner of the visit a record belongs to (`Encounter/123`), when it names one there. */
const encounterIdOf = (resource: MedicationRequest) => /^Encounter\/([^/]+)$/.exec(resource.encounter?.reference ?? '')?.[1] ?? null;

/**
 * The partner's medicines are stored whole in the FHIR repository (MedicationRequest has no table here: this
 * hospital's own are its prescriptions); a re-pull stores a new version only of one the partner changed (stopped,
 * completed). Returns how many were new here.
 */
async function storeMedicationRequests(ctx: DerivedContext, requests: Array<MedicationRequest & { id: string }>): Promise<number> {
  if (requests.length === 0) return 0;
  const known = await ctx.db.models.FhirResource.count({
    where: { resourceType: 'MedicationRequest', id: requests.map((r) => r.id) }, transaction: ctx.tx,
  });
  await storeDerived(ctx, requests, { action: 'C', activity: 'partner-medicine-imported' });
  return requests.length - known;
}

async function importRecords(
  db: Database, caller: Caller, patientId: string, partner: Partner, records: Awaited<ReturnType<typeof fetchRecords>>,
) {
  const source = partner.fhirBaseUrl;
  const localId = (type: string, reference: string | null | undefined) => (reference ? importedId(source, type, reference) : null);
  const now = new Date();
  const encounters = records.encounters.map((r) => ({
    ...fromEncounterResource(r), id: importedId(source, 'Encounter', r.id!), patientId, practitionerId: null, organizationId: null, source, sourceId: r.id!,
  }));
  const conditions = records.conditions.map((r) => {
    const fields = fromConditionResource(r, now);
    return {
      ...fields, id: importedId(source, 'Condition', r.id!), patientId, recorderId: null, encounterId: localId('Encounter', fields.encounterId), source, sourceId: r.id!,
    };
  });
  const observations = records.observations.map((r) => {
    const fields = fromObservationResource(r);
    return {
      ...fields, id: importedId(source, 'Observation', r.id!), patientId, encounterId: localId('Encounter', fields.encounterId),
      // A partner's Observation says a device measured it (Observation.device), never that it was typed: else unknown.
      entryMethod: fields.deviceName ? 'device' as const : null, diagnosticReportId: null, source, sourceId: r.id!,
    };
  });
  // A report's results are the partner's Observations: mapped to their local ids, keeping only those this
  // pull brought (a result of another patient, or beyond the first page, is not referenced).
  const pulledObservations = new Set(observations.map((o) => o.id));
  const diagnosticReports = records.diagnosticReports.map((r) => {
    const fields = fromDiagnosticReportResource(r);
    const resultIds = resultIdsOf(fields).map((id) => importedId(source, 'Observation', id)).filter((id) => pulledObservations.has(id));
    return {
      ...fields, id: importedId(source, 'DiagnosticReport', r.id!), patientId, encounterId: localId('Encounter', fields.encounterId),
      resultIds: resultIds.length ? JSON.stringify(resultIds) : null, source, sourceId: r.id!,
    };
  });
  const medicationRequests = records.medicationRequests.filter((r) => r.id && writtenBy(r, source)).map((r) => importedMedicationRequest(r, {
    source, id: importedId(source, 'MedicationRequest', r.id!), patientId, encounterId: localId('Encounter', encounterIdOf(r)),
  }));
  return db.transaction(async (tx) => {
    const counts = { encounters: 0, conditions: 0, observations: 0, diagnosticReports: 0, medicationRequests: 0 };
    const steps = [
      ['Encounter', db.models.Encounter, encounters, 'encounters'],
      ['Condition', db.models.Condition, conditions, 'conditions'],
      ['Observation', db.models.Observation, observations, 'observations'],
      ['DiagnosticReport', db.models.DiagnosticReport, diagnosticReports, 'diagnosticReports'],
    ] as const;
    for (const [type, model, rows, key] of steps) {
      if (rows.length === 0) continue;
      const ids = rows.map((r) => r.id);
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      const m = model as any;
      const existing = new Set((await m.findAll({ where: { id: { [Op.in]: ids } }, attributes: ['id'], transaction: tx }) as { id: string }[]).map((r) => r.id));
      const fresh = rows.filter((r) => !existing.has(r.id));
      if (fresh.length === 0) continue;
      await m.bulkCreate(fresh, { ignoreDuplicates: true, transaction: tx });
      for (const row of await m.findAll({ where: { id: { [Op.in]: fresh.map((r) => r.id) } }, transaction: tx })) {
        if (type === 'DiagnosticReport') await linkReportResults(db, row, tx);
        // Stored as mapped (the partner's references point at its own ids), each audited as imported from the
        // partner, and the pull as a whole once, below.
        await domainRecords.created({ db, caller, tx }, type, row, { action: 'C', activity: 'partner-record-imported', detail: source });
      }
      counts[key] = fresh.length;
    }
    counts.medicationRequests = await storeMedicationRequests({ db, caller, tx }, medicationRequests);
    await recordAudit(db, caller, {
      action: 'E', activity: 'partner-pull', resourceType: 'Organization', resourceId: partner.id, patientId,
      detail: `imported ${counts.encounters} Encounter, ${counts.conditions} Condition, ${counts.observations} Observation, `
        + `${counts.diagnosticReports} DiagnosticReport, ${counts.medicationRequests} MedicationRequest from ${source}`,
    }, tx);
    return counts;
  });
}
