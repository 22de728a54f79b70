import type { Resource } from '@medplum/fhirtypes';
import type { NextFunction, Request, Response } from 'express';
import type { Transaction } from 'sequelize';
import type { Config } from '../config.js';
import type { HospitalNode } from '../hospital-node.js';
import { DomainError, NotFound, MethodNotAllowed, UnsupportedMediaType } from '../http/errors.js';
import { callerOf } from '../http/request-context.js';
import { AccessRefused, auditRefusal } from './access.js';
import type { Stored } from './interactions.js';
import { REFUSED_TYPES } from './repository/generic-types.js';
import { definitionOf, supports, type FhirContext, type Interaction, type ResourceDefinition } from './registry.js';

export const FHIR_JSON = 'application/fhir+json; charset=utf-8';
const JSON_FORMATS = new Set(['json', 'application/json', 'application/fhir+json']);

/** http.html#mime: we speak JSON only; `_format` may say so in any of its spellings. */
export function fhirFormat(req: Request, _res: Response, next: NextFunction): void {
  const format = typeof req.query._format === 'string' ? req.query._format.split(';')[0].trim() : undefined;
  if (format !== undefined && !JSON_FORMATS.has(format)) {
    throw new DomainError(406, 'unsupported-format', `This server answers in JSON only (_format=json), not ${format}.`, 'not-supported');
  }
  const type = req.get('content-type');
  if ((req.method === 'POST' || req.method === 'PUT') && type && !req.path.endsWith('/_search')
    && !/^application\/(fhir\+)?json\b/i.test(type)) {
    throw new UnsupportedMediaType('unsupported-media-type', 'Send resources as application/fhir+json.');
  }
  next();
}

/**
 * The FHIR base of every link we answer (Bundle links, Location, SMART endpoints): always the configured public
 * address, never the request's Host or X-Forwarded-Host, which a client chooses.
 */
export function baseUrlOf(config: Pick<Config, 'publicBaseUrl'>): string {
  return `${config.publicBaseUrl}/fhir`;
}

export function contextOf(node: HospitalNode, req: Request): FhirContext {
  return { db: node.db, caller: callerOf(req), config: node.config, baseUrl: baseUrlOf(node.config), keys: node.keys };
}

/** The registered type named in the path, if it supports the interaction (404 / 405 otherwise). */
export function definitionFor(req: Request, interaction: Interaction): ResourceDefinition {
  const definition = definitionOf(String(req.params.type));
  if (!definition) {
    const refused = Object.hasOwn(REFUSED_TYPES, String(req.params.type)) ? `: ${REFUSED_TYPES[String(req.params.type)]}` : '';
    throw new NotFound('unknown-resource-type', `This server does not serve ${String(req.params.type)} resources${refused}.`);
  }
  if (!supports(definition, interaction)) {
    const allowed = definition.interactions;
    throw new MethodNotAllowed(allowed.includes('read') ? ['GET'] : [], `${definition.type} does not support ${interaction} here (see /fhir/metadata).`);
  }
  return definition;
}

/** Runs a read-only interaction; a refusal's audit event is written once the refusal is decided. */
export async function reading<T>(ctx: FhirContext, work: (ctx: FhirContext) => Promise<T>): Promise<T> {
  try {
    return await work(ctx);
  } catch (error) {
    if (error instanceof AccessRefused) await auditRefusal(ctx, error);
    throw error;
  }
}

/** Runs a write in one transaction (the write, its version and its audit event commit together or not at all). */
export async function writing<T>(ctx: FhirContext, work: (ctx: FhirContext & { tx: Transaction }) => Promise<T>): Promise<T> {
  return reading(ctx, (c) => c.db.transaction((tx) => work({ ...c, tx })));
}

export function sendResource(res: Response, status: number, resource: unknown): void {
  sendJson(res, status, JSON.stringify(resource));
}

function sendJson(res: Response, status: number, json: string): void {
  res.status(status).type(FHIR_JSON).send(json);
}

/** http.html#return: `Prefer: return=minimal | representation | OperationOutcome`. */
export function preferredReturn(req: Request): 'minimal' | 'representation' | 'OperationOutcome' {
  const match = /return=(minimal|representation|OperationOutcome)/.exec(req.get('prefer') ?? '');
  return (match?.[1] as 'minimal' | 'representation' | 'OperationOutcome' | undefined) ?? 'representation';
}

export function strictHandling(req: Request): boolean {
  return /handling=strict/.test(req.get('prefer') ?? '');
}

/** Answers a stored resource with ETag, Last-Modified and (for creates) Location, honouring Prefer. */
export function sendStored(req: Request, res: Response, base: string, stored: Stored): void {
  const { resource, versionId } = stored;
  res.setHeader('ETag', `W/"${versionId}"`);
  res.setHeader('Last-Modified', new Date(stored.lastUpdated).toUTCString());
  const location = `${base}/${resource.resourceType}/${resource.id}/_history/${versionId}`;
  if (stored.status === 201 || req.method === 'PUT') res.setHeader(stored.status === 201 ? 'Location' : 'Content-Location', location);
  const prefer = preferredReturn(req);
  if (prefer === 'minimal') {
    res.status(stored.status).end();
  } else if (prefer === 'OperationOutcome') {
    sendResource(res, stored.status, {
      resourceType: 'OperationOutcome',
      issue: [{ severity: 'information', code: 'informational', diagnostics: `${resource.resourceType}/${resource.id} version ${versionId} stored.` }],
    });
  } else if (stored.content !== undefined) {
    sendJson(res, stored.status, stored.content);
  } else {
    sendResource(res, stored.status, resource as Resource);
  }
}
