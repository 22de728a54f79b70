/**
 * The patient's "My insurance and bills": her coverages and, per visit, what it cost and what the insurer paid
 * (GET /api/patients/{id}/billing). docs/billing.md "Claims and payment".
 */
import { api, messageOf } from '../api.js';
import { alertLine, el } from '../dom.js';
import { withMyPatientRecord } from '../patient-record.js';

interface Money { value: number; currency: string }
interface Billing {
  coverages: Array<{ id: string; payer: string; memberId: string; status: string; start?: string; end?: string }>;
  visits: Array<{ visit: string; date: string; cost?: Money; insurerPaid?: Money; status: string; charges: Array<{ code: string; display?: string; status: string; reasons: string[] }> }>;
}

const money = (m: Money | undefined) => (m ? `${m.value.toFixed(2)} ${m.currency}` : '—');
const STATUS: Record<string, string> = {
  'not-billable': 'not billed', 'not-claimed': 'not yet sent to your insurer', claimed: 'sent to your insurer', paid: 'paid by your insurer',
  denied: 'refused by your insurer',
};

export function patientBilling(): HTMLElement {
  const problem = alertLine();
  const body = el('div');
  const section = el('section', { id: 'patient-billing', 'aria-labelledby': 'patient-billing-title' },
    el('h2', { id: 'patient-billing-title' }, 'My insurance and bills'), problem, body);
  withMyPatientRecord(problem, async (patient) => {
    try {
      const billing = await api<Billing>(`/api/patients/${encodeURIComponent(patient.id)}/billing`);
      body.replaceChildren(
        billing.coverages.length
          ? el('ul', { class: 'coverages' }, ...billing.coverages.map((c) => el('li', {}, `${c.payer}, member ${c.memberId} (${c.status})`)))
          : el('p', {}, 'No insurance is recorded for you.'),
        billing.visits.length
          ? el('table', {}, el('thead', {}, el('tr', {}, ...['Date', 'Services', 'Cost', 'Insurer paid', 'Status'].map((h) => el('th', {}, h)))),
            el('tbody', {}, ...billing.visits.map((v) => el('tr', { 'data-visit': v.visit },
              el('td', {}, v.date), el('td', {}, v.charges.map((c) => `${c.code}${c.status === 'billable' ? '' : ` (not billed: ${c.reasons.join('; ')})`}`).join(', ')),
              el('td', {}, money(v.cost)), el('td', {}, money(v.insurerPaid)), el('td', {}, STATUS[v.status] ?? v.status)))))
          : el('p', {}, 'No visit has been billed yet.'),
      );
    } catch (error) {
      problem.textContent = messageOf(error);
    }
  });
  return section;
}
