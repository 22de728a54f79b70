/**
 * The fields of the doctor's availability (client/appointments/doctor-availability.ts): visit length, pause, time
 * zone and how far ahead; hours per weekday (several a day, each offered as video and/or in person); days off.
 * It only reads and writes the form: every check is the server's, and a refusal's `errors[].expression`
 * (`body.rules.2.end`) is traced back to the field it names.
 */
import type { ProblemDetail } from '../api.js';
import { el } from '../dom.js';
import { t } from '../i18n/index.js';
import type { AvailabilityInput, AvailabilityView, DayOff, VisitType, WeeklyOpening } from '../../server/appointments/contract.js';

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

/** The IANA zones the browser knows, with `current` among them even where the list leaves it out (UTC). */
function zoneChoice(current: string): HTMLSelectElement {
  const zones = typeof Intl.supportedValuesOf === 'function' ? Intl.supportedValuesOf('timeZone') : [];
  const all = [...new Set([current, 'UTC', ...zones])].sort();
  const select = el('select', { name: 'timeZone' }, ...all.map((zone) => el('option', { value: zone }, zone)));
  select.value = current;
  return select;
}

export function availabilityForm(onChange: () => void): AvailabilityForm {
  const settings = el('fieldset', {}, el('legend', {}, t.availability.visits));
  const weekly = el('fieldset', {}, el('legend', {}, t.availability.weekly));
  const daysOffList = el('div', { class: 'days-off' });
  const addDayOff = el('button', { type: 'button', class: 'secondary' }, t.availability.addDayOff);
  const daysOff = el('fieldset', {}, el('legend', {}, t.availability.daysOff), daysOffList, addDayOff);
  const element = el('form', { 'aria-label': t.availability.title, novalidate: true, class: 'availability' }, settings, weekly, daysOff);
  const dayLists = t.availability.weekdays.map(() => el('div', { class: 'openings' }));
  /** The fields a refusal may name, by the path of the value they hold in the body sent last. */
  let fieldsByPath = new Map<string, { field: HTMLElement; words: string }>();

  const changed = () => {
    renumber();
    onChange();
  };

  function openingRow(weekday: number, opening?: WeeklyOpening): HTMLElement {
    const types = VISIT_TYPES.map((type) => el('label', { class: 'choice' },
      el('input', { type: 'checkbox', name: 'visitType', value: type, checked: opening ? opening.visitTypes.includes(type) : true }), ` ${t.visitTypeTitle[type]}`));
    const remove = el('button', { type: 'button', class: 'secondary' }, t.availability.remove);
    const row = el('div', { role: 'group', class: 'opening', 'data-weekday': weekday },
      el('label', {}, t.availability.from, el('input', { type: 'time', name: 'start', value: opening?.start ?? '09:00' })),
      el('label', {}, t.availability.to, el('input', { type: 'time', name: 'end', value: opening?.end ?? '12:00' })),
      el('fieldset', { class: 'offered' }, el('legend', {}, t.availability.offered), ...types), remove);
    remove.addEventListener('click', () => {
      row.remove();
      changed();
    });
    return row;
  }

  function dayOffRow(dayOff?: DayOff): HTMLElement {
    const remove = el('button', { type: 'button', class: 'secondary' }, t.availability.remove);
    const row = el('div', { role: 'group', class: 'day-off' },
      el('label', {}, t.availability.date, el('input', { type: 'date', name: 'date', value: dayOff?.date ?? '' })),
      el('label', {}, t.availability.reason, el('input', { type: 'text', name: 'reason', maxlength: 200, value: dayOff?.reason ?? '' })), remove);
    remove.addEventListener('click', () => {
      row.remove();
      changed();
    });
    return row;
  }

  /** Each group's name says which day and which hours it is ("Monday, hours 2"), for the buttons and for a screen reader. */
  function renumber() {
    dayLists.forEach((list, i) => {
      const day = t.availability.weekdays[i]!;
      const rows = [...list.querySelectorAll<HTMLElement>('.opening')];
      rows.forEach((row, n) => {
        const name = t.availability.hours(day, n + 1);
        row.setAttribute('aria-label', name);
        row.querySelector('button')!.setAttribute('aria-label', t.availability.removeHours(name));
      });
      list.querySelector('.not-working')?.toggleAttribute('hidden', rows.length > 0);
    });
    [...daysOffList.querySelectorAll<HTMLElement>('.day-off')].forEach((row, n) => {
      const name = t.availability.dayOff(n + 1);
      row.setAttribute('aria-label', name);
      row.querySelector('button')!.setAttribute('aria-label', t.availability.removeDayOff(name));
    });
    daysOffList.querySelector('.none')?.toggleAttribute('hidden', daysOffList.querySelector('.day-off') !== null);
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
        dayLists[i]!.append(openingRow(weekday));
        changed();
        dayLists[i]!.querySelector<HTMLInputElement>('.opening:last-of-type input')?.focus();
      });
      dayLists[i]!.replaceChildren(el('p', { class: 'not-working' }, t.availability.notWorking),
        ...availability.rules.filter((r) => r.weekday === weekday).map((r) => openingRow(weekday, r)));
      return el('div', { class: 'weekday', role: 'group', 'aria-labelledby': `weekday-${weekday}` },
        el('h3', { id: `weekday-${weekday}` }, day), dayLists[i]!, add);
    }));
    daysOffList.replaceChildren(el('p', { class: 'none' }, t.availability.noDaysOff), ...availability.exceptions.map((e) => dayOffRow(e)));
    renumber();
  }

  function read(): AvailabilityInput {
    fieldsByPath = new Map();
    const value = (name: string) => element.querySelector<HTMLInputElement | HTMLSelectElement>(`[name="${name}"]`)!;
    const number = (name: string, words: string) => {
      fieldsByPath.set(`body.${name}`, { field: value(name), words });
      return value(name).value === '' ? Number.NaN : Number(value(name).value);
    };
    fieldsByPath.set('body.timeZone', { field: value('timeZone'), words: t.availability.fieldTimeZone });
    const rules = dayLists.flatMap((list, i) => [...list.querySelectorAll<HTMLElement>('.opening')].map((row) => ({ row, weekday: i + 1 })));
    const exceptionRows = [...daysOffList.querySelectorAll<HTMLElement>('.day-off')];
    rules.forEach(({ row }, n) => {
      const name = row.getAttribute('aria-label')!;
      for (const part of ['start', 'end'] as const) {
        fieldsByPath.set(`body.rules.${n}.${part}`, { field: row.querySelector(`[name="${part}"]`)!, words: `${name}: ${part === 'start' ? t.availability.from : t.availability.to}` });
      }
      fieldsByPath.set(`body.rules.${n}.visitTypes`, { field: row.querySelector('.offered')!, words: `${name}: ${t.availability.offered}` });
    });
    exceptionRows.forEach((row, n) => {
      fieldsByPath.set(`body.exceptions.${n}.date`, { field: row.querySelector('[name="date"]')!, words: `${row.getAttribute('aria-label')}: ${t.availability.date}` });
    });
    return {
      timeZone: value('timeZone').value,
      slotMinutes: number('slotMinutes', t.availability.slotMinutes),
      bufferMinutes: number('bufferMinutes', t.availability.bufferMinutes),
      horizonDays: number('horizonDays', t.availability.horizonDays),
      rules: rules.map(({ row, weekday }) => ({
        weekday,
        start: row.querySelector<HTMLInputElement>('[name="start"]')!.value,
        end: row.querySelector<HTMLInputElement>('[name="end"]')!.value,
        visitTypes: [...row.querySelectorAll<HTMLInputElement>('[name="visitType"]:checked')].map((box) => box.value as VisitType),
      })),
      exceptions: exceptionRows.map((row) => ({
        date: row.querySelector<HTMLInputElement>('[name="date"]')!.value,
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

  addDayOff.addEventListener('click', () => {
    daysOffList.append(dayOffRow());
    changed();
    daysOffList.querySelector<HTMLInputElement>('.day-off:last-of-type input')?.focus();
  });
  element.addEventListener('change', onChange);
  return { element, show, read, markInvalid, clearMarks };
}
