/**
 * A billing rule's reason in staff words (the insurer's and the admin's pages), from the catalogue: the rules'
 * reason code says why a charge is not billed; a met rule is named by the rule. The stored ChargeItem keeps the
 * rules' English sentence as `rule: sentence` (server/billing/charge-item.ts), a record for other systems; only
 * its rule name is read here, never its words.
 */
import type { Messages } from '../i18n/index.js';

interface ReasonCoding { code?: string; display?: string }

/** The rule that decided a reason: the name before ': ' in its stored display, when it is a rule's name. */
const ruleOf = (display: string | undefined) => /^([a-z][a-z/-]*): /.exec(display ?? '')?.[1];

export function ruleReasonWords(words: Messages['billing'], coding: ReasonCoding): string {
  if (coding.code && coding.code !== 'qualifies') return words.staffReason[coding.code] ?? coding.code.replaceAll('-', ' ');
  const rule = ruleOf(coding.display);
  return words.ruleMet((rule ? words.ruleName[rule] : undefined) ?? words.anyRule);
}
