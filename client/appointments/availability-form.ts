/**
 * The fields of the doctor's availability (client/appointments/doctor-availability.ts): visit length, pause, time
 * zone and how far ahead; hours per weekday (several a day, each offered as video and/or in person); extra hours
 * on a date; days off.
 * It only reads and writes the form: every check is the server's, and a refusal's `errors[].expression`
 * (`body.rules.2.end`) is traced back to the field it names.
 */
import type { ProblemDetail } from '../api.js';
import { el } from '../dom.js';
import { locale, t } from '../i18n/index.js';
import { zoneGroups } from './zone-choices.js';
import type { AvailabilityInput, AvailabilityView, DayOff, ExtraHours, VisitType, WeeklyOpening } from '../../server/appointments/contract.js';

const VISIT_TYPES: VisitType[] = ['video-follow-up', 'in-person'];
/** What a doctor who never set hours starts from: a form to fill in, not a rule (the server checks what is sent). */
const FIRST_SETTINGS = { slotMinutes: 30, bufferMinutes: 0, horizonDays: 14 };

export interface AvailabilityForm {
  element: HTMLFormElement;
  /** Fills the form with the availability as set (or a blank one). */
  show(availability: AvailabilityView): void;
  /** What the form says, as the server takes it, in the order the fields appear. */
  read(): AvailabilityInput;
  /** Marks the fields a refusal names and returns their names in words (the form's own labels). */
  markInvalid(details: ProblemDetail[]): string[];
  clearMarks(): void;
}

const numberField = (name: string, words: string) => el('label', {}, words, el('input', { type: 'number', name, inputmode: 'numeric' }));

/** The zones the browser knows, by their names in the page's language (./zone-choices.ts); the value is the IANA zone. */
function zoneChoice(current: string): HTMLSelectElement {
  const zones = typeof Intl.supportedValuesOf === 'function' ? Intl.supportedValuesOf('timeZone') : [];
  const select = el('select', { name: 'timeZone' }, ...zoneGroups(locale, current, zones, t.availability.zones).map((group) =>
    el('optgroup', { label: group.label }, ...group.choices.map((choice) => el('option', { value: choice.zone }, choice.words)))));
  select.value = current;
  return select;
}

export function availabilityForm(onChange: () => void): AvailabilityForm {
  const settings = el('fieldset', {}, el('legend', {}, t.availability.visits));
  const weekly = el('fieldset', {}, el('legend', {}, t.availability.weekly));
  const dayLists = t.availability.weekdays.map(() => el('div', { class: 'openings' }));
  const extras = datedList(t.availability.extraHours, t.availability.noExtraHours, t.availability.addExtraHours, () => extraRow(),
    t.availability.extraHoursHelp);
  const daysOff = datedList(t.availability.daysOff, t.availability.noDaysOff, t.availability.addDayOff, () => dayOffRow());
  const element = el('form', { 'aria-label': t.availability.title, novalidate: true, class: 'availability' },
    settings, weekly, extras.fieldset, daysOff.fieldset);
  /** The fields a refusal may name, by the path of the value they hold in the body sent last. */
  let fieldsByPath = new Map<string, { field: HTMLElement; words: string }>();

  const changed = () => {
    renumber();
    onChange();
  };

  /** A fieldset of rows (days off, extra hours): "none" while empty, and a button that adds a row and focuses it. */
  function datedList(legend: string, none: string, addWords: string, newRow: () => HTMLElement, help?: string) {
    const list = el('div', {});
    const add = el('button', { type: 'button', class: 'secondary' }, addWords);
    add.addEventListener('click', () => {
      const row = newRow();
      list.append(row);
      changed();
      row.querySelector('input')?.focus();
    });
    return {
      fieldset: el('fieldset', {}, el('legend', {}, legend), help ? el('p', {}, help) : null, list, add),
      fill: (rows: HTMLElement[]) => list.replaceChildren(el('p', { class: 'none' }, none), ...rows),
      rows: () => [...list.querySelectorAll<HTMLElement>(':scope > [role="group"]')],
      showNone: () => list.querySelector('.none')?.toggleAttribute('hidden', list.querySelector('[role="group"]') !== null),
    };
  }

  /** A group of fields with its Remove button; removing it is a change like any other. */
  function removableRow(className: string, ...fields: HTMLElement[]): HTMLElement {
    const remove = el('button', { type: 'button', class: 'secondary' }, t.availability.remove);
    const row = el('div', { role: 'group', class: className }, ...fields, remove);
    remove.addEventListener('click', () => {
      row.remove();
      changed();
    });
    return row;
  }

  /** From, To and the kinds of visit offered: a weekly opening's fields, and extra hours' after their date. */
  function hoursFields(hours?: { start: string; end: string; visitTypes: VisitType[] }): HTMLElement[] {
    const types = VISIT_TYPES.map((type) => el('label', { class: 'choice' },
      el('input', { type: 'checkbox', name: 'visitType', value: type, checked: hours ? hours.visitTypes.includes(type) : true }), ` ${t.visitTypeTitle[type]}`));
    return [
      el('label', {}, t.availability.from, el('input', { type: 'time', name: 'start', value: hours?.start ?? '09:00' })),
      el('label', {}, t.availability.to, el('input', { type: 'time', name: 'end', value: hours?.end ?? '12:00' })),
      el('fieldset', { class: 'offered' }, el('legend', {}, t.availability.offered), ...types),
    ];
  }

  const dateField = (date?: string) => el('label', {}, t.availability.date, el('input', { type: 'date', name: 'date', value: date ?? '' }));
  const openingRow = (opening?: WeeklyOpening) => removableRow('opening', ...hoursFields(opening));
  const extraRow = (extra?: ExtraHours) => removableRow('opening', dateField(extra?.date), ...hoursFields(extra));
  const dayOffRow = (dayOff?: DayOff) => removableRow('day-off', dateField(dayOff?.date),
    el('label', {}, t.availability.reason, el('input', { type: 'text', name: 'reason', maxlength: 200, value: dayOff?.reason ?? '' })));

  /** Names a group and its Remove button ("Monday, hours 2"), for the buttons and for a screen reader. */
  const nameRow = (row: HTMLElement, name: string) => {
    row.setAttribute('aria-label', name);
    row.querySelector(':scope > button')!.setAttribute('aria-label', t.availability.removeGroup(name));
  };

  function renumber() {
    dayLists.forEach((list, i) => {
      const rows = [...list.querySelectorAll<HTMLElement>('.opening')];
      rows.forEach((row, n) => nameRow(row, t.availability.hours(t.availability.weekdays[i]!, n + 1)));
      list.querySelector('.not-working')?.toggleAttribute('hidden', rows.length > 0);
    });
    extras.rows().forEach((row, n) => nameRow(row, t.availability.extra(n + 1)));
    daysOff.rows().forEach((row, n) => nameRow(row, t.availability.dayOff(n + 1)));
    extras.showNone();
    daysOff.showNone();
  }

  function show(availability: AvailabilityView) {
    const zone = availability.timeZone ?? Intl.DateTimeFormat().resolvedOptions().timeZone ?? 'UTC';
    settings.replaceChildren(settings.firstElementChild!,
      el('label', {}, t.availability.timeZone, zoneChoice(zone)),
      numberField('slotMinutes', t.availability.slotMinutes), numberField('bufferMinutes', t.availability.bufferMinutes),
      numberField('horizonDays', t.availability.horizonDays));
    for (const name of ['slotMinutes', 'bufferMinutes', 'horizonDays'] as const) {
      settings.querySelector<HTMLInputElement>(`[name="${name}"]`)!.value = String(availability[name] ?? FIRST_SETTINGS[name]);
    }
    weekly.replaceChildren(weekly.firstElementChild!, ...t.availability.weekdays.map((day, i) => {
      const weekday = i + 1;
      const add = el('button', { type: 'button', class: 'secondary', 'aria-label': t.availability.addHoursOn(day) }, t.availability.addHours);
      add.addEventListener('click', () => {
        const row = openingRow();
        dayLists[i]!.append(row);
        changed();
        row.querySelector('input')?.focus();
      });
      dayLists[i]!.replaceChildren(el('p', { class: 'not-working' }, t.availability.notWorking),
        ...availability.rules.filter((r) => r.weekday === weekday).map((r) => openingRow(r)));
      return el('div', { class: 'weekday', role: 'group', 'aria-labelledby': `weekday-${weekday}` },
        el('h3', { id: `weekday-${weekday}` }, day), dayLists[i]!, add);
    }));
    extras.fill((availability.extraHours ?? []).map((e) => extraRow(e)));
    daysOff.fill(availability.exceptions.map((e) => dayOffRow(e)));
    renumber();
  }

  /** The value of the field `name` in `row`, remembered under `path` for a refusal that names it. */
  function field(row: ParentNode, name: string, path: string, words: string): string {
    const input = row.querySelector<HTMLInputElement | HTMLSelectElement>(`[name="${name}"]`)!;
    fieldsByPath.set(path, { field: input, words });
    return input.value;
  }

  function hoursOf(row: HTMLElement, path: string) {
    const name = row.getAttribute('aria-label')!;
    fieldsByPath.set(`${path}.visitTypes`, { field: row.querySelector('.offered')!, words: `${name}: ${t.availability.offered}` });
    return {
      start: field(row, 'start', `${path}.start`, `${name}: ${t.availability.from}`),
      end: field(row, 'end', `${path}.end`, `${name}: ${t.availability.to}`),
      visitTypes: [...row.querySelectorAll<HTMLInputElement>('[name="visitType"]:checked')].map((box) => box.value as VisitType),
    };
  }

  function read(): AvailabilityInput {
    fieldsByPath = new Map();
    const number = (name: string, words: string) => {
      const value = field(element, name, `body.${name}`, words);
      return value === '' ? Number.NaN : Number(value);
    };
    const weeklyRows = dayLists.flatMap((list, i) => [...list.querySelectorAll<HTMLElement>('.opening')].map((row) => ({ row, weekday: i + 1 })));
    const dateOf = (row: HTMLElement, path: string) => field(row, 'date', `${path}.date`, `${row.getAttribute('aria-label')}: ${t.availability.date}`);
    return {
      timeZone: field(element, 'timeZone', 'body.timeZone', t.availability.fieldTimeZone),
      slotMinutes: number('slotMinutes', t.availability.slotMinutes),
      bufferMinutes: number('bufferMinutes', t.availability.bufferMinutes),
      horizonDays: number('horizonDays', t.availability.horizonDays),
      rules: weeklyRows.map(({ row, weekday }, n) => ({ weekday, ...hoursOf(row, `body.rules.${n}`) })),
      extraHours: extras.rows().map((row, n) => ({ date: dateOf(row, `body.extraHours.${n}`), ...hoursOf(row, `body.extraHours.${n}`) })),
      exceptions: daysOff.rows().map((row, n) => ({
        date: dateOf(row, `body.exceptions.${n}`),
        reason: row.querySelector<HTMLInputElement>('[name="reason"]')!.value || null,
      })),
    };
  }

  function clearMarks() {
    for (const marked of element.querySelectorAll('[aria-invalid]')) marked.removeAttribute('aria-invalid');
  }

  function markInvalid(details: ProblemDetail[]): string[] {
    const words = new Set<string>();
    for (const detail of details) {
      // `body.rules.0.visitTypes.1` names a value inside a field: the nearest path the form knows is the field.
      const parts = (detail.expression ?? '').split('.');
      while (parts.length && !fieldsByPath.has(parts.join('.'))) parts.pop();
      const known = fieldsByPath.get(parts.join('.'));
      if (!known) continue;
      known.field.setAttribute('aria-invalid', 'true');
      words.add(known.words);
    }
    return [...words];
  }

  element.addEventListener('change', onChange);
  return { element, show, read, markInvalid, clearMarks };
}
