/**
 * The patient's "My insurance and bills": her insurance (the coverages an admin recorded: payer, member number,
 * period) and, per visit, what it cost and what the insurer paid (GET /api/patients/{id}/billing).
 * docs/billing.md "Claims and payment".
 */
import { api, messageOf } from '../api.js';
import { alertLine, el } from '../dom.js';
import { dateWords } from '../i18n/format.js';
import { t, wordOf } from '../i18n/index.js';
import { withMyPatientRecord } from '../patient-record.js';
import { serviceCodeWords } from './service-codes.js';
import type { ChargeView, PatientBilling as Billing, VisitBilling } from '../../server/billing/contract.js';

type Money = NonNullable<VisitBilling['cost']>;

const money = (m: Money | undefined) => (m?.value !== undefined ? `${m.value.toFixed(2)} ${m.currency ?? ''}`.trim() : '—');

/** "99213 Telehealth visit, …", or "99215 … (not billed: the visit was shorter than this service needs)". */
function chargeWords(c: ChargeView): string {
  const service = `${c.code} ${serviceCodeWords(c.code, c.display)}`.trim();
  if (c.status === 'billable') return service;
  return `${service} (${t.billing.notBilled(c.reasons.map((r) => wordOf(t.billing.notBilledReason, r)).join(t.billing.reasonSeparator))})`;
}
/** A day of the records (yyyy-mm-dd) in the page's language, as it is written: no time zone moves it. */
const day = (date: string | undefined) => (date ? dateWords(date, 'UTC') : '');

export function patientBilling(): HTMLElement {
  const problem = alertLine();
  const insurance = el('div', { id: 'patient-insurance' });
  const visits = el('div', { id: 'patient-bills' });
  const section = el('section', { id: 'patient-billing', 'aria-labelledby': 'patient-billing-title' },
    el('h2', { id: 'patient-billing-title' }, t.billing.patientTitle), problem,
    el('h3', {}, t.billing.yourInsurance), insurance, el('h3', {}, t.billing.yourVisits), visits);
  withMyPatientRecord(problem, async (patient) => {
    try {
      const billing = await api<Billing>(`/api/patients/${encodeURIComponent(patient.id)}/billing`);
      insurance.replaceChildren(billing.coverages.length
        ? el('ul', { class: 'coverages' }, ...billing.coverages.map((c) => el('li', { 'data-coverage': c.id },
          el('strong', {}, t.billing.insuranceLine(c.payer, c.memberId)), el('br'),
          t.billing.insurancePeriod(t.billing.period(day(c.start), day(c.end)), wordOf(t.billing.coverageStatus, c.status)))))
        : el('p', {}, t.billing.noInsurance));
      visits.replaceChildren(billing.visits.length
        ? el('table', {}, el('thead', {}, el('tr', {}, ...[t.billing.date, t.billing.services, t.billing.cost, t.billing.insurerPaid, t.billing.status].map((h) => el('th', {}, h)))),
          el('tbody', {}, ...billing.visits.map((v) => el('tr', { 'data-visit': v.visit },
            el('td', {}, day(v.date)), el('td', {}, v.charges.map(chargeWords).join(t.billing.chargeSeparator)),
            el('td', {}, money(v.cost)), el('td', {}, money(v.insurerPaid)), el('td', {}, wordOf(t.billing.visitStatus, v.status))))))
        : el('p', {}, t.billing.noVisits));
    } catch (error) {
      problem.textContent = messageOf(error);
    }
  });
  return section;
}
