import type { NextFunction, Request, Response } from 'express';
import { Router } from 'express';
import type { Caller } from '../auth/caller.js';
import type { HospitalNode } from '../hospital-node.js';
import { authenticate } from '../http/authenticate.js';
import { methodNotAllowed } from '../http/error-handler.js';
import { Forbidden, MethodNotAllowed, NotFound } from '../http/errors.js';
import { idempotent } from '../http/idempotency.js';
import { callerOf } from '../http/request-context.js';
import { processBundle } from './bundle.js';
import { carryOut, decide, withDecidedId } from './conditional.js';
import { capabilityStatement, smartConfiguration } from './capability-statement.js';
import {
  baseUrlOf, contextOf, definitionFor, fhirFormat, preferredReturn, reading, sendResource, sendStored, strictHandling, writing,
} from './http.js';
import * as interactions from './interactions.js';
import { registerRepositoryTypes } from './repository/repository-types.js';
import type { OperationDefinition } from './registry.js';
import { search, searchQueryOf, type SearchQuery } from './search.js';

/** The search URL as a GET (POST _search parameters moved into the query), for self and next links. */
function selfUrl(base: string, req: Request, query: SearchQuery): string {
  const url = new URL(`${base}/${String(req.params.type)}`);
  for (const [key, value] of Object.entries(query)) {
    for (const v of Array.isArray(value) ? value : value === undefined ? [] : [value]) url.searchParams.append(key, v);
  }
  return url.toString();
}

function searchQuery(req: Request): SearchQuery {
  const body = req.method === 'POST' && req.body && typeof req.body === 'object' ? req.body as Record<string, unknown> : {};
  return searchQueryOf({ ...req.query, ...body });
}

/** The query string of a conditional update or delete, exactly as sent (repeated parameters and all). */
function criteriaOf(req: Request): string {
  const at = req.originalUrl.indexOf('?');
  return at < 0 ? '' : req.originalUrl.slice(at + 1);
}

/** Who may invoke an operation, as its declaration says (OperationDefinition.callers): 403 `wrong-role` otherwise. */
function assertMayInvoke(caller: Caller, operation: OperationDefinition): void {
  const { callers } = operation;
  if (!callers) return;
  const scoped = caller.role !== 'system' || callers.systemScope === undefined || caller.scopes.includes(callers.systemScope);
  if (!callers.roles.includes(caller.role) || !scoped) throw new Forbidden('wrong-role', callers.refusal);
}

/** The operation a request names, once its caller may invoke it. */
function operationFor(req: Request, segment: string, level: 'instance' | 'type'): OperationDefinition {
  const definition = definitionFor(req, 'read');
  const operation = definition.operations?.find((op) => `$${op.name}` === segment && op.level === level);
  if (!operation) throw new NotFound('unknown-operation', `${definition.type} has no ${level} operation ${segment}.`);
  assertMayInvoke(callerOf(req), operation);
  return operation;
}

/** The FHIR R4 REST API (hl7.org/fhir/R4/http.html) for every type in the registry. */
export function fhirRoutes(node: HospitalNode): Router {
  registerRepositoryTypes();
  const router = Router();
  const signedIn = authenticate(node.tokens);
  const publishedAt = new Date().toISOString();
  const base = baseUrlOf(node.config);
  const replayable = idempotent(node.db);
  /** An instance operation's declaration, checked, then its Idempotency-Key (after the caller is known). */
  const invoking = (req: Request, res: Response, next: NextFunction) => {
    const operation = operationFor(req, String(req.params.operation), 'instance');
    res.locals.operation = operation;
    return operation.idempotent ? replayable(req, res, next) : next();
  };
  router.use('/fhir', fhirFormat);

  router.route('/fhir/metadata').get((_req, res) => sendResource(res, 200, capabilityStatement(base, publishedAt))).all(methodNotAllowed);
  router.route(['/.well-known/smart-configuration', '/fhir/.well-known/smart-configuration'])
    .get((_req, res) => { res.json(smartConfiguration(base)); }).all(methodNotAllowed);

  router.route('/fhir').post(signedIn, async (req, res) => {
    const ctx = contextOf(node, req);
    sendResource(res, 200, await reading(ctx, (c) => processBundle(c, req.body, preferredReturn(req) !== 'minimal')));
  }).all(methodNotAllowed);

  router.route('/fhir/:type').get(signedIn, async (req, res) => {
    const definition = definitionFor(req, 'search-type');
    const query = searchQuery(req);
    sendResource(res, 200, await reading(contextOf(node, req), (c) => search(c, definition, query, { strict: strictHandling(req), selfUrl: selfUrl(base, req, query) })));
  }).post(signedIn, async (req, res) => {
    const definition = definitionFor(req, 'create');
    const criteria = req.get('if-none-exist');
    await reading(contextOf(node, req), (c) => interactions.checkBeforeWriting(c, definition, req.body));
    sendStored(req, res, base, await writing(contextOf(node, req), async (c) => (criteria
      ? (await carryOut(c, definition, await decide(c, definition, 'create', criteria), req.body))!
      : interactions.create(c, definition, req.body))));
  }).put(signedIn, async (req, res) => {
    // Conditional update (http.html#cond-update): the search and the write in one transaction.
    const definition = definitionFor(req, 'update');
    const criteria = criteriaOf(req);
    await reading(contextOf(node, req), (c) => interactions.checkBeforeWriting(c, definition, req.body));
    sendStored(req, res, base, await writing(contextOf(node, req), async (c) => {
      const decision = await decide(c, definition, 'update', criteria);
      withDecidedId(definition, decision, req.body);
      return (await carryOut(c, definition, decision, req.body, req.get('if-match')))!;
    }));
  }).delete(signedIn, async (req, res) => {
    // Conditional delete (http.html#cdelete), `single`: one match is deleted, none is a 204 too, several 412.
    const definition = definitionFor(req, 'delete');
    const criteria = criteriaOf(req);
    await writing(contextOf(node, req), async (c) => carryOut(c, definition, await decide(c, definition, 'delete', criteria), undefined, req.get('if-match')));
    res.status(204).end();
  }).all(methodNotAllowed);

  router.route('/fhir/:type/_search').post(signedIn, async (req, res) => {
    const definition = definitionFor(req, 'search-type');
    const query = searchQuery(req);
    sendResource(res, 200, await reading(contextOf(node, req), (c) => search(c, definition, query, { strict: strictHandling(req), selfUrl: selfUrl(base, req, query) })));
  }).all(methodNotAllowed);

  router.route('/fhir/:type/:id').get(signedIn, async (req, res) => {
    const definition = definitionFor(req, 'read');
    sendStored(req, res, base, await reading(contextOf(node, req), (c) => interactions.read(c, definition, req.params.id)));
  }).put(signedIn, async (req, res) => {
    const definition = definitionFor(req, 'update');
    await reading(contextOf(node, req), (c) => interactions.checkBeforeWriting(c, definition, req.body, req.params.id));
    sendStored(req, res, base, await writing(contextOf(node, req), (c) => interactions.update(c, definition, req.params.id, req.body, req.get('if-match'))));
  }).delete(signedIn, async (req, res) => {
    const definition = definitionFor(req, 'delete');
    await writing(contextOf(node, req), (c) => interactions.remove(c, definition, req.params.id, req.get('if-match')));
    res.status(204).end();
  }).post(signedIn, async (req, res) => {
    const operation = operationFor(req, req.params.id, 'type');
    const answer = await reading(contextOf(node, req), (c) => operation.handler(c, { parameters: req.body, query: req.query }));
    sendResource(res, answer.status, answer.resource ?? {});
  }).all(methodNotAllowed);

  router.route('/fhir/:type/:id/_history').get(signedIn, async (req, res) => {
    const definition = definitionFor(req, 'history-instance');
    sendResource(res, 200, await reading(contextOf(node, req), (c) => interactions.history(c, definition, req.params.id)));
  }).all(methodNotAllowed);

  router.route('/fhir/:type/:id/_history/:version').get(signedIn, async (req, res) => {
    const definition = definitionFor(req, 'vread');
    sendStored(req, res, base, await reading(contextOf(node, req), (c) => interactions.vread(c, definition, req.params.id, req.params.version)));
  }).all(methodNotAllowed);

  router.route('/fhir/:type/:id/:operation').get(signedIn, async (req, res) => {
    const operation = operationFor(req, req.params.operation, 'instance');
    if (operation.affectsState !== false) throw new MethodNotAllowed(['POST'], `$${operation.name} changes data: invoke it with POST.`);
    const answer = await reading(contextOf(node, req), (c) => operation.handler(c, { id: req.params.id, parameters: undefined, query: req.query }));
    sendResource(res, answer.status, answer.resource ?? {});
  }).post(signedIn, invoking, async (req, res) => {
    const operation = res.locals.operation as OperationDefinition;
    const answer = await reading(contextOf(node, req), (c) => operation.handler(c, { id: req.params.id, parameters: req.body, query: req.query }));
    sendResource(res, answer.status, answer.resource ?? {});
  }).all(methodNotAllowed);

  return router;
}
