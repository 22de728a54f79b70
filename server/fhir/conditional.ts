import type { Resource } from '@medplum/fhirtypes';
import type { Transaction } from 'sequelize';
import { Conflict, Invalid, MethodNotAllowed, NotFound, PreconditionFailed } from '../http/errors.js';
import * as interactions from './interactions.js';
import type { Stored } from './interactions.js';
import { definitionOf, supports, type FhirContext, type ResourceDefinition } from './registry.js';
import { search, type SearchQuery } from './search.js';
import { newResourceId } from './repository/resource-id.js';

/**
 * Conditional interactions (http.html#ccreate, #cond-update, #cdelete) and conditional references in a
 * transaction (http.html#trules): a search names the resource instead of its id. The search is the type's own
 * (server/fhir/search.ts dispatches to the repository or to the domain table), under the caller's access rule,
 * audited like any search, and strict: a parameter this server does not search is a 400, never "matches all".
 */

/** The query of a criteria string (`identifier=a|b&active=true`, or a whole `Type?…` URL): repeated names AND. */
export function queryOf(criteria: string | undefined): SearchQuery {
  const out: SearchQuery = {};
  for (const [key, value] of new URLSearchParams((criteria ?? '').replace(/^[^?]*\?/, ''))) {
    const existing = out[key];
    out[key] = existing === undefined ? value : [...(Array.isArray(existing) ? existing : [existing]), value];
  }
  return out;
}

const PAGING = new Set(['_count', '_sort', '_cursor', '_format', '_pretty', '_include', '_revinclude', '_summary', '_elements', '_total']);

/** What a conditional search found: at most two, which is enough to tell none, one and several apart. */
export interface Matches {
  criteria: string;
  resources: Resource[];
}

/**
 * The resources of `definition` that `criteria` matches (at most 2). Criteria without a single filter would
 * match the whole type, so they are refused (400 `invalid-search`), as is anything the search itself refuses.
 */
export async function conditionalMatches(ctx: FhirContext, definition: ResourceDefinition, criteria: string): Promise<Matches> {
  const query = queryOf(criteria);
  const filters = Object.keys(query).filter((name) => !PAGING.has(name));
  if (!filters.length) {
    throw new Invalid('invalid-search', `The conditional criteria "${criteria}" name no search parameter; a condition must narrow ${definition.type} down.`,
      [{ expression: 'criteria', message: 'no search parameter' }]);
  }
  for (const name of PAGING) delete query[name];
  const text = new URLSearchParams(Object.entries(query).flatMap(([k, v]) => (Array.isArray(v) ? v : [v ?? '']).map((x) => [k, x]))).toString();
  const bundle = await search(ctx, definition, { ...query, _count: '2' }, { strict: true, selfUrl: `${ctx.baseUrl}/${definition.type}?${text}` });
  const resources = (bundle.entry ?? []).filter((e) => e.search?.mode === 'match' && e.resource).map((e) => e.resource!);
  return { criteria, resources };
}

/** The one match, or the spec's refusal: 412 for several; none is the caller's to decide (`undefined`). */
export function atMostOne(definition: ResourceDefinition, matches: Matches, interaction: string): Resource | undefined {
  if (matches.resources.length > 1) {
    throw new PreconditionFailed('multiple-matches', `${interaction} ${definition.type}?${matches.criteria.replace(/^[^?]*\?/, '')} matches more than one `
      + `${definition.type}; make the criteria more specific.`, [{ expression: `${definition.type}?${matches.criteria.replace(/^[^?]*\?/, '')}`, message: 'several matches' }]);
  }
  return matches.resources[0];
}

/** An existing resource found by a conditional create, answered as the spec says: 200 with it, nothing written. */
export function storedMatch(resource: Resource): Stored {
  return { resource, versionId: resource.meta?.versionId ?? '1', lastUpdated: resource.meta?.lastUpdated ?? new Date(0).toISOString(), status: 200 };
}

type WriteContext = FhirContext & { tx: Transaction };

/** What a conditional interaction does, once its search has run. */
export type Decision =
  | { action: 'create'; id: string }
  | { action: 'existing'; id: string; resource: Resource }
  | { action: 'update'; id: string }
  | { action: 'delete'; id: string }
  | { action: 'nothing' };

export type ConditionalInteraction = 'create' | 'update' | 'delete';

const LABEL: Record<ConditionalInteraction, string> = { create: 'If-None-Exist', update: 'Conditional update', delete: 'Conditional delete' };

/**
 * Runs the search of a conditional interaction and says what it means (http.html#ccreate, #cond-update, #cdelete):
 * - create (If-None-Exist): none → create; one → that resource, nothing written;
 * - update (`PUT Type?search`): none → create (if the type may be created); one → update it;
 * - delete (`DELETE Type?search`): none → nothing (204); one → delete it;
 * several → 412 `multiple-matches` for each (conditionalDelete `single`). `newId` is the id a create would get
 * (a transaction Bundle chooses it before the write, to point `urn:uuid` references at it).
 */
export async function decide(
  ctx: FhirContext, definition: ResourceDefinition, interaction: ConditionalInteraction, criteria: string, newId: string = newResourceId(),
): Promise<Decision> {
  const found = atMostOne(definition, await conditionalMatches(ctx, definition, criteria), LABEL[interaction]);
  if (interaction === 'create') return found ? { action: 'existing', id: found.id!, resource: found } : { action: 'create', id: newId };
  if (interaction === 'delete') return found ? { action: 'delete', id: found.id! } : { action: 'nothing' };
  if (found) return { action: 'update', id: found.id! };
  if (!supports(definition, 'create')) {
    throw new MethodNotAllowed(['GET'], `Conditional update ${definition.type}?${criteria}: nothing matches, and ${definition.type} cannot be created here.`);
  }
  return { action: 'create', id: newId };
}

/**
 * The body of a conditional update takes the id of the resource it updates (it may say it already; another id
 * is 400 `id-mismatch`). A create ignores a client's id, as every create does.
 */
export function withDecidedId(definition: ResourceDefinition, decision: Decision, body: unknown): void {
  if (decision.action !== 'update' || !body || typeof body !== 'object' || Array.isArray(body)) return;
  const resource = body as { id?: unknown };
  if (resource.id !== undefined && resource.id !== decision.id) {
    throw new Invalid('id-mismatch', `The body's id is ${String(resource.id)}, but the criteria match ${definition.type}/${decision.id}.`,
      [{ expression: `${definition.type}.id`, message: `must be ${decision.id} or absent` }]);
  }
  resource.id = decision.id;
}

/** Carries out a decision in the write's transaction; `undefined` when there was nothing to do (a delete that matched nothing). */
export async function carryOut(ctx: WriteContext, definition: ResourceDefinition, decision: Decision, body: unknown, ifMatch?: string): Promise<Stored | undefined> {
  switch (decision.action) {
    case 'existing': return storedMatch(decision.resource);
    case 'create': return interactions.create(ctx, definition, body, decision.id);
    case 'update': return interactions.update(ctx, definition, decision.id, body, ifMatch);
    case 'delete': return interactions.remove(ctx, definition, decision.id, ifMatch);
    case 'nothing': return undefined;
  }
}

/**
 * Inside the write's transaction, the search of a decision taken before it (a transaction Bundle decides first,
 * to rewrite its references) must still give the same answer; if another request changed that meanwhile, the
 * write is refused (409 `conditional-match-changed`) rather than carried out on a stale answer.
 */
export async function confirm(ctx: WriteContext, definition: ResourceDefinition, interaction: ConditionalInteraction, criteria: string, decided: Decision): Promise<void> {
  const now = await decide(ctx, definition, interaction, criteria, decided.action === 'create' ? decided.id : undefined);
  const same = now.action === decided.action && (!('id' in now) || !('id' in decided) || now.id === decided.id);
  if (!same) {
    throw new Conflict('conditional-match-changed', `What ${definition.type}?${criteria} matches changed while this request was processed; send it again.`);
  }
}

/** `Type?search` in a reference (bundle.html#references): a type this server serves and a query. */
export function conditionalReferenceOf(reference: string): { definition: ResourceDefinition; criteria: string } | undefined {
  const match = /^([A-Z][A-Za-z]+)\?(.*)$/.exec(reference);
  const definition = match ? definitionOf(match[1]) : undefined;
  return match && definition ? { definition, criteria: match[2] } : undefined;
}

/**
 * Resolves one conditional reference: exactly one match → `Type/id`; none → 404 `conditional-reference-unresolved`;
 * several → 412 `conditional-reference-ambiguous`; each names the reference and where it was found.
 */
export async function resolveConditionalReference(ctx: FhirContext, reference: string, where: string): Promise<string> {
  const parsed = conditionalReferenceOf(reference);
  if (!parsed) {
    throw new Invalid('invalid-reference', `The conditional reference "${reference}" at ${where} does not name a resource type this server serves.`,
      [{ expression: where, message: reference }]);
  }
  if (!supports(parsed.definition, 'search-type')) {
    throw new MethodNotAllowed([], `${parsed.definition.type} cannot be searched, so the conditional reference "${reference}" at ${where} cannot be resolved.`);
  }
  const { resources } = await conditionalMatches(ctx, parsed.definition, parsed.criteria);
  if (resources.length === 0) {
    throw new NotFound('conditional-reference-unresolved', `The conditional reference "${reference}" at ${where} matches no `
      + `${parsed.definition.type} on this server; create it first or reference it by id.`, [{ expression: where, message: `${reference} matches nothing` }]);
  }
  if (resources.length > 1) {
    throw new PreconditionFailed('conditional-reference-ambiguous', `The conditional reference "${reference}" at ${where} matches more than one `
      + `${parsed.definition.type}; make it more specific.`, [{ expression: where, message: `${reference} matches several` }]);
  }
  return `${parsed.definition.type}/${resources[0].id}`;
}

/** Every `reference` holding `Type?search` in a resource, with the place it sits at (`Bundle.entry[3].resource.subject.reference`). */
export function conditionalReferencesIn(resource: unknown, at: string): { reference: string; where: string; holder: Record<string, unknown> }[] {
  const found: { reference: string; where: string; holder: Record<string, unknown> }[] = [];
  const walk = (node: unknown, path: string): void => {
    if (Array.isArray(node)) node.forEach((item, i) => walk(item, `${path}[${i}]`));
    else if (node && typeof node === 'object') {
      const record = node as Record<string, unknown>;
      for (const [key, value] of Object.entries(record)) {
        if (key === 'reference' && typeof value === 'string' && /^[A-Z][A-Za-z]+\?/.test(value)) found.push({ reference: value, where: `${path}.reference`, holder: record });
        else walk(value, `${path}.${key}`);
      }
    }
  };
  walk(resource, at);
  return found;
}

/**
 * Rewrites every conditional reference of a resource to `Type/id`. `resolved` is shared by the entries of one
 * Bundle, so each distinct reference is searched once (a Synthea record names the same practitioner a hundred
 * times). The first that does not resolve throws.
 */
export async function resolveConditionalReferences(ctx: FhirContext, resource: unknown, at: string, resolved: Map<string, string>): Promise<void> {
  for (const { reference, where, holder } of conditionalReferencesIn(resource, at)) {
    let target = resolved.get(reference);
    if (target === undefined) {
      target = await resolveConditionalReference(ctx, reference, where);
      resolved.set(reference, target);
    }
    holder.reference = target;
  }
}

/**
 * Inside the transaction that writes, each conditional reference resolved before it must still resolve to the
 * same resource (another request may have created a second match or deleted the one); otherwise 409
 * `conditional-match-changed` and nothing is stored.
 */
export async function confirmResolved(ctx: WriteContext, resolved: Map<string, string>): Promise<void> {
  for (const [reference, target] of resolved) {
    const now = await resolveConditionalReference(ctx, reference, reference).catch(() => undefined);
    if (now !== target) {
      throw new Conflict('conditional-match-changed', `What the conditional reference "${reference}" matches changed while this transaction was `
        + 'processed; nothing was stored, send it again.', [{ expression: reference, message: `no longer ${target}` }]);
    }
  }
}
