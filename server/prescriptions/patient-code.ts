import QRCode from 'qrcode';
import type { Prescription } from '../../db/models/prescription.js';
import type { KeyRing } from '../auth/keys.js';
import { accessCodeFor } from './access-code.js';

/**
 * What the patient takes to a pharmacy: the prescription id, the issuer's FHIR base and the access code.
 * As text it is a URL whose fragment carries the code (fragments are never sent to a server or logged).
 */
export interface PrescriptionCode {
  prescriptionId: string;
  issuer: string;
  accessCode: string;
  uri: string;
  qrSvg: string;
}

export async function prescriptionCodeFor(keys: KeyRing, issuerFhirBase: string, row: Prescription): Promise<PrescriptionCode> {
  const accessCode = accessCodeFor(keys, row.kid, row.id);
  const uri = `${issuerFhirBase}/Task/${row.id}#access-code=${accessCode}`;
  const qrSvg = await QRCode.toString(uri, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 });
  return { prescriptionId: row.id, issuer: issuerFhirBase, accessCode, uri, qrSvg };
}

/** Reads a code a pharmacist scanned or typed back into its parts. */
export function parsePrescriptionCode(text: string): { issuer: string; prescriptionId: string; accessCode: string } | undefined {
  const match = /^(https?:\/\/.+)\/Task\/([A-Za-z0-9-]{1,64})#access-code=([A-Za-z0-9_-]{22,})$/.exec(text.trim());
  return match ? { issuer: match[1], prescriptionId: match[2], accessCode: match[3] } : undefined;
}
