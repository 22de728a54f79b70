import { expect } from 'chai';
import { atcClassOf, duplicateClasses } from '../../server/prescriptions/drug-class.js';
import { ageOn } from '../../server/prescriptions/review-context.js';

describe('the pharmacist\'s duplicate drug class rule and the patient\'s age', () => {
  it('when a code is ATC, then its class is the chemical subgroup (five characters); anything else has none', () => {
    expect(atcClassOf('C09AA05')).to.equal('C09AA');
    expect(atcClassOf(' c09aa02 ')).to.equal('C09AA');
    for (const code of ['', null, undefined, '12345', 'C09', 'local-123']) expect(atcClassOf(code), String(code)).to.equal(undefined);
  });

  it('when a line shares its class with a current medicine or an earlier line, then each pair is flagged once; other classes and uncoded medicines are not', () => {
    const current = [
      { drugCode: 'C09AA05', drugName: 'Ramipril' }, { drugCode: null, drugName: 'Herbal tea' }, { drugCode: 'A10BA02', drugName: 'Metformin' },
    ];
    const lines = [
      { lineNo: 1, drugCode: 'C09AA02', drugName: 'Enalapril' },
      { lineNo: 2, drugCode: 'C08CA01', drugName: 'Amlodipine' },
      { lineNo: 3, drugCode: 'C09AA03', drugName: 'Lisinopril' },
    ];
    expect(duplicateClasses(lines, current).map((d) => [d.lineNo, d.atcClass, d.duplicates.drugName])).to.deep.equal([
      [1, 'C09AA', 'Ramipril'], [3, 'C09AA', 'Ramipril'], [3, 'C09AA', 'Enalapril'],
    ]);
    expect(duplicateClasses([lines[1]], current)).to.deep.equal([]);
  });

  it('when the birthday has not come yet this year, then the age is one less; without a birth date there is none', () => {
    const now = new Date('2026-03-14T12:00:00Z');
    expect(ageOn('1950-03-15', now)).to.equal(75);
    expect(ageOn('1950-03-14', now)).to.equal(76);
    expect(ageOn(null, now)).to.equal(null);
    expect(ageOn('1950', now)).to.equal(null);
  });
});
