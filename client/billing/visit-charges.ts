/**
 * The admin's "Charges of visits": the latest ChargeItems grouped by visit (GET /fhir/ChargeItem), each visit with
 * "Re-run the rules" (POST /api/visits/{id}/charges/recompute: a new version of each charge). A charge's earlier
 * versions stay listed under it (GET /fhir/ChargeItem/{id}/_history): a re-run never hides what was decided before.
 * docs/billing.md "When charges are written".
 */
import type { Bundle, ChargeItem, Patient } from '@medplum/fhirtypes';
import { api, messageOf } from '../api.js';
import { alertLine, el, whileBusy } from '../dom.js';
import { dateWords } from '../i18n/format.js';
import { t, wordOf } from '../i18n/index.js';
import { patientName } from './coverage-form.js';

interface ChargeView { id: string; code: string; status: string; versionId: string }

const idOf = (reference: string | undefined) => reference?.split('/')[1] ?? '';
const viewOf = (c: ChargeItem): ChargeView =>
  ({ id: c.id!, code: c.code.coding?.[0]?.code ?? '', status: c.status, versionId: c.meta?.versionId ?? '1' });
const chargeWords = (c: ChargeView) =>
  `${t.billing.chargeLine(c.code, wordOf(t.billing.chargeStatus, c.status))} · ${t.billing.version(c.versionId)}`;

/** One charge and, when it has any, its earlier versions (newest first). */
function chargeItem(charge: ChargeView): HTMLElement {
  const item = el('li', { 'data-charge': charge.id, 'data-version': charge.versionId }, chargeWords(charge));
  if (Number(charge.versionId) > 1) {
    const history = el('ul', { class: 'charge-history' });
    item.append(el('p', {}, t.billing.history), history);
    void api<Bundle<ChargeItem>>(`/fhir/ChargeItem/${encodeURIComponent(charge.id)}/_history`).then((bundle) => {
      const earlier = (bundle.entry ?? []).map((e) => viewOf(e.resource!)).filter((v) => v.versionId !== charge.versionId);
      history.replaceChildren(...earlier.map((v) => el('li', { 'data-version': v.versionId }, chargeWords(v))));
    }).catch((error: unknown) => { history.replaceChildren(el('li', {}, messageOf(error))); });
  }
  return item;
}

export function visitCharges(): HTMLElement {
  const problem = alertLine();
  const list = el('div', { id: 'visit-charges' });
  const section = el('section', { id: 'admin-visit-charges', 'aria-labelledby': 'admin-visit-charges-title' },
    el('h3', { id: 'admin-visit-charges-title' }, t.billing.chargesTitle), problem, list);

  function visitBlock(visitId: string, date: string, who: string, charges: ChargeView[]): HTMLElement {
    const charged = el('ul', {}, ...charges.map(chargeItem));
    const done = el('p', { role: 'status' });
    const rerun = el('button', { type: 'button', class: 'secondary', 'aria-label': t.billing.rerunLabel(date) }, t.billing.rerun);
    rerun.addEventListener('click', () => void whileBusy([rerun], async () => {
      problem.textContent = '';
      try {
        const fresh = await api<ChargeView[]>(`/api/visits/${encodeURIComponent(visitId)}/charges/recompute`, { body: {} });
        charged.replaceChildren(...fresh.map(chargeItem));
        done.textContent = t.billing.rerunDone(fresh.length);
      } catch (error) {
        problem.textContent = messageOf(error);
      }
    }));
    return el('li', { 'data-visit': visitId }, el('p', {}, el('strong', {}, t.billing.visitCharges(date, who))), charged,
      el('div', { class: 'controls' }, rerun), done);
  }

  async function load() {
    try {
      const bundle = await api<Bundle>('/fhir/ChargeItem?_sort=-_lastUpdated&_count=100&_include=ChargeItem:subject');
      const entries = bundle.entry ?? [];
      const people = new Map(entries.filter((e) => e.resource?.resourceType === 'Patient').map((e) => [e.resource!.id!, patientName(e.resource as Patient)]));
      const visits = new Map<string, ChargeItem[]>();
      // Period charges (remote monitoring) belong to no visit: the loop decides them again, not this button.
      for (const charge of entries.filter((e) => e.search?.mode === 'match').map((e) => e.resource as ChargeItem)) {
        const visit = idOf(charge.context?.reference);
        if (visit) visits.set(visit, [...(visits.get(visit) ?? []), charge]);
      }
      list.replaceChildren(visits.size ? el('ul', { class: 'visit-charges' }, ...[...visits].map(([visit, charges]) => {
        const subject = idOf(charges[0]!.subject.reference);
        const date = charges[0]!.occurrenceDateTime;
        return visitBlock(visit, date ? dateWords(date) : '', people.get(subject) || subject, charges.map(viewOf));
      })) : el('p', {}, t.billing.noCharges));
    } catch (error) {
      problem.textContent = messageOf(error);
    }
  }
  void load();
  return section;
}
