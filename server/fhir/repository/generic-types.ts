import type { ResourceStore, SearchParamDefinition } from '../registry.js';
import { indexedParametersOf } from './r4-search-parameters.js';
import * as repository from './repository.js';
import { search } from './search.js';

/**
 * Every R4 resource type without a domain definition in the registry is served by the repository: stored
 * whole, versioned, audited, and searched by the official parameters (registered by repository-types.ts, once
 * every domain type has declared itself). These are the pieces of such a type, which a declaration that wraps
 * one interaction of it uses too (ClaimResponse, Task).
 */
export const REFUSED_TYPES: Readonly<Record<string, string>> = {
  Parameters: 'the input or output of an operation, never a record: the specification says it is not persisted',
  OperationOutcome: 'the outcome of an interaction, which this server answers with; a stored one would describe nothing',
  Subscription: 'this server does not notify subscribers; storing one would promise notifications that never come',
  SubscriptionStatus: 'not an R4 resource (an R4B/R5 backport in the definitions), and it only describes notifications',
};

export const ALL_INTERACTIONS = ['read', 'vread', 'search-type', 'history-instance', 'create', 'update', 'delete'] as const;

/** The repository's store of a type (a billing type may wrap one interaction of it: billing/claim-responses.ts). */
export function storeOf(type: string): ResourceStore {
  return {
    read: (ctx, id) => repository.read(ctx, type, id),
    vread: (ctx, id, version) => repository.vread(ctx, type, id, version),
    history: (ctx, id) => repository.history(ctx, type, id),
    checkBeforeWriting: (ctx, body, existingId) => repository.checkBeforeWriting(ctx, type, body, existingId),
    create: (ctx, body, id) => repository.create(ctx, type, body, id),
    createIfNoneExist: (ctx, body, criteria, id) => repository.createIfNoneExist(ctx, type, body, criteria, id),
    update: (ctx, id, body, ifMatch) => repository.update(ctx, type, id, body, ifMatch),
    remove: (ctx, id, ifMatch) => repository.remove(ctx, type, id, ifMatch),
    search: (ctx, query, options) => search(ctx, type, query, options),
  };
}

export function searchParamsOf(type: string): SearchParamDefinition[] {
  return indexedParametersOf(type).map((p) => ({
    name: p.code, type: p.kind, columns: [], definition: p.url, target: p.targets,
    documentation: p.description.split('\n')[0].slice(0, 200),
  }));
}
