import type { Resource } from '@medplum/fhirtypes';
import { recordAudit } from '../../audit/audit-log.js';
import { DomainError } from '../../http/errors.js';
import { AccessRefused } from '../access.js';
import * as interactions from '../interactions.js';
import { definitionOf, type FhirContext } from '../registry.js';
import type { SearchQuery } from '../search.js';
import { patientsOf } from './index-rows.js';
import { indexedParametersOf } from './r4-search-parameters.js';
import { isStoredInRepository, mayRead } from './search-chain.js';
import { searchAccessSql } from './access-rule.js';

/**
 * `_include` and `_revinclude` (search.html#include), with `:iterate` and the `*` wildcard, for the repository's
 * types: the references of the matches (fhir_references) are followed to the resources they name, or back from
 * the resources that name them. Every included resource passes the same access rule as a read (the access
 * filter is part of the query, so a resource the caller may not read is never fetched) and is audited as a read.
 */
type Stored = Resource & { id: string };

interface IncludeSpec { reverse: boolean; iterate: boolean; source: string; code: string; target?: string; text: string }

/** How many resources the includes of one page may add in all; past it a warning says they were cut off. */
export const MAX_INCLUDED = 500;
/** How many times `:iterate` follows the newly included resources. */
const MAX_ROUNDS = 4;

const asList = (value: string | string[] | undefined): string[] => (value === undefined ? [] : Array.isArray(value) ? value : [value]);
const keyOf = (r: { resourceType: string; id: string }) => `${r.resourceType}/${r.id}`;

/** The include parameters of a query (`_include`, `_include:iterate`, `_revinclude`, `_revinclude:iterate`). */
export function includeSpecsOf(query: SearchQuery, warnings: string[]): IncludeSpec[] {
  const specs: IncludeSpec[] = [];
  for (const [key, raw] of Object.entries(query)) {
    const [name, modifier, ...more] = key.split(':');
    if (name !== '_include' && name !== '_revinclude') continue;
    const reverse = name === '_revinclude';
    if (more.length || (modifier !== undefined && modifier !== 'iterate' && modifier !== 'recurse')) {
      warnings.push(`${key} is not supported (use :iterate): ignored.`);
      continue;
    }
    for (const text of asList(raw).flatMap((v) => v.split(','))) {
      const [source, code, target, ...extra] = text.split(':');
      if (text === '*' && !reverse) specs.push({ reverse, iterate: modifier !== undefined, source: '*', code: '*', text });
      else if (!source || !code || extra.length || (reverse && source === '*')) warnings.push(`${name}=${text} is not Type:parameter[:Target]: ignored.`);
      else if (code !== '*' && !indexedParametersOf(source).some((p) => p.code === code && p.kind === 'reference')) {
        warnings.push(`${name}=${text}: ${source} has no reference parameter ${code}: ignored.`);
      } else specs.push({ reverse, iterate: modifier !== undefined, source, code, ...(target ? { target } : {}), text });
    }
  }
  return specs;
}

const placeholders = (values: unknown[]) => values.map(() => '?').join(', ');

function referenceCodes(type: string, code: string): string[] {
  return code === '*' ? indexedParametersOf(type).filter((p) => p.kind === 'reference').map((p) => p.code) : [code];
}

/** The resources of `type` with these ids (or those `idsSql` selects) that the caller may read, at most `limit`. */
async function readable(ctx: FhirContext, type: string, idsSql: { sql: string; binds: unknown[] }, limit: number): Promise<Stored[]> {
  if (!mayRead(ctx, type)) return [];
  const access = searchAccessSql(ctx, type);
  const rows = await ctx.db.select<{ content: string }>(
    `SELECT r.content FROM fhir_resources r WHERE r.resourceType = ? AND r.deleted = 0 AND r.id IN (${idsSql.sql})${access ? ` AND ${access}` : ''} LIMIT ?`,
    [type, ...idsSql.binds, limit], ctx.tx,
  );
  return rows.map((row) => JSON.parse(row.content) as Stored);
}

/**
 * A type served from its own table (Patient, Coverage …) is included through its read interaction: the same
 * access rule and audit as a read of it; one the caller may not read, or that is gone, is left out.
 */
async function readFromTable(ctx: FhirContext, type: string, ids: string[]): Promise<Stored[]> {
  const definition = definitionOf(type);
  if (!definition) return [];
  const found: Stored[] = [];
  for (const id of ids) {
    try {
      found.push((await interactions.read(ctx, definition, id)).resource as Stored);
    } catch (error) {
      if (!(error instanceof DomainError) && !(error instanceof AccessRefused)) throw error;
    }
  }
  return found;
}

/** `_include`: what the references of `from` (of one type) name, by target type. */
async function forward(ctx: FhirContext, spec: IncludeSpec, type: string, from: Stored[], limit: number): Promise<Stored[]> {
  const codes = referenceCodes(type, spec.code);
  if (!codes.length) return [];
  const ids = from.map((r) => r.id);
  const targets = await ctx.db.select<{ targetType: string; targetId: string }>(
    `SELECT DISTINCT ref.targetType, ref.targetId FROM fhir_references ref WHERE ref.resourceType = ? AND ref.resourceId IN (${placeholders(ids)}) `
      + `AND ref.code IN (${placeholders(codes)}) AND ref.targetType IS NOT NULL${spec.target ? ' AND ref.targetType = ?' : ''}`,
    [type, ...ids, ...codes, ...(spec.target ? [spec.target] : [])], ctx.tx,
  );
  const byType = new Map<string, string[]>();
  for (const { targetType, targetId } of targets) byType.set(targetType, [...(byType.get(targetType) ?? []), targetId]);
  const found: Stored[] = [];
  for (const [targetType, targetIds] of byType) {
    if (!isStoredInRepository(targetType)) {
      found.push(...await readFromTable(ctx, targetType, targetIds.slice(0, limit - found.length)));
      continue;
    }
    found.push(...await readable(ctx, targetType, { sql: placeholders(targetIds), binds: targetIds }, limit - found.length));
    if (found.length >= limit) break;
  }
  return found;
}

/** `_revinclude`: the resources of the spec's source type whose reference names one of `to` (of one type). */
async function reverse(ctx: FhirContext, spec: IncludeSpec, type: string, to: Stored[], limit: number): Promise<Stored[]> {
  const codes = referenceCodes(spec.source, spec.code).filter((code) => indexedParametersOf(spec.source).find((p) => p.code === code)?.targets.includes(type));
  if (!codes.length || (spec.target && spec.target !== type) || !isStoredInRepository(spec.source)) return [];
  const ids = to.map((r) => r.id);
  return readable(ctx, spec.source, {
    sql: `SELECT ref.resourceId FROM fhir_references ref WHERE ref.resourceType = ? AND ref.code IN (${placeholders(codes)}) AND ref.targetType = ? `
      + `AND ref.targetId IN (${placeholders(ids)})`,
    binds: [spec.source, ...codes, type, ...ids],
  }, limit);
}

/**
 * The resources the include parameters add to a page of matches: first from the matches, then (`:iterate`) from
 * what was just included, until nothing new comes or MAX_INCLUDED is reached. Each is audited as a read.
 */
export async function includedResources(ctx: FhirContext, matches: Stored[], specs: IncludeSpec[], warnings: string[]): Promise<Stored[]> {
  if (!specs.length || !matches.length) return [];
  const seen = new Set(matches.map(keyOf));
  const included: Stored[] = [];
  const notes = new Set<string>();
  let frontier = matches;
  for (let round = 0; frontier.length && round < MAX_ROUNDS && included.length < MAX_INCLUDED; round++) {
    const added: Stored[] = [];
    for (const spec of specs.filter((s) => round === 0 || s.iterate)) {
      const types = [...new Set(frontier.map((r) => r.resourceType))].filter((t) => spec.reverse || spec.source === '*' || spec.source === t);
      for (const type of types) {
        const ofType = frontier.filter((r) => r.resourceType === type);
        const left = MAX_INCLUDED - included.length - added.length;
        if (left <= 0) break;
        const found = spec.reverse ? await reverse(ctx, spec, type, ofType, left) : await forward(ctx, spec, type, ofType, left);
        for (const resource of found) {
          if (seen.has(keyOf(resource))) continue;
          seen.add(keyOf(resource));
          added.push(resource);
        }
      }
    }
    included.push(...added);
    frontier = added;
  }
  if (included.length >= MAX_INCLUDED) notes.add(`The includes were cut off at ${MAX_INCLUDED} resources.`);
  warnings.push(...notes);
  // A type served from its own table was audited by the read that fetched it (readFromTable): not a second time.
  await Promise.all(included.filter((resource) => isStoredInRepository(resource.resourceType)).map((resource) => recordAudit(ctx.db, ctx.caller, {
    action: 'R', activity: 'read', resourceType: resource.resourceType, resourceId: resource.id,
    patientId: patientsOf(resource)[0] ?? null, detail: 'included in a search',
  }, ctx.tx)));
  return included;
}

const includesByType = new Map<string, { include: string[]; revinclude: string[] }>();

/**
 * What `_include` and `_revinclude` follow for a repository type, for the CapabilityStatement: its own reference
 * parameters (and `*`), and every reference parameter of a repository type that may point at it.
 */
export function repositoryIncludesOf(type: string, repositoryTypes: readonly string[]): { include: string[]; revinclude: string[] } {
  let found = includesByType.get(type);
  if (found) return found;
  const references = (of: string) => indexedParametersOf(of).filter((p) => p.kind === 'reference');
  const include = references(type).map((p) => `${type}:${p.code}`);
  found = {
    include: include.length ? [...include, '*'] : [],
    revinclude: repositoryTypes.flatMap((source) => references(source).filter((p) => p.targets.includes(type)).map((p) => `${source}:${p.code}`)),
  };
  includesByType.set(type, found);
  return found;
}
