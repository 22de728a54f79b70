/**
 * The patient's "Partner hospitals": the registered partners (`GET /api/partners`) with the patient's consent to
 * each (`GET /api/patients/{id}/consents`), granted with the patient's number at that partner
 * (`POST …/consents`) or revoked (`POST …/consents/{partnerId}/revoke`); and "Fetch my records from partner
 * hospitals" (`POST …/partner-records/pull`) with what each partner sent and which could not be asked.
 */
import { api, ApiError, messageOf } from '../api.js';
import { zonedTime } from '../appointments/local-time.js';
import { alertLine, el, whileBusy } from '../dom.js';
import { withMyPatientRecord } from '../patient-record.js';
import { listPartners, pullSummary, type Partner, type PullResult } from './partner-pull.js';

interface Consent { partnerId: string; status: 'active' | 'inactive'; grantedAt: string; revokedAt: string | null; partnerPatientId: string | null }

export function partnerConsents(): HTMLElement {
  const problem = alertLine();
  const done = el('p', { role: 'status' });
  const list = el('div');
  const pulled = el('div', { id: 'partner-records-pulled' });
  const fetchRecords = el('button', { type: 'button', disabled: true }, 'Fetch my records from partner hospitals');
  const section = el('section', { id: 'partner-hospitals', 'aria-labelledby': 'partner-hospitals-title' },
    el('h2', { id: 'partner-hospitals-title' }, 'Partner hospitals'),
    el('p', {}, 'When you allow sharing with a partner hospital, it may read your records here, and this hospital may fetch '
      + 'your records (diagnoses, exam results, measurements) from it: give your patient number there, and allow sharing '
      + 'with this hospital there too. Your doctor then sees tests already done there. You can stop sharing at any time.'),
    problem, done, list, el('div', { class: 'controls' }, fetchRecords), pulled);

  withMyPatientRecord(problem, async (patient) => {
    const consentsPath = `/api/patients/${encodeURIComponent(patient.id)}/consents`;
    let partners: Partner[] = [];

    async function load() {
      try {
        const [registered, consents] = await Promise.all([listPartners(), api<Consent[]>(consentsPath)]);
        partners = registered;
        const consentOf = (id: string) => consents.find((c) => c.partnerId === id);
        // An inactive partner is listed only while the patient has a consent to it (to be able to revoke it).
        const shown = registered.filter((p) => p.active || consentOf(p.id)?.status === 'active');
        list.replaceChildren(shown.length ? el('ul', { class: 'partners' }, ...shown.map((p) => item(p, consentOf(p.id))))
          : el('p', {}, 'No partner hospitals are registered yet.'));
      } catch (error) {
        problem.textContent = messageOf(error);
      }
    }

    function item(partner: Partner, consent: Consent | undefined): HTMLElement {
      const state = consent?.status === 'active'
        ? el('p', {}, 'Sharing allowed since ', zonedTime(consent.grantedAt, patient.timeZone), '. ',
          consent.partnerPatientId ? `Your patient number there: ${consent.partnerPatientId}.`
            : 'No patient number there was given, so your records there cannot be fetched: stop sharing and allow it again with your number.')
        : el('p', {}, consent?.revokedAt ? el('span', {}, 'You stopped sharing on ', zonedTime(consent.revokedAt, patient.timeZone), '.') : 'Not shared.');
      return el('li', { 'data-partner': partner.id, 'data-consent': consent?.status ?? 'none' },
        el('strong', {}, partner.name), partner.active ? '' : ' (not active as a partner at the moment)',
        state, consent?.status === 'active' ? revokeButton(partner) : grantForm(partner));
    }

    function grantForm(partner: Partner): HTMLFormElement {
      const number = el('input', { id: `partner-patient-id-${partner.id}`, name: 'partnerPatientId', maxlength: 64, autocomplete: 'off' });
      const allow = el('button', { type: 'submit' }, `Allow sharing with ${partner.name}`);
      const form = el('form', { class: 'consent-form' },
        el('label', { for: number.id }, `Your patient number at ${partner.name} (needed to fetch your records from there)`), number,
        el('div', { class: 'controls' }, allow));
      form.addEventListener('submit', (event) => {
        event.preventDefault();
        void act([allow], async () => {
          const partnerPatientId = number.value.trim();
          await api(consentsPath, { body: { partnerId: partner.id, ...(partnerPatientId ? { partnerPatientId } : {}) } });
          return `Sharing with ${partner.name} allowed.`;
        });
      });
      return form;
    }

    function revokeButton(partner: Partner): HTMLButtonElement {
      const stop = el('button', { type: 'button', class: 'secondary' }, `Stop sharing with ${partner.name}`);
      stop.addEventListener('click', () => void act([stop], async () => {
        try {
          await api(`${consentsPath}/${encodeURIComponent(partner.id)}/revoke`, { body: {} });
        } catch (error) {
          // Stopped already (in another tab): the list below says since when.
          if (!(error instanceof ApiError && error.code === 'consent-already-revoked')) throw error;
        }
        return `Sharing with ${partner.name} stopped: no more records are exchanged with it.`;
      }));
      return stop;
    }

    /** Runs a grant or revoke, says what happened, and reloads the list either way. */
    async function act(buttons: HTMLButtonElement[], work: () => Promise<string>) {
      await whileBusy(buttons, async () => {
        problem.textContent = '';
        done.textContent = '';
        try {
          done.textContent = await work();
        } catch (error) {
          problem.textContent = messageOf(error);
        }
        await load();
      });
    }

    fetchRecords.addEventListener('click', () => whileBusy([fetchRecords], async () => {
      problem.textContent = '';
      pulled.replaceChildren(el('p', {}, 'Asking the partner hospitals…'));
      try {
        const result = await api<PullResult>(`/api/patients/${encodeURIComponent(patient.id)}/partner-records/pull`, { body: {} });
        pulled.replaceChildren(pullSummary(result, partners));
      } catch (error) {
        pulled.replaceChildren();
        problem.textContent = messageOf(error);
      }
    }));

    fetchRecords.disabled = false;
    await load();
  });
  return section;
}
