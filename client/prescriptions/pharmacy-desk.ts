/**
 * The dispensing desk: the pharmacist scans the patient's QR code with the camera (qr-scanner.ts) or types the code;
 * the server verifies the issuer's signature and takes the prescription at its issuer; the pharmacist then hands
 * the medicines over or gives the prescription back. Every refusal is shown in the server's words.
 */
import { api, messageOf } from '../api.js';
import { alertLine, el, timeOf, whileBusy } from '../dom.js';
import { dateWords } from '../i18n/format.js';
import { t } from '../i18n/index.js';
import { scanQrCode } from './qr-scanner.js';
import { dosageWords, type Dispensation } from './types.js';

export function pharmacyDesk(): HTMLElement {
  const codeInput = el('input', { id: 'desk-code', name: 'code', required: true, autocomplete: 'off', spellcheck: 'false' });
  const take = el('button', { type: 'submit' }, t.pharmacy.checkCode);
  const scan = el('button', { type: 'button', class: 'secondary', 'aria-controls': 'desk-scanner' }, t.pharmacy.scan);
  const problem = alertLine();
  const scanned = el('p', { role: 'status', class: 'scan-status' });
  const current = el('div', { id: 'dispensation', 'aria-live': 'polite' });
  const form = el('form', { id: 'desk-form' },
    el('label', { for: 'desk-code' }, t.pharmacy.codeLabel), codeInput, el('div', { class: 'controls' }, take, scan));
  const scanner = deskScanner(form, codeInput, scan, problem, scanned);
  const held = el('div', { id: 'held' });
  const section = el('section', { id: 'pharmacy-desk', 'aria-labelledby': 'pharmacy-desk-title' },
    el('h2', { id: 'pharmacy-desk-title' }, t.pharmacy.deskTitle), form, scanner, scanned, problem, current, held);

  const show = (dispensation: Dispensation) => current.replaceChildren(dispensationView(dispensation, problem, () => void loadHeld()));

  /** Prescriptions this pharmacy holds at their issuer: after a reload or another code, they can still be finished. */
  async function loadHeld() {
    try {
      const open = (await api<Dispensation[]>('/api/dispensations')).filter((d) => d.status === 'in-progress');
      held.replaceChildren(...(open.length ? [
        el('h3', {}, t.pharmacy.heldTitle),
        el('ul', {}, ...open.map((d) => {
          const resume = el('button', { type: 'button', class: 'secondary' }, t.pharmacy.continue);
          resume.addEventListener('click', () => { problem.textContent = ''; show(d); });
          return el('li', { 'data-dispensation': d.id }, t.pharmacy.heldItem(d.prescription.number, d.prescription.patient.name), resume);
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

/**
 * "Scan": the camera's picture above the code field until a QR code is read, which fills the field and checks it
 * as if typed; "Stop scanning" (or leaving the page) releases the camera. Without a camera API (a page not served
 * over HTTPS) the button is not offered: the typed code works everywhere.
 */
function deskScanner(form: HTMLFormElement, codeInput: HTMLInputElement, scan: HTMLButtonElement, problem: HTMLElement, scanned: HTMLElement): HTMLElement {
  const video = el('video', { muted: true, playsinline: true, 'aria-label': t.pharmacy.cameraView });
  const stop = el('button', { type: 'button' }, t.pharmacy.stopScan);
  const panel = el('div', { id: 'desk-scanner', class: 'scanner', hidden: true }, el('p', {}, t.pharmacy.scanHelp), video, el('div', { class: 'controls' }, stop));
  if (!navigator.mediaDevices?.getUserMedia) scan.hidden = true;
  let scanning: AbortController | undefined;
  const finish = () => scanning?.abort();
  stop.addEventListener('click', finish);
  window.addEventListener('pagehide', finish);

  scan.addEventListener('click', () => void whileBusy([scan], async () => {
    problem.textContent = '';
    scanned.textContent = '';
    scanning = new AbortController();
    // The page may drop the desk (signing out): the camera goes with it.
    const watch = setInterval(() => { if (!panel.isConnected) finish(); }, 1000);
    panel.hidden = false;
    stop.focus();
    try {
      const text = await scanQrCode(video, scanning.signal);
      if (text) {
        codeInput.value = text;
        scanned.textContent = t.pharmacy.scanned;
        form.requestSubmit();
      }
    } catch {
      problem.textContent = t.pharmacy.cameraUnavailable;
    } finally {
      clearInterval(watch);
      panel.hidden = true;
      scanning = undefined;
    }
  }));
  return panel;
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
      el('td', {}, t.pharmacy.instructions(dosageWords(line), line.supplyDays)),
      el('td', {}, String(line.quantity)),
      el('td', {}, el('label', { for: id, class: 'visually-hidden' }, t.pharmacy.quantityOf(line.drugName)), quantity));
  });
  const state = el('p', { id: 'dispensation-state', role: 'status', 'data-state': dispensation.status }, t.pharmacy.checked);
  const handOver = el('button', { type: 'button' }, t.pharmacy.handOver);
  const giveBack = el('button', { type: 'button', class: 'secondary' }, t.pharmacy.giveBack);
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
      problem.textContent = t.pharmacy.wholeNumber(invalid.quantity, invalid.drugName);
      return;
    }
    if (dispenses.length === 0) {
      problem.textContent = t.pharmacy.atLeastOne;
      return;
    }
    try {
      const done = await api<Dispensation>(`/api/dispensations/${encodeURIComponent(dispensation.id)}/hand-over`, { body: { dispenses }, idempotent: true });
      finish(done.status, done.receipt?.verified ? t.pharmacy.dispensed : t.pharmacy.dispensedUnverified);
    } catch (error) {
      problem.textContent = messageOf(error);
    }
  }));
  giveBack.addEventListener('click', () => whileBusy([handOver, giveBack], async () => {
    problem.textContent = '';
    try {
      const back = await api<Dispensation>(`/api/dispensations/${encodeURIComponent(dispensation.id)}/give-back`, { body: {} });
      finish(back.status, t.pharmacy.givenBack);
    } catch (error) {
      problem.textContent = messageOf(error);
    }
  }));

  const organization = prescription.prescriber.organization?.name;
  return el('article', { 'aria-labelledby': 'dispensation-title' },
    el('h3', { id: 'dispensation-title' }, t.pharmacy.prescription(prescription.number)),
    el('dl', {},
      el('dt', {}, t.pharmacy.issuedBy), el('dd', {}, `${dispensation.issuer.name} (${dispensation.issuer.fhirBaseUrl})`),
      el('dt', {}, t.pharmacy.signature), el('dd', { class: 'verified' }, dispensation.signature.verified ? t.pharmacy.verified(dispensation.signature.kid) : t.pharmacy.notVerified),
      el('dt', {}, t.pharmacy.patient), el('dd', {}, prescription.patient.name + (prescription.patient.birthDate ? t.pharmacy.born(dateWords(prescription.patient.birthDate, 'UTC')) : '')),
      el('dt', {}, t.pharmacy.prescriber), el('dd', {}, prescription.prescriber.name + (organization ? `, ${organization}` : '')),
      el('dt', {}, t.pharmacy.validUntilTerm), el('dd', {}, timeOf(prescription.validUntil))),
    el('table', {},
      el('thead', {}, el('tr', {}, ...t.pharmacy.columns.map((h) => el('th', { scope: 'col' }, h)))),
      el('tbody', {}, ...rows)),
    state, controls);
}
