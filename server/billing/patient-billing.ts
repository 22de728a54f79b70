import type { ChargeItem, Claim, Coverage, ExplanationOfBenefit } from '@medplum/fhirtypes';
import type { Database } from '../../db/connection.js';
import type { Caller } from '../auth/caller.js';
import { assertPatientAccess, patientNotFound } from '../auth/patient-access.js';
import type { Config } from '../config.js';
import { fhirContextOf, searchAll } from './billing-records.js';
import { adjudicationAmount, BILLING_DECISION, chargeIdsOf, serviceDateOf, sumOf } from './claim-documents.js';
import type { ChargeView, NotBilledReason, PatientBilling, VisitBilling, VisitBillingStatus } from './contract.js';

const idOf = (reference: string | undefined) => reference?.split('/')[1] ?? '';

const reasonCodingsOf = (charge: ChargeItem) => (charge.extension?.find((e) => e.url === BILLING_DECISION)?.extension ?? [])
  .filter((e) => e.url === 'reason').map((e) => e.valueCoding ?? {});

/** Every rule's reason in the rules' own (English) sentences: for the insurer's CSV. */
export const reasonsOf = (charge: ChargeItem): string[] => reasonCodingsOf(charge).map((c) => c.display ?? c.code ?? '').filter(Boolean);

/** The reasons a charge is not billed, as the rules' codes: the patient's page words them in her language. */
const notBilledReasonsOf = (charge: ChargeItem): NotBilledReason[] =>
  reasonCodingsOf(charge).map((c) => c.code).filter((code): code is NotBilledReason => !!code && code !== 'qualifies');

export const chargeView = (charge: ChargeItem & { id: string }): ChargeView => {
  const coding = charge.code.coding?.[0];
  return {
    id: charge.id, code: coding?.code ?? '', ...(coding?.display ? { display: coding.display } : {}), status: charge.status,
    reasons: notBilledReasonsOf(charge), ...(charge.priceOverride ? { price: charge.priceOverride } : {}),
  };
};

function visitStatus(billable: ChargeItem[], claimed: boolean, explanation: ExplanationOfBenefit | undefined): VisitBillingStatus {
  if (!billable.length) return 'not-billable';
  if (explanation) return explanation.outcome === 'error' ? 'denied' : 'paid';
  return claimed ? 'claimed' : 'not-claimed';
}

/**
 * What a patient sees of her billing (docs/billing.md "Claims and payment"): her coverages, and per visit what it
 * cost and what the insurer paid. Read through FHIR search as the caller, so the access rule and the audit are
 * the repository's.
 */
export async function readPatientBilling(db: Database, config: Config, caller: Caller, patientId: string): Promise<PatientBilling> {
  await assertPatientAccess(db, caller, patientId, 'ExplanationOfBenefit', 'read');
  if (!(await db.models.Patient.findByPk(patientId, { attributes: ['id'] }))) throw patientNotFound(patientId);
  const ctx = fhirContextOf(db, config, caller);
  const patient = `Patient/${patientId}`;
  const [coverages, charges, claims, explanations] = await Promise.all([
    searchAll<Coverage>(ctx, 'Coverage', { patient }),
    searchAll<ChargeItem>(ctx, 'ChargeItem', { subject: patient }),
    searchAll<Claim>(ctx, 'Claim', { patient }),
    searchAll<ExplanationOfBenefit>(ctx, 'ExplanationOfBenefit', { patient }),
  ]);
  // Payers are directory entries (Organization), not the patient's records: their names are read as such.
  const payerIds = [...new Set(coverages.map((c) => idOf(c.payor[0]?.reference)))];
  const payers = new Map((await db.models.Organization.findAll({ where: { id: payerIds } })).map((o) => [o.id, o.name]));
  const claimOfCharge = new Map<string, string>();
  for (const claim of claims) for (const chargeId of chargeIdsOf(claim)) claimOfCharge.set(chargeId, claim.id);
  const explanationOfClaim = new Map(explanations.map((e) => [idOf(e.claim?.reference), e]));
  const visits = new Map<string, Array<ChargeItem & { id: string }>>();
  for (const charge of charges.filter((c) => c.status !== 'entered-in-error')) {
    const visit = idOf(charge.context?.reference) || `${idOf(charge.subject.reference)}:${serviceDateOf(charge)}`;
    visits.set(visit, [...(visits.get(visit) ?? []), charge]);
  }
  return {
    coverages: coverages.map((c) => {
      const payer = c.payor[0]?.display ?? payers.get(idOf(c.payor[0]?.reference)) ?? idOf(c.payor[0]?.reference);
      return {
        id: c.id, payer, memberId: c.subscriberId ?? c.identifier?.[0]?.value ?? '', status: c.status,
        ...(c.period?.start ? { start: c.period.start } : {}), ...(c.period?.end ? { end: c.period.end } : {}),
      };
    }),
    visits: [...visits.entries()].map(([visit, visitCharges]): VisitBilling => {
      const billable = visitCharges.filter((c) => c.status === 'billable');
      const claimIds = billable.map((c) => claimOfCharge.get(c.id)).filter((id): id is string => !!id);
      const explanation = claimIds.map((id) => explanationOfClaim.get(id)).find(Boolean);
      const paidItems = explanation?.item?.filter((i) => billable.some((c) => chargeIdsOf({ item: [i] } as Claim).includes(c.id))) ?? [];
      const insurerPaid = sumOf(paidItems.map((i) => adjudicationAmount(i.adjudication, 'benefit')));
      const cost = sumOf(billable.map((c) => c.priceOverride));
      return {
        visit, date: visitCharges.map(serviceDateOf).sort()[0] ?? '', charges: visitCharges.map(chargeView),
        ...(cost ? { cost } : {}), ...(insurerPaid ? { insurerPaid } : {}), status: visitStatus(billable, claimIds.length > 0, explanation),
      };
    }).sort((a, b) => b.date.localeCompare(a.date)),
  };
}
