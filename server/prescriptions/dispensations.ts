import type { Transaction } from 'sequelize';
import type { Database } from '../../db/connection.js';
import type { Dispensation } from '../../db/models/dispensation.js';
import type { Partner } from '../../db/models/consultations.js';
import { recordAudit, type AuditEntry } from '../audit/audit-log.js';
import type { Caller } from '../auth/caller.js';
import { Conflict, Invalid, NotFound, Unprocessable } from '../http/errors.js';
import { activePartnerAt, findPartner, trimSlash } from '../exchange/partners.js';
import { storeDerived } from '../fhir/repository/derived-records.js';
import { assertAcceptable, pharmacyOf } from './dispense.js';
import { partnerMedicationDispense } from './fhir-views.js';
import { ownIssuer, partnerIssuer, type ConnectionDeps, type IssuerConnection } from './issuer-connection.js';
import { parsePrescriptionCode } from './patient-code.js';
import { kidOf, verifyDetached, type Jwks } from './signing.js';
import { newResourceId } from '../fhir/repository/resource-id.js';

/**
 * Recognition across hospitals (DESIGN.md "E-prescriptions"): a pharmacist enters the patient's code; this node
 * finds the issuer in its partner registry (or is the issuer), fetches the signed prescription, verifies the
 * JWS against the issuer's JWKS, checks status and validity, and accepts and later closes it at the issuer,
 * which stays the single source of truth. Our `dispensations` row is the pharmacy's own record.
 */

/** The fields of the signed content a pharmacy relies on (docs/prescriptions.md "Signing format"). */
interface SignedPrescription {
  type: string;
  id: string;
  number: string;
  issuer: string;
  issuedAt: string;
  validUntil: string;
  patient: { id: string; name: string; birthDate: string | null };
  prescriber: { id: string; name: string; organization: { id: string; name: string } | null };
  lines: { id: string; lineNo: number; drug: { code: string; name: string; form?: string; strength?: string; route?: string }; dose: string; frequency: string; quantity: number; supplyDays: number }[];
}

/**
 * Checks a signed prescription as an issuer presented it: the detached JWS verifies against the issuer's keys,
 * and the signed content is the prescription the code names, issued by the node the code names (every node
 * serves FHIR at `<its base URL>/fhir`). Pure: the seam unit tests exercise with tampered input.
 */
export function verifyIssuedPrescription(
  signed: { content: string; jws: string }, jwks: Jwks, expected: { issuer: string; prescriptionId: string },
): { prescription: SignedPrescription; kid: string } {
  const verification = verifyDetached(signed.jws, signed.content, jwks);
  if (!verification.valid) {
    throw new Unprocessable('prescription-signature-invalid',
      `The prescription's signature does not verify against the issuer's published keys (${verification.reason}): ${verification.message} Nothing was dispensed.`,
      [], { reason: verification.reason });
  }
  if (verification.typ !== 'prescription+json') {
    throw new Unprocessable('prescription-content-mismatch', `The issuer signed a ${verification.typ ?? 'document'}, not a prescription. Nothing was dispensed.`);
  }
  let content: SignedPrescription;
  try {
    content = JSON.parse(signed.content) as SignedPrescription;
  } catch {
    throw new Unprocessable('prescription-content-mismatch', 'The signed prescription is not JSON. Nothing was dispensed.');
  }
  if (content.type !== 'prescription' || content.id !== expected.prescriptionId || `${trimSlash(content.issuer)}/fhir` !== trimSlash(expected.issuer)
    || !Array.isArray(content.lines) || content.lines.length === 0) {
    throw new Unprocessable('prescription-content-mismatch',
      `The signed content is not prescription ${expected.prescriptionId} of ${expected.issuer} (it names ${String(content.id)} of ${String(content.issuer)}). Nothing was dispensed.`);
  }
  return { prescription: content, kid: verification.kid };
}

export interface DispensationDeps extends ConnectionDeps {
  now?: () => Date;
}

/** Dispensing is recorded against the Task at the issuer; here it is the pharmacy's Dispensation record. */
const audit = (db: Database, caller: Caller, event: Omit<AuditEntry, 'resourceType'>, tx?: Transaction) =>
  recordAudit(db, caller, { resourceType: 'MedicationDispense', ...event }, tx);

async function connectionTo(deps: DispensationDeps, caller: Caller, issuer: string): Promise<IssuerConnection> {
  if (trimSlash(issuer) === trimSlash(deps.ownFhirBaseUrl)) return ownIssuer(deps, caller);
  const partner = await activePartnerAt(deps.db, issuer);
  if (!partner) {
    await audit(deps.db, caller, { action: 'E', activity: 'dispensation-refused', outcome: '4', detail: `unknown issuer ${issuer}` });
    throw new Unprocessable('unknown-issuer',
      `The prescription was issued by ${issuer}, which is not a registered partner hospital: its signature cannot be checked here, so it is not dispensed.`);
  }
  return partnerIssuer(deps, partner, await pharmacyOf(deps.db, caller, undefined));
}

/** The pharmacist enters the patient's code: verify, then take the prescription at its issuer (→ in-progress). */
export async function takePrescription(deps: DispensationDeps, caller: Caller, codeText: string): Promise<DispensationView> {
  const code = parsePrescriptionCode(codeText);
  if (!code) {
    throw new Invalid('unreadable-prescription-code', 'This is not a prescription code: expect <issuer FHIR base>/Task/<id>#access-code=<code>, as the patient\'s QR code holds it.',
      [{ expression: 'code', message: 'not a prescription code' }]);
  }
  const { db } = deps;
  const now = deps.now?.() ?? new Date();
  const connection = await connectionTo(deps, caller, code.issuer);
  const refuse = async (error: unknown): Promise<never> => {
    await audit(db, caller, { action: 'E', activity: 'dispensation-refused', outcome: '4', detail: `${code.issuer} Task/${code.prescriptionId}: ${(error as Error).message}` });
    throw error;
  };
  const found = await connection.lookUp(code.prescriptionId, code.accessCode).catch(refuse);
  const jwks = await connection.jwks(kidOf(found.signed.jws)).catch(refuse);
  let verified: ReturnType<typeof verifyIssuedPrescription>;
  try {
    verified = verifyIssuedPrescription(found.signed, jwks, { issuer: code.issuer, prescriptionId: code.prescriptionId });
    // The validity comes from the signed content (the issuer cannot be talked past it); the status from the Task.
    assertAcceptable({ ...found.state, validUntil: new Date(verified.prescription.validUntil) }, now);
  } catch (error) {
    return refuse(error);
  }

  const id = newResourceId();
  const accepted = await connection.accept(code.prescriptionId, code.accessCode, `${id}:accept`).catch(refuse);
  try {
    if (accepted.signed.content !== found.signed.content || accepted.signed.jws !== found.signed.jws) {
      throw new Unprocessable('prescription-content-mismatch', 'The issuer handed over a different signed prescription than the one verified. It was given back; nothing was dispensed.');
    }
    const row = await db.transaction(async (tx) => {
      const created = await db.models.Dispensation.create({
        id, issuer: connection.issuer, partnerId: connection.partner?.id ?? null, prescriptionId: code.prescriptionId,
        prescriptionNumber: verified.prescription.number, pharmacistUserId: caller.userId, pharmacy: await pharmacyOf(db, caller, undefined),
        status: 'in-progress', secret: accepted.secret, signedContent: found.signed.content, signature: found.signed.jws,
        kid: verified.kid,
        dispensed: null, receipt: null, receiptSignature: null, completedAt: null,
      }, { transaction: tx });
      await audit(db, caller, { action: 'C', activity: 'dispensation-accepted', resourceId: id, detail: `${connection.issuer} Task/${code.prescriptionId}` }, tx);
      return created;
    });
    return dispensationView(row, connection.partner);
  } catch (error) {
    // We hold it at the issuer but could not keep our record: give it back so the patient can go elsewhere.
    await connection.giveBack(code.prescriptionId, accepted.secret).catch(() => undefined);
    return refuse(error);
  }
}

/** A dispensation of the caller's own pharmacy (another pharmacy's on the same node is not found, and audited). */
async function ownDispensation(db: Database, caller: Caller, id: string): Promise<Dispensation> {
  const row = await db.models.Dispensation.findByPk(id);
  if (!row || row.pharmacy !== await pharmacyOf(db, caller, undefined)) {
    if (row) await audit(db, caller, { action: 'R', activity: 'refused', outcome: '4', resourceId: id, detail: 'another pharmacy\'s dispensation' });
    throw new NotFound('dispensation-not-found', `No dispensation with id ${id} at this pharmacy.`);
  }
  return row;
}

async function heldDispensation(deps: DispensationDeps, caller: Caller, id: string) {
  const row = await ownDispensation(deps.db, caller, id);
  if (row.status !== 'in-progress' || !row.secret) {
    throw new Conflict('dispensation-not-in-progress', `This dispensation is ${row.status}: only one the pharmacy still holds can be handed over or given back.`, [], { current: row.status });
  }
  const connection = row.partnerId === null ? ownIssuer(deps, caller) : partnerIssuer(deps, await findPartner(deps.db, row.partnerId), row.pharmacy);
  return { row, connection, secret: row.secret };
}

/**
 * The pharmacist hands the medication over: close at the issuer with what was given per line (never more than
 * prescribed: checked here for a clear message and again by the issuer), keep the issuer's signed receipt.
 */
export async function handOverPrescription(
  deps: DispensationDeps, caller: Caller, id: string, handOver: { lineNo: number; quantity: number }[],
): Promise<DispensationView> {
  const { db } = deps;
  const { row, connection, secret } = await heldDispensation(deps, caller, id);
  const content = JSON.parse(row.signedContent) as SignedPrescription;
  const lines = handOver.map((h, i) => {
    const line = content.lines.find((l) => l.lineNo === h.lineNo);
    if (!line) throw new Invalid('unknown-line', `Line ${h.lineNo} is not on this prescription.`, [{ expression: `dispenses[${i}].lineNo`, message: 'no such line' }]);
    if (h.quantity > line.quantity) {
      throw new Invalid('quantity-exceeds-prescribed', `Line ${h.lineNo}: ${h.quantity} is more than the prescribed ${line.quantity}.`, [{ expression: `dispenses[${i}].quantity`, message: `at most ${line.quantity}` }]);
    }
    return { lineId: line.id, lineNo: line.lineNo, drugCode: line.drug.code, drugName: line.drug.name, quantity: h.quantity };
  });
  const { receipt } = await connection.close(row.prescriptionId, secret, lines, `${id}:close`);
  const verified = verifyDetached(receipt.jws, receipt.content, await connection.jwks(kidOf(receipt.jws)));
  const now = deps.now?.() ?? new Date();
  await db.transaction(async (tx) => {
    await row.update({
      status: 'completed', secret: null, completedAt: now, receipt: receipt.content, receiptSignature: receipt.jws,
      dispensed: JSON.stringify(lines.map(({ lineNo, drugCode, quantity }) => ({ lineNo, drugCode, quantity }))),
    }, { transaction: tx });
    await audit(db, caller, {
      action: 'U', activity: 'dispensation-completed', resourceId: id,
      detail: `${row.issuer} Task/${row.prescriptionId}; receipt signature ${verified.valid ? 'verified' : `NOT verified (${verified.reason})`}`,
    }, tx);
    // A partner's prescription: this pharmacy's handover is also a MedicationDispense here (the issuer stored its own).
    if (row.partnerId !== null) {
      await storeDerived({ db, caller, tx }, lines.map((line) => partnerMedicationDispense(
        row.id, row.issuer, row.pharmacy, now, content.patient, { ...line, id: line.lineId },
      )) as never[], { action: 'C', activity: 'dispensation-completed' });
    }
  });
  return dispensationView(row, connection.partner, verified.valid);
}

/** The pharmacist gives the prescription back untouched (in-progress → ready at the issuer). */
export async function giveBackDispensation(deps: DispensationDeps, caller: Caller, id: string): Promise<DispensationView> {
  const { db } = deps;
  const { row, connection, secret } = await heldDispensation(deps, caller, id);
  await connection.giveBack(row.prescriptionId, secret);
  await db.transaction(async (tx) => {
    await row.update({ status: 'given-back', secret: null }, { transaction: tx });
    await audit(db, caller, { action: 'U', activity: 'dispensation-given-back', resourceId: id, detail: `${row.issuer} Task/${row.prescriptionId}` }, tx);
  });
  return dispensationView(row, connection.partner);
}

export async function readDispensation(db: Database, caller: Caller, id: string): Promise<DispensationView> {
  const row = await ownDispensation(db, caller, id);
  await audit(db, caller, { action: 'R', activity: 'dispensation-read', resourceId: id });
  return dispensationView(row, row.partnerId ? await db.models.Partner.findByPk(row.partnerId) : null);
}

/** The caller's pharmacy's dispensations, newest first. */
export async function listDispensations(db: Database, caller: Caller): Promise<DispensationView[]> {
  const rows = await db.models.Dispensation.findAll({ where: { pharmacy: await pharmacyOf(db, caller, undefined) }, order: [['createdAt', 'DESC']], limit: 200 });
  const partners = new Map((await db.models.Partner.findAll()).map((p) => [p.id, p]));
  await audit(db, caller, { action: 'R', activity: 'dispensation-list', detail: `${rows.length} dispensations` });
  return rows.map((row) => dispensationView(row, row.partnerId ? partners.get(row.partnerId) ?? null : null));
}

export type DispensationView = ReturnType<typeof dispensationView>;

/** What the pharmacist sees: the verified prescription, where it came from, what was handed over, the receipt. */
export function dispensationView(row: Dispensation, partner: Partner | null, receiptVerified?: boolean) {
  const content = JSON.parse(row.signedContent) as SignedPrescription;
  return {
    id: row.id,
    status: row.status,
    issuer: { fhirBaseUrl: row.issuer, name: partner?.name ?? 'this hospital', partnerId: row.partnerId },
    prescription: {
      id: row.prescriptionId, number: row.prescriptionNumber, issuedAt: content.issuedAt, validUntil: content.validUntil,
      patient: content.patient, prescriber: content.prescriber,
      lines: content.lines.map((l) => ({ lineNo: l.lineNo, drugCode: l.drug.code, drugName: l.drug.name, dose: l.dose, frequency: l.frequency, quantity: l.quantity, supplyDays: l.supplyDays })),
    },
    signature: { kid: row.kid, verified: true },
    pharmacy: row.pharmacy,
    pharmacistUserId: row.pharmacistUserId,
    dispensed: row.dispensed ? JSON.parse(row.dispensed) as { lineNo: number; drugCode: string; quantity: number }[] : null,
    receipt: row.receipt ? { content: JSON.parse(row.receipt) as Record<string, unknown>, signature: row.receiptSignature, ...(receiptVerified === undefined ? {} : { verified: receiptVerified }) } : null,
    acceptedAt: row.createdAt.toISOString(),
    completedAt: row.completedAt?.toISOString() ?? null,
  };
}
