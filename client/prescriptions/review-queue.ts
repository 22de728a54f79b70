/**
 * The pharmacist's review queue: each prescription with what is needed to judge it (the patient, the diagnosis,
 * the medicines they take already, allergies, and the server's duplicate-class flags), then approve, or reject it
 * with a coded reason.
 */
import type { ReviewContext } from '../../server/prescriptions/review-context.js';
import { api, messageOf } from '../api.js';
import { alertLine, el, timeOf, whileBusy } from '../dom.js';
import { dateWords } from '../i18n/format.js';
import { t, wordOf } from '../i18n/index.js';
import { instructionWords, lineWords, REJECTION_REASONS, type PrescriptionSummary } from './types.js';

type QueueItem = PrescriptionSummary & { context: ReviewContext };

export function reviewQueue(): HTMLElement {
  const problem = alertLine();
  const outcome = el('p', { role: 'status' });
  const list = el('div');
  const refresh = el('button', { type: 'button' }, t.app.refresh);
  const section = el('section', { id: 'review-queue', 'aria-labelledby': 'review-queue-title' },
    el('h2', { id: 'review-queue-title' }, t.pharmacy.reviewTitle), refresh, problem, outcome, list);

  async function load() {
    try {
      const waiting = await api<QueueItem[]>('/api/prescriptions/review-queue');
      list.replaceChildren(waiting.length ? el('ol', { class: 'review-list' }, ...waiting.map(item)) : el('p', {}, t.pharmacy.nothingWaiting));
    } catch (error) {
      problem.textContent = messageOf(error);
    }
  }

  function item(prescription: QueueItem) {
    const reasonId = `reason-${prescription.id}`;
    const noteId = `note-${prescription.id}`;
    const reason = el('select', { id: reasonId },
      el('option', { value: '' }, t.pharmacy.chooseReason),
      ...REJECTION_REASONS.map(([code, words]) => el('option', { value: code }, words)));
    const note = el('input', { id: noteId, maxlength: 500 });
    const approve = el('button', { type: 'button' }, t.pharmacy.approve);
    const reject = el('button', { type: 'button' }, t.pharmacy.reject);
    const review = (decision: 'approve' | 'reject') => whileBusy([approve, reject], async () => {
      problem.textContent = '';
      outcome.textContent = '';
      if (decision === 'reject' && !reason.value) {
        problem.textContent = t.pharmacy.chooseReasonFor(prescription.number);
        reason.focus();
        return;
      }
      try {
        await api(`/api/prescriptions/${encodeURIComponent(prescription.id)}/review`, {
          body: { decision, ...(decision === 'reject' ? { reasonCode: reason.value } : {}), ...(note.value ? { note: note.value } : {}) },
        });
        outcome.textContent = (decision === 'approve' ? t.pharmacy.approved : t.pharmacy.rejected)(prescription.number);
        await load();
      } catch (error) {
        problem.textContent = messageOf(error);
      }
    });
    approve.addEventListener('click', () => review('approve'));
    reject.addEventListener('click', () => review('reject'));
    return el('li', { 'data-prescription': prescription.id },
      el('h3', {}, t.pharmacy.prescription(prescription.number)),
      el('p', {}, t.pharmacy.issued, timeOf(prescription.issuedAt), t.pharmacy.validUntil, timeOf(prescription.validUntil)),
      contextView(prescription),
      el('label', { for: reasonId }, t.pharmacy.reasonLabel), reason,
      el('label', { for: noteId }, t.pharmacy.noteLabel), note,
      el('div', { class: 'controls' }, approve, reject));
  }

  refresh.addEventListener('click', () => whileBusy([refresh], async () => { problem.textContent = ''; await load(); }));
  void load();
  return section;
}

/** Who the patient is, why, what they take, what they react to, and the duplicate classes, flagged first. */
function contextView({ context, lines }: QueueItem): HTMLElement {
  const { patient, diagnosis } = context;
  const who = [patient.name, patient.age === null ? t.pharmacy.ageUnknown : t.pharmacy.age(patient.age), wordOf(t.pharmacy.gender, patient.gender)];
  const why = diagnosis
    ? `${diagnosis.display} (${diagnosis.code}), ${wordOf(t.pharmacy.diagnosedWhere, diagnosis.where)}${diagnosis.diagnosedAt ? ` · ${dateWords(diagnosis.diagnosedAt)}` : ''}`
    : t.pharmacy.noDiagnosis;
  const listOr = (items: string[], cls: string) => (items.length ? el('ul', { class: cls }, ...items.map((words) => el('li', {}, words))) : t.pharmacy.noneRecorded);
  const flags = context.duplicateClasses.length ? el('div', { class: 'duplicate-flags', role: 'note' },
    el('h4', {}, t.pharmacy.duplicateTitle),
    el('ul', {}, ...context.duplicateClasses.map((d) => el('li', { 'data-atc-class': d.atcClass },
      t.pharmacy.duplicate(d.lineNo, d.drugName, d.atcClass, d.duplicates.drugName))))) : null;
  return el('div', { class: 'review-context' },
    flags,
    el('dl', {},
      el('dt', {}, t.pharmacy.patient), el('dd', { class: 'patient' }, who.join(', ')),
      el('dt', {}, t.pharmacy.diagnosis), el('dd', { class: 'diagnosis' }, why),
      el('dt', {}, t.pharmacy.prescribed), el('dd', {}, el('ul', {}, ...lines.map((line) => el('li', {}, lineWords(line))))),
      el('dt', {}, t.pharmacy.currentMedicines), el('dd', { class: 'current-medicines' }, listOr(context.currentMedicines.map((m) => {
        const origin = m.origin.kind === 'prescription' ? t.pharmacy.fromPrescription(m.origin.prescriptionNumber, wordOf(t.prescriptionStatus, m.origin.status))
          : m.origin.kind === 'partner' ? t.pharmacy.fromPartner(m.origin.hospital) : t.pharmacy.fromOtherRecord;
        return `${t.charts.care.medicine(m.drugName, instructionWords(m.instructions))} — ${origin}`;
      }), 'medicines')),
      el('dt', {}, t.pharmacy.allergies), el('dd', { class: 'allergies' }, listOr(context.allergies.map((a) =>
        [a.substance, a.criticality ? wordOf(t.pharmacy.criticality, a.criticality) : '', a.reactions.join(', ')].filter(Boolean).join(' — ')), 'allergy-list'))));
}
