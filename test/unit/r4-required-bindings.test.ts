import { expect } from 'chai';
import { validateR4 } from '../support/fhir-validator.js';

/** The required-binding errors the validator reports for `resource`, as "path: code". */
function bindingErrors(resource: object): string[] {
  return validateR4(resource).issues.filter((i) => i.code === 'code-invalid').map((i) => `${i.expression}: ${i.message}`);
}

describe('R4 validation: codes of a required binding', () => {
  it('refuses a code outside the value set, on a resource, in a backbone element and in a data type', () => {
    expect(bindingErrors({ resourceType: 'Patient', gender: 'robot' })).to.deep.equal([
      'Patient.gender: Value "robot" not in required value set http://hl7.org/fhir/ValueSet/administrative-gender',
    ]);
    expect(bindingErrors({ resourceType: 'Patient', contact: [{ gender: 'robot' }] })).to.have.length(1);
    expect(bindingErrors({
      resourceType: 'Observation', status: 'guessed', code: { text: 'BP' }, valueQuantity: { value: 1, comparator: '<<' },
    })).to.deep.equal([
      'Observation.status: Value "guessed" not in required value set http://hl7.org/fhir/ValueSet/observation-status',
      'Observation.valueQuantity.comparator: Value "<<" not in required value set http://hl7.org/fhir/ValueSet/quantity-comparator',
    ]);
  });

  it('accepts every code of the value set, including the nested concepts of a whole code system', () => {
    for (const gender of ['male', 'female', 'other', 'unknown']) expect(bindingErrors({ resourceType: 'Patient', gender })).to.deep.equal([]);
    // MedicationRequest.intent: the whole medicationrequest-intent code system, nested concepts included.
    for (const intent of ['proposal', 'plan', 'order', 'original-order', 'reflex-order', 'filler-order', 'instance-order', 'option']) {
      expect(bindingErrors({ resourceType: 'MedicationRequest', status: 'active', intent, medicationCodeableConcept: { text: 'x' }, subject: { reference: 'Patient/p' } }))
        .to.deep.equal([]);
    }
    expect(bindingErrors({ resourceType: 'MedicationRequest', status: 'active', intent: 'wish', medicationCodeableConcept: { text: 'x' }, subject: { reference: 'Patient/p' } }))
      .to.have.length(1);
  });

  it('checks a code that carries extensions, and the codes inside the extensions of a primitive and of a nested resource', () => {
    expect(bindingErrors({ resourceType: 'Patient', gender: 'robot', _gender: { extension: [{ url: 'http://example.org/note', valueString: 'as told' }] } }))
      .to.deep.equal(['Patient.gender: Value "robot" not in required value set http://hl7.org/fhir/ValueSet/administrative-gender']);
    expect(bindingErrors({
      resourceType: 'Observation', status: 'final', code: { text: 'BP' },
      _status: { extension: [{ url: 'http://example.org/limit', valueQuantity: { value: 1, comparator: '<<' } }] },
      contained: [{ resourceType: 'Patient', id: 'p1', gender: 'robot' }],
    })).to.deep.equal([
      'Observation._status.extension[0].valueQuantity.comparator: Value "<<" not in required value set http://hl7.org/fhir/ValueSet/quantity-comparator',
      'Observation.contained[0].gender: Value "robot" not in required value set http://hl7.org/fhir/ValueSet/administrative-gender',
    ]);
    expect(bindingErrors({
      resourceType: 'Bundle', type: 'collection', entry: [{ resource: { resourceType: 'Patient', gender: 'robot', contact: [{ gender: 'robot' }] } }],
    })).to.deep.equal([
      'Bundle.entry[0].resource.gender: Value "robot" not in required value set http://hl7.org/fhir/ValueSet/administrative-gender',
      'Bundle.entry[0].resource.contact[0].gender: Value "robot" not in required value set http://hl7.org/fhir/ValueSet/administrative-gender',
    ]);
  });

  it('refuses a malformed id on a resource and on a nested one', () => {
    const idErrors = (resource: object) => validateR4(resource).issues.filter((i) => i.message === 'Invalid id format').map((i) => i.expression);
    expect(idErrors({ resourceType: 'Patient', id: 'has space' })).to.deep.equal(['Patient.id']);
    expect(idErrors({ resourceType: 'Observation', status: 'final', code: { text: 'BP' }, contained: [{ resourceType: 'Patient', id: 'x'.repeat(65) }] }))
      .to.deep.equal(['Observation.contained[0].id']);
    expect(idErrors({ resourceType: 'Patient', id: 'Abc-1.2' })).to.deep.equal([]);
  });

  it('does not check a code bound to a system defined outside FHIR (a MIME type)', () => {
    expect(bindingErrors({ resourceType: 'Binary', contentType: 'application/x-made-up' })).to.deep.equal([]);
  });
});
