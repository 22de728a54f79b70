import type { FhirLimits } from '../config.js';
import { DomainError, PayloadTooLarge } from '../http/errors.js';

/**
 * Decides whether an incoming resource is small and shallow enough to validate. It runs before anything else
 * walks the body (the R4 validator, reference rewriting, copying it to the validation thread), so it walks
 * iteratively: a 20,000-deep extension is refused here instead of overflowing a recursive walker's stack.
 * Its own work is linear in the body, and it stops at the first limit passed.
 */
export function assertWithinLimits(resource: unknown, limits: Pick<FhirLimits, 'maxElements' | 'maxDepth'>, at = 'resource'): void {
  const pending: Array<{ value: unknown; depth: number }> = [{ value: resource, depth: 0 }];
  let elements = 0;
  while (pending.length) {
    const { value, depth } = pending.pop()!;
    if (++elements > limits.maxElements) {
      throw new PayloadTooLarge('resource-too-large',
        `The ${at} holds more than ${limits.maxElements} elements, the most this server validates (FHIR_MAX_ELEMENTS).`,
        [{ expression: at, message: `more than FHIR_MAX_ELEMENTS = ${limits.maxElements} elements` }], { limit: 'FHIR_MAX_ELEMENTS' });
    }
    if (value === null || typeof value !== 'object') continue;
    if (depth >= limits.maxDepth) {
      throw new DomainError(422, 'resource-too-deep',
        `The ${at} nests objects and arrays more than ${limits.maxDepth} levels deep, the most this server accepts (FHIR_MAX_DEPTH).`,
        'too-costly', [{ expression: at, message: `nested deeper than FHIR_MAX_DEPTH = ${limits.maxDepth}` }], { limit: 'FHIR_MAX_DEPTH' });
    }
    for (const child of Array.isArray(value) ? value : Object.values(value)) pending.push({ value: child, depth: depth + 1 });
  }
}
