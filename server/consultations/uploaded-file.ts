import crypto from 'node:crypto';
import type { Transaction } from 'sequelize';
import type { Database } from '../../db/connection.js';
import { Invalid, PayloadTooLarge, UnsupportedMediaType } from '../http/errors.js';

/** File types a patient or doctor may upload, recognised by their first bytes, not by what the client claims. */
const SIGNATURES: Array<{ contentType: string; magic: Buffer }> = [
  { contentType: 'application/pdf', magic: Buffer.from('%PDF-', 'latin1') },
  { contentType: 'image/png', magic: Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]) },
  { contentType: 'image/jpeg', magic: Buffer.from([0xff, 0xd8, 0xff]) },
];

export const ACCEPTED_FILE_TYPES = SIGNATURES.map((s) => s.contentType);

export interface CheckedFile {
  contentType: string;
  size: number;
  sha256: string;
  bytes: Buffer;
}

/**
 * Accepts a PDF, PNG or JPEG no larger than `maxBytes` whose bytes match its declared Content-Type:
 * a renamed executable or an HTML page posing as a PDF is refused.
 */
export function checkUploadedFile(body: unknown, declaredType: string | undefined, maxBytes: number): CheckedFile {
  const bytes = Buffer.isBuffer(body) ? body : Buffer.alloc(0);
  if (bytes.length === 0) throw new Invalid('empty-file', 'Send the file as the request body (PDF, PNG or JPEG).');
  if (bytes.length > maxBytes) {
    throw new PayloadTooLarge('file-too-large', `The file is ${bytes.length} bytes; at most ${maxBytes} bytes are accepted.`, [], { maxBytes });
  }
  const declared = (declaredType ?? '').split(';')[0].trim().toLowerCase();
  const actual = SIGNATURES.find((s) => bytes.subarray(0, s.magic.length).equals(s.magic));
  if (!actual) {
    throw new UnsupportedMediaType('file-type-not-accepted', `Only ${ACCEPTED_FILE_TYPES.join(', ')} files are accepted; this file is none of them.`,
      [], { accepted: ACCEPTED_FILE_TYPES });
  }
  if (declared !== actual.contentType) {
    throw new UnsupportedMediaType('file-type-mismatch', `The file is declared as ${declared || 'nothing'} but its content is ${actual.contentType}.`,
      [], { declared, actual: actual.contentType });
  }
  return { contentType: actual.contentType, size: bytes.length, sha256: crypto.createHash('sha256').update(bytes).digest('hex'), bytes };
}

/** Stores checked bytes for a patient's record; returns the file id the record cites. */
export async function storeFile(db: Database, patientId: string, file: CheckedFile, tx: Transaction): Promise<string> {
  const stored = await db.models.StoredFile.create({
    id: crypto.randomUUID(), patientId, contentType: file.contentType, size: file.size, sha256: file.sha256, content: file.bytes,
  }, { transaction: tx });
  return stored.id;
}

export async function fileContent(db: Database, fileId: string): Promise<{ contentType: string; bytes: Buffer }> {
  const file = await db.models.StoredFile.findByPk(fileId, { rejectOnEmpty: true });
  return { contentType: file.contentType, bytes: Buffer.from(file.content) };
}
