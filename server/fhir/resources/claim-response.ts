import { recordClaimResponse } from '../../billing/claim-responses.js';
import { registerResource } from '../registry.js';
import { searchParamsOf, storeOf } from '../repository/generic-types.js';

/**
 * ClaimResponse is stored whole by the repository like any type, but its create is the payer's decision on a
 * claim, which produces the ExplanationOfBenefit (billing/claim-responses.ts). An answer is never changed in
 * place: a new answer is a new ClaimResponse.
 */
const store = storeOf('ClaimResponse');
registerResource({
  type: 'ClaimResponse',
  store: {
    ...store,
    create: (ctx, body, id) => recordClaimResponse(ctx, body, id),
    createIfNoneExist: async (ctx, body, criteria, id) => {
      const existing = await store.search(ctx, Object.fromEntries(new URLSearchParams(criteria.replace(/^.*\?/, ''))), { strict: true, selfUrl: `${ctx.baseUrl}/ClaimResponse` });
      const match = existing.entry?.find((e) => e.search?.mode === 'match');
      return match ? store.read(ctx, match.resource!.id!) : recordClaimResponse(ctx, body, id);
    },
  },
  model: (db) => db.models.FhirResource,
  toResource: (row) => JSON.parse(String(row.content)) as never,
  interactions: ['read', 'vread', 'search-type', 'history-instance', 'create'],
  searchParams: searchParamsOf('ClaimResponse'),
  lastUpdatedColumn: 'lastUpdated',
});
