/**
 * The patient's "Partner hospitals": the registered partners (`GET /api/partners`) with the patient's consent to
 * each (`GET /api/patients/{id}/consents`), granted with the patient's number at that partner
 * (`POST …/consents`) or revoked (`POST …/consents/{partnerId}/revoke`); and "Fetch my records from partner
 * hospitals" (`POST …/partner-records/pull`) with what each partner sent and which could not be asked.
 */
import { api, ApiError, messageOf } from '../api.js';
import { zonedTime } from '../appointments/local-time.js';
import { alertLine, el, whileBusy } from '../dom.js';
import { t } from '../i18n/index.js';
import { withMyPatientRecord } from '../patient-record.js';
import { listPartners, pullSummary, type Partner, type PullResult } from './partner-pull.js';

interface Consent { partnerId: string; status: 'active' | 'inactive'; grantedAt: string; revokedAt: string | null; partnerPatientId: string | null }

const words = t.pages.partners;

export function partnerConsents(): HTMLElement {
  const problem = alertLine();
  const done = el('p', { role: 'status' });
  const list = el('div');
  const pulled = el('div', { id: 'partner-records-pulled' });
  const fetchRecords = el('button', { type: 'button', disabled: true }, words.fetch);
  const section = el('section', { id: 'partner-hospitals', 'aria-labelledby': 'partner-hospitals-title' },
    el('h2', { id: 'partner-hospitals-title' }, words.title),
    el('p', {}, words.explain),
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
          : el('p', {}, words.none));
      } catch (error) {
        problem.textContent = messageOf(error);
      }
    }

    function item(partner: Partner, consent: Consent | undefined): HTMLElement {
      const state = consent?.status === 'active'
        ? el('p', {}, ...words.allowedSince(zonedTime(consent.grantedAt, patient.timeZone)),
          consent.partnerPatientId ? words.yourNumber(consent.partnerPatientId) : words.noNumber)
        : el('p', {}, consent?.revokedAt ? el('span', {}, ...words.stoppedOn(zonedTime(consent.revokedAt, patient.timeZone))) : words.notShared);
      return el('li', { 'data-partner': partner.id, 'data-consent': consent?.status ?? 'none' },
        el('strong', {}, partner.name), partner.active ? '' : words.inactive,
        state, consent?.status === 'active' ? revokeButton(partner) : grantForm(partner));
    }

    function grantForm(partner: Partner): HTMLFormElement {
      const number = el('input', { id: `partner-patient-id-${partner.id}`, name: 'partnerPatientId', maxlength: 64, autocomplete: 'off' });
      const allow = el('button', { type: 'submit' }, words.allow(partner.name));
      const form = el('form', { class: 'consent-form' },
        el('label', { for: number.id }, words.numberLabel(partner.name)), number,
        el('div', { class: 'controls' }, allow));
      form.addEventListener('submit', (event) => {
        event.preventDefault();
        void act([allow], async () => {
          const partnerPatientId = number.value.trim();
          await api(consentsPath, { body: { partnerId: partner.id, ...(partnerPatientId ? { partnerPatientId } : {}) } });
          return words.allowed(partner.name);
        });
      });
      return form;
    }

    function revokeButton(partner: Partner): HTMLButtonElement {
      const stop = el('button', { type: 'button', class: 'secondary' }, words.stop(partner.name));
      stop.addEventListener('click', () => void act([stop], async () => {
        try {
          await api(`${consentsPath}/${encodeURIComponent(partner.id)}/revoke`, { body: {} });
        } catch (error) {
          // Stopped already (in another tab): the list below says since when.
          if (!(error instanceof ApiError && error.code === 'consent-already-revoked')) throw error;
        }
        return words.stopped(partner.name);
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
      pulled.replaceChildren(el('p', {}, words.asking));
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
