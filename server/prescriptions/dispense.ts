import { Op, type Transaction, type WhereOptions } from 'sequelize';
import type { Database } from '../../db/connection.js';
import type { Prescription, PrescriptionStatus } from '../../db/models/prescription.js';
import { nextVersion } from '../../db/versions.js';
import { recordAudit } from '../audit/audit-log.js';
import type { Caller } from '../auth/caller.js';
import type { KeyRing } from '../auth/keys.js';
import { Conflict, Forbidden, Gone, Invalid } from '../http/errors.js';
import { hashSecret, matchesHash, newSecret } from './access-code.js';
import { storePrescriptionRecords, type PrescriptionRecords } from './prescription-records.js';
import { findPrescription, prescriptionNotFound } from './review.js';
import { signDetached, type SignedDocument } from './signing.js';
import { newResourceId } from '../fhir/repository/resource-id.js';

/**
 * The dispensing state machine (a Task per prescription, as national e-prescription services do):
 * ready → in-progress ($accept, one pharmacy, which gets a secret) → completed ($close); in-progress → ready
 * ($reject); pending-review | rejected | ready → cancelled ($abort by the prescriber). Every move is one
 * conditional UPDATE on the status, so of any number of concurrent callers exactly one wins.
 * These functions take a prescription id and the presented codes only: a partner node's request can use them.
 */

/** What a refusal needs to know of a prescription; a partner node builds it from the issuer's Task and signed content. */
export type DispensingState = Pick<Prescription, 'status' | 'validUntil' | 'completedAt' | 'cancelledAt'>;

/** Throws the documented refusal (410 cancelled, 409 dispensed / held / not approved, 403 expired) for a state. */
export function refuseStatus(row: DispensingState, now: Date): never {
  switch (row.status) {
    case 'cancelled':
      throw new Gone('prescription-cancelled', 'The prescription was cancelled by the prescriber; it cannot be dispensed.', [], { cancelledAt: row.cancelledAt?.toISOString() });
    case 'completed':
      throw new Conflict('prescription-already-dispensed', 'The prescription was already dispensed.', [], { completedAt: row.completedAt?.toISOString() });
    case 'in-progress':
      throw new Conflict('prescription-already-accepted', 'Another pharmacy holds the prescription; it can dispense it or give it back.');
    case 'pending-review':
    case 'rejected':
      throw new Conflict('prescription-not-approved', `The prescription is ${row.status}: only a prescription approved by a pharmacist can be dispensed.`, [], { current: row.status });
    default:
      if (row.validUntil <= now) throw expired(row);
      throw new Conflict('prescription-not-accepted', 'The prescription is not held by a pharmacy: accept it first.', [], { current: row.status });
  }
}

const expired = (row: DispensingState) => new Forbidden('prescription-expired',
  `The prescription expired on ${row.validUntil.toISOString()}; ask the doctor for a new one.`, [], { validUntil: row.validUntil.toISOString() });

/** A prescription an act moved, and the records the act stored for it. */
export interface MovedPrescription {
  prescription: Prescription;
  records: PrescriptionRecords;
}

export interface AcceptedPrescription extends MovedPrescription {
  secret: string;
  signed: SignedDocument;
}

/** The pharmacy that holds it, as the Task's owner shows it: a partner's is named after the partner registration. */
export async function pharmacyOf(db: Database, caller: Caller, named: string | undefined): Promise<string> {
  if (caller.role !== 'system') return named ?? `Organization/${caller.organizationId ?? caller.userId}`;
  const partner = caller.organizationId ? await db.models.Partner.findByPk(caller.organizationId) : null;
  const who = partner ? `${partner.name} (${partner.fhirBaseUrl})` : caller.userId;
  return (named ? `${named}, ${who}` : who).slice(0, 255);
}

/** Dispensable now: approved (ready), nobody holds it, and not expired; otherwise the documented refusal. */
export function assertAcceptable(state: DispensingState, now: Date): void {
  if (state.status !== 'ready' || state.validUntil <= now) refuseStatus(state, now);
}

/** The prescription the patient's access code opens; a wrong code is refused (403) and audited. */
async function openedByCode(db: Database, who: Caller, id: string, accessCode: string, activity: string): Promise<Prescription> {
  const row = await findPrescription(db, id);
  if (!matchesHash(accessCode, row.accessCodeHash)) {
    await recordAudit(db, who, { action: 'E', activity, outcome: '4', resourceType: 'Task', resourceId: id, patientId: row.patientId, detail: 'wrong access code' });
    throw new Forbidden('wrong-access-code', 'The access code does not match this prescription.');
  }
  return row;
}

/**
 * $lookup: with the patient's access code, a pharmacy (here or at a partner node) reads the Task and the signed
 * prescription before it takes it, to verify the signature and check status and validity. Changes nothing.
 */
export async function lookUpPrescription(db: Database, who: Caller, id: string, input: { accessCode: string }): Promise<{ prescription: Prescription; signed: SignedDocument }> {
  const row = await openedByCode(db, who, id, input.accessCode, 'prescription-lookup-refused');
  await recordAudit(db, who, { action: 'R', activity: 'prescription-looked-up', resourceType: 'Task', resourceId: id, patientId: row.patientId });
  return { prescription: row, signed: { content: row.signedContent, jws: row.signature, kid: row.kid } };
}

/** $accept: with the patient's access code, the pharmacy takes the prescription (ready → in-progress). */
export async function acceptPrescription(db: Database, who: Caller, id: string, input: { accessCode: string; pharmacy: string }, now = new Date()): Promise<AcceptedPrescription> {
  const before = await openedByCode(db, who, id, input.accessCode, 'prescription-accept-refused');
  // A plain read may refuse early (the status only moves forward from here); the winner is still decided by the UPDATE.
  assertAcceptable(before, now);
  const secret = newSecret();
  return db.transaction(async (tx) => {
    const [moved] = await db.models.Prescription.update(
      { status: 'in-progress', ownerPharmacy: input.pharmacy, secretHash: hashSecret(secret), acceptedAt: now, versionId: nextVersion(db) },
      { where: { id, status: 'ready', validUntil: { [Op.gt]: now } }, transaction: tx },
    );
    const row = await findPrescription(db, id, tx);
    if (moved !== 1) refuseStatus(row, now);
    const records = await storePrescriptionRecords(db, who, tx, row, { action: 'U', activity: 'prescription-accepted' });
    return { secret, prescription: row, records, signed: { content: row.signedContent, jws: row.signature, kid: row.kid } };
  });
}

/** $reject: the holding pharmacy gives the prescription back (in-progress → ready). */
export async function giveBackPrescription(db: Database, who: Caller, id: string, input: { secret: string }): Promise<MovedPrescription> {
  const before = await findPrescription(db, id);
  if (before.status === 'in-progress' && !matchesHash(input.secret, before.secretHash)) throw wrongSecret();
  return db.transaction(async (tx) => {
    const [moved] = await db.models.Prescription.update(
      { status: 'ready', ownerPharmacy: null, secretHash: null, acceptedAt: null, versionId: nextVersion(db) },
      { where: { id, status: 'in-progress', secretHash: hashSecret(input.secret) }, transaction: tx },
    );
    const row = await findPrescription(db, id, tx);
    if (moved !== 1) {
      if (row.status === 'in-progress') throw wrongSecret();
      refuseStatus(row, new Date());
    }
    const records = await storePrescriptionRecords(db, who, tx, row, { action: 'U', activity: 'prescription-given-back' });
    return { prescription: row, records };
  });
}

const wrongSecret = () => new Forbidden('wrong-secret', 'The secret does not match the one given to the pharmacy that accepted the prescription.');

export interface DispenseInput {
  /** The MedicationRequest (line) id, or the line number. */
  lineId?: string;
  lineNo?: number;
  drugCode?: string;
  quantity: number;
}

export interface Receipt {
  content: string;
  jws: string;
  kid: string;
}

/** $close: the holding pharmacy records what it dispensed (never more than prescribed) → completed; a signed receipt. */
export async function closePrescription(db: Database, keys: KeyRing, who: Caller, id: string, input: { secret: string; dispenses: DispenseInput[] }, now = new Date()) {
  const before = await findPrescription(db, id);
  // The secret stays stored after completion, so a second close with it is told "already dispensed" (409).
  if (!matchesHash(input.secret, before.secretHash)) throw wrongSecret();
  const lines = await db.models.PrescriptionLine.findAll({ where: { prescriptionId: id }, order: [['lineNo', 'ASC']] });
  if (input.dispenses.length === 0) throw new Invalid('no-dispense', 'Close needs at least one MedicationDispense.', [{ expression: 'dispense', message: 'missing' }]);
  const dispensed = input.dispenses.map((d, i) => {
    const line = lines.find((l) => (d.lineId && l.id === d.lineId) || (d.lineNo !== undefined && l.lineNo === d.lineNo)
      || (!d.lineId && d.lineNo === undefined && l.drugCode === d.drugCode));
    if (!line) throw new Invalid('unknown-line', `Dispense ${i + 1} does not point to a line of this prescription.`, [{ expression: `dispense[${i}].authorizingPrescription`, message: 'no such MedicationRequest' }]);
    if (d.drugCode && d.drugCode !== line.drugCode) throw new Invalid('wrong-drug', `Dispense ${i + 1} is ${d.drugCode}, the line prescribes ${line.drugCode}.`, [{ expression: `dispense[${i}].medicationCodeableConcept`, message: 'drug differs' }]);
    if (!Number.isInteger(d.quantity) || d.quantity < 1 || d.quantity > line.quantity) {
      throw new Invalid('quantity-exceeds-prescribed', `Dispense ${i + 1}: ${d.quantity} is not between 1 and the prescribed ${line.quantity}.`, [{ expression: `dispense[${i}].quantity.value`, message: `at most ${line.quantity}` }]);
    }
    return { line, quantity: d.quantity };
  });
  if (new Set(dispensed.map((d) => d.line.id)).size !== dispensed.length) {
    throw new Invalid('line-dispensed-twice', 'Each line is dispensed at most once.', [{ expression: 'dispense', message: 'duplicate line' }]);
  }
  const receiptContent = {
    type: 'dispense-receipt', version: 1, prescriptionId: id, number: before.number, issuer: JSON.parse(before.signedContent).issuer as string,
    status: 'completed', pharmacy: before.ownerPharmacy, completedAt: now.toISOString(),
    dispenses: dispensed.map((d) => ({ lineNo: d.line.lineNo, drugCode: d.line.drugCode, quantity: d.quantity })),
  };
  const receipt: Receipt = (({ content, jws, kid }) => ({ content, jws, kid }))(signDetached(keys, receiptContent, 'dispense-receipt+json'));
  return db.transaction(async (tx) => {
    const [moved] = await db.models.Prescription.update(
      { status: 'completed', completedAt: now, receipt: JSON.stringify(receipt), versionId: nextVersion(db) },
      { where: { id, status: 'in-progress', secretHash: hashSecret(input.secret) }, transaction: tx },
    );
    const row = await findPrescription(db, id, tx);
    if (moved !== 1) refuseStatus(row, now);
    const rows = [];
    for (const d of dispensed) {
      const dispense = await db.models.MedicationDispense.create({
        id: newResourceId(), prescriptionId: id, lineNo: d.line.lineNo, drugCode: d.line.drugCode, quantity: d.quantity,
        pharmacy: before.ownerPharmacy ?? 'unknown', dispensedAt: now,
      }, { transaction: tx });
      rows.push(dispense);
    }
    const records = await storePrescriptionRecords(db, who, tx, row, { action: 'U', activity: 'prescription-dispensed' }, rows);
    return { prescription: row, dispenses: rows, records, receipt };
  });
}

const CANCELLABLE: PrescriptionStatus[] = ['pending-review', 'rejected', 'ready'];

/**
 * The one cancel (abort, or a replacement's cancel of the old one): a conditional UPDATE from a status no
 * pharmacy holds, narrowed by `where`, and the new version when it applied. Answers the records it stored, or
 * undefined when it did not move.
 */
export async function cancelWhileNotHeld(
  db: Database, who: Caller, id: string, where: WhereOptions<Prescription>, tx: Transaction, detail?: string,
): Promise<PrescriptionRecords | undefined> {
  const [moved] = await db.models.Prescription.update(
    { status: 'cancelled', cancelledAt: new Date(), versionId: nextVersion(db) },
    { where: { ...where, id, status: { [Op.in]: CANCELLABLE } }, transaction: tx },
  );
  if (moved !== 1) return undefined;
  return storePrescriptionRecords(db, who, tx, await findPrescription(db, id, tx), { action: 'U', activity: 'prescription-cancelled', detail });
}

/** $abort (and cancel in /api): the prescriber withdraws the prescription while no pharmacy holds it. */
export async function abortPrescription(db: Database, caller: Caller, id: string): Promise<MovedPrescription> {
  const before = await findPrescription(db, id);
  // Another doctor is not told that the prescription exists (routes let only doctors through).
  if (caller.practitionerId === null || caller.practitionerId !== before.prescriberId) throw prescriptionNotFound(id);
  return db.transaction(async (tx) => {
    const records = await cancelWhileNotHeld(db, caller, id, {}, tx);
    const row = await findPrescription(db, id, tx);
    if (!records) {
      if (row.status === 'in-progress') throw new Conflict('prescription-held-by-pharmacy', 'A pharmacy holds the prescription: it cannot be cancelled until it is given back.');
      refuseStatus(row, new Date());
    }
    return { prescription: row, records };
  });
}
