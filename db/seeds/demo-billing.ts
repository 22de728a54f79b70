import type { Claim, ClaimResponse } from '@medplum/fhirtypes';
import { markNoShow } from '../../server/appointments/mark-attendance.js';
import type { Caller } from '../../server/auth/caller.js';
import { fhirContextOf } from '../../server/billing/billing-records.js';
import { loadCatalogue, shippedCatalogue, type Catalogue } from '../../server/billing/catalogue.js';
import { recordClaimResponse } from '../../server/billing/claim-responses.js';
import { chargePeriods } from '../../server/billing/period-charges.js';
import { submitClaims } from '../../server/billing/submit-claims.js';
import type { Config } from '../../server/config.js';
import * as repository from '../../server/fhir/repository/repository.js';
import { submitReading } from '../../server/monitoring/readings.js';
import type { Database } from '../connection.js';
import { seedBookedVideoVisit } from './seed-records.js';

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;

/**
 * Illustrative fees for the demo (USD), so that the demo's bills show what a visit cost and what the insurer paid.
 * They are made up: US fees vary by locality and payer, which is why the shipped catalogue carries none. Loaded as
 * a catalogue version of its own, as a payer's fee schedule would be (docs/billing.md "The catalogue").
 */
const DEMO_FEES: Record<string, number> = {
  99202: 75, 99203: 115, 99204: 170, 99205: 225, 99212: 55, 99213: 90, 99214: 130, 99215: 185, 98016: 20, G2252: 35,
  99421: 15, 99422: 30, 99423: 50, 99453: 20, 99454: 45, 99445: 25, 99457: 50, 99458: 40,
};
/** The share of a fee the demo insurer pays (the rest is Alice's co-insurance). */
const DEMO_INSURER_SHARE = 0.8;

function demoFeeSchedule(): Catalogue {
  const shipped = shippedCatalogue();
  return {
    version: `${shipped.version}-demo-fees`,
    entries: shipped.entries.map((e) => (e.code in DEMO_FEES && e.price === null ? { ...e, price: { value: DEMO_FEES[e.code], currency: 'USD' } } : e)),
  };
}

interface DemoPeople { alice: Caller; chen: Caller; admin: Caller; insurer: Caller }

/**
 * Before the demo's visit: the fee schedule; Alice's home blood pressure cuff readings on 18 days of the 30-day
 * window that began 40 days ago (remote monitoring: the set-up 99453 and the device supply 99454 become billable);
 * and this morning's follow-up that Alice missed, which Dr Chen marked a no-show (not billable, for that reason).
 */
export async function seedDemoBillingBeforeVisit(db: Database, config: Config, people: DemoPeople, scheduleId: string, now: Date): Promise<void> {
  await loadCatalogue(db, config, people.admin, demoFeeSchedule());
  for (let day = 0; day < 18; day++) {
    await submitReading(db, people.alice, people.alice.patientId!, {
      code: '85354-9', entryMethod: 'device', deviceName: 'Omron M7 Intelli IT', effectiveAt: new Date(now.getTime() - (40 - day) * DAY + 7 * 60 * MINUTE).toISOString(),
      components: [{ code: '8480-6', value: 126 + (day % 7), unit: 'mm[Hg]' }, { code: '8462-4', value: 78 + (day % 5), unit: 'mm[Hg]' }],
    }, config.monitoring.crisisEscalationMinutes);
  }
  // The missed visit, three hours ago: its slot is history, so it is written directly, then marked as the doctor does.
  const start = new Date(now.getTime() - 180 * MINUTE);
  const end = new Date(start.getTime() + 20 * MINUTE);
  const appointment = await db.transaction((tx) => seedBookedVideoVisit(db, tx, {
    scheduleId, practitionerId: people.chen.practitionerId!, patientId: people.alice.patientId!, start, end,
  }));
  await markNoShow(db, people.chen, appointment.id, now, { config });
}

/**
 * After the demo's visit is finished (its charges written): the housekeeping loop bills the monitoring period, the
 * admin submits today's claims, and Demo Health Insurance answers: it pays its share of each item, which writes the
 * ExplanationOfBenefit. So the insurer's page shows a paid visit, billable charges not yet claimed, and a charge
 * refused with its reason; Alice's bill shows what each cost and what the insurer paid.
 */
export async function seedDemoBillingAfterVisit(db: Database, config: Config, people: DemoPeople, now: Date): Promise<void> {
  await chargePeriods({ db, config }, now);
  const today = now.toISOString().slice(0, 10);
  const { claims } = await submitClaims(db, config, people.admin, { start: today, end: today });
  const ctx = fhirContextOf(db, config, people.insurer);
  for (const submitted of claims) {
    // The insurer reads the claim it answers, as its claims officer would (audited).
    const claim = (await repository.read(ctx, 'Claim', submitted.claimId)).resource as Claim;
    const items = claim.item ?? [];
    const paid = items.map((i) => ({ sequence: i.sequence, amount: { value: Math.round((i.net?.value ?? 0) * DEMO_INSURER_SHARE * 100) / 100, currency: i.net?.currency ?? 'USD' } }));
    const answer: ClaimResponse = {
      resourceType: 'ClaimResponse', status: 'active', use: 'claim', outcome: 'complete', created: now.toISOString(),
      type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/claim-type', code: 'professional' }] },
      patient: { reference: `Patient/${submitted.patientId}` }, insurer: { reference: `Organization/${people.insurer.organizationId}` },
      request: { reference: `Claim/${submitted.claimId}` }, disposition: 'Paid under the internet-care agreement.',
      item: paid.map((p) => ({
        itemSequence: p.sequence,
        adjudication: [{ category: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/adjudication', code: 'benefit' }] }, amount: p.amount }],
      })),
      payment: {
        type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/ex-paymenttype', code: 'complete' }] },
        amount: { value: paid.reduce((sum, p) => sum + p.amount.value, 0), currency: paid[0]?.amount.currency ?? 'USD' }, date: today,
      },
    };
    await recordClaimResponse(ctx, answer);
  }
}
