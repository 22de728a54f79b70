/**
 * The answer of GET /api/patients/{id}/billing (server/billing/patient-billing.ts), read by the patient's "My
 * insurance and bills" (client/billing/patient-billing.ts) with `import type`: one declaration for both sides.
 * Why a charge is not billed is given by the billing rules' stable reason codes; the page words them.
 */
import type { Money } from '@medplum/fhirtypes';
import type { ReasonCode } from './rules/rule-result.js';

/** A reason a billing rule kept a charge from being billed (docs/billing.md "Rules"). */
export type NotBilledReason = Exclude<ReasonCode, 'qualifies'>;

export interface CoverageView { id: string; payer: string; memberId: string; status: string; start?: string; end?: string }
export interface ChargeView { id: string; code: string; display?: string; status: string; reasons: NotBilledReason[]; price?: Money }
export type VisitBillingStatus = 'not-billable' | 'not-claimed' | 'claimed' | 'paid' | 'denied';
export interface VisitBilling {
  /** The visit (Encounter id), or the patient and period for period codes. */
  visit: string;
  date: string;
  charges: ChargeView[];
  cost?: Money;
  insurerPaid?: Money;
  status: VisitBillingStatus;
}
export interface PatientBilling { coverages: CoverageView[]; visits: VisitBilling[] }
