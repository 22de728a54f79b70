import crypto from 'node:crypto';
import { Op, type Transaction } from 'sequelize';
import type { Database } from '../../db/connection.js';
import type { Caller } from '../auth/caller.js';
import type { KeyRing } from '../auth/keys.js';
import { followUpEligibility, type EligibilityPolicy } from '../consultations/eligibility.js';
import { Conflict, Forbidden, Invalid, NotFound, type ErrorDetail } from '../http/errors.js';
import { accessCodeFor, hashSecret } from './access-code.js';
import { cancelWhileNotHeld } from './dispense.js';
import { ATC } from './drug-catalogue.js';
import { prescriptionLimits } from './limits.js';
import { storePrescriptionRecords } from './prescription-records.js';
import { signDetached } from './signing.js';
import { isClosedForOnlinePrescribing } from '../consultations/visits.js';
import { newResourceId } from '../fhir/repository/resource-id.js';

export interface PrescriptionLineInput {
  drugCode: string;
  dose: string;
  frequency: string;
  quantity: number;
  supplyDays: number;
}

export interface PrescribeInput {
  encounterId: string;
  lines: PrescriptionLineInput[];
  /** The chronic condition (ICD-10) that allows a supply over 7 days. */
  chronicConditionCode?: string;
  /** 1 by default; 2 or 3 only with a reason. */
  validityDays?: number;
  validityReason?: string;
  /** The prescription this one replaces; it is cancelled in the same transaction. */
  replaces?: string;
}

const HOUR = 3600_000;
const DAY = 24 * HOUR;
/** A visit stays open for prescribing this long after it finished. */
export const PRESCRIBING_WINDOW_AFTER_VISIT_MS = 24 * HOUR;

async function openVisitFor(db: Database, caller: Caller, encounterId: string, now: Date) {
  const visit = await db.models.Encounter.findByPk(encounterId);
  if (!visit) throw new NotFound('visit-not-found', `No visit with id ${encounterId}.`);
  if (visit.encounterClass !== 'VR') {
    throw new Invalid('not-a-follow-up-visit', 'Prescriptions are issued online only inside a follow-up video visit.', [{ expression: 'encounterId', message: 'not a VR encounter' }]);
  }
  if (caller.practitionerId === null || caller.practitionerId !== visit.practitionerId) {
    throw new Forbidden('not-visit-doctor', "Only the visit's doctor can prescribe in it.");
  }
  const justFinished = visit.status === 'finished' && visit.periodEnd !== null
    && now.getTime() - visit.periodEnd.getTime() <= PRESCRIBING_WINDOW_AFTER_VISIT_MS;
  if (visit.status !== 'in-progress' && !justFinished) {
    throw new Invalid('visit-not-open', `The visit is ${visit.status}; prescribe during the visit or within 24 hours after it finished.`,
      [{ expression: 'encounterId', message: `visit status ${visit.status}` }]);
  }
  if (await isClosedForOnlinePrescribing(db, encounterId)) {
    throw new Invalid('visit-needs-in-person-care', 'The visit ended as needing in-person care: no prescription can be issued online for it.');
  }
  return visit;
}

/** Checks every line against the catalogue and the supply rules; one 400 naming each offending line. */
async function checkLines(db: Database, input: PrescribeInput) {
  const { maxLines, maxSupplyDays, maxChronicSupplyDays } = prescriptionLimits;
  if (input.lines.length > maxLines) {
    throw new Invalid('too-many-lines', `A prescription holds at most ${maxLines} drugs; this one has ${input.lines.length}.`,
      [{ expression: `lines[${maxLines}]`, message: `more than ${maxLines} lines` }]);
  }
  const drugs = await db.models.Drug.findAll({ where: { code: { [Op.in]: input.lines.map((l) => l.drugCode) } } });
  const problems: { code: string; detail: ErrorDetail }[] = [];
  input.lines.forEach((line, i) => {
    const drug = drugs.find((d) => d.code === line.drugCode);
    if (!drug) {
      problems.push({ code: 'unknown-drug', detail: { expression: `lines[${i}].drugCode`, message: `${line.drugCode} is not in the drug catalogue.` } });
    } else if (drug.narcotic || drug.psychotropic) {
      problems.push({ code: 'controlled-drug-not-online', detail: {
        expression: `lines[${i}].drugCode`, message: `${drug.name} is ${drug.narcotic ? 'a narcotic' : 'a psychotropic'} drug: it cannot be prescribed online.`,
      } });
    }
    if (!input.chronicConditionCode && line.supplyDays > maxSupplyDays) {
      problems.push({ code: 'supply-too-long', detail: {
        expression: `lines[${i}].supplyDays`, message: `Supply is at most ${maxSupplyDays} days unless a chronic condition is given (chronicConditionCode).`,
      } });
    } else if (line.supplyDays > maxChronicSupplyDays) {
      problems.push({ code: 'supply-over-12-weeks', detail: {
        expression: `lines[${i}].supplyDays`, message: `Supply is at most ${maxChronicSupplyDays} days (12 weeks) even for a chronic condition.`,
      } });
    }
  });
  if (problems.length) {
    throw new Invalid(problems[0].code, `The prescription cannot be issued: ${problems.map((p) => `${p.detail.expression}: ${p.detail.message}`).join('; ')}`,
      problems.map((p) => p.detail));
  }
  return drugs;
}

function validityOf(input: PrescribeInput, issuedAt: Date): Date {
  const days = input.validityDays ?? 1;
  if (days > prescriptionLimits.maxValidityDays) {
    throw new Invalid('validity-too-long', `A prescription is valid for at most ${prescriptionLimits.maxValidityDays} days.`, [{ expression: 'validityDays', message: `${days} days` }]);
  }
  if (days > 1 && !input.validityReason?.trim()) {
    throw new Invalid('validity-reason-required', 'A validity over 1 day needs a reason.', [{ expression: 'validityReason', message: 'required when validityDays > 1' }]);
  }
  return new Date(issuedAt.getTime() + days * DAY);
}

const prescriptionNumber = (now: Date) => `RX-${now.toISOString().slice(0, 10).replace(/-/g, '')}-${crypto.randomBytes(5).toString('hex').toUpperCase()}`;

/**
 * DESIGN.md "E-prescriptions" (R): the treating doctor, in an open follow-up visit of an eligible patient,
 * issues 1–5 lines; the hospital signs the content (with the doctor's identity) and it waits for review.
 */
export async function prescribe(
  db: Database, keys: KeyRing, issuer: string, caller: Caller, input: PrescribeInput, policy: EligibilityPolicy, now = new Date(),
) {
  const visit = await openVisitFor(db, caller, input.encounterId, now);
  const eligibility = await followUpEligibility(db, visit.patientId, { ...policy, conditionCode: input.chronicConditionCode, now });
  if (!eligibility.eligible) {
    throw new Invalid('patient-not-eligible', eligibility.reason,
      [{ expression: input.chronicConditionCode ? 'chronicConditionCode' : 'encounterId', message: eligibility.reason }]);
  }
  const drugs = await checkLines(db, input);
  const validUntil = validityOf(input, now);
  const { Patient, Practitioner, Organization, Prescription, PrescriptionLine } = db.models;
  const patient = await Patient.findByPk(visit.patientId, { rejectOnEmpty: true });
  const doctor = await Practitioner.findByPk(caller.practitionerId!, { rejectOnEmpty: true });
  const organization = doctor.organizationId ? await Organization.findByPk(doctor.organizationId) : null;

  const id = newResourceId();
  const number = prescriptionNumber(now);
  const lines = input.lines.map((line, i) => {
    const drug = drugs.find((d) => d.code === line.drugCode)!;
    return {
      id: newResourceId(), lineNo: i + 1, drug: { system: ATC, code: drug.code, name: drug.name, form: drug.form, strength: drug.strength, route: drug.route },
      dose: line.dose, frequency: line.frequency, quantity: line.quantity, supplyDays: line.supplyDays,
    };
  });
  const content = {
    type: 'prescription', version: 1, id, number, issuer,
    issuedAt: now.toISOString(), validUntil: validUntil.toISOString(),
    patient: { id: patient.id, name: `${patient.givenName} ${patient.familyName}`, birthDate: patient.birthDate },
    prescriber: {
      id: doctor.id, name: `${doctor.givenName} ${doctor.familyName}`,
      organization: organization ? { id: organization.id, name: organization.name, identifier: organization.identifier } : null,
    },
    encounterId: visit.id,
    chronicCondition: input.chronicConditionCode ?? null,
    validityReason: input.validityReason ?? null,
    replaces: input.replaces ?? null,
    lines,
  };
  const signed = signDetached(keys, content, 'prescription+json');

  return db.transaction(async (tx) => {
    if (input.replaces) await cancelReplaced(db, caller, input.replaces, visit.patientId, tx);
    const row = await Prescription.create({
      id, number, patientId: patient.id, prescriberId: doctor.id, encounterId: visit.id, status: 'pending-review',
      issuedAt: now, validUntil, validityReason: input.validityReason ?? null, chronicConditionCode: input.chronicConditionCode ?? null,
      replacesId: input.replaces ?? null, signedContent: signed.content, signature: signed.jws, kid: signed.kid,
      accessCodeHash: hashSecret(accessCodeFor(keys, signed.kid, id)), reviewerId: null, reviewedAt: null,
      reviewReasonCode: null, reviewNote: null, ownerPharmacy: null, secretHash: null, acceptedAt: null,
      completedAt: null, receipt: null, cancelledAt: null,
    }, { transaction: tx });
    for (const line of lines) {
      await PrescriptionLine.create({
        id: line.id, prescriptionId: id, lineNo: line.lineNo, drugCode: line.drug.code, drugName: line.drug.name,
        dose: line.dose, frequency: line.frequency, quantity: line.quantity, supplyDays: line.supplyDays,
      }, { transaction: tx });
    }
    await storePrescriptionRecords(db, caller, tx, row, { action: 'C', activity: 'prescription-issued' });
    return row;
  });
}

async function cancelReplaced(db: Database, caller: Caller, replacedId: string, patientId: string, tx: Transaction) {
  if (!(await cancelWhileNotHeld(db, caller, replacedId, { patientId, prescriberId: caller.practitionerId! }, tx, 'replaced'))) {
    throw new Conflict('cannot-replace', 'The prescription to replace is not yours, not this patient\'s, or is already held, dispensed or cancelled.',
      [{ expression: 'replaces', message: replacedId }]);
  }
}
