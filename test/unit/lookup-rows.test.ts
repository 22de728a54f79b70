import { expect } from 'chai';
import { loadR4Definitions } from '../../server/fhir/r4-validator.js';
import { lookupRowsOf, patientsOf } from '../../server/fhir/repository/index-rows.js';
import { compartmentParamsOf, indexedParametersOf, R4_RESOURCE_TYPES } from '../../server/fhir/repository/r4-search-parameters.js';
import { demoResources, lookupRowsByEveryParameter, syntheaResources, type StoredResource } from '../support/lookup-rows.js';
import { minimalResource } from '../support/minimal-resources.js';

/** Elements a search parameter reads in less usual shapes: a primitive's extension alone, choices, a contained resource. */
const unusual = [
  { resourceType: 'Patient', id: 'p1', _birthDate: { extension: [{ url: 'http://example.org/x', valueString: 'unknown' }] }, deceasedBoolean: false, _gender: { id: 'g' } },
  { resourceType: 'Patient', id: 'p2', deceasedDateTime: '2020-01-01', link: [{ other: { reference: 'Patient/p1' }, type: 'seealso' }] },
  { resourceType: 'Observation', id: 'o1', status: 'final', code: { text: 'mood' }, valueString: 'good', _valueString: { id: 'v' }, effectivePeriod: { start: '2024-01-01' }, subject: { reference: 'Patient/p1' } },
  { resourceType: 'Observation', id: 'o2', status: 'final', code: { text: 'x' }, valueCodeableConcept: { coding: [{ system: 's', code: 'c' }] }, focus: [{ reference: 'Patient/p2' }] },
  // Of `Observation.code | Observation.component.code` only the components' part: a union drops their duplicate.
  { resourceType: 'Observation', id: 'o3', status: 'final', component: [{ code: { text: 'pulse' } }, { code: { text: 'pulse' } }] },
  { resourceType: 'Condition', id: 'c1', subject: { reference: 'Patient/p1' }, onsetAge: { value: 40, unit: 'a' }, abatementString: 'gone', recordedDate: '2024-02-01' },
  { resourceType: 'MedicationRequest', id: 'm1', status: 'active', intent: 'order', subject: { reference: 'Patient/p1' }, medicationReference: { reference: '#med' },
    contained: [{ resourceType: 'Medication', id: 'med', code: { text: 'aspirin' } }] },
  { resourceType: 'AuditEvent', id: 'a1', type: { code: 'rest' }, recorded: '2024-01-01T00:00:00Z', agent: [{ who: { reference: 'Patient/p1' }, requestor: true }],
    source: { observer: { reference: 'Device/d' } }, entity: [{ what: { reference: 'Patient/p2' } }] },
] as StoredResource[];

/**
 * For every element path a parameter starts from, resources holding that path and nothing else: the element
 * named as the path says, as a dateTime choice, and as the choice its cast (or a Quantity) names.
 */
function holdingOnePath(): StoredResource[] {
  const any = { reference: 'Patient/p1', coding: [{ system: 's', code: 'c' }], value: 1, text: 'some text', start: '2020-01-01' };
  const capital = (name: string) => name[0].toUpperCase() + name.slice(1);
  return R4_RESOURCE_TYPES.flatMap((type) => indexedParametersOf(type).flatMap((param) => (param.paths ?? []).filter((path) => path.elements.length)
    .flatMap((path) => {
      const last = path.elements[path.elements.length - 1];
      const leaves = [{ [last]: any }, { [`${last}DateTime`]: '2020-01-01' }, { [last + capital(path.cast ?? 'Quantity')]: any }];
      return leaves.map((leaf, i) => ({
        resourceType: type, id: `${param.code}-${path.elements.join('.')}-${i}`,
        ...path.elements.slice(0, -1).reduceRight<Record<string, unknown>>((inner, element) => ({ [element]: [inner] }), leaf),
      }) as StoredResource);
    })));
}

const everyExample = (): StoredResource[] => [
  ...syntheaResources(), ...demoResources(), ...unusual,
  ...R4_RESOURCE_TYPES.map((type) => ({ ...minimalResource(type), id: `minimal-${type}` }) as StoredResource),
  ...holdingOnePath(),
];

/** The resources whose fast lookup rows differ from the straightforward ones, with the first difference. */
function differing(resources: StoredResource[]): string[] {
  const wrong: string[] = [];
  for (const resource of resources) {
    const expected = lookupRowsByEveryParameter(resource);
    try {
      expect(lookupRowsOf(resource)).to.deep.equal(expected);
      expect(patientsOf(resource)).to.deep.equal(expected.FhirCompartment.map((row) => row.patientId));
    } catch (error) {
      wrong.push(`${resource.resourceType}/${resource.id}: ${(error as Error).message.slice(0, 300)}`);
    }
  }
  return wrong;
}

describe('lookup rows: skipping parameters a resource cannot match changes no row', () => {
  it('when the Synthea records, the demo resources, one example of every R4 type and one resource per parameter path are indexed, then every row is the one evaluating every parameter gives', function () {
    this.timeout(120_000);
    const resources = everyExample();
    expect(resources.length).to.be.greaterThan(7_000);
    expect(differing(resources)).to.deep.equal([]);
  });

  it('when the R4 type schemas are loaded too (as where a resource was validated in-process), then the rows are still the same', function () {
    this.timeout(120_000);
    loadR4Definitions();
    expect(differing(everyExample())).to.deep.equal([]);
  });

  it('when the Synthea records are indexed, then they do have rows of every kind and their patient compartments', () => {
    const rows = syntheaResources().map(lookupRowsOf);
    for (const kind of ['FhirToken', 'FhirString', 'FhirDate', 'FhirReference', 'FhirQuantity', 'FhirUri', 'FhirComposite', 'FhirCompartment'] as const) {
      expect(rows.some((r) => r[kind].length > 0), kind).to.equal(true);
    }
  });

  it('when a parameter reads elements, then its paths are those elements up to the first function or type cast, choices by their base name', () => {
    const paths = (type: string, code: string) => indexedParametersOf(type).find((p) => p.code === code)!.paths;
    expect(paths('Patient', 'name')).to.deep.equal([{ elements: ['name'] }]);
    expect(paths('Observation', 'value-quantity')).to.deep.equal([{ elements: ['value'], cast: 'Quantity' }, { elements: ['value'], cast: 'SampledData' }]);
    expect(paths('Observation', 'combo-code')).to.deep.equal([{ elements: ['code'] }, { elements: ['component', 'code'] }]);
    expect(paths('Observation', '_source')).to.deep.equal([{ elements: ['meta', 'source'] }]);
    expect(paths('Observation', 'patient')).to.deep.equal([{ elements: ['subject'] }]);
    // Condition.onset.as(Age): @medplum/core's as() function keeps every value, so no cast.
    expect(paths('Condition', 'onset-age')).to.deep.equal([{ elements: ['onset'] }, { elements: ['onset'] }]);
    // A composite: its items' paths, then its second component's (Observation | Observation.component, then value.as(Quantity)).
    expect(paths('Observation', 'code-value-quantity')).to.deep.equal([{ elements: ['value'] }]);
    expect(paths('Observation', 'combo-code-value-quantity')).to.deep.equal([{ elements: ['value'] }, { elements: ['component', 'value'] }]);
  });

  it('when an expression is a union, then its parts carry their own paths, so that only those a resource holds are evaluated', () => {
    const param = (type: string, code: string) => indexedParametersOf(type).find((p) => p.code === code)!;
    expect(param('Observation', 'combo-code').parts!.map((part) => part.paths)).to.deep.equal([[{ elements: ['code'] }], [{ elements: ['component', 'code'] }]]);
    expect(param('Observation', 'combo-value-quantity').parts).to.have.length(4);
    expect(param('Patient', 'name').parts).to.equal(undefined);
  });

  it('when an expression can select something from a resource without its elements, then its paths are unknown and it is always evaluated', () => {
    // Patient.deceased.exists() and Patient.deceased != false: `false` on a Patient without deceased.
    expect(indexedParametersOf('Patient').find((p) => p.code === 'deceased')!.paths).to.equal(undefined);
  });

  it('when a type is in the patient compartment, then each of its compartment parameters is one reference parameter (so the compartment is read from the reference rows)', () => {
    const wrong = R4_RESOURCE_TYPES.flatMap((type) => compartmentParamsOf(type)
      .filter((code) => indexedParametersOf(type).filter((p) => p.code === code).map((p) => p.kind).join() !== 'reference')
      .map((code) => `${type}.${code}`));
    expect(wrong).to.deep.equal([]);
  });
});
