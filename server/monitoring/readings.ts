import { Op } from 'sequelize';
import type { Database } from '../../db/connection.js';
import type { Observation } from '../../db/models/observation.js';
import { recordAudit } from '../audit/audit-log.js';
import type { Caller } from '../auth/caller.js';
import { assertPatientAccess } from '../auth/patient-access.js';
import { partnerNamesOf } from '../exchange/partners.js';
import * as records from '../fhir/repository/records.js';
import { Forbidden, Unprocessable, type ErrorDetail } from '../http/errors.js';
import { alertView, raiseAlertsFor } from './alerts.js';
import { effectiveCarePlan } from './care-plan.js';
import { LOINC } from '../../fhir-mappings/observation.js';
import { distinctMeasurements } from './same-measurement.js';
import { READINGS, readingDefinition, valueProblems, type ReadingDefinition } from './reading-codes.js';
import { newResourceId } from '../fhir/repository/resource-id.js';

export interface ReadingInput {
  code: string;
  value?: number;
  unit?: string;
  components?: Array<{ code: string; value: number; unit: string }>;
  effectiveAt: string;
  entryMethod: 'device' | 'typed';
  deviceName?: string;
}

/** How far in the future a reading's time may be (device clocks drift). */
const CLOCK_SKEW_MS = 5 * 60_000;

/** Where a reading was recorded: here, or at a partner hospital (named as registered, with its FHIR base URL). */
export type ReadingOrigin = { kind: 'this-hospital' } | { kind: 'partner'; partnerName: string | null; fhirBaseUrl: string };

const originOf = (source: string | null, partnerNames: ReadonlyMap<string, string>): ReadingOrigin =>
  (source === null ? { kind: 'this-hospital' } : { kind: 'partner', partnerName: partnerNames.get(source) ?? null, fhirBaseUrl: source });

/**
 * A reading as the list shows it. `entryMethod` is null when a partner did not say how it was captured; `alsoFrom`
 * names the other records of the same measurement (a partner's copy of this reading).
 */
export const readingView = (o: Observation, partnerNames: ReadonlyMap<string, string> = new Map(), copies: Observation[] = []) => ({
  id: o.id, patientId: o.patientId, code: o.code, display: o.display, category: o.category, effectiveAt: o.effectiveAt.toISOString(),
  value: o.valueNumber, unit: o.valueUnit, components: o.components ? JSON.parse(o.components) : null,
  entryMethod: o.entryMethod, deviceName: o.deviceName, status: o.status, source: o.source,
  origin: originOf(o.source, partnerNames), alsoFrom: copies.map((c) => originOf(c.source, partnerNames)),
});

/** Every problem of a reading at once (unknown code, wrong UCUM unit, implausible value), or none. */
function readingProblems(definition: ReadingDefinition, input: ReadingInput): ErrorDetail[] {
  if (definition.units) {
    if (input.value === undefined || input.unit === undefined) return [{ expression: 'value', message: `${definition.display} needs a value and a unit` }];
    return valueProblems('', definition.display, definition.units, { value: input.value, unit: input.unit }).map((d) => ({ ...d, expression: d.expression!.slice(1) }));
  }
  const problems: ErrorDetail[] = [];
  const given = input.components ?? [];
  for (const [i, component] of (definition.components ?? []).entries()) {
    const sent = given.find((c) => c.code === component.code);
    if (!sent) problems.push({ expression: 'components', message: `${definition.display} needs ${component.display} (${component.code})` });
    else problems.push(...valueProblems(`components[${i}]`, component.display, component.units, sent));
  }
  const systolic = given.find((c) => c.code === '8480-6')?.value;
  const diastolic = given.find((c) => c.code === '8462-4')?.value;
  if (problems.length === 0 && systolic !== undefined && diastolic !== undefined && systolic <= diastolic) {
    problems.push({ expression: 'components', message: `systolic ${systolic} must be higher than diastolic ${diastolic}` });
  }
  return problems;
}

/**
 * A patient (or their doctor) records a home reading as an Observation; implausible values are refused with
 * each problem named. Alerts the reading calls for are raised in the same transaction.
 */
export async function submitReading(db: Database, caller: Caller, patientId: string, input: ReadingInput, escalationMinutes: number) {
  if (caller.role !== 'patient' && caller.role !== 'doctor') throw new Forbidden('wrong-role', 'Readings are sent by the patient (or their doctor).');
  await assertPatientAccess(db, caller, patientId, 'Observation', 'write');
  const definition = readingDefinition(input.code);
  if (!definition) {
    throw new Unprocessable('unknown-reading-code', `LOINC ${input.code} is not a home reading this hospital accepts.`,
      [{ expression: 'code', message: `accepted: ${Object.keys(READINGS).join(', ')}` }]);
  }
  const effectiveAt = new Date(input.effectiveAt);
  const problems = readingProblems(definition, input);
  if (effectiveAt.getTime() > Date.now() + CLOCK_SKEW_MS) problems.push({ expression: 'effectiveAt', message: 'the reading is dated in the future' });
  if (problems.length) {
    throw new Unprocessable('implausible-reading', `The reading was not recorded: ${problems.map((p) => p.message).join('; ')}.`, problems);
  }
  return db.transaction(async (tx) => {
    const components = definition.components?.map((c) => {
      const sent = input.components!.find((s) => s.code === c.code)!;
      return { code: c.code, display: c.display, value: sent.value, unit: sent.unit };
    });
    const reading = await db.models.Observation.create({
      id: newResourceId(), patientId, encounterId: null, status: 'final', category: definition.category, codeSystem: LOINC,
      code: definition.code, display: definition.display, effectiveAt, valueNumber: input.value ?? null, valueUnit: input.unit ?? null,
      components: components ? JSON.stringify(components) : null, entryMethod: input.entryMethod, deviceName: input.deviceName ?? null,
      diagnosticReportId: null, source: null,
    }, { transaction: tx });
    await records.created({ db, caller, tx }, 'Observation', reading, { action: 'C', activity: 'reading-recorded' });
    const alerts = await raiseAlertsFor({ db, caller, tx }, reading, await effectiveCarePlan(db, patientId, tx), escalationMinutes);
    return { reading: readingView(reading), alerts: alerts.map(alertView) };
  });
}

export interface ReadingSearch {
  code?: string;
  from?: string;
  to?: string;
  limit: number;
}

/**
 * A patient's readings, newest first, by code and date: served by the (patientId, code, effectiveAt) index. Each
 * measurement is listed once: a partner's copy of a local reading is named under `alsoFrom`, not listed again.
 */
export async function searchReadings(db: Database, caller: Caller, patientId: string, search: ReadingSearch) {
  await assertPatientAccess(db, caller, patientId, 'Observation', 'read');
  const effectiveAt = { ...(search.from ? { [Op.gte]: new Date(search.from) } : {}), ...(search.to ? { [Op.lt]: new Date(search.to) } : {}) };
  const readings = await db.models.Observation.findAll({
    // Home readings only: the monitoring codes, and never a lab result that belongs to a DiagnosticReport.
    where: { patientId, code: search.code ?? Object.keys(READINGS), diagnosticReportId: null, ...(search.from || search.to ? { effectiveAt } : {}) },
    // Twice the page, so that a page of measurements each copied once by a partner is still full.
    order: [['effectiveAt', 'DESC']], limit: search.limit * 2,
  });
  await recordAudit(db, caller, { action: 'R', activity: 'readings-searched', resourceType: 'Observation', patientId });
  const partnerNames = await partnerNamesOf(db, readings.map((r) => r.source));
  return distinctMeasurements(readings).slice(0, search.limit).map((m) => readingView(m.reading, partnerNames, m.copies));
}
