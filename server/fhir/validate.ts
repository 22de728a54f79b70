import type { Resource } from '@medplum/fhirtypes';
import { InvalidResource } from '../../fhir-mappings/common.js';
import type { FhirLimits } from '../config.js';
import { Invalid, Unprocessable } from '../http/errors.js';
import { assertWithinLimits } from './resource-bounds.js';
import { validateR4OffThread } from './r4-validation-thread.js';
import type { R4Result } from './r4-validator.js';
import { emptyElementIssue } from './empty-elements.js';
import type { ResourceDefinition } from './registry.js';

/**
 * Checks an incoming resource: first against the official R4 StructureDefinitions (structure, cardinality,
 * primitive formats, required bindings: 400 `invalid-resource`), then the type's mapping decides whether this
 * node can store it (references it understands, the codes its tables hold: 422 `unprocessable-resource`).
 * Either way `issue.expression` points at the bad element. A resource over FHIR_MAX_ELEMENTS or FHIR_MAX_DEPTH
 * is refused before the validator sees it (resource-bounds.ts), and the validator runs on its own thread.
 * Callers check access first (access.ts `assertNamedPatientAccess`): a refused caller never costs a validation.
 */
/**
 * The R4 validation of each body, so that a write validates before it takes the writer (interactions.ts
 * `checkBeforeWriting`) and finds the answer again inside its transaction. Keyed by the object: a body changed
 * after its validation (a transaction's urn:uuid rewrite) must be validated after that change.
 */
const validations = new WeakMap<object, Promise<R4Result>>();

export async function validateIncoming(body: unknown, type: string, limits: FhirLimits): Promise<Resource> {
  if (!body || typeof body !== 'object' || Array.isArray(body)) {
    throw new Invalid('invalid-resource', 'The body must be a FHIR resource (a JSON object).');
  }
  const resourceType = (body as { resourceType?: unknown }).resourceType;
  if (resourceType !== type) {
    throw new Invalid('wrong-resource-type', `The body is a ${String(resourceType)}, not a ${type}.`, [
      { expression: 'resourceType', message: `must be ${type}` },
    ]);
  }
  assertWithinLimits(body, limits, type);
  const empty = emptyElementIssue(body, type);
  if (empty) throw new Invalid('invalid-resource', `The ${type} is not valid FHIR R4: ${empty.expression} ${empty.message}`, [empty]);
  let validation = validations.get(body);
  if (!validation) validations.set(body, validation = validateR4OffThread(body));
  const { issues } = await validation;
  const errors = issues.filter((i) => i.severity === 'error' || i.severity === 'fatal');
  if (errors.length) {
    throw new Invalid('invalid-resource', `The ${type} is not valid FHIR R4: ${errors[0].expression} ${errors[0].message}`,
      errors.map((i) => ({ expression: i.expression || type, message: i.message })));
  }
  return body as Resource;
}

/** Runs a type's mapping and turns its complaints into a 422 OperationOutcome. */
export function fieldsOf(definition: ResourceDefinition, resource: Resource, now: Date): Record<string, unknown> {
  if (!definition.fromResource) throw new Unprocessable('read-only-type', `${definition.type} is read-only here.`);
  try {
    return definition.fromResource(resource, now);
  } catch (error) {
    if (error instanceof InvalidResource) {
      throw new Unprocessable('unprocessable-resource', `This ${definition.type} cannot be stored: ${error.message}`, error.issues);
    }
    throw error;
  }
}
