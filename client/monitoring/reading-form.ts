/**
 * The form that sends one home reading (`POST /api/patients/{id}/readings`): blood pressure, glucose, heart rate
 * or body weight, typed by the patient or read from a device. Each problem the server names (422
 * `implausible-reading`, `errors[].expression`) is shown next to its field.
 */
import { api, ApiError, messageOf } from '../api.js';
import { el, whileBusy } from '../dom.js';
import { instantOfLocal, nowInZone } from '../appointments/local-time.js';
import { zoneWords } from '../i18n/format.js';
import { t } from '../i18n/index.js';
import type { PatientRecord } from '../patient-record.js';
import { READING_KINDS, readingValue, unitWords, type ReadingField } from './reading-kinds.js';

interface Field {
  input: HTMLInputElement;
  problem: HTMLElement;
  row: HTMLElement;
}

/** An input with its label and its own error line, which the input names in `aria-describedby`. */
function field(id: string, label: string, input: HTMLInputElement): Field {
  const problem = el('p', { id: `${id}-problem`, class: 'problem', role: 'alert' });
  input.id = id;
  input.setAttribute('aria-describedby', problem.id);
  return { input, problem, row: el('div', { class: 'field' }, el('label', { for: id }, label), input, problem) };
}

function showProblem(target: Field, message: string): void {
  target.problem.textContent = target.problem.textContent ? `${target.problem.textContent} ${message}` : message;
  target.input.setAttribute('aria-invalid', 'true');
}

function clearProblem(target: Field): void {
  target.problem.textContent = '';
  target.input.removeAttribute('aria-invalid');
}

/** `body.components.0.value` (a 400) and `components[0].value` (a 422) both point at `components[0]`. */
const normalised = (expression: string) => expression.replace(/^body\./, '').replace(/\.(\d+)/g, '[$1]');

export function readingForm(patient: PatientRecord, onSent: () => Promise<void>): HTMLElement {
  const kind = el('select', { id: 'reading-kind' }, ...Object.entries(READING_KINDS).map(([key, k]) => el('option', { value: key }, k.label)));
  const valueRows = el('div');
  let values: Array<{ definition: ReadingField; field: Field }> = [];
  const measuredAt = field('reading-time', t.readings.measuredAt(zoneWords(patient.timeZone)), el('input', { type: 'datetime-local', value: nowInZone(patient.timeZone) }));
  const typed = el('input', { type: 'radio', name: 'entryMethod', value: 'typed', id: 'reading-typed', checked: true });
  const device = el('input', { type: 'radio', name: 'entryMethod', value: 'device', id: 'reading-device' });
  const deviceName = field('reading-device-name', t.readings.deviceName, el('input', { type: 'text', maxlength: 100 }));
  deviceName.row.hidden = true;
  const send = el('button', { type: 'submit' }, t.readings.send);
  const problem = el('div', { role: 'alert', class: 'problem' });
  const sent = el('p', { role: 'status' });
  const form = el('form', { 'aria-label': t.readings.form, novalidate: true },
    el('label', { for: 'reading-kind' }, t.readings.reading), kind, valueRows,
    el('fieldset', {}, el('legend', {}, t.readings.how),
      el('label', { class: 'choice' }, typed, t.readings.typedByMe), el('label', { class: 'choice' }, device, t.readings.myDevice)),
    deviceName.row, measuredAt.row, send, problem, sent);

  function showKind() {
    values = READING_KINDS[kind.value]!.fields.map((definition) => ({
      definition, field: field(`reading-${definition.name}`, definition.label, el('input', { type: 'number', step: 'any', inputmode: 'decimal' })),
    }));
    valueRows.replaceChildren(...values.map((v) => v.field.row));
  }

  function clearProblems() {
    problem.replaceChildren();
    sent.textContent = '';
    for (const target of [...values.map((v) => v.field), measuredAt, deviceName]) clearProblem(target);
  }

  /** Empty or non-numeric fields are caught here; everything else the server judges. */
  function typedNumbers(): number[] | undefined {
    let complete = true;
    const numbers = values.map(({ definition, field: target }) => {
      const number = target.input.value.trim() === '' ? NaN : Number(target.input.value);
      if (!Number.isFinite(number)) {
        showProblem(target, t.readings.enterNumber(t.readings.fieldName[definition.name] ?? definition.name));
        complete = false;
      }
      return number;
    });
    if (!measuredAt.input.value) {
      showProblem(measuredAt, t.readings.enterWhen);
      complete = false;
    }
    return complete ? numbers : undefined;
  }

  function showRefusal(error: unknown) {
    const errors = error instanceof ApiError && Array.isArray(error.problem.errors)
      ? error.problem.errors as Array<{ expression?: string; message: string }> : [];
    const unplaced: string[] = [];
    for (const { expression = '', message } of errors) {
      const at = normalised(expression);
      const target = at === 'effectiveAt' ? measuredAt : at === 'deviceName' ? deviceName
        : values.find((v) => at === v.definition.expression || at.startsWith(`${v.definition.expression}.`))?.field;
      if (target) showProblem(target, `${unitWords(message)}.`);
      else unplaced.push(unitWords(message));
    }
    problem.replaceChildren(el('p', {}, errors.length ? t.readings.notSent : messageOf(error)),
      ...(unplaced.length ? [el('ul', {}, ...unplaced.map((message) => el('li', {}, message)))] : []));
  }

  async function sendReading() {
    clearProblems();
    const numbers = typedNumbers();
    if (!numbers) {
      problem.textContent = t.readings.notSent;
      return;
    }
    const fromDevice = device.checked;
    const body = {
      ...readingValue(READING_KINDS[kind.value]!, numbers),
      effectiveAt: instantOfLocal(measuredAt.input.value, patient.timeZone),
      entryMethod: fromDevice ? 'device' : 'typed',
      ...(fromDevice && deviceName.input.value.trim() ? { deviceName: deviceName.input.value.trim() } : {}),
    };
    try {
      const result = await api<{ alerts: unknown[] }>(`/api/patients/${encodeURIComponent(patient.id)}/readings`, { body });
      sent.textContent = result.alerts.length ? t.readings.sentWithAlert : t.readings.sent;
      for (const { field: target } of values) target.input.value = '';
      measuredAt.input.value = nowInZone(patient.timeZone);
      await onSent();
    } catch (error) {
      showRefusal(error);
    }
  }

  kind.addEventListener('change', () => { clearProblems(); showKind(); });
  for (const radio of [typed, device]) radio.addEventListener('change', () => { deviceName.row.hidden = !device.checked; });
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    void whileBusy([send], sendReading);
  });
  showKind();
  return form;
}
