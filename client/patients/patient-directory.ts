/**
 * The patients a staff page names: `GET /api/patients/{id}` once per distinct patient for the page's life (one
 * directory per signed-in home, so nothing read for one account is shown to the next).
 */
import { api } from '../api.js';
import { t } from '../i18n/index.js';

export interface PatientCondition { id: string; code: string; display: string | null; clinicalStatus: string }
export interface PatientSummary { id: string; givenName: string; familyName: string; birthDate: string | null; conditions: PatientCondition[] }

export interface PatientDirectory {
  summary(patientId: string): Promise<PatientSummary>;
  /** "Alice Wang", or words that say the name could not be read (the page still works without it). */
  name(patientId: string): Promise<string>;
  /** The names of every patient a list mentions, each read once. */
  names(patientIds: string[]): Promise<Map<string, string>>;
}

export function patientDirectory(): PatientDirectory {
  const read = new Map<string, Promise<PatientSummary>>();
  const summary = (patientId: string) => {
    let found = read.get(patientId);
    if (!found) {
      found = api<PatientSummary>(`/api/patients/${encodeURIComponent(patientId)}`);
      // A failed read is not remembered: the next page that needs the name asks again.
      found.catch(() => read.delete(patientId));
      read.set(patientId, found);
    }
    return found;
  };
  const name = (patientId: string) => summary(patientId).then((p) => `${p.givenName} ${p.familyName}`, () => t.doctorVisits.patientUnknown);
  return {
    summary,
    name,
    names: async (patientIds) => new Map(await Promise.all([...new Set(patientIds)].map(async (id) => [id, await name(id)] as const))),
  };
}
