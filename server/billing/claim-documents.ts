import crypto from 'node:crypto';
import type {
  ChargeItem, Claim, ClaimItem, ClaimResponse, CodeableConcept, Coverage, ExplanationOfBenefit, ExplanationOfBenefitItem, Money,
} from '@medplum/fhirtypes';
import { CHARGE_ITEM_LINK } from '../fhir/repository/hospital-search-parameters.js';

/**
 * The claim documents of the billing contract (/work/briefs/billing-contract.md, docs/billing.md "Claims and
 * payment") as pure functions: billable charges → a Claim; a Claim and the payer's ClaimResponse → an
 * ExplanationOfBenefit. No I/O: the use cases (submit-claims.ts, claim-responses.ts) store them.
 */
export const OUR_FHIR = 'https://internet-hospital.dev/fhir';
export const CLAIM_IDENTIFIER = `${OUR_FHIR}/sid/claim`;
export const BILLING_DECISION = `${OUR_FHIR}/StructureDefinition/billing-decision`;
const CLAIM_TYPE: CodeableConcept = { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/claim-type', code: 'professional' }] };
const NORMAL_PRIORITY: CodeableConcept = { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/processpriority', code: 'normal' }] };
const ADJUDICATION = 'http://terminology.hl7.org/CodeSystem/adjudication';

/** A Claim is open (its evidence readable by the payer) until an answer with one of these outcomes. */
export const FINAL_OUTCOMES = ['complete', 'error'] as const;

/** A stable id from a natural key: the database's primary key then decides between two writers of the same document. */
export function idFor(kind: string, key: string): string {
  const hex = crypto.createHash('sha256').update(`${kind}:${key}`).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

export interface ClaimPeriod { start: string; end: string }

export const claimKey = (patientId: string, coverageId: string, period: ClaimPeriod) => `${patientId}:${coverageId}:${period.start}:${period.end}`;

const idOf = (reference: string | undefined) => reference?.split('/')[1] ?? '';
export const serviceDateOf = (charge: ChargeItem): string => (charge.occurrenceDateTime ?? charge.occurrencePeriod?.start ?? '').slice(0, 10);
const decisionPart = (charge: ChargeItem, url: string) => charge.extension?.find((e) => e.url === BILLING_DECISION)?.extension
  ?.filter((e) => e.url === url) ?? [];

function claimItem(charge: ChargeItem & { id: string }, sequence: number, diagnosisSequences: number[]): ClaimItem {
  const price = charge.priceOverride;
  const quantity = charge.quantity?.value ?? 1;
  const modifiers = decisionPart(charge, 'modifier').flatMap((e) => (e.valueCoding ? [{ coding: [e.valueCoding] }] : []));
  const place = decisionPart(charge, 'placeOfService')[0]?.valueCoding;
  const date = charge.occurrenceDateTime?.slice(0, 10);
  return {
    extension: [{ url: CHARGE_ITEM_LINK, valueReference: { reference: `ChargeItem/${charge.id}` } }],
    sequence,
    ...(diagnosisSequences.length ? { diagnosisSequence: diagnosisSequences } : {}),
    productOrService: charge.code,
    ...(modifiers.length ? { modifier: modifiers } : {}),
    ...(date ? { servicedDate: date } : charge.occurrencePeriod ? { servicedPeriod: charge.occurrencePeriod } : {}),
    ...(place ? { locationCodeableConcept: { coding: [place] } } : {}),
    quantity: { value: quantity },
    ...(price ? { unitPrice: price, net: { value: Math.round(price.value! * quantity * 100) / 100, currency: price.currency } } : {}),
    ...(charge.context?.reference?.startsWith('Encounter/') ? { encounter: [{ reference: charge.context.reference }] } : {}),
  };
}

/** The sum of the amounts, or undefined when none has a price (or they mix currencies). */
export function sumOf(amounts: Array<Money | undefined>): Money | undefined {
  const priced = amounts.filter((m): m is Money => m?.value !== undefined);
  if (!priced.length || new Set(priced.map((m) => m.currency)).size > 1) return undefined;
  return { value: Math.round(priced.reduce((sum, m) => sum + m.value!, 0) * 100) / 100, currency: priced[0].currency };
}

export interface ClaimInput {
  patientId: string;
  coverage: Coverage & { id: string };
  providerId: string;
  period: ClaimPeriod;
  charges: Array<ChargeItem & { id: string }>;
  /** The conditions under follow-up (Condition ids). */
  conditionIds: string[];
  created: string;
}

/** One Claim (use=claim) per patient, coverage and period, one item per billable charge. */
export function claimOf(input: ClaimInput): Claim & { id: string } {
  const diagnosis = input.conditionIds.map((id, i) => ({ sequence: i + 1, diagnosisReference: { reference: `Condition/${id}` } }));
  const item = input.charges.map((charge, i) => claimItem(charge, i + 1, diagnosis.map((d) => d.sequence)));
  const total = sumOf(item.map((i) => i.net));
  const key = claimKey(input.patientId, input.coverage.id, input.period);
  return {
    resourceType: 'Claim', id: idFor('Claim', key), status: 'active', use: 'claim', type: CLAIM_TYPE,
    identifier: [{ system: CLAIM_IDENTIFIER, value: key }],
    patient: { reference: `Patient/${input.patientId}` },
    billablePeriod: { start: input.period.start, end: input.period.end },
    created: input.created,
    insurer: { reference: input.coverage.payor[0].reference },
    provider: { reference: `Organization/${input.providerId}` },
    priority: NORMAL_PRIORITY,
    insurance: [{ sequence: 1, focal: true, coverage: { reference: `Coverage/${input.coverage.id}` } }],
    ...(diagnosis.length ? { diagnosis } : {}),
    item,
    ...(total ? { total } : {}),
  };
}

/** The charge each claim item bills (the contract's item extension). */
export const chargeIdsOf = (claim: Claim): string[] =>
  (claim.item ?? []).map((i) => idOf(i.extension?.find((e) => e.url === CHARGE_ITEM_LINK)?.valueReference?.reference)).filter(Boolean);

const amount = (adjudication: ExplanationOfBenefitItem['adjudication'], category: string) =>
  adjudication?.find((a) => a.category.coding?.some((c) => c.code === category))?.amount;

/** The ExplanationOfBenefit of a claim and the payer's answer: each item as claimed, with the payer's adjudication. */
export function explanationOf(claim: Claim & { id: string }, response: ClaimResponse & { id: string }, created: string): ExplanationOfBenefit & { id: string } {
  const item = (claim.item ?? []).map((claimed): ExplanationOfBenefitItem => {
    const answered = response.item?.find((i) => i.itemSequence === claimed.sequence)?.adjudication;
    const submitted = claimed.net ? [{ category: { coding: [{ system: ADJUDICATION, code: 'submitted' }] }, amount: claimed.net }] : [];
    return {
      extension: claimed.extension, sequence: claimed.sequence, diagnosisSequence: claimed.diagnosisSequence,
      productOrService: claimed.productOrService, modifier: claimed.modifier, servicedDate: claimed.servicedDate,
      servicedPeriod: claimed.servicedPeriod, locationCodeableConcept: claimed.locationCodeableConcept, quantity: claimed.quantity,
      unitPrice: claimed.unitPrice, net: claimed.net, encounter: claimed.encounter,
      adjudication: answered?.length ? answered : submitted.length ? submitted : undefined,
    };
  }).map((i) => JSON.parse(JSON.stringify(i)) as ExplanationOfBenefitItem);
  const submitted = sumOf(item.map((i) => i.net));
  const benefit = sumOf(item.map((i) => amount(i.adjudication, 'benefit')));
  const total = [
    ...(submitted ? [{ category: { coding: [{ system: ADJUDICATION, code: 'submitted' }] }, amount: submitted }] : []),
    ...(benefit ? [{ category: { coding: [{ system: ADJUDICATION, code: 'benefit' }] }, amount: benefit }] : []),
  ];
  return {
    resourceType: 'ExplanationOfBenefit', id: idFor('ExplanationOfBenefit', claim.id), status: 'active', type: claim.type, use: 'claim',
    identifier: claim.identifier, patient: claim.patient, billablePeriod: claim.billablePeriod, created, insurer: claim.insurer ?? {},
    provider: claim.provider, claim: { reference: `Claim/${claim.id}` }, claimResponse: { reference: `ClaimResponse/${response.id}` },
    outcome: response.outcome, ...(response.disposition ? { disposition: response.disposition } : {}),
    insurance: (claim.insurance ?? []).map((i) => ({ focal: i.focal, coverage: i.coverage })),
    ...(claim.diagnosis ? { diagnosis: claim.diagnosis } : {}),
    item, ...(total.length ? { total } : {}), ...(response.payment ? { payment: response.payment } : {}),
  };
}

export { amount as adjudicationAmount };
