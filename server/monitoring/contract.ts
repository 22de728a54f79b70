/**
 * What the alert answers (`GET /api/alerts`, `GET /api/patients/{id}/alerts`, `POST …/readings`) carry, declared
 * once: server/monitoring/alerts.ts builds them and the web client imports this module with `import type`.
 * An alert says what the reading showed as numbers, never as a sentence: the pages word it in their language
 * (client/i18n, `alertFinding`), with their own number formats and "mmHg" for `mm[Hg]`.
 */
import type { AlertKind, AlertSeverity, AlertStatus } from '../../db/models/consultations.js';

export type { AlertKind, AlertSeverity, AlertStatus };

/** The glucose units a reading is accepted in (UCUM); the thresholds are always in mg/dL. */
export type GlucoseUnit = 'mg/dL' | 'mmol/L';

/** What the reading (or the recent readings) showed, and the care plan's threshold it crossed. */
export type AlertFinding =
  | { kind: 'bp-crisis'; values: { systolic: number; diastolic: number; crisisSystolic: number; crisisDiastolic: number } }
  | {
    kind: 'bp-stage-2';
    /** The averages, rounded to whole mmHg, of `readings` readings measured on `days` days. */
    values: { systolic: number; diastolic: number; readings: number; days: number; stage2Systolic: number; stage2Diastolic: number };
  }
  | { kind: 'glucose-very-low' | 'glucose-low' | 'glucose-very-high' | 'glucose-high'; values: { value: number; unit: GlucoseUnit; thresholdMgDl: number } };

export interface AlertView {
  id: string;
  patientId: string;
  practitionerId: string | null;
  observationId: string | null;
  kind: AlertKind;
  severity: AlertSeverity;
  /** Null for alerts raised before findings were recorded (migration 0310): the pages show the kind alone. */
  finding: AlertFinding | null;
  status: AlertStatus;
  raisedAt: string;
  acknowledgedAt: string | null;
  escalateAt: string | null;
  escalated: boolean;
  escalatedAt: string | null;
}

/** An open alert offers the treating doctor's next free video follow-up slots to book. */
export interface PatientAlertView extends AlertView {
  followUpSlots: Array<{ slotId: string; start: string; end: string }>;
}

/** An escalated alert names the treating doctor the admin is to chase. */
export interface EscalatedAlertView extends AlertView {
  doctorName: string | null;
}
