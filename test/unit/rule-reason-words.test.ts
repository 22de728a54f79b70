import { expect } from 'chai';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ruleReasonWords } from '../../client/billing/rule-reasons.js';
import { en } from '../../client/i18n/en.js';
import { zhCN } from '../../client/i18n/zh-CN.js';

/**
 * The insurer's and the admin's pages word the billing rules' reasons for staff from the catalogue (issue 14
 * "Language"): every reason code and every rule the server can name has staff words in both languages.
 */
describe('the billing rules\' reasons in staff words, Chinese and English', () => {
  const BILLING = join(import.meta.dirname, '..', '..', 'server', 'billing');
  /** Every rule name the billing code decides with: `qualifies('rule', …)` and `fails('rule', …)`. */
  const ruleNames = [...new Set([BILLING, join(BILLING, 'rules')]
    .flatMap((folder) => readdirSync(folder).filter((f) => f.endsWith('.ts')).map((f) => readFileSync(join(folder, f), 'utf8')))
    .flatMap((source) => [...source.matchAll(/\b(?:qualifies|fails)\('([a-z/-]+)'/g)].map((m) => m[1]!)))].sort();

  it('when a rule refuses a charge with a reason code, then staff words exist for it in both languages', () => {
    const codes = Object.keys(en.billing.notBilledReason).sort();
    expect(Object.keys(en.billing.staffReason).sort()).to.deep.equal(codes);
    expect(Object.keys(zhCN.billing.staffReason).sort()).to.deep.equal(codes);
  });

  it('when the server decides with a rule, then the rule has a name in both languages', () => {
    expect(ruleNames).to.include('visit-status').and.include('data-days');
    expect(ruleNames.filter((rule) => !en.billing.ruleName[rule])).to.deep.equal([]);
    expect(ruleNames.filter((rule) => !zhCN.billing.ruleName[rule])).to.deep.equal([]);
  });

  it('when a charge was a no-show, then staff read the rule\'s reason in third person, not the patient\'s words', () => {
    const coding = { code: 'no-show', display: 'visit-status: The patient did not show up for the visit.' };
    expect(ruleReasonWords(en.billing, coding)).to.equal('No-show: the patient did not attend');
    expect(ruleReasonWords(zhCN.billing, coding)).to.equal('未就诊：患者未按时就诊');
  });

  it('when a rule is met, then staff read the rule\'s name, and a reason without a rule name reads as a rule met', () => {
    expect(ruleReasonWords(zhCN.billing, { code: 'qualifies', display: 'signed-note: The doctor signed the visit note.' })).to.equal('病历签署：符合');
    expect(ruleReasonWords(en.billing, { code: 'qualifies', display: 'The visit qualifies for this code.' })).to.equal('A billing rule: met');
  });

  it('when a reason is worded in Chinese, then its words are Chinese (no English sentence copied)', () => {
    const english = [...Object.values(zhCN.billing.staffReason), ...Object.values(zhCN.billing.ruleName)].filter((w) => /[A-Za-z]{3,}/.test(w));
    expect(english).to.deep.equal([]);
  });
});
