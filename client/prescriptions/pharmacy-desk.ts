/**
 * The dispensing desk: the pharmacist enters (or scans) the patient's code; the server verifies the issuer's
 * signature and takes the prescription at its issuer; the pharmacist then hands the medicines over or gives the
 * prescription back. Every refusal is shown in the server's words.
 */
import { api, messageOf } from '../api.js';
import { alertLine, el, timeOf, whileBusy } from '../dom.js';
import type { Dispensation } from './types.js';

export function pharmacyDesk(): HTMLElement {
  const codeInput = el('input', { id: 'desk-code', name: 'code', required: true, autocomplete: 'off', spellcheck: 'false' });
  const take = el('button', { type: 'submit' }, 'Check code');
  const problem = alertLine();
  const current = el('div', { id: 'dispensation', 'aria-live': 'polite' });
  const form = el('form', { id: 'desk-form' },
    el('label', { for: 'desk-code' }, 'Patient\'s prescription code'), codeInput, take);
  const held = el('div', { id: 'held' });
  const section = el('section', { id: 'pharmacy-desk', 'aria-labelledby': 'pharmacy-desk-title' },
    el('h2', { id: 'pharmacy-desk-title' }, 'Dispensing desk'), form, problem, current, held);

  const show = (dispensation: Dispensation) => current.replaceChildren(dispensationView(dispensation, problem, () => void loadHeld()));

  /** Prescriptions this pharmacy holds at their issuer: after a reload or another code, they can still be finished. */
  async function loadHeld() {
    try {
      const open = (await api<Dispensation[]>('/api/dispensations')).filter((d) => d.status === 'in-progress');
      held.replaceChildren(...(open.length ? [
        el('h3', {}, 'Held by this pharmacy, not yet handed over'),
        el('ul', {}, ...open.map((d) => {
          const resume = el('button', { type: 'button', class: 'secondary' }, 'Continue');
          resume.addEventListener('click', () => { problem.textContent = ''; show(d); });
          return el('li', { 'data-dispensation': d.id }, `Prescription ${d.prescription.number} for ${d.prescription.patient.name} `, resume);
        })),
      ] : []));
    } catch (error) {
      problem.textContent = messageOf(error);
    }
  }

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    void whileBusy([take], async () => {
      problem.textContent = '';
      current.replaceChildren();
      try {
        const dispensation = await api<Dispensation>('/api/dispensations', { body: { code: codeInput.value.trim() }, idempotent: true });
        codeInput.value = '';
        show(dispensation);
        await loadHeld();
      } catch (error) {
        problem.textContent = messageOf(error);
      }
    });
  });
  void loadHeld();
  return section;
}

function dispensationView(dispensation: Dispensation, problem: HTMLElement, changed: () => void): HTMLElement {
  const { prescription } = dispensation;
  const quantities = new Map<number, HTMLInputElement>();
  const rows = prescription.lines.map((line) => {
    const id = `hand-over-${line.lineNo}`;
    const quantity = el('input', { id, type: 'number', min: 0, max: line.quantity, step: 1, value: line.quantity, required: true });
    quantities.set(line.lineNo, quantity);
    return el('tr', { 'data-line': line.lineNo },
      el('td', {}, line.drugName, el('br'), el('small', {}, line.drugCode)),
      el('td', {}, `${line.dose} ${line.frequency}, ${line.supplyDays} days`),
      el('td', {}, String(line.quantity)),
      el('td', {}, el('label', { for: id, class: 'visually-hidden' }, `Quantity of ${line.drugName} to hand over`), quantity));
  });
  const state = el('p', { id: 'dispensation-state', role: 'status', 'data-state': dispensation.status }, 'Checked: ready to hand over.');
  const handOver = el('button', { type: 'button' }, 'Hand over');
  const giveBack = el('button', { type: 'button', class: 'secondary' }, 'Give back');
  const controls = el('div', { class: 'controls' }, handOver, giveBack);

  const finish = (status: Dispensation['status'], words: string) => {
    state.dataset.state = status;
    state.textContent = words;
    controls.remove();
    for (const input of quantities.values()) input.disabled = true;
    changed();
  };

  handOver.addEventListener('click', () => whileBusy([handOver, giveBack], async () => {
    problem.textContent = '';
    // A line left at 0 is not handed over (the server takes 1 up to the prescribed quantity per line it is sent).
    const dispenses = [...quantities].map(([lineNo, input]) => ({ lineNo, quantity: input.valueAsNumber })).filter((d) => d.quantity > 0);
    const invalid = prescription.lines.find((line) => {
      const q = quantities.get(line.lineNo)!.valueAsNumber;
      return !Number.isInteger(q) || q < 0 || q > line.quantity;
    });
    if (invalid) {
      problem.textContent = `Enter a whole number from 0 to ${invalid.quantity} for ${invalid.drugName}.`;
      return;
    }
    if (dispenses.length === 0) {
      problem.textContent = 'Enter a quantity for at least one medicine, or give the prescription back.';
      return;
    }
    try {
      const done = await api<Dispensation>(`/api/dispensations/${encodeURIComponent(dispensation.id)}/hand-over`, { body: { dispenses }, idempotent: true });
      const receipt = done.receipt?.verified ? 'the issuer\'s signed receipt is verified' : 'the issuer\'s receipt signature could NOT be verified';
      finish(done.status, `Dispensed: ${receipt}.`);
    } catch (error) {
      problem.textContent = messageOf(error);
    }
  }));
  giveBack.addEventListener('click', () => whileBusy([handOver, giveBack], async () => {
    problem.textContent = '';
    try {
      const back = await api<Dispensation>(`/api/dispensations/${encodeURIComponent(dispensation.id)}/give-back`, { body: {} });
      finish(back.status, 'Given back: the prescription is ready again for any pharmacy.');
    } catch (error) {
      problem.textContent = messageOf(error);
    }
  }));

  const organization = prescription.prescriber.organization?.name;
  return el('article', { 'aria-labelledby': 'dispensation-title' },
    el('h3', { id: 'dispensation-title' }, `Prescription ${prescription.number}`),
    el('dl', {},
      el('dt', {}, 'Issued by'), el('dd', {}, `${dispensation.issuer.name} (${dispensation.issuer.fhirBaseUrl})`),
      el('dt', {}, 'Signature'), el('dd', { class: 'verified' }, dispensation.signature.verified ? `Verified (key ${dispensation.signature.kid})` : 'NOT verified'),
      el('dt', {}, 'Patient'), el('dd', {}, prescription.patient.name + (prescription.patient.birthDate ? `, born ${prescription.patient.birthDate}` : '')),
      el('dt', {}, 'Prescriber'), el('dd', {}, prescription.prescriber.name + (organization ? `, ${organization}` : '')),
      el('dt', {}, 'Valid until'), el('dd', {}, timeOf(prescription.validUntil))),
    el('table', {},
      el('thead', {}, el('tr', {}, ...['Medicine', 'Instructions', 'Prescribed', 'Hand over'].map((h) => el('th', { scope: 'col' }, h)))),
      el('tbody', {}, ...rows)),
    state, controls);
}
