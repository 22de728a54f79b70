/**
 * The patient's "Book a follow-up": search free slots (`GET /api/slots` by visit type, doctor and days), shown by
 * day in the patient's time zone with the doctor's name, and book one (`POST /api/appointments`).
 */
import { api, messageOf } from '../api.js';
import { el, whileBusy } from '../dom.js';
import { t } from '../i18n/index.js';
import { withMyPatientRecord, type PatientRecord } from '../patient-record.js';
import { announceAppointmentsChanged, bookingRefusal, bookSlot, reloadOnAppointmentsChanged, showBookingRefusal } from './booking.js';
import type { SlotSearch, SlotView, VisitType } from './appointment-view.js';
import { shortDayWords, zoneWords } from '../i18n/format.js';
import { clockWords, dateRange, dayOf, dayWords, daysFrom, instantsOfDays } from './local-time.js';

/** A search of up to two weeks is drawn as a calendar with its empty days. */
const CALENDAR_DAYS = 14;

/** "GH" for Greg House, "王伟" for 王伟: what a doctor's card shows where there is no photo. */
export function initialsOf(name: string): string {
  const parts = name.trim().split(/\s+/).filter(Boolean);
  if (parts.length > 1) return `${[...parts[0]!][0]}${[...parts[parts.length - 1]!][0]}`.toUpperCase();
  return [...(parts[0] ?? '?')].slice(0, 2).join('').toUpperCase();
}

/** A card for each doctor with free slots: initials, name, specialty and how many slots. */
function doctorCards(slots: SlotView[]): HTMLElement {
  const doctors = new Map<string, { name: string; specialty: string | null; count: number }>();
  for (const slot of slots) {
    const known = doctors.get(slot.practitionerId);
    if (known) known.count += 1;
    else doctors.set(slot.practitionerId, { name: slot.practitionerName ?? '', specialty: slot.specialty ?? null, count: 1 });
  }
  return el('ul', { class: 'doctor-cards', 'aria-label': t.booking.doctors }, ...[...doctors].map(([id, d]) => el('li', { class: 'doctor-card', 'data-practitioner': id },
    el('span', { class: 'initials', 'aria-hidden': 'true' }, initialsOf(d.name || '?')),
    el('div', {}, el('p', {}, el('strong', {}, d.name ? t.booking.doctorName(d.name) : t.booking.aDoctor)),
      d.specialty ? el('p', {}, d.specialty) : null, el('p', {}, t.booking.freeSlots(d.count))))));
}


/** The days searched at first: today and the next six. */
const SEARCH_DAYS = 6;
const SEARCH_LIMIT = 200;
const ICD10 = 'http://hl7.org/fhir/sid/icd-10';

const select = (name: string, options: Array<[string, string]>) =>
  el('select', { name }, ...options.map(([value, words]) => el('option', { value }, words)));

export function bookFollowUp(): HTMLElement {
  const visitType = select('visitType', [['video-follow-up', t.visitTypeTitle['video-follow-up']!], ['in-person', t.visitTypeTitle['in-person']!]]);
  const doctor = select('practitioner', [['', t.booking.anyDoctor]]);
  const from = el('input', { type: 'date', name: 'from', required: true });
  const to = el('input', { type: 'date', name: 'to', required: true });
  const condition = select('conditionCode', [['', t.booking.anyCondition]]);
  // A wrapper carries `hidden`: the stylesheet's `label { display: block }` would override it on the label.
  const conditionChoice = el('div', { hidden: true }, el('label', {}, `${t.booking.condition} `, condition));
  const search = el('button', { type: 'submit' }, t.booking.search);
  const form = el('form', { 'aria-label': t.booking.search, novalidate: true },
    el('label', {}, `${t.booking.visitType} `, visitType), el('label', {}, `${t.booking.doctor} `, doctor),
    el('label', {}, `${t.booking.from} `, from), el('label', {}, `${t.booking.to} `, to), conditionChoice, search);
  const problem = el('div', { role: 'alert', class: 'problem' });
  const booked = el('p', { role: 'status' });
  const zoneNote = el('p', {});
  const results = el('div', { id: 'free-slots', 'aria-live': 'polite' });
  const section = el('section', { id: 'book-follow-up', 'aria-labelledby': 'book-follow-up-title' },
    el('h2', { id: 'book-follow-up-title' }, t.booking.title), form, problem, booked, zoneNote, results);
  const doctors = new Map<string, string>();
  let patient: PatientRecord | undefined;

  /** Doctors seen in any search so far: the API has no list of doctors, the slots name theirs. */
  function rememberDoctors(slots: SlotView[]) {
    for (const slot of slots) if (slot.practitionerName) doctors.set(slot.practitionerId, slot.practitionerName);
    const chosen = doctor.value;
    doctor.replaceChildren(el('option', { value: '' }, t.booking.anyDoctor),
      ...[...doctors].sort((a, b) => a[1].localeCompare(b[1])).map(([id, name]) => el('option', { value: id }, t.booking.doctorName(name))));
    doctor.value = chosen;
  }

  async function searchSlots(keepMessages = false) {
    if (!keepMessages) {
      problem.replaceChildren();
      booked.textContent = '';
    }
    if (!patient) return;
    if (!from.value || !to.value || to.value < from.value) {
      problem.textContent = t.booking.chooseDays;
      return;
    }
    const range = instantsOfDays(from.value, to.value, patient.timeZone);
    const query = new URLSearchParams({ visitType: visitType.value, ...range, limit: String(SEARCH_LIMIT), ...(doctor.value ? { practitioner: doctor.value } : {}) });
    try {
      const answer = await api<SlotSearch>(`/api/slots?${query}`);
      rememberDoctors(answer.slots);
      zoneNote.textContent = t.booking.zoneNote(zoneWords(answer.timeZone));
      results.replaceChildren(...slotList(answer.slots, answer.timeZone, from.value, to.value));
    } catch (error) {
      problem.textContent = messageOf(error);
    }
  }

  /** The free slots as a week calendar (a column a day, empty days too), under the cards of the doctors offering them. */
  function slotList(slots: SlotView[], zone: string, firstDay: string, lastDay: string): HTMLElement[] {
    if (!slots.length) return [el('p', {}, t.booking.noSlots)];
    const byDay = new Map<string, SlotView[]>();
    for (const slot of slots) {
      const day = dayOf(slot.start, zone);
      byDay.set(day, [...byDay.get(day) ?? [], slot]);
    }
    // A week or two reads as a calendar with its empty days; a longer search lists only the days with slots.
    const range = daysFrom(firstDay, lastDay, CALENDAR_DAYS + 1);
    const days = range.length <= CALENDAR_DAYS ? range : [...byDay.keys()];
    const week = el('div', { class: 'week' }, ...days.map((day) => {
      const daySlots = byDay.get(day) ?? [];
      const dayStart = instantsOfDays(day, day, zone).from;
      return el('div', { class: 'slot-day', 'data-day': day },
        el('h3', {}, el('time', { datetime: day, title: dayWords(dayStart, zone) }, shortDayWords(dayStart, zone))),
        daySlots.length ? el('ul', {}, ...daySlots.map((slot) => slotItem(slot, zone))) : el('p', {}, t.booking.noSlotThatDay));
    }));
    const shown = [doctorCards(slots), week];
    if (slots.length === SEARCH_LIMIT) shown.push(el('p', {}, t.booking.onlyFirst(SEARCH_LIMIT)));
    return shown;
  }

  function slotItem(slot: SlotView, zone: string): HTMLElement {
    const time = `${clockWords(slot.start, zone)}–${clockWords(slot.end, zone)}`;
    const who = slot.practitionerName ? t.booking.doctorName(slot.practitionerName) : t.booking.aDoctor;
    const button = el('button', { type: 'button', 'aria-label': t.booking.bookLabel(dayWords(slot.start, zone), time, who) }, t.booking.book);
    button.addEventListener('click', () => whileBusy([button], () => book(slot, t.booking.when(dayWords(slot.start, zone), clockWords(slot.start, zone), who))));
    return el('li', { 'data-slot': slot.id }, el('span', { class: 'slot-time' }, time), el('br'), who, ' ', button);
  }

  async function book(slot: SlotView, when: string) {
    problem.replaceChildren();
    booked.textContent = '';
    const type = visitType.value as VisitType;
    try {
      await bookSlot(slot.id, type, type === 'video-follow-up' ? condition.value || undefined : undefined);
      booked.textContent = t.booking.booked(when);
      announceAppointmentsChanged();
    } catch (error) {
      const refusal = bookingRefusal(error);
      showBookingRefusal(problem, refusal);
      if (refusal.slotGone) await searchSlots(true);
    }
  }

  /** A choice of condition only when there is one to make: two or more diagnoses. */
  function offerConditions(record: PatientRecord) {
    const codes = new Map(record.conditions.filter((c) => c.system === ICD10).map((c) => [c.code, c.display]));
    condition.append(...[...codes].map(([code, display]) => el('option', { value: code }, `${display} (${code})`)));
    conditionChoice.hidden = codes.size < 2;
  }

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    void whileBusy([search], () => searchSlots());
  });
  reloadOnAppointmentsChanged(section, () => void searchSlots(true));
  withMyPatientRecord(problem, async (record) => {
    patient = record;
    ({ from: from.value, to: to.value } = dateRange(patient.timeZone, SEARCH_DAYS));
    offerConditions(patient);
    await searchSlots();
  });
  return section;
}
