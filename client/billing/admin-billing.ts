/**
 * The admin's "Billing": payers and their internet-care agreements (GET/PUT /api/billing/payers…), patients'
 * insurance (./coverage-form.ts), the charges of visits with "Re-run the rules" (./visit-charges.ts), "Submit claims
 * for a period" (POST /api/billing/claims/submit), and the claims made (GET /fhir/Claim). docs/billing.md.
 */
import { api, messageOf } from '../api.js';
import { alertLine, el, whileBusy } from '../dom.js';
import { t } from '../i18n/index.js';
import { coverageForm } from './coverage-form.js';
import { visitCharges } from './visit-charges.js';

interface Payer { id: string; name: string; internetCareAgreement: boolean }
interface Submission { claims: Array<{ claimId: string; items: number }>; unclaimed: Array<{ chargeItemId: string; reason: string }> }
interface ClaimBundle { entry?: Array<{ resource: { id: string; created: string; patient: { reference: string }; item?: unknown[]; total?: { value: number; currency: string } }; search?: { mode?: string } }> }

export function adminBilling(): HTMLElement {
  const problem = alertLine();
  const done = el('p', { role: 'status' });
  const payers = el('ul', { id: 'billing-payers' });
  const claims = el('div', { id: 'billing-claims' });
  const start = el('input', { id: 'claims-start', type: 'date', required: true });
  const end = el('input', { id: 'claims-end', type: 'date', required: true });
  const submit = el('button', { type: 'submit' }, t.billing.submitClaims);
  const form = el('form', {}, el('label', { for: 'claims-start' }, `${t.billing.from} `), start, el('label', { for: 'claims-end' }, ` ${t.billing.to} `), end, submit);
  const section = el('section', { id: 'admin-billing', 'aria-labelledby': 'admin-billing-title' },
    el('h2', { id: 'admin-billing-title' }, t.billing.adminTitle), problem, done,
    el('h3', {}, t.billing.payers), payers, coverageForm(), visitCharges(), el('h3', {}, t.billing.claims), form, claims);

  async function load() {
    try {
      const list = await api<Payer[]>('/api/billing/payers');
      payers.replaceChildren(...list.map((p) => {
        const toggle = el('button', { type: 'button' }, p.internetCareAgreement ? t.billing.endAgreement : t.billing.recordAgreement);
        toggle.addEventListener('click', () => void whileBusy([toggle], async () => {
          await api(`/api/billing/payers/${encodeURIComponent(p.id)}/agreement`, { method: 'PUT', body: { internetCareAgreement: !p.internetCareAgreement } });
          await load();
        }).catch((error: unknown) => { problem.textContent = messageOf(error); }));
        return el('li', { 'data-payer': p.id }, `${p.name}: ${p.internetCareAgreement ? t.billing.agreement : t.billing.noAgreement} `, toggle);
      }));
      const bundle = await api<ClaimBundle>('/fhir/Claim?_sort=-_lastUpdated&_count=50');
      const found = (bundle.entry ?? []).filter((e) => e.search?.mode === 'match').map((e) => e.resource);
      claims.replaceChildren(found.length ? el('ul', {}, ...found.map((c) => el('li', { 'data-claim': c.id },
        `${t.billing.claimLine(c.created.slice(0, 10), c.patient.reference, c.item?.length ?? 0)}${c.total ? `, ${c.total.value} ${c.total.currency}` : ''}`)))
        : el('p', {}, t.billing.noClaims));
    } catch (error) {
      problem.textContent = messageOf(error);
    }
  }

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    void whileBusy([submit], async () => {
      try {
        const result = await api<Submission>('/api/billing/claims/submit', { body: { start: start.value, end: end.value } });
        done.textContent = t.billing.claimsMade(result.claims.length, result.unclaimed.length);
        await load();
      } catch (error) {
        problem.textContent = messageOf(error);
      }
    });
  });
  void load();
  return section;
}
