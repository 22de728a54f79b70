/**
 * The doctor's "My availability" (issue 14): weekly hours, days off, visit length and kinds
 * (./availability-form.ts), the slots they would give for the next two weeks and the booked visits they would
 * leave outside their hours, both worked out by the server (`POST …/availability/preview`, the same rule that cuts
 * the slots), and saving (`PUT /api/practitioners/{id}/availability`), after which the free slots follow at once.
 */
import { api, ApiError, messageOf } from '../api.js';
import { alertLine, el, whileBusy } from '../dom.js';
import { momentWords, shortDayWords, zoneWords } from '../i18n/format.js';
import { t, wordOf } from '../i18n/index.js';
import type { AvailabilityInput, AvailabilityPreview, AvailabilitySaved, AvailabilityView } from '../../server/appointments/contract.js';
import { availabilityForm } from './availability-form.js';
import { clockWords, dayOf, daysFrom, instantsOfDays } from './local-time.js';
import { addDays } from '../../server/appointments/time-zone.js';

/** Waits this long after the last change before asking for a preview, so typing a time is one request. */
const PREVIEW_DELAY_MS = 300;

export function doctorAvailability(): HTMLElement {
  const problem = alertLine();
  const saved = el('p', { role: 'status' });
  const save = el('button', { type: 'submit' }, t.availability.save);
  const form = availabilityForm(() => schedulePreview());
  form.element.append(problem, el('div', { class: 'controls' }, save), saved);
  const previewNote = el('p', {});
  const outside = el('div', { id: 'availability-outside-hours', class: 'warning', hidden: true });
  const slots = el('div', { id: 'availability-preview', 'aria-live': 'polite', 'aria-busy': 'false' });
  const section = el('section', { id: 'my-availability', 'aria-labelledby': 'my-availability-title' },
    el('h2', { id: 'my-availability-title' }, t.availability.title), el('p', {}, t.availability.help), form.element,
    el('h3', {}, t.availability.preview), previewNote, outside, slots);
  let practitionerId: string | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  /** Only the answer to the latest preview is drawn: an earlier one may come back after it. */
  let asked = 0;

  const path = () => `/api/practitioners/${encodeURIComponent(practitionerId!)}/availability`;

  function schedulePreview() {
    clearTimeout(timer);
    timer = setTimeout(() => void preview(), PREVIEW_DELAY_MS);
  }

  /** A refusal of what the form says: its words, and which fields it is about (marked on the form). */
  function showRefusal(error: unknown, target: HTMLElement) {
    const fields = error instanceof ApiError ? form.markInvalid(error.details) : [];
    target.replaceChildren(el('p', {}, messageOf(error)), ...(fields.length ? [el('ul', {}, ...fields.map((f) => el('li', {}, f)))] : []));
  }

  async function preview() {
    if (!practitionerId) return;
    const mine = ++asked;
    form.clearMarks();
    slots.setAttribute('aria-busy', 'true');
    try {
      const answer = await api<AvailabilityPreview>(`${path()}/preview`, { body: form.read() });
      if (mine !== asked) return;
      problem.replaceChildren();
      drawPreview(answer);
    } catch (error) {
      if (mine !== asked) return;
      showRefusal(error, problem);
    } finally {
      if (mine === asked) slots.setAttribute('aria-busy', 'false');
    }
  }

  function drawPreview(answer: AvailabilityPreview) {
    const zone = answer.timeZone;
    previewNote.textContent = t.availability.previewHelp(answer.days, zoneWords(zone));
    outside.hidden = answer.outsideHours.length === 0;
    outside.replaceChildren(el('h4', {}, t.availability.outsideHours), el('p', {}, t.availability.outsideHoursHelp(answer.outsideHours.length)),
      el('ul', {}, ...answer.outsideHours.map((visit) => el('li', { 'data-appointment': visit.appointmentId },
        el('time', { datetime: visit.start }, momentWords(visit.start, zone)), ` — ${wordOf(t.visitType, visit.visitType)}`))));
    if (!answer.slots.length) {
      slots.replaceChildren(el('p', {}, t.availability.noSlots));
      return;
    }
    const byDay = new Map<string, AvailabilityPreview['slots']>();
    for (const slot of answer.slots) {
      const day = dayOf(slot.start, zone);
      byDay.set(day, [...byDay.get(day) ?? [], slot]);
    }
    const days = daysFrom(answer.firstDay, addDays(answer.firstDay, answer.days - 1), answer.days);
    slots.replaceChildren(el('div', { class: 'week' }, ...days.map((day) => {
      const daySlots = byDay.get(day) ?? [];
      const dayStart = instantsOfDays(day, day, zone).from;
      return el('div', { class: 'slot-day', 'data-day': day },
        el('h4', {}, el('time', { datetime: day }, shortDayWords(dayStart, zone))),
        daySlots.length
          ? el('ul', { 'aria-label': t.availability.slotCount(daySlots.length) }, ...daySlots.map((slot) => el('li', { 'data-start': slot.start },
            `${clockWords(slot.start, zone)}–${clockWords(slot.end, zone)}`,
            slot.visitTypes.length === 1 ? el('br') : null, slot.visitTypes.length === 1 ? wordOf(t.visitType, slot.visitTypes[0]) : null)))
          : el('p', {}, t.availability.noSlotThatDay));
    })));
  }

  async function saveAvailability(input: AvailabilityInput) {
    saved.textContent = '';
    problem.replaceChildren();
    form.clearMarks();
    try {
      const answer = await api<AvailabilitySaved>(path(), { method: 'PUT', body: input });
      const { created, removed, retired, booked } = answer.slots;
      saved.textContent = t.availability.saved(created, removed + retired, booked);
      await preview();
    } catch (error) {
      showRefusal(error, problem);
      problem.prepend(el('p', {}, t.availability.notSaved));
    }
  }

  form.element.addEventListener('submit', (event) => {
    event.preventDefault();
    clearTimeout(timer);
    void whileBusy([save], () => saveAvailability(form.read()));
  });

  void (async () => {
    try {
      const me = await api<{ practitionerId: string | null }>('/api/me');
      if (!me.practitionerId) return;
      const id = me.practitionerId;
      form.show(await api<AvailabilityView>(`/api/practitioners/${encodeURIComponent(id)}/availability`));
      practitionerId = id;
      await preview();
    } catch (error) {
      problem.textContent = messageOf(error);
    }
  })();
  return section;
}
