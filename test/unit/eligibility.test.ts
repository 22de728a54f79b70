import { expect } from 'chai';
import { chronicConditionOf } from '../../server/consultations/chronic-conditions.js';

describe('chronic condition list', () => {
  it('when a code falls in a configured ICD-10 range, then its chronic condition is found', () => {
    expect(chronicConditionOf('I10')?.display).to.equal('Hypertensive diseases');
    expect(chronicConditionOf('i13.2')?.display).to.equal('Hypertensive diseases');
    expect(chronicConditionOf('E11.65')?.display).to.equal('Type 2 diabetes mellitus');
    expect(chronicConditionOf('E10')).to.equal(undefined);
    expect(chronicConditionOf('I16')).to.equal(undefined);
    expect(chronicConditionOf('J45')).to.equal(undefined);
  });
});
