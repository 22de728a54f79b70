import type { ChargeItem, Claim, Coverage } from '@medplum/fhirtypes';
import { Op, QueryTypes, UniqueConstraintError } from 'sequelize';
import type { Database } from '../../db/connection.js';
import type { Caller } from '../auth/caller.js';
import type { Config } from '../config.js';
import * as repository from '../fhir/repository/repository.js';
import { Conflict, Forbidden, Invalid } from '../http/errors.js';
import { fhirContextOf, searchAll } from './billing-records.js';
import { claimOf, serviceDateOf, type ClaimPeriod } from './claim-documents.js';

/**
 * "Submit claims for a period" (an admin's action; docs/billing.md "Claims and payment"): the billable charges
 * of the period not yet on a claim become Claims, one per patient, coverage and period, through the FHIR
 * repository. Each Claim has a stable id from that key, so submitting the same period twice, or twice at once,
 * gives one Claim: the second finds it (its primary key decides a race).
 */
export interface SubmittedClaim { claimId: string; patientId: string; coverageId: string; items: number; total?: { value: number; currency: string } }
export interface UnclaimedCharge { chargeItemId: string; patientId: string; reason: 'no-coverage' | 'already-claimed' }
export interface ClaimSubmission { period: ClaimPeriod; claims: SubmittedClaim[]; unclaimed: UnclaimedCharge[] }

type Charge = ChargeItem & { id: string };
const idOf = (reference: string | undefined) => reference?.split('/')[1] ?? '';

/** The charges among `ids` that some Claim already bills (the contract's item extension, indexed as `charge-item`). */
async function alreadyClaimed(db: Database, ids: string[]): Promise<Set<string>> {
  if (!ids.length) return new Set();
  const rows = await db.models.FhirReference.findAll({
    attributes: ['targetId'], where: { resourceType: 'Claim', code: 'charge-item', targetType: 'ChargeItem', targetId: { [Op.in]: ids } },
  });
  return new Set(rows.map((r) => String(r.get('targetId'))));
}

/** The coverage in force over the whole period (active, its period around the claim's), if any. */
function coverageFor(coverages: Array<Coverage & { id: string }>, period: ClaimPeriod): (Coverage & { id: string }) | undefined {
  return coverages.find((c) => c.status === 'active' && (!c.period?.start || c.period.start.slice(0, 10) <= period.start)
    && (!c.period?.end || c.period.end.slice(0, 10) >= period.end));
}

/** The conditions under follow-up: the patient's active, confirmed diagnoses (projection columns kept for such rules). */
async function conditionsUnderFollowUp(db: Database, patientId: string): Promise<string[]> {
  const rows = await db.models.Condition.findAll({
    attributes: ['id'], where: { patientId, clinicalStatus: 'active', verificationStatus: 'confirmed' }, order: [['recordedAt', 'ASC']], limit: 12,
  });
  return rows.map((r) => r.id);
}

async function hospitalOrganizationId(db: Database): Promise<string> {
  const [row] = await db.sequelize.query<{ id: string }>("SELECT id FROM organizations WHERE kind = 'hospital' ORDER BY createdAt LIMIT 1", { type: QueryTypes.SELECT });
  if (!row) throw new Conflict('no-hospital-organization', 'This node has no hospital Organization to name as the claims\' provider.');
  return row.id;
}

export async function submitClaims(db: Database, config: Config, caller: Caller, period: ClaimPeriod): Promise<ClaimSubmission> {
  if (caller.role !== 'admin') throw new Forbidden('wrong-role', 'Claims are submitted by the hospital\'s admins.');
  if (period.end < period.start) throw new Invalid('invalid-period', 'The period ends before it starts.', [{ expression: 'end', message: 'before start' }]);
  const ctx = fhirContextOf(db, config, caller);
  const charges = await searchAll<ChargeItem>(ctx, 'ChargeItem', { status: 'billable', 'service-date': [`ge${period.start}`, `le${period.end}`] });
  const inPeriod = charges.filter((c) => serviceDateOf(c) >= period.start && serviceDateOf(c) <= period.end);
  const claimed = await alreadyClaimed(db, inPeriod.map((c) => c.id));
  const unclaimed: UnclaimedCharge[] = [];
  const byPatient = new Map<string, Charge[]>();
  for (const charge of inPeriod) {
    const patientId = idOf(charge.subject?.reference);
    if (claimed.has(charge.id)) unclaimed.push({ chargeItemId: charge.id, patientId, reason: 'already-claimed' });
    else byPatient.set(patientId, [...(byPatient.get(patientId) ?? []), charge]);
  }
  const providerId = await hospitalOrganizationId(db);
  const claims: SubmittedClaim[] = [];
  for (const [patientId, patientCharges] of byPatient) {
    const coverage = coverageFor(await searchAll<Coverage>(ctx, 'Coverage', { patient: `Patient/${patientId}` }), period);
    if (!coverage) {
      unclaimed.push(...patientCharges.map((c) => ({ chargeItemId: c.id, patientId, reason: 'no-coverage' as const })));
      continue;
    }
    patientCharges.sort((a, b) => serviceDateOf(a).localeCompare(serviceDateOf(b)) || a.id.localeCompare(b.id));
    const claim = claimOf({
      patientId, coverage, providerId, period, charges: patientCharges, conditionIds: await conditionsUnderFollowUp(db, patientId),
      created: new Date().toISOString(),
    });
    if (!(await storeClaim(ctx, claim))) {
      unclaimed.push(...patientCharges.map((c) => ({ chargeItemId: c.id, patientId, reason: 'already-claimed' as const })));
      continue;
    }
    claims.push({ claimId: claim.id, patientId, coverageId: coverage.id, items: claim.item?.length ?? 0, ...(claim.total ? { total: claim.total as SubmittedClaim['total'] } : {}) });
  }
  return { period, claims, unclaimed };
}

/** Stores one Claim in its own transaction; false when a Claim with its key exists already (or is written at this moment). */
async function storeClaim(ctx: ReturnType<typeof fhirContextOf>, claim: Claim & { id: string }): Promise<boolean> {
  try {
    await repository.create(ctx, 'Claim', claim, claim.id);
    return true;
  } catch (error) {
    if (error instanceof UniqueConstraintError || (error instanceof Conflict && error.code === 'duplicate-id')) return false;
    throw error;
  }
}
