/** The shapes the prescription endpoints answer with (docs/prescriptions.md), as far as the pages use them. */
import type { MedicineInstructions } from '../../server/prescriptions/current-medicines.js';
import { t } from '../i18n/index.js';

export interface PrescriptionLine { lineNo: number; drugCode: string; drugName: string; dose: string; frequency: string; quantity: number; supplyDays: number }

export interface PrescriptionSummary {
  id: string;
  number: string;
  status: string;
  issuedAt: string;
  validUntil: string;
  dispensedAt: string | null;
  lines: PrescriptionLine[];
  patientId: string;
  /** The visit it was issued in. */
  encounterId: string;
  /** The pharmacist's decision, once reviewed. */
  review: { reviewedAt: string; reasonCode: string | null; note: string | null } | null;
}

export interface PrescriptionCode { prescriptionId: string; issuer: string; uri: string; qrSvg: string }

export interface Dispensation {
  id: string;
  status: 'in-progress' | 'completed' | 'given-back';
  issuer: { fhirBaseUrl: string; name: string };
  prescription: {
    id: string; number: string; issuedAt: string; validUntil: string;
    patient: { name: string; birthDate: string | null };
    prescriber: { name: string; organization: { name: string } | null };
    lines: PrescriptionLine[];
  };
  signature: { kid: string; verified: boolean };
  dispensed: { lineNo: number; quantity: number }[] | null;
  receipt: { verified?: boolean } | null;
}

/** Review rejection reasons the server accepts (POST /api/prescriptions/{id}/review). */
export const REJECTION_REASONS: Array<[code: string, words: string]> = (
  ['drug-interaction', 'dose-out-of-range', 'contraindication', 'duplicate-therapy', 'incomplete-instructions', 'other']
).map((code) => [code, t.pages.rejectionReason[code] ?? code]);

/**
 * How to take a medicine, in the page's language: the one wording of instructions for every page that shows them
 * (the patient's prescriptions, the pharmacy desk and review, the doctor's chronic-care panel). The server answers
 * the dose and frequency as the doctor wrote them; another system's record keeps its own text.
 */
export const instructionWords = (instructions: MedicineInstructions | null): string | null =>
  (!instructions ? null : 'text' in instructions ? instructions.text : dosageWords(instructions));

/** A line's dose and frequency as the doctor wrote them, joined in the page's language. */
export const dosageWords = (line: { dose: string; frequency: string }) => t.dosage(line.dose, line.frequency);

/** "Ramipril 5 mg: 1 tablet once daily, 7 for 7 days" */
export const lineWords = (line: PrescriptionLine) =>
  t.prescriptions.line(line.drugName, dosageWords(line), line.quantity, line.supplyDays);

/** A prescription's status in the patient's words. */
export const PRESCRIPTION_STATUS_WORDS: Record<string, string> = t.prescriptionStatus;
