import type { Resource } from '@medplum/fhirtypes';
import type { Database } from '../../db/connection.js';
import type { Caller } from '../auth/caller.js';
import type { Config } from '../config.js';
import { baseUrlOf } from '../fhir/http.js';
import { definitionOf, type FhirContext } from '../fhir/registry.js';
import { registerRepositoryTypes } from '../fhir/repository/repository-types.js';
import { search, type SearchQuery } from '../fhir/search.js';

/**
 * How billing reads the records it works on: through the same FHIR search an outside client uses, as the caller,
 * so the one access rule (auth/care-relationship.ts) decides what each caller's billing holds and every page
 * is audited. Domain types (Coverage) and repository types (ChargeItem, Claim …) alike.
 */
export const fhirContextOf = (db: Database, config: Config, caller: Caller): FhirContext => ({ db, caller, config, baseUrl: baseUrlOf(config) });

/** Every resource a search matches, page after page (at most `limit`). */
export async function searchAll<T extends Resource>(ctx: FhirContext, type: string, query: SearchQuery, limit = 5000): Promise<Array<T & { id: string }>> {
  registerRepositoryTypes();
  const definition = definitionOf(type);
  if (!definition) throw new Error(`${type} is not served`);
  const found: Array<T & { id: string }> = [];
  let cursor: string | undefined;
  do {
    const page = { ...query, _count: '100', ...(cursor ? { _cursor: cursor } : {}) };
    const selfUrl = `${ctx.baseUrl}/${type}?${new URLSearchParams(Object.entries(page).flatMap(([k, v]) => (Array.isArray(v) ? v : [v ?? '']).map((x) => [k, x])))}`;
    const bundle = await search(ctx, definition, page, { strict: true, selfUrl });
    for (const entry of bundle.entry ?? []) if (entry.search?.mode === 'match') found.push(entry.resource as T & { id: string });
    const next = bundle.link?.find((l) => l.relation === 'next')?.url;
    cursor = next ? new URL(next).searchParams.get('_cursor') ?? undefined : undefined;
  } while (cursor && found.length < limit);
  return found;
}
