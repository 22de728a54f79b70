import { expect } from 'chai';
import { boundLiterals } from '../../db/bound-literals.js';

describe('a generated SELECT with its values bound (db/bound-literals.ts)', () => {
  it('when string literals are in the text, then each becomes a ? and its value, a doubled quote a single one', () => {
    const written = "SELECT `id` FROM `patients` AS `` WHERE ``.`familyName` = 'O''Brien' AND ``.`id` > 'a?b' ORDER BY ``.`id` ASC LIMIT 21;";
    expect(boundLiterals(written)).to.deep.equal({
      sql: 'SELECT `id` FROM `patients` AS `` WHERE ``.`familyName` = ? AND ``.`id` > ? ORDER BY ``.`id` ASC LIMIT 21;',
      params: ["O'Brien", 'a?b'],
    });
  });

  it('when identifiers are quoted, or a blob is written, then they stay as they are', () => {
    expect(boundLiterals("SELECT \"it's\", `x''y` FROM t WHERE b = X'00ff' AND c = 'X'")).to.deep.equal({
      sql: "SELECT \"it's\", `x''y` FROM t WHERE b = X'00ff' AND c = ?",
      params: ['X'],
    });
  });

  it('when two searches differ only in their values, then they are the same statement', () => {
    const of = (name: string) => boundLiterals(`SELECT id FROM p WHERE id IN (SELECT l.resourceId FROM fhir_strings l WHERE l.value >= '${name}')`);
    expect(of('wang').sql).to.equal(of('li').sql);
  });

  it('when a quoted run does not end, then it is refused rather than half bound', () => {
    expect(() => boundLiterals("SELECT 'open")).to.throw(/does not end/);
  });
});
