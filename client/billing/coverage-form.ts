/**
 * The admin's "Patients' insurance": the Coverages on record, and a form that records a patient's insurance or
 * edits one (patient, payer, member number, period, status). Coverage is a FHIR type, written through /fhir/Coverage
 * like any other record (versioned and audited by the repository); payers come from GET /api/billing/payers.
 * docs/billing.md "Payers".
 */
import type { Bundle, Coverage, Patient } from '@medplum/fhirtypes';
import { api, ApiError, messageOf } from '../api.js';
import { alertLine, el, whileBusy } from '../dom.js';
import { t, wordOf } from '../i18n/index.js';

interface Payer { id: string; name: string }

const STATUSES = ['active', 'cancelled', 'draft', 'entered-in-error'] as const;
const idOf = (reference: string | undefined) => reference?.split('/')[1] ?? '';

/** A person's name as the records have it: given names then family name. */
export const patientName = (patient: Patient | undefined) =>
  patient?.name?.[0] ? [...(patient.name[0].given ?? []), patient.name[0].family ?? ''].join(' ').trim() : '';

/** A /fhir refusal is an OperationOutcome, not problem+json: its diagnostics say which field is wrong. */
function refusalOf(error: unknown): string {
  const issue = error instanceof ApiError ? (error.problem as { issue?: Array<{ diagnostics?: string }> }).issue?.[0] : undefined;
  return issue?.diagnostics ? `${messageOf(error)} ${issue.diagnostics}` : messageOf(error);
}

export function coverageForm(): HTMLElement {
  const problem = alertLine();
  const done = el('p', { role: 'status' });
  const list = el('div', { id: 'coverage-list' });
  const heading = el('h4', { id: 'coverage-form-title' }, t.billing.coverageNew);
  const name = el('input', { id: 'coverage-find', name: 'find', maxlength: 100, autocomplete: 'off' });
  const find = el('button', { type: 'button', class: 'secondary' }, t.billing.find);
  const patient = el('select', { id: 'coverage-patient', name: 'patient', required: true }, el('option', { value: '' }, t.billing.choosePatient));
  const payer = el('select', { id: 'coverage-payer', name: 'payer', required: true });
  const member = el('input', { id: 'coverage-member', name: 'member', required: true, maxlength: 64, autocomplete: 'off' });
  const start = el('input', { id: 'coverage-start', name: 'start', type: 'date', required: true });
  const end = el('input', { id: 'coverage-end', name: 'end', type: 'date' });
  const status = el('select', { id: 'coverage-status', name: 'status' },
    ...STATUSES.map((s) => el('option', { value: s }, wordOf(t.billing.coverageStatus, s))));
  const save = el('button', { type: 'submit' }, t.billing.save);
  const cancel = el('button', { type: 'button', class: 'secondary', hidden: true }, t.billing.cancelEdit);
  const field = (label: string, input: HTMLElement, ...more: HTMLElement[]) => el('p', {}, el('label', { for: input.id }, label), ' ', input, ...more);
  const form = el('form', { id: 'coverage-form', 'aria-labelledby': heading.id },
    heading, field(t.billing.findPatient, name, find), field(t.billing.patient, patient), field(t.billing.payer, payer),
    field(t.billing.memberId, member), field(t.billing.periodStart, start), field(t.billing.periodEnd, end), field(t.billing.status, status),
    el('div', { class: 'controls' }, save, cancel));
  const section = el('section', { id: 'admin-coverage', 'aria-labelledby': 'admin-coverage-title' },
    el('h3', { id: 'admin-coverage-title' }, t.billing.coverageTitle), problem, done, list, form);
  let editing: Coverage | undefined;
  let payers: Payer[] = [];

  function reset() {
    editing = undefined;
    form.reset();
    patient.replaceChildren(el('option', { value: '' }, t.billing.choosePatient));
    heading.textContent = t.billing.coverageNew;
    cancel.hidden = true;
    name.disabled = find.disabled = patient.disabled = false;
  }

  function edit(coverage: Coverage, who: string) {
    editing = coverage;
    const patientId = idOf(coverage.beneficiary.reference);
    // The covered patient does not change: another patient's insurance is a new record.
    patient.replaceChildren(el('option', { value: patientId }, who));
    patient.value = patientId;
    name.disabled = find.disabled = patient.disabled = true;
    payer.value = idOf(coverage.payor[0]?.reference);
    member.value = coverage.subscriberId ?? '';
    start.value = coverage.period?.start ?? '';
    end.value = coverage.period?.end ?? '';
    status.value = coverage.status;
    heading.textContent = t.billing.coverageEditing(who);
    cancel.hidden = false;
    member.focus();
  }

  async function load() {
    try {
      payers = await api<Payer[]>('/api/billing/payers');
      const chosen = payer.value;
      payer.replaceChildren(...payers.map((p) => el('option', { value: p.id }, p.name)));
      if (chosen) payer.value = chosen;
      const bundle = await api<Bundle>('/fhir/Coverage?_count=100&_sort=-_lastUpdated&_include=Coverage:beneficiary');
      const entries = bundle.entry ?? [];
      const people = new Map(entries.filter((e) => e.resource?.resourceType === 'Patient').map((e) => [e.resource!.id!, patientName(e.resource as Patient)]));
      const coverages = entries.filter((e) => e.search?.mode === 'match').map((e) => e.resource as Coverage);
      list.replaceChildren(coverages.length ? el('ul', {}, ...coverages.map((c) => {
        const patientId = idOf(c.beneficiary.reference);
        const who = people.get(patientId) || patientId;
        const payerName = payers.find((p) => p.id === idOf(c.payor[0]?.reference))?.name ?? idOf(c.payor[0]?.reference);
        const button = el('button', { type: 'button', class: 'secondary', 'aria-label': t.billing.coverageEditLabel(who, c.subscriberId ?? '') }, t.billing.coverageEdit);
        button.addEventListener('click', () => edit(c, who));
        return el('li', { 'data-coverage': c.id! },
          t.billing.coverageLine(who, payerName, c.subscriberId ?? '', t.billing.period(c.period?.start ?? '', c.period?.end ?? ''), wordOf(t.billing.coverageStatus, c.status)),
          ' ', button);
      })) : el('p', {}, t.billing.coverageNone));
    } catch (error) {
      problem.textContent = messageOf(error);
    }
  }

  find.addEventListener('click', () => void whileBusy([find], async () => {
    problem.textContent = '';
    try {
      const bundle = await api<Bundle<Patient>>(`/fhir/Patient?name=${encodeURIComponent(name.value.trim())}&_count=20`);
      const found = (bundle.entry ?? []).filter((e) => e.search?.mode !== 'include').map((e) => e.resource!);
      patient.replaceChildren(...(found.length
        ? found.map((p) => el('option', { value: p.id! }, `${patientName(p)}${p.birthDate ? ` (${p.birthDate})` : ''}`))
        : [el('option', { value: '' }, t.billing.noPatientFound)]));
    } catch (error) {
      problem.textContent = messageOf(error);
    }
  }));
  cancel.addEventListener('click', reset);
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    void whileBusy([save], async () => {
      problem.textContent = '';
      done.textContent = '';
      const resource: Coverage = {
        ...(editing ?? {}), resourceType: 'Coverage', status: status.value as Coverage['status'],
        beneficiary: { reference: `Patient/${patient.value}` }, payor: [{ reference: `Organization/${payer.value}` }],
        subscriberId: member.value.trim(), period: { start: start.value, ...(end.value ? { end: end.value } : {}) },
      };
      delete resource.meta;
      try {
        await (editing
          ? api(`/fhir/Coverage/${encodeURIComponent(editing.id!)}`, { method: 'PUT', body: resource })
          : api('/fhir/Coverage', { body: resource }));
        reset();
        done.textContent = t.billing.saved;
        await load();
      } catch (error) {
        problem.textContent = refusalOf(error);
      }
    });
  });
  void load();
  return section;
}
