import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SERVICE_CODES_EN, SERVICE_CODES_ZH } from '../../client/i18n/service-code-words.js';

/** Every code of the hospital's own service-code catalogue has words on the pages in both languages. */
describe('the billing codes the pages show are worded in Chinese and English', () => {
  const catalogue = JSON.parse(readFileSync(join(import.meta.dirname, '..', '..', 'server', 'billing', 'catalogue', 'service-codes.json'), 'utf8')) as
    { entries: Array<{ code: string }> };
  const codes = catalogue.entries.map((e) => e.code).sort();

  it('when the catalogue lists a code, then both languages word it, and no other code', () => {
    expect(Object.keys(SERVICE_CODES_EN).sort()).to.deep.equal(codes);
    expect(Object.keys(SERVICE_CODES_ZH).sort()).to.deep.equal(codes);
  });

  it('when a code is worded in Chinese, then its words are Chinese (no English sentence copied)', () => {
    const english = Object.entries(SERVICE_CODES_ZH).filter(([, words]) => /[A-Za-z]{3,}/.test(words ?? ''));
    expect(english).to.deep.equal([]);
  });
});
