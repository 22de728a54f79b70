/**
 * The signed-in patient's own record as the patient's pages need it: id, time zone (times are shown in it) and
 * diagnoses. Read once per sign-in (`GET /api/me`, then `GET /api/patients/{id}`) and shared by the pages.
 */
import { api, ApiError, messageOf } from './api.js';
import { t } from './i18n/index.js';
import { signedInAccount } from './session/session.js';

export interface PatientRecord {
  id: string;
  timeZone: string;
  conditions: Array<{ id: string; code: string; system: string; display: string; clinicalStatus: string }>;
}

let cached: { account: string | null; record: Promise<PatientRecord> } | undefined;

async function readRecord(): Promise<PatientRecord> {
  const me = await api<{ patientId: string | null }>('/api/me');
  if (!me.patientId) throw new ApiError(403, 'not-a-patient', t.app.notAPatient);
  return api<PatientRecord>(`/api/patients/${encodeURIComponent(me.patientId)}`);
}

/** The record of the signed-in account; another account's sign-in reads it afresh, a failed read is retried. */
export function myPatientRecord(): Promise<PatientRecord> {
  const account = signedInAccount();
  if (!cached || cached.account !== account) {
    const record = readRecord();
    cached = { account, record };
    record.catch(() => { if (cached?.record === record) cached = undefined; });
  }
  return cached.record;
}

/** Starts a patient page once the record is read: `start` gets it; a failed read is shown on `problem` instead. */
export function withMyPatientRecord(problem: HTMLElement, start: (patient: PatientRecord) => Promise<void> | void): void {
  void (async () => {
    let patient: PatientRecord;
    try {
      patient = await myPatientRecord();
    } catch (error) {
      problem.textContent = messageOf(error);
      return;
    }
    await start(patient);
  })();
}
