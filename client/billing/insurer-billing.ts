/**
 * The insurer's "Billable visits of our members": the charges of its members (GET /fhir/ChargeItem, filtered by
 * date range, code, status and doctor), each with its explanation (the reasons of its billing decision, in staff
 * words from the catalogue by the rules' reason codes) and links
 * to its evidence; the risk flags per doctor (GET /api/billing/risk-flags); and the CSV export of the same search
 * (GET /api/billing/charges.csv). docs/billing.md "What insurers see".
 */
import { api, apiFile, messageOf } from '../api.js';
import { alertLine, el, whileBusy } from '../dom.js';
import { t, wordOf } from '../i18n/index.js';
import { ruleReasonWords } from './rule-reasons.js';
import { serviceCodeWords } from './service-codes.js';

interface Coding { system?: string; code?: string; display?: string }
interface Extension { url: string; valueCoding?: Coding; valueInteger?: number; valueString?: string; extension?: Extension[] }
interface Charge {
  id: string; status: string; code: { coding?: Coding[] }; subject: { reference?: string }; occurrenceDateTime?: string;
  occurrencePeriod?: { start?: string }; performer?: Array<{ actor: { reference?: string } }>; priceOverride?: { value?: number; currency?: string };
  supportingInformation?: Array<{ reference?: string }>; extension?: Extension[];
}
interface SearchBundle { entry?: Array<{ resource: Charge; search?: { mode?: string } }> }
interface DoctorRisk { practitionerId: string; charges: number; topLevelShare: number; flags: string[] }

const DECISION = 'https://internet-hospital.dev/fhir/StructureDefinition/billing-decision';

function monthStart(): string {
  const now = new Date();
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1)).toISOString().slice(0, 10);
}

export function insurerBilling(): HTMLElement {
  const words = t.lastPages;
  const problem = alertLine();
  const from = el('input', { id: 'billing-from', name: 'from', type: 'date', value: monthStart(), required: true });
  const to = el('input', { id: 'billing-to', name: 'to', type: 'date', value: new Date().toISOString().slice(0, 10), required: true });
  const code = el('input', { id: 'billing-code', name: 'code', maxlength: 20, placeholder: '99213' });
  const status = el('select', { id: 'billing-status', name: 'status' },
    el('option', { value: '' }, words.anyStatus),
    ...['billable', 'not-billable'].map((value) => el('option', { value }, wordOf(t.billing.chargeStatus, value))));
  const doctor = el('input', { id: 'billing-doctor', name: 'doctor', maxlength: 64, placeholder: words.practitionerId });
  const show = el('button', { type: 'submit' }, words.showCharges);
  const exportCsv = el('button', { type: 'button', id: 'billing-export' }, words.exportCsv);
  const download = el('a', { id: 'billing-download', hidden: true }, words.downloadCsv);
  const list = el('div', { id: 'billing-charges' });
  const risks = el('div', { id: 'billing-risks' });
  const form = el('form', { class: 'billing-filters' },
    el('label', { for: 'billing-from' }, words.from), from, el('label', { for: 'billing-to' }, words.to), to,
    el('label', { for: 'billing-code' }, words.code), code, el('label', { for: 'billing-status' }, words.status), status,
    el('label', { for: 'billing-doctor' }, words.doctor), doctor, show);
  const section = el('section', { id: 'insurer-billing', 'aria-labelledby': 'insurer-billing-title' },
    el('h2', { id: 'insurer-billing-title' }, words.insurerTitle),
    problem, form, el('div', { class: 'controls' }, exportCsv, download), list,
    el('h3', {}, words.riskTitle), risks);

  /** The one query of the list and the CSV: the same FHIR search parameters. */
  function query(): URLSearchParams {
    const q = new URLSearchParams([['service-date', `ge${from.value}`], ['service-date', `le${to.value}`]]);
    if (code.value.trim()) q.set('code', code.value.trim());
    if (status.value) q.set('status', status.value);
    if (doctor.value.trim()) q.set('provider', `Practitioner/${doctor.value.trim()}`);
    q.set('_sort', 'service-date');
    return q;
  }

  function explanation(charge: Charge): HTMLElement {
    const parts = charge.extension?.find((e) => e.url === DECISION)?.extension ?? [];
    const reasons = parts.filter((p) => p.url === 'reason')
      .map((p) => el('li', { 'data-reason': p.valueCoding?.code ?? '' }, ruleReasonWords(t.billing, p.valueCoding ?? {})));
    const minutes = parts.find((p) => p.url === 'minutes')?.valueInteger;
    const evidence = (charge.supportingInformation ?? []).map((s) => el('li', {}, el('a', { href: `/fhir/${s.reference ?? ''}`, target: '_blank', rel: 'noopener' }, s.reference ?? '')));
    return el('details', { class: 'charge-explanation' }, el('summary', {}, words.why),
      minutes !== undefined ? el('p', {}, words.minutesUsed(minutes)) : null,
      el('ul', { class: 'reasons' }, ...reasons), el('p', {}, words.evidence), el('ul', { class: 'evidence' }, ...evidence));
  }

  function row(charge: Charge): HTMLElement {
    const coding = charge.code.coding?.[0];
    const date = (charge.occurrenceDateTime ?? charge.occurrencePeriod?.start ?? '').slice(0, 10);
    const price = charge.priceOverride?.value !== undefined ? `${charge.priceOverride.value} ${charge.priceOverride.currency ?? ''}` : '';
    return el('tr', { 'data-charge': charge.id },
      el('td', {}, date), el('td', {}, `${coding?.code ?? ''} ${serviceCodeWords(coding?.code, coding?.display)}`), el('td', {}, wordOf(t.billing.chargeStatus, charge.status)),
      el('td', {}, (charge.performer?.[0]?.actor.reference ?? '').replace('Practitioner/', '')), el('td', {}, price), el('td', {}, explanation(charge)));
  }

  async function load() {
    problem.textContent = '';
    try {
      const bundle = await api<SearchBundle>(`/fhir/ChargeItem?${query().toString()}&_count=100`);
      const charges = (bundle.entry ?? []).filter((e) => e.search?.mode === 'match').map((e) => e.resource);
      list.replaceChildren(charges.length
        ? el('table', {}, el('thead', {}, el('tr', {}, ...words.columns.map((h) => el('th', {}, h)))),
          el('tbody', {}, ...charges.map(row)))
        : el('p', {}, words.noMatch));
      const report = await api<{ doctors: DoctorRisk[] }>(`/api/billing/risk-flags?start=${from.value}&end=${to.value}`);
      risks.replaceChildren(el('ul', {}, ...report.doctors.map((d) => el('li', { 'data-doctor': d.practitionerId },
        words.doctorRisk(d.practitionerId, d.charges, Math.round(d.topLevelShare * 100)),
        d.flags.length ? words.flags(d.flags.join(', ')) : words.noFlags))));
    } catch (error) {
      problem.textContent = messageOf(error);
    }
  }

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    void whileBusy([show], load);
  });
  exportCsv.addEventListener('click', () => void whileBusy([exportCsv], async () => {
    try {
      const blob = await apiFile(`/api/billing/charges.csv?${query().toString()}`);
      download.href = URL.createObjectURL(blob);
      download.download = 'charges.csv';
      download.hidden = false;
      download.click();
    } catch (error) {
      problem.textContent = messageOf(error);
    }
  }));
  void load();
  return section;
}
