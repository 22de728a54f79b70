/**
 * A pull of records from partner hospitals in plain words: what each partner sent, and which could not be asked
 * and why (`POST /api/patients/{id}/partner-records/pull`, also `partnerPull` of a visit's exam results;
 * docs/consultations.md "Pulling records"). Partners are named from the registry (`GET /api/partners`).
 */
import { api } from '../api.js';
import { el } from '../dom.js';

export interface Partner { id: string; name: string; fhirBaseUrl: string; active: boolean }

export interface PullResult {
  imported: Array<{ partnerId: string; fhirBaseUrl: string; encounters: number; conditions: number; observations: number; diagnosticReports: number }>;
  unavailable: Array<{ partnerId: string; fhirBaseUrl: string; reason: string }>;
}

export const listPartners = () => api<Partner[]>('/api/partners');

const counted = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

/** What one partner sent that was new here, e.g. "1 exam report, 2 test results and measurements". */
function importedWords(row: PullResult['imported'][number]): string {
  const parts = [
    row.diagnosticReports ? counted(row.diagnosticReports, 'exam report', 'exam reports') : '',
    row.observations ? counted(row.observations, 'test result or measurement', 'test results and measurements') : '',
    row.conditions ? counted(row.conditions, 'diagnosis', 'diagnoses') : '',
    row.encounters ? counted(row.encounters, 'visit', 'visits') : '',
  ].filter(Boolean);
  return parts.length ? `${parts.join(', ')} new here.` : 'nothing new since the last time.';
}

/** Why a partner could not be asked, from the server's reason (server/exchange/pull.ts, partner-client.ts). */
export function unavailableWords(reason: string): string {
  const timedOut = /^no answer within (\d+) ms/.exec(reason);
  if (timedOut) return `it did not answer within ${Math.max(1, Math.round(Number(timedOut[1]) / 1000))} seconds`;
  if (/does not name the patient's id/.test(reason)) return 'the consent gives no patient number at that hospital';
  if (/^token refused/.test(reason)) return `it did not accept this hospital's request: ${reason}`;
  if (/fetch failed|ECONNREFUSED|ENOTFOUND|EHOSTUNREACH/.test(reason)) return 'it could not be reached';
  return `its answer could not be used: ${reason}`;
}

/** The pull as two lists: what came from each partner (role status), and the partial-result notice (role alert). */
export function pullSummary(result: PullResult, partners: Partner[]): HTMLElement {
  const name = (id: string, url: string) => partners.find((p) => p.id === id)?.name ?? url;
  const imported = result.imported.map((row) =>
    el('li', { 'data-partner': row.partnerId }, `${name(row.partnerId, row.fhirBaseUrl)}: ${importedWords(row)}`));
  const unavailable = result.unavailable.map((row) =>
    el('li', { 'data-partner': row.partnerId }, `${name(row.partnerId, row.fhirBaseUrl)}: ${unavailableWords(row.reason)}.`));
  return el('div', { class: 'partner-pull' },
    el('div', { role: 'status' },
      imported.length ? el('p', {}, 'Records received from partner hospitals:') : null,
      imported.length ? el('ul', {}, ...imported) : null,
      !imported.length && !unavailable.length ? el('p', {}, 'No partner hospital to ask: there is no active consent to a partner hospital.') : null),
    unavailable.length ? el('div', { role: 'alert', class: 'problem' },
      el('p', {}, 'Some records may be missing: these partner hospitals could not be asked.'), el('ul', {}, ...unavailable)) : null);
}
