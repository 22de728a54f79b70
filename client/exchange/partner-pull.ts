/**
 * A pull of records from partner hospitals in plain words: what each partner sent, and which could not be asked
 * and why (`POST /api/patients/{id}/partner-records/pull`, also `partnerPull` of a visit's exam results;
 * docs/consultations.md "Pulling records"). Partners are named from the registry (`GET /api/partners`).
 */
import { api } from '../api.js';
import { el } from '../dom.js';
import { t } from '../i18n/index.js';

export interface Partner { id: string; name: string; fhirBaseUrl: string; active: boolean }

export interface PullResult {
  imported: Array<{
    partnerId: string; fhirBaseUrl: string;
    encounters: number; conditions: number; observations: number; diagnosticReports: number; medicationRequests: number;
  }>;
  unavailable: Array<{ partnerId: string; fhirBaseUrl: string; reason: string }>;
}

export const listPartners = () => api<Partner[]>('/api/partners');

const words = t.pages.partners;

/** What one partner sent that was new here, e.g. "1 exam report, 2 test results and measurements, 1 prescribed medicine". */
function importedWords(row: PullResult['imported'][number]): string {
  const parts = [
    row.diagnosticReports ? words.examReports(row.diagnosticReports) : '',
    row.observations ? words.observations(row.observations) : '',
    row.conditions ? words.diagnoses(row.conditions) : '',
    row.medicationRequests ? words.medicines(row.medicationRequests) : '',
    row.encounters ? words.visits(row.encounters) : '',
  ].filter(Boolean);
  return parts.length ? words.newHere(parts) : words.nothingNew;
}

/** Why a partner could not be asked, from the server's reason (server/exchange/pull.ts, partner-client.ts). */
export function unavailableWords(reason: string): string {
  const timedOut = /^no answer within (\d+) ms/.exec(reason);
  if (timedOut) return words.timedOut(Math.max(1, Math.round(Number(timedOut[1]) / 1000)));
  if (/does not name the patient's id/.test(reason)) return words.noPatientNumber;
  if (/^token refused/.test(reason)) return words.tokenRefused(reason);
  if (/fetch failed|ECONNREFUSED|ENOTFOUND|EHOSTUNREACH/.test(reason)) return words.unreachable;
  return words.unusable(reason);
}

/** The pull as two lists: what came from each partner (role status), and the partial-result notice (role alert). */
export function pullSummary(result: PullResult, partners: Partner[]): HTMLElement {
  const name = (id: string, url: string) => partners.find((p) => p.id === id)?.name ?? url;
  const imported = result.imported.map((row) =>
    el('li', { 'data-partner': row.partnerId }, words.sent(name(row.partnerId, row.fhirBaseUrl), importedWords(row))));
  const unavailable = result.unavailable.map((row) =>
    el('li', { 'data-partner': row.partnerId }, words.notAsked(name(row.partnerId, row.fhirBaseUrl), unavailableWords(row.reason))));
  return el('div', { class: 'partner-pull' },
    el('div', { role: 'status' },
      imported.length ? el('p', {}, words.received) : null,
      imported.length ? el('ul', {}, ...imported) : null,
      !imported.length && !unavailable.length ? el('p', {}, words.noneToAsk) : null),
    unavailable.length ? el('div', { role: 'alert', class: 'problem' },
      el('p', {}, words.missing), el('ul', {}, ...unavailable)) : null);
}
