/**
 * The patient's "My prescriptions": each with its status, and for one a pharmacy can dispense (ready, or being
 * dispensed), the code to show at the pharmacy as a QR image and as text.
 */
import { api, messageOf } from '../api.js';
import { followDeepLinks } from '../deep-link.js';
import { alertLine, el, whileBusy } from '../dom.js';
import { dateWords } from '../i18n/format.js';
import { t, wordOf } from '../i18n/index.js';
import { lineWords, PRESCRIPTION_STATUS_WORDS, type PrescriptionCode, type PrescriptionSummary } from './types.js';

const codeShown = (status: string) => status === 'ready' || status === 'in-progress';

export function patientPrescriptions(): HTMLElement {
  const problem = alertLine();
  const list = el('div');
  const codePanel = el('div', { id: 'prescription-code', 'aria-live': 'polite' });
  const refresh = el('button', { type: 'button' }, t.app.refresh);
  const section = el('section', { id: 'my-prescriptions', 'aria-labelledby': 'my-prescriptions-title' },
    el('h2', { id: 'my-prescriptions-title' }, t.prescriptions.title), refresh, problem, list, codePanel);

  async function load() {
    problem.textContent = '';
    try {
      const prescriptions = await api<PrescriptionSummary[]>('/api/prescriptions');
      list.replaceChildren(prescriptions.length ? table(prescriptions) : el('p', {}, t.prescriptions.none));
    } catch (error) {
      problem.textContent = messageOf(error);
    }
  }

  /** A link to one prescription (`/#prescription/<id>`): it is marked, brought into view, and its code shown. */
  async function reveal(id: string) {
    await loaded;
    for (const row of list.querySelectorAll('tr[aria-current]')) row.removeAttribute('aria-current');
    const row = list.querySelector<HTMLTableRowElement>(`tr[data-prescription="${CSS.escape(id)}"]`);
    if (!row) {
      problem.textContent = t.prescriptions.notYours;
      return;
    }
    row.setAttribute('aria-current', 'true');
    row.tabIndex = -1;
    row.focus();
    row.querySelector<HTMLButtonElement>('button')?.click();
  }

  function table(prescriptions: PrescriptionSummary[]) {
    return el('table', {},
      el('thead', {}, el('tr', {}, ...t.prescriptions.columns.map((h) => el('th', { scope: 'col' }, h)))),
      el('tbody', {}, ...prescriptions.map((p) => el('tr', { 'data-prescription': p.id },
        el('td', {}, p.number),
        el('td', { class: 'status', 'data-status': p.status }, wordOf(PRESCRIPTION_STATUS_WORDS, p.status)),
        el('td', {}, el('ul', {}, ...p.lines.map((line) => el('li', {}, lineWords(line))))),
        el('td', {}, el('time', { datetime: p.validUntil }, dateWords(p.validUntil))),
        el('td', {}, codeShown(p.status) ? showCodeButton(p) : null)))));
  }

  function showCodeButton(prescription: PrescriptionSummary) {
    const button = el('button', { type: 'button', 'aria-controls': 'prescription-code' }, t.prescriptions.showCode);
    button.addEventListener('click', () => whileBusy([button], async () => {
      problem.textContent = '';
      try {
        const code = await api<PrescriptionCode>(`/api/prescriptions/${encodeURIComponent(prescription.id)}/code`);
        codePanel.replaceChildren(codeView(prescription, code));
      } catch (error) {
        problem.textContent = messageOf(error);
      }
    }));
    return button;
  }

  refresh.addEventListener('click', () => whileBusy([refresh], load));
  const loaded = load();
  followDeepLinks('prescription', section, (id) => void reveal(id));
  return section;
}

/**
 * The code as the pharmacy reads it. The SVG comes from our own server, but it is still shown as an image (a
 * data: URL, which the page's Content-Security-Policy allows for images) so no markup of it runs in the page.
 */
function codeView(prescription: PrescriptionSummary, code: PrescriptionCode): HTMLElement {
  const qr = el('img', {
    class: 'qr', src: `data:image/svg+xml;charset=utf-8,${encodeURIComponent(code.qrSvg)}`,
    alt: t.prescriptions.qrAlt(prescription.number), width: 240, height: 240,
  });
  const text = el('input', { id: 'prescription-code-text', readonly: true, value: code.uri });
  const copied = el('p', { role: 'status' });
  const copy = el('button', { type: 'button' }, t.prescriptions.copy);
  copy.addEventListener('click', async () => {
    try {
      await navigator.clipboard.writeText(code.uri);
      copied.textContent = t.prescriptions.copied;
    } catch {
      text.select();
      copied.textContent = t.prescriptions.copyRefused;
    }
  });
  return el('div', { class: 'code' },
    el('h3', {}, t.prescriptions.codeTitle(prescription.number)),
    el('p', {}, t.prescriptions.codeHelp),
    qr,
    el('label', { for: 'prescription-code-text' }, t.prescriptions.codeLabel),
    text, copy, copied);
}
