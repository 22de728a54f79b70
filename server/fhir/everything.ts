import type { Bundle, BundleEntry, Resource } from '@medplum/fhirtypes';
import { Op, type WhereOptions } from 'sequelize';
import { recordAudit } from '../audit/audit-log.js';
import { Forbidden, Invalid, NotFound } from '../http/errors.js';
import { scopeAllows } from '../auth/scopes.js';
import { roleReachesType } from '../auth/care-relationship.js';
import { AccessRefused, assertRowAccess, resourceNotFound } from './access.js';
import { parameterList } from './parameters.js';
import { definitionOf, registeredTypes, type FhirContext, type ResourceDefinition } from './registry.js';
import { compartmentResources } from './repository/compartment.js';
import { isInPatientCompartment } from './repository/r4-search-parameters.js';
import { entriesOf, plainRow } from './search.js';

/** http://hl7.org/fhir/OperationDefinition/Patient-everything */
export const PATIENT_EVERYTHING = 'http://hl7.org/fhir/OperationDefinition/Patient-everything';

const asList = (value: unknown): string[] => (value === undefined ? [] : Array.isArray(value) ? value.map(String) : [String(value)]);

/** `_since`: an instant (or a date, read as its start in UTC); resources last updated at or after it. */
function sinceOf(query: Record<string, unknown>): Date | undefined {
  const [value] = asList(query._since);
  if (value === undefined) return undefined;
  const date = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2}))?$/.test(value) ? new Date(value) : new Date(NaN);
  if (Number.isNaN(date.getTime())) {
    throw new Invalid('invalid-date', `_since must be a FHIR instant such as 2024-03-01T00:00:00Z, not ${value}.`, [{ expression: '_since', message: 'Not an instant' }]);
  }
  return date;
}

/** `_type`: comma-separated and/or repeated; each must be a compartment type this node serves. */
function typesOf(query: Record<string, unknown>, compartmentTypes: ResourceDefinition[]): Set<string> | undefined {
  const names = asList(query._type).flatMap((v) => v.split(',')).map((v) => v.trim()).filter(Boolean);
  if (!names.length) return undefined;
  const unknown = names.filter((name) => !compartmentTypes.some((d) => d.type === name));
  if (unknown.length) {
    throw new Invalid('unknown-resource-type', `_type names types that hold no patient records here: ${unknown.join(', ')}.`,
      [{ expression: '_type', message: `Served: ${compartmentTypes.map((d) => d.type).join(', ')}` }]);
  }
  return new Set(names);
}

/** The caller may read the type at all (role and scope): types they may not read are left out, not refused. */
function readable(ctx: FhirContext, definition: ResourceDefinition): boolean {
  const roles = definition.readRoles;
  return (!roles || roles.includes(ctx.caller.role)) && scopeAllows(ctx.caller.scopes, definition.type, 'read');
}

/**
 * The repository's resources of the patient (its Patient-compartment types, deleted ones left out), by one query
 * on the compartment index: every type the repository stores whole is included as soon as it is registered,
 * imported records (a Synthea history) with the rest.
 */
async function repositoryResources(ctx: FhirContext, patientId: string, types: ResourceDefinition[], since: Date | undefined): Promise<BundleEntry[]> {
  const resources = await compartmentResources(ctx.db, patientId, types.map((d) => d.type), { since, tx: ctx.tx });
  return resources.map((resource) => ({ fullUrl: `${ctx.baseUrl}/${resource.resourceType}/${resource.id}`, resource, search: { mode: 'match' } }));
}

/**
 * GET /fhir/Patient/{id}/$everything: the Patient and every row of every registered type that has a
 * patientColumn (so types plugged in later are included), imported partner records too (their mappings keep
 * meta.source), and every resource of the repository's Patient-compartment types. Access is that of reading the
 * Patient; one audit event for the whole export.
 */
const EVERYTHING_PARAMETERS = new Set(['_since', '_type']);

/** POST with a Parameters body: its `_since` / `_type` values join the query's. */
export function everythingQuery(query: Record<string, unknown>, parameters: Resource | undefined): Record<string, unknown> {
  if (parameters?.resourceType !== 'Parameters') return query;
  // A Map: parameter names are the client's (`constructor`, `__proto__`), never keys of a plain object.
  const merged = new Map<string, string[]>(Object.entries(query).map(([key, value]) => [key, asList(value)]));
  for (const p of parameterList(parameters)) {
    if (!EVERYTHING_PARAMETERS.has(p.name!)) {
      throw new Invalid('unknown-parameter', `$everything takes ${[...EVERYTHING_PARAMETERS].join(' and ')}, not ${p.name}.`,
        [{ expression: `Parameters.parameter.where(name='${p.name}')`, message: 'unknown parameter' }]);
    }
    const value = p.valueInstant ?? p.valueDateTime ?? p.valueDate ?? p.valueCode ?? p.valueString;
    if (value !== undefined) merged.set(p.name!, [...(merged.get(p.name!) ?? []), String(value)]);
  }
  return Object.fromEntries(merged);
}

export async function patientEverything(ctx: FhirContext, id: string, query: Record<string, unknown>): Promise<Bundle> {
  const patientDefinition = definitionOf('Patient');
  if (!patientDefinition) throw new NotFound('unknown-resource-type', 'This server does not serve Patient resources.');
  // The whole record: only for roles that reach every type (not an insurer, not an admin), refused before a lookup.
  if (!roleReachesType(ctx.caller.role, '*')) {
    throw new AccessRefused(new Forbidden('wrong-role', 'Patient/$everything is the whole record: it is for the patient and their doctors.'),
      { action: 'E', activity: 'refused', outcome: '4', resourceType: 'Patient', patientId: null, detail: `role ${ctx.caller.role} may not $everything` });
  }
  const patient = await patientDefinition.model(ctx.db).findByPk(id, { transaction: ctx.tx });
  if (!patient) throw resourceNotFound('Patient', id);
  await assertRowAccess(ctx, patientDefinition, id, 'read', id);

  // Domain types by their patient column; the repository's by the Patient CompartmentDefinition.
  const domainTypes = registeredTypes().filter((d) => d.patientColumn && !d.store);
  const storedTypes = registeredTypes().filter((d) => d.store && isInPatientCompartment(d.type));
  const since = sinceOf(query);
  const wanted = typesOf(query, [...domainTypes, ...storedTypes]);
  const entries: BundleEntry[] = [];
  entries.push(...await repositoryResources(ctx, id, storedTypes.filter((d) => (!wanted || wanted.has(d.type)) && readable(ctx, d)), since));
  for (const definition of domainTypes) {
    if (wanted && !wanted.has(definition.type)) continue;
    if (!readable(ctx, definition)) continue;
    const where: WhereOptions[] = [{ [definition.patientColumn!]: id }];
    if (since) where.push({ [definition.lastUpdatedColumn ?? 'updatedAt']: { [Op.gte]: since } });
    const rows = await definition.model(ctx.db).findAll({ where: { [Op.and]: where }, order: [['id', 'ASC']], transaction: ctx.tx });
    entries.push(...await entriesOf(ctx, definition, rows.map(plainRow), 'match'));
  }
  // The Patient first, as the operation's examples show it, then type by type (each in id order).
  const typeOf = (entry: BundleEntry) => entry.resource?.resourceType ?? '';
  entries.sort((a, b) => Number(typeOf(b) === 'Patient') - Number(typeOf(a) === 'Patient') || typeOf(a).localeCompare(typeOf(b)));

  await recordAudit(ctx.db, ctx.caller, {
    action: 'E', activity: 'everything', resourceType: 'Patient', resourceId: id, patientId: id,
    detail: `${entries.length} resources${wanted ? `; _type=${[...wanted].join(',')}` : ''}${since ? `; _since=${since.toISOString()}` : ''}`,
  }, ctx.tx);

  const self = new URL(`${ctx.baseUrl}/Patient/${id}/$everything`);
  for (const [key, value] of Object.entries(query)) for (const v of asList(value)) self.searchParams.append(key, v);
  return {
    resourceType: 'Bundle', type: 'searchset', total: entries.length,
    link: [{ relation: 'self', url: self.toString() }],
    ...(entries.length ? { entry: entries as BundleEntry<Resource>[] } : {}),
  };
}
