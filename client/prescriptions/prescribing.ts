/**
 * The visit workspace's prescribing form: 1–5 lines from the drug catalogue, an optional chronic condition (which
 * allows a supply up to 12 weeks) and the validity; `POST /api/prescriptions` (docs/prescriptions.md). A refusal is
 * shown beside the form in plain words naming each offending line and field, which are marked invalid; the form
 * keeps everything entered. Only a prescription that was issued clears it.
 */
// The limits are the server's own constants (a module without imports), so the form and the rules cannot drift.
import { prescriptionLimits } from '../../server/prescriptions/limits.js';
import { api, ApiError, messageOf, type ProblemDetail } from '../api.js';
import { el, whileBusy } from '../dom.js';
import { t, wordOf } from '../i18n/index.js';
import type { PatientCondition } from '../patients/patient-directory.js';
import type { PrescriptionSummary } from './types.js';

export interface Drug { code: string; name: string; form: string; strength: string; narcotic: boolean; psychotropic: boolean }

export interface PrescribingOptions {
  encounterId: string;
  drugs: Drug[];
  /** The patient's recorded conditions: the chronic condition a longer supply is for is chosen among them. */
  conditions: PatientCondition[];
  onIssued(prescription: PrescriptionSummary): void;
}

type LineField = 'drugCode' | 'dose' | 'frequency' | 'quantity' | 'supplyDays';
interface LineForm { fieldset: HTMLFieldSetElement; legend: HTMLLegendElement; remove: HTMLButtonElement; fields: Record<LineField, HTMLInputElement | HTMLSelectElement> }

const words = t.pages.prescribing;
const FIELD_WORDS = words.fieldWords;

/** What to do about a refusal, where the server's words say only what is wrong. */
const HINTS: Record<string, string> = {
  'supply-too-long': words.supplyTooLong(prescriptionLimits.maxSupplyDays),
  'controlled-drug-not-online': words.controlledNotOnline,
};

const drugLabel = (drug: Drug) => `${drug.name} ${drug.strength} ${wordOf(words.drugForm, drug.form)}`;
const controlled = (drug: Drug) => drug.narcotic || drug.psychotropic;

/** `lines[2].supplyDays` (the rules) or `body.lines.2.dose` (the schema) → line index 2 and its field. */
function lineOf(expression: string): { index: number; field?: string } | undefined {
  const match = /^(?:body\.)?lines(?:\[(\d+)\]|\.(\d+))(?:\.(\w+))?$/.exec(expression);
  return match ? { index: Number(match[1] ?? match[2]), field: match[3] } : undefined;
}

let nextLineId = 1;

export function prescribingForm({ encounterId, drugs, conditions, onIssued }: PrescribingOptions): HTMLElement {
  const lines: LineForm[] = [];
  const lineBox = el('div', { class: 'lines' });
  const addLine = el('button', { type: 'button', class: 'secondary' }, words.addLine);
  const limitNote = el('p', { class: 'hint', hidden: true }, words.maxLines(prescriptionLimits.maxLines));
  const chronic = el('select', { id: 'rx-chronic', name: 'chronicConditionCode' },
    el('option', { value: '' }, words.noChronic(prescriptionLimits.maxSupplyDays)),
    ...[...new Map(conditions.filter((c) => c.clinicalStatus === 'active').map((c) => [c.code, c])).values()]
      .map((c) => el('option', { value: c.code }, `${c.code} ${c.display ?? ''}`.trim())));
  const validity = el('select', { id: 'rx-validity', name: 'validityDays' },
    ...Array.from({ length: prescriptionLimits.maxValidityDays }, (_, i) => el('option', { value: i + 1 }, words.validityDays(i + 1))));
  const validityReason = el('input', { id: 'rx-validity-reason', name: 'validityReason', maxlength: 500, autocomplete: 'off' });
  const issue = el('button', { type: 'submit' }, words.issue);
  const problem = el('div', { role: 'alert', class: 'problem', id: 'prescribing-problem' });
  const outcome = el('p', { role: 'status' });
  const form = el('form', { id: 'prescribing', 'aria-labelledby': 'prescribing-title' },
    el('h3', { id: 'prescribing-title' }, words.title),
    lineBox, el('div', { class: 'controls' }, addLine), limitNote,
    el('label', { for: 'rx-chronic' }, words.chronicLabel), chronic,
    el('label', { for: 'rx-validity' }, words.validityLabel), validity,
    el('label', { for: 'rx-validity-reason' }, words.validityReasonLabel), validityReason,
    el('div', { class: 'controls' }, issue), problem, outcome);

  function newLine(): LineForm {
    const id = `rx-line-${nextLineId++}`;
    const field = (name: LineField, label: string, control: HTMLElement) => {
      control.id = `${id}-${name}`;
      control.setAttribute('name', name);
      return [el('label', { for: control.id }, label), control] as const;
    };
    const drug = el('select', { required: true },
      el('option', { value: '' }, words.chooseDrug),
      ...drugs.map((d) => el('option', { value: d.code, disabled: controlled(d) }, controlled(d) ? words.notOnline(drugLabel(d)) : drugLabel(d))));
    const fields = {
      drugCode: drug,
      dose: el('input', { required: true, maxlength: 100, placeholder: words.dosePlaceholder, autocomplete: 'off' }),
      frequency: el('input', { required: true, maxlength: 100, placeholder: words.frequencyPlaceholder, autocomplete: 'off' }),
      quantity: el('input', { type: 'number', required: true, min: 1, max: 10_000, step: 1 }),
      supplyDays: el('input', { type: 'number', required: true, min: 1, max: prescriptionLimits.maxChronicSupplyDays, step: 1 }),
    };
    const legend = el('legend');
    const remove = el('button', { type: 'button', class: 'secondary' });
    const line: LineForm = {
      legend, remove, fields,
      fieldset: el('fieldset', { class: 'line' }, legend,
        ...field('drugCode', words.medicine, fields.drugCode), ...field('dose', words.dose, fields.dose),
        ...field('frequency', words.frequency, fields.frequency), ...field('quantity', words.quantity, fields.quantity),
        ...field('supplyDays', words.supplyDays, fields.supplyDays), remove),
    };
    remove.addEventListener('click', () => {
      lines.splice(lines.indexOf(line), 1);
      line.fieldset.remove();
      renumber();
      (lines.at(-1)?.fields.drugCode ?? addLine).focus();
    });
    return line;
  }

  function renumber() {
    lines.forEach((line, i) => {
      line.legend.textContent = words.line(i + 1);
      line.remove.textContent = words.removeLine(i + 1);
      line.remove.hidden = lines.length === 1;
    });
    const full = lines.length >= prescriptionLimits.maxLines;
    addLine.disabled = full;
    limitNote.hidden = !full;
  }

  function add(): LineForm {
    const line = newLine();
    lines.push(line);
    lineBox.append(line.fieldset);
    renumber();
    return line;
  }

  function reset() {
    for (const line of lines.splice(0)) line.fieldset.remove();
    add();
    chronic.value = '';
    validity.value = '1';
    validityReason.value = '';
    validityReason.required = false;
  }

  const days = () => Number(validity.value);
  validity.addEventListener('change', () => { validityReason.required = days() > 1; });
  addLine.addEventListener('click', () => add().fields.drugCode.focus());

  const topControls: Record<string, HTMLElement> = { chronicConditionCode: chronic, validityDays: validity, validityReason };
  const controlOf = (expression: string | undefined) => {
    if (!expression) return undefined;
    const line = lineOf(expression);
    if (line) return line.field ? lines[line.index]?.fields[line.field as LineField] : lines[line.index]?.fieldset;
    return topControls[expression.replace(/^body\./, '')];
  };

  /** "Line 2 (Ramipril 5 mg tablet), supply (days)", "Valid for"; undefined for a pointer the form has no words for. */
  function whereWords(expression: string | undefined): string | undefined {
    if (!expression) return undefined;
    const line = lineOf(expression);
    if (!line) return FIELD_WORDS[expression.replace(/^body\./, '')];
    const drug = drugs.find((d) => d.code === lines[line.index]?.fields.drugCode.value);
    return words.where(line.index + 1, drug ? drugLabel(drug) : null, line.field ? FIELD_WORDS[line.field] ?? line.field : null);
  }

  function showRefusal(error: unknown) {
    const details: ProblemDetail[] = error instanceof ApiError ? error.details : [];
    const items = details.map((d) => ({ where: whereWords(d.expression), message: d.message, control: controlOf(d.expression) }));
    const hint = error instanceof ApiError && error.code ? HINTS[error.code] : undefined;
    for (const item of items) item.control?.setAttribute('aria-invalid', 'true');
    const advice = hint ? [el('p', {}, hint)] : [];
    if (items.length === 0 || items.some((i) => !i.where)) {
      problem.replaceChildren(el('p', {}, messageOf(error)), ...advice);
      return;
    }
    problem.replaceChildren(el('p', {}, words.notIssued),
      el('ul', {}, ...items.map((i) => el('li', {}, words.problem(i.where!, i.message)))), ...advice);
  }

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    void whileBusy([issue], async () => {
      problem.replaceChildren();
      outcome.textContent = '';
      for (const marked of form.querySelectorAll('[aria-invalid]')) marked.removeAttribute('aria-invalid');
      const body = {
        encounterId,
        lines: lines.map(({ fields }) => ({
          drugCode: fields.drugCode.value, dose: fields.dose.value.trim(), frequency: fields.frequency.value.trim(),
          quantity: Number(fields.quantity.value), supplyDays: Number(fields.supplyDays.value),
        })),
        ...(chronic.value ? { chronicConditionCode: chronic.value } : {}),
        ...(days() > 1 ? { validityDays: days(), validityReason: validityReason.value.trim() } : {}),
      };
      try {
        const issued = await api<PrescriptionSummary>('/api/prescriptions', { body, idempotent: true });
        reset();
        outcome.textContent = words.issued(issued.number);
        onIssued(issued);
      } catch (error) {
        showRefusal(error);
      }
    });
  });

  reset();
  return form;
}
