import crypto from 'node:crypto';
import type { ChargeItem, Coding, Extension, Reference } from '@medplum/fhirtypes';
import type { CatalogueEntry } from './catalogue.js';
import { REASON_SYSTEM, RULE_VERSION, type RuleResult } from './rules/rule-result.js';
import type { VisitFacts } from './visit-facts.js';

/** The billing contract (docs/billing.md "The contract"): identifiers and extensions of our ChargeItems. */
export const CHARGE_IDENTIFIER_SYSTEM = 'https://internet-hospital.dev/fhir/sid/charge';
export const BILLING_DECISION_EXTENSION = 'https://internet-hospital.dev/fhir/StructureDefinition/billing-decision';

/** The ChargeItem's id, derived from its identifier: a re-run of the rules finds and versions the same resource. */
export const chargeItemIdOf = (identifierValue: string) => `charge-${crypto.createHash('sha256').update(identifierValue).digest('hex').slice(0, 40)}`;

export const visitChargeIdentifier = (encounterId: string, code: string) => `${encounterId}:${code}`;

/** An appointment that never became a visit (cancelled, no-show) is charged under its own identifier. */
const appointmentChargeIdentifier = (appointmentId: string, code: string) => `Appointment/${appointmentId}:${code}`;

/** The identifier of a charge decided from these facts: the visit's, else the appointment's. */
export const chargeIdentifierOf = (facts: Pick<VisitFacts, 'encounterId' | 'appointmentId'>, code: string) =>
  (facts.encounterId ? visitChargeIdentifier(facts.encounterId, code) : appointmentChargeIdentifier(facts.appointmentId!, code));

const codingOf = (entry: CatalogueEntry): Coding => ({ system: entry.system, code: entry.code, display: entry.description });

export interface ChargeContent {
  entry: CatalogueEntry;
  billable: boolean;
  reasons: RuleResult[];
  minutes: number;
  minutesSource: VisitFacts['minutesSource'];
  modifiers: CatalogueEntry[];
  placeOfService: CatalogueEntry | null;
  catalogueVersion: string;
  inputs: unknown;
}

function decisionExtension(charge: ChargeContent): Extension {
  return {
    url: BILLING_DECISION_EXTENSION,
    extension: [
      { url: 'ruleVersion', valueString: RULE_VERSION },
      { url: 'catalogueVersion', valueString: charge.catalogueVersion },
      { url: 'minutes', valueInteger: charge.minutes },
      { url: 'minutesSource', valueCode: charge.minutesSource },
      ...charge.modifiers.map((m): Extension => ({ url: 'modifier', valueCoding: codingOf(m) })),
      ...(charge.placeOfService ? [{ url: 'placeOfService', valueCoding: codingOf(charge.placeOfService) }] : []),
      ...charge.reasons.map((r): Extension => ({ url: 'reason', valueCoding: { system: REASON_SYSTEM, code: r.code, display: `${r.rule}: ${r.display}` } })),
      { url: 'inputs', valueString: JSON.stringify(charge.inputs) },
    ],
  };
}

/**
 * The evidence of a visit charge: the visit (its Encounter, whose video session log is read at
 * GET /api/appointments/{appointmentId}/video-session), the signed note (Composition), the prescription lines
 * (MedicationRequest) and the readings taken in the visit (Observation).
 */
function evidenceOf(facts: VisitFacts): Reference[] {
  if (!facts.encounterId) return [{ reference: `Appointment/${facts.appointmentId}`, display: 'The appointment, never held as a visit' }];
  return [
    { reference: `Encounter/${facts.encounterId}`, display: 'The visit and its video session log' },
    ...(facts.note ? [{ reference: `Composition/${facts.note.id}`, display: 'The visit note' }] : []),
    ...facts.prescriptionLineIds.map((id) => ({ reference: `MedicationRequest/${id}`, display: 'A prescription line issued in the visit' })),
    ...facts.readingIds.map((id) => ({ reference: `Observation/${id}`, display: 'A reading taken in the visit' })),
  ];
}

/** The ChargeItem of one code decided for one visit (pure: the same decision gives the same resource). */
export function visitChargeItem(facts: VisitFacts, charge: ChargeContent, enteredDate: Date): ChargeItem {
  return {
    resourceType: 'ChargeItem',
    identifier: [{ system: CHARGE_IDENTIFIER_SYSTEM, value: chargeIdentifierOf(facts, charge.entry.code) }],
    status: charge.billable ? 'billable' : 'not-billable',
    code: { coding: [codingOf(charge.entry)] },
    subject: { reference: `Patient/${facts.patientId}` },
    ...(facts.encounterId ? { context: { reference: `Encounter/${facts.encounterId}` } } : {}),
    occurrenceDateTime: facts.occurredAt,
    performer: [{ actor: { reference: `Practitioner/${facts.practitionerId}` } }],
    quantity: { value: 1 },
    ...(charge.entry.price ? { priceOverride: { value: charge.entry.price.value, currency: charge.entry.price.currency as 'USD' } } : {}),
    enteredDate: enteredDate.toISOString(),
    supportingInformation: evidenceOf(facts),
    extension: [decisionExtension(charge)],
  };
}
