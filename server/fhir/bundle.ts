import { setImmediate as nextTurn } from 'node:timers/promises';
import type { Bundle, BundleEntry, BundleEntryResponse, OperationOutcome } from '@medplum/fhirtypes';
import { operationOutcome } from '../http/error-handler.js';
import { DomainError, Invalid, PayloadTooLarge } from '../http/errors.js';
import { AccessRefused } from './access.js';
import {
  carryOut, confirm, confirmResolved, decide, queryOf, resolveConditionalReferences, withDecidedId, type ConditionalInteraction, type Decision,
} from './conditional.js';
import { reading, writing } from './http.js';
import * as interactions from './interactions.js';
import { assertWithinLimits } from './resource-bounds.js';
import { definitionOf, supports, type FhirContext, type Interaction, type ResourceDefinition } from './registry.js';
import { search } from './search.js';
import { prepareLookups } from './repository/repository.js';
import { newResourceId } from './repository/resource-id.js';

/**
 * `batch` and `transaction` Bundles at POST /fhir (hl7.org/fhir/R4/http.html#transaction). A transaction runs
 * in one database transaction: one failing entry rolls back every other. Before anything is stored, each write
 * entry's outcome is decided (the id a create gets, what a conditional entry's search finds), conditional
 * references (`Type?search`) are resolved to `Type/id`, and every reference to a `urn:uuid:` fullUrl is rewritten.
 */
type Method = 'GET' | 'POST' | 'PUT' | 'DELETE';
type WriteContext = FhirContext & { tx: NonNullable<FhirContext['tx']> };

interface ParsedEntry {
  index: number;
  method: Method;
  definition: ResourceDefinition;
  id?: string;
  version?: string;
  query?: string;
  entry: BundleEntry;
  /** What a write entry does, decided before the transaction (plan()). */
  decision?: Decision;
}

const isObject = (value: unknown): value is Record<string, unknown> => !!value && typeof value === 'object' && !Array.isArray(value);

/** Processing order inside a transaction (http.html#trules): deletes, creates, updates, then reads. */
const ORDER: Record<Method, number> = { DELETE: 0, POST: 1, PUT: 2, GET: 3 };

function parseEntry(entry: BundleEntry, index: number): ParsedEntry {
  const at = `Bundle.entry[${index}].request`;
  // The body is the client's JSON: an entry, its request and its url may be anything until checked.
  if (!isObject(entry) || !isObject(entry.request) || typeof entry.request.url !== 'string') {
    throw new Invalid('invalid-bundle', `${at} must be an object with a method and a url (a string).`, [{ expression: at, message: 'missing or malformed' }]);
  }
  const texts = { fullUrl: entry.fullUrl, 'request.ifNoneExist': entry.request.ifNoneExist, 'request.ifMatch': entry.request.ifMatch };
  const notText = Object.entries(texts).find(([, value]) => value !== undefined && typeof value !== 'string');
  if (notText) {
    throw new Invalid('invalid-bundle', `Bundle.entry[${index}].${notText[0]} must be a string.`, [{ expression: `Bundle.entry[${index}].${notText[0]}`, message: 'not a string' }]);
  }
  const method = entry.request?.method as Method | undefined;
  if (typeof method !== 'string' || !Object.hasOwn(ORDER, method)) throw new Invalid('invalid-bundle', `${at}.method must be GET, POST, PUT or DELETE.`, [{ expression: `${at}.method`, message: 'unsupported method' }]);
  const url = (entry.request?.url ?? '').replace(/^https?:\/\/[^/]+\/fhir\//, '');
  const m = /^([A-Z][A-Za-z]+)(?:\/([A-Za-z0-9\-.]{1,64})(?:\/_history\/(\d+))?)?(?:\?(.*))?$/.exec(url);
  const definition = m ? definitionOf(m[1]) : undefined;
  if (!m || !definition) throw new Invalid('invalid-bundle', `${at}.url "${entry.request?.url}" does not name a resource type this server serves.`, [{ expression: `${at}.url`, message: 'unknown type or malformed url' }]);
  return { index, method, definition, id: m[2], version: m[3], query: m[4], entry };
}

function requireInteraction(parsed: ParsedEntry, interaction: Interaction): void {
  if (!supports(parsed.definition, interaction)) {
    throw new Invalid('unsupported-interaction', `Bundle.entry[${parsed.index}]: ${parsed.definition.type} does not support ${interaction}.`);
  }
}

function response(ctx: FhirContext, stored: interactions.Stored, includeResource: boolean): BundleEntry {
  const { resource, versionId } = stored;
  const answer: BundleEntryResponse = {
    status: stored.status === 201 ? '201 Created' : '200 OK',
    etag: `W/"${versionId}"`,
    lastModified: stored.lastUpdated,
    ...(stored.status === 201 ? { location: `${resource.resourceType}/${resource.id}/_history/${versionId}` } : {}),
  };
  return { fullUrl: `${ctx.baseUrl}/${resource.resourceType}/${resource.id}`, ...(includeResource ? { resource } : {}), response: answer };
}

/** The criteria of a conditional entry: POST's ifNoneExist, or the query of a PUT or DELETE url without an id. */
function criteriaOf(parsed: ParsedEntry): { interaction: ConditionalInteraction; criteria: string } | undefined {
  const { method, entry, id, query } = parsed;
  if (method === 'POST' && entry.request?.ifNoneExist) return { interaction: 'create', criteria: entry.request.ifNoneExist };
  if (method === 'PUT' && !id && query !== undefined) return { interaction: 'update', criteria: query };
  if (method === 'DELETE' && !id && query !== undefined) return { interaction: 'delete', criteria: query };
  return undefined;
}

/**
 * What each write entry will do, decided before anything is written: the id a create gets, and for a
 * conditional entry the outcome of its search (http.html#trules), so `urn:uuid` references can point at it.
 */
async function plan(ctx: FhirContext, parsed: ParsedEntry): Promise<void> {
  const { method, definition, entry } = parsed;
  if (method === 'GET') return;
  requireInteraction(parsed, method === 'POST' ? 'create' : method === 'PUT' ? 'update' : 'delete');
  const conditional = criteriaOf(parsed);
  if (conditional) {
    parsed.decision = await decide(ctx, definition, conditional.interaction, conditional.criteria);
    withDecidedId(definition, parsed.decision, entry.resource);
  } else if (method === 'POST') {
    parsed.decision = { action: 'create', id: newResourceId() };
  } else if (parsed.id) {
    parsed.decision = method === 'PUT' ? { action: 'update', id: parsed.id } : { action: 'delete', id: parsed.id };
  } else {
    throw new Invalid('invalid-bundle', `Bundle.entry[${parsed.index}]: ${method} needs Type/id or Type?search.`,
      [{ expression: `Bundle.entry[${parsed.index}].request.url`, message: 'no id and no search' }]);
  }
}

async function perform(ctx: WriteContext, parsed: ParsedEntry, includeResource: boolean): Promise<BundleEntry> {
  const { definition, entry, decision } = parsed;
  if (parsed.method === 'GET') {
    if (parsed.id && parsed.version) return response(ctx, await interactions.vread(ctx, definition, parsed.id, parsed.version), true);
    if (parsed.id) return response(ctx, await interactions.read(ctx, definition, parsed.id), true);
    requireInteraction(parsed, 'search-type');
    const bundle = await search(ctx, definition, queryOf(parsed.query), {
      strict: false, selfUrl: `${ctx.baseUrl}/${definition.type}${parsed.query ? `?${parsed.query}` : ''}`,
    });
    return { resource: bundle, response: { status: '200 OK' } };
  }
  const conditional = criteriaOf(parsed);
  if (conditional) await confirm(ctx, definition, conditional.interaction, conditional.criteria, decision!);
  const stored = await carryOut(ctx, definition, decision!, entry.resource, entry.request?.ifMatch);
  return stored && parsed.method !== 'DELETE' ? response(ctx, stored, includeResource) : { response: { status: '204 No Content' } };
}

/**
 * Points every reference to an entry's `urn:uuid` fullUrl at the resource that entry creates, updates or
 * finds (a conditional create that matched), everywhere in the Bundle. Returns the `Type/id` of the resources
 * the Bundle creates: references to them are fine although they do not exist yet.
 */
function resolveUuidReferences(entries: ParsedEntry[]): Set<string> {
  const targets = new Map<string, string>();
  const pending = new Set<string>();
  for (const parsed of entries) {
    const fullUrl = parsed.entry.fullUrl;
    const decision = parsed.decision;
    if (!decision || decision.action === 'nothing' || decision.action === 'delete') continue;
    if (decision.action === 'create') pending.add(`${parsed.definition.type}/${decision.id}`);
    if (fullUrl?.startsWith('urn:uuid:')) targets.set(fullUrl, `${parsed.definition.type}/${decision.id}`);
  }
  const rewrite = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(rewrite);
    else if (node && typeof node === 'object') {
      const record = node as Record<string, unknown>;
      for (const [key, value] of Object.entries(record)) {
        if (key === 'reference' && typeof value === 'string' && targets.has(value)) record[key] = targets.get(value);
        else rewrite(value);
      }
    }
  };
  for (const parsed of entries) rewrite(parsed.entry.resource);
  return pending;
}

/**
 * A create's or update's checks that need no transaction (interactions.checkBeforeWriting); other entries have none.
 * Once its checks pass, an entry's lookup rows are prepared too, outside the transaction: this thread would
 * otherwise wait idle for the validation of the entries after it. Each in a turn of the event loop of its own: the
 * validation thread's answers arrive in bursts, and a burst's FHIRPath run back to back held the loop long enough
 * that requests already sent were not read yet when a SIGTERM closed the idle connections (test/e2e/start.test.ts).
 */
async function checkBeforeWriting(ctx: FhirContext, parsed: ParsedEntry): Promise<void> {
  const { decision } = parsed;
  if (decision?.action === 'create' || decision?.action === 'update') {
    await interactions.checkBeforeWriting(ctx, parsed.definition, parsed.entry.resource, decision.action === 'update' ? decision.id : undefined);
    await nextTurn();
    prepareLookups(parsed.entry.resource!, decision.id);
  }
}

/** Runs one transaction entry's step; a refusal other than access names the entry and says nothing was stored. */
async function atEntry<T>(item: ParsedEntry, step: () => Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (error) {
    if (error instanceof DomainError && !(error instanceof AccessRefused)) {
      throw new DomainError(error.status, error.code, `Bundle.entry[${item.index}]: ${error.message} Nothing was stored.`, error.issueType, error.details, error.extra);
    }
    throw error;
  }
}

function failure(error: unknown): BundleEntry {
  const domain = error instanceof DomainError ? error : undefined;
  const outcome = domain ? operationOutcome(domain) as OperationOutcome
    : { resourceType: 'OperationOutcome' as const, issue: [{ severity: 'error' as const, code: 'exception' as const, diagnostics: 'Something went wrong on our side.' }] };
  return { response: { status: String(domain?.status ?? 500), outcome } };
}

export async function processBundle(ctx: FhirContext, body: unknown, includeResource: boolean): Promise<Bundle> {
  const bundle = body as Bundle | undefined;
  if (bundle?.resourceType !== 'Bundle' || (bundle.type !== 'batch' && bundle.type !== 'transaction')) {
    throw new Invalid('invalid-bundle', 'POST /fhir takes a Bundle of type batch or transaction.', [{ expression: 'Bundle.type', message: 'must be batch or transaction' }]);
  }
  if (bundle.entry !== undefined && !Array.isArray(bundle.entry)) {
    throw new Invalid('invalid-bundle', 'Bundle.entry must be an array of entries.', [{ expression: 'Bundle.entry', message: 'not an array' }]);
  }
  const entries = bundle.entry ?? [];
  const { fhirLimits } = ctx.config;
  if (entries.length > fhirLimits.bundleMaxEntries) {
    throw new PayloadTooLarge('bundle-too-large', `The Bundle has ${entries.length} entries; this server takes at most `
      + `${fhirLimits.bundleMaxEntries} in one Bundle (BUNDLE_MAX_ENTRIES). Nothing was stored.`,
    [{ expression: 'Bundle.entry', message: `more than BUNDLE_MAX_ENTRIES = ${fhirLimits.bundleMaxEntries} entries` }],
    { limit: 'BUNDLE_MAX_ENTRIES' });
  }
  if (bundle.type === 'transaction') {
    const parsed = entries.map(parseEntry);
    // Before the references are rewritten (a recursive walk): a too-deep entry must not overflow it.
    parsed.forEach((item) => assertWithinLimits(item.entry.resource, fhirLimits, `Bundle.entry[${item.index}].resource`));
    // Decided and resolved before anything is written; a refusal propagates to the route's `reading`, which
    // audits it once. Each distinct conditional reference is searched once for the whole Bundle.
    const resolved = new Map<string, string>();
    for (const item of parsed) {
      await atEntry(item, async () => {
        await plan(ctx, item);
        await resolveConditionalReferences(ctx, item.entry.resource, `Bundle.entry[${item.index}].resource`, resolved);
      });
    }
    const pending = resolveUuidReferences(parsed);
    const answers = new Array<BundleEntry>(parsed.length);
    // Access and validation of every entry before the writer is taken, all entries at once: the validation thread
    // works through their queue while this thread checks access (one entry at a time, the thread idled while this
    // one waited on it and the other way round). The answer is the first refusal in entry order.
    const checks = await Promise.allSettled(parsed.map((item) => atEntry(item, () => checkBeforeWriting({ ...ctx, pendingReferences: pending }, item))));
    const refused = checks.find((check) => check.status === 'rejected');
    if (refused) throw refused.reason;
    await ctx.db.transaction(async (tx) => {
      await confirmResolved({ ...ctx, tx }, resolved);
      for (const item of [...parsed].sort((a, b) => ORDER[a.method] - ORDER[b.method] || a.index - b.index)) {
        answers[item.index] = await atEntry(item, () => perform({ ...ctx, tx, pendingReferences: pending }, item, includeResource));
      }
    });
    return { resourceType: 'Bundle', type: 'transaction-response', entry: answers };
  }
  // A batch: each entry on its own (its conditional search, its conditional references, its transaction).
  const answers: BundleEntry[] = [];
  for (const [index, entry] of entries.entries()) {
    try {
      const parsed = parseEntry(entry, index);
      await reading(ctx, async (c) => {
        await plan(c, parsed);
        await resolveConditionalReferences(c, parsed.entry.resource, `Bundle.entry[${index}].resource`, new Map());
        await checkBeforeWriting(c, parsed);
      });
      answers.push(await writing(ctx, (c) => perform(c, parsed, includeResource)));
    } catch (error) {
      answers.push(failure(error));
    }
  }
  return { resourceType: 'Bundle', type: 'batch-response', entry: answers };
}
