/**
 * The patient's "Book a follow-up": search free slots (`GET /api/slots` by visit type, doctor and days), shown by
 * day in the patient's time zone with the doctor's name, and book one (`POST /api/appointments`).
 */
import { api, messageOf } from '../api.js';
import { el, whileBusy } from '../dom.js';
import { t } from '../i18n/index.js';
import { withMyPatientRecord, type PatientRecord } from '../patient-record.js';
import { announceAppointmentsChanged, bookingRefusal, bookSlot, reloadOnAppointmentsChanged, showBookingRefusal } from './booking.js';
import type { VisitType } from './appointment-view.js';
import { clockWords, dateRange, dayOf, dayWords, instantsOfDays } from './local-time.js';

interface SlotView { id: string; practitionerId: string; practitionerName?: string; specialty?: string | null; start: string; end: string }

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
      const answer = await api<{ timeZone: string; slots: SlotView[] }>(`/api/slots?${query}`);
      rememberDoctors(answer.slots);
      zoneNote.textContent = t.booking.zoneNote(answer.timeZone);
      results.replaceChildren(...slotList(answer.slots, answer.timeZone));
    } catch (error) {
      problem.textContent = messageOf(error);
    }
  }

  function slotList(slots: SlotView[], zone: string): HTMLElement[] {
    if (!slots.length) return [el('p', {}, t.booking.noSlots)];
    const byDay = new Map<string, SlotView[]>();
    for (const slot of slots) {
      const day = dayOf(slot.start, zone);
      byDay.set(day, [...byDay.get(day) ?? [], slot]);
    }
    const shown = [...byDay.values()].map((daySlots) => el('div', { class: 'slot-day' },
      el('h3', {}, dayWords(daySlots[0]!.start, zone)),
      el('ul', {}, ...daySlots.map((slot) => slotItem(slot, zone)))));
    if (slots.length === SEARCH_LIMIT) shown.push(el('p', {}, t.booking.onlyFirst(SEARCH_LIMIT)));
    return shown;
  }

  function slotItem(slot: SlotView, zone: string): HTMLElement {
    const time = `${clockWords(slot.start, zone)}–${clockWords(slot.end, zone)}`;
    const who = slot.practitionerName ? t.booking.doctorName(slot.practitionerName) : t.booking.aDoctor;
    const button = el('button', { type: 'button', 'aria-label': t.booking.bookLabel(dayWords(slot.start, zone), time, who) }, t.booking.book);
    button.addEventListener('click', () => whileBusy([button], () => book(slot, t.booking.when(dayWords(slot.start, zone), clockWords(slot.start, zone), who))));
    return el('li', { 'data-slot': slot.id }, `${time}, ${who}${slot.specialty ? ` (${slot.specialty})` : ''} `, button);
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
