import type { ChargeItem } from '@medplum/fhirtypes';
import { Op } from 'sequelize';
import type { Database } from '../../db/connection.js';
import type { Caller } from '../auth/caller.js';
import type { Config } from '../config.js';
import * as repository from '../fhir/repository/repository.js';
import { loadRow } from '../fhir/repository/store.js';
import { everyInterval, type BackgroundWorker } from '../operations/background-loop.js';
import { currentCatalogue, type Catalogue, type CatalogueEntry } from './catalogue.js';
import { BILLING_DECISION_EXTENSION, CHARGE_IDENTIFIER_SYSTEM, chargeItemIdOf } from './charge-item.js';
import { claimChargeKey, releaseChargeKey } from './charge-keys.js';
import { billingCaller, prepareCharging } from './charge-visit.js';
import { eVisitDecisions } from './e-visits.js';
import { interactiveMinimum, interactiveTime } from './interactive-time.js';
import { DAY, family, isoDate, periodChargeIdentifier, periodFacts, type PeriodDecision } from './period-decision.js';
import { addOnWithPrimary } from './rules/add-on.js';
import { consent } from './rules/consent.js';
import { payerAgreement } from './rules/payer-agreement.js';
import { fails, isBillable, qualifies, REASON_SYSTEM, RULE_VERSION, type RuleResult } from './rules/rule-result.js';
import { payerOf } from './visit-facts.js';

/**
 * Period codes (docs/billing.md "Period codes"), computed over completed windows by the housekeeping loop:
 * remote monitoring — set-up (99453) in the first 30-day window of device data, device supply (99454 / 99445) per
 * 30-day window counted from the patient's first device reading, by the days with device readings in it, treatment
 * management (99457, and 99458 for each further 20 minutes) per completed calendar month, by that month's interactive
 * time of the monitoring doctor with the patient (video, audio-only and chat visits, acknowledged alerts;
 * interactive-time.ts) — and e-visits (e-visits.ts). A
 * window's charge is written once it is over; a later run writes a new version only when the decision changed.
 */

/** The loop writes as the hospital's billing, an admin that is no one's account (audited under this id). */
const PERIOD_LOOP: Caller = billingCaller('billing-period-loop', { ip: null, requestId: 'billing-period-loop' });

/** 99454 with ≥ 16 days of device data in the window, 99445 with 2–15 (CMS RPM; 99445 from 2026). */
function deviceDecision(entries: CatalogueEntry[], days: number): { entry: CatalogueEntry; reason: RuleResult } | undefined {
  const fitting = entries.find((e) => (e.minDataDays ?? 0) <= days && (e.maxDataDays === null || days <= e.maxDataDays));
  const lowest = [...entries].sort((a, b) => (a.minDataDays ?? 0) - (b.minDataDays ?? 0))[0];
  if (fitting) return { entry: fitting, reason: qualifies('data-days', `${days} days with device readings in the 30-day window fit ${fitting.code} (${fitting.minDataDays}–${fitting.maxDataDays ?? 30}).`) };
  if (!lowest || days === 0) return undefined;
  return { entry: lowest, reason: fails('data-days', 'minutes-below-minimum', `${days} day(s) with device readings are fewer than the ${lowest.minDataDays} that ${lowest.code} needs.`) };
}

/** 99453, once per episode of monitoring: the device was set up and the patient taught, shown by ≥ 16 days of data in the first window (CMS RPM). */
function setUpReason(entry: CatalogueEntry, days: number): RuleResult {
  const needed = entry.minDataDays ?? 0;
  return days >= needed
    ? qualifies('data-days', `${days} days with device readings in the first 30-day window of monitoring reach the ${needed} that ${entry.code} needs.`)
    : fails('data-days', 'minutes-below-minimum', `${days} day(s) with device readings in the first 30-day window of monitoring are fewer than the ${needed} that ${entry.code} needs.`);
}

type Reading = { id: string; effectiveAt: Date };

async function deviceReadings(db: Database, patientId: string, start: Date, end: Date): Promise<Reading[]> {
  return db.models.Observation.findAll({
    where: { patientId, entryMethod: 'device', effectiveAt: { [Op.gte]: start, [Op.lt]: end } }, attributes: ['id', 'effectiveAt'], order: [['effectiveAt', 'ASC']],
  });
}
const dataDays = (readings: Reading[]) => new Set(readings.map((r) => isoDate(r.effectiveAt))).size;

/**
 * 99458, the add-on of 99457: one unit for each further full 20 minutes beyond 99457's first 20 in the month
 * (CMS RPM). Decided when the month has more minutes than 99457 needs; billable only beside a billable 99457.
 */
function furtherManagement(catalogue: Catalogue, config: Pick<Config, 'billing'>, primary: CatalogueEntry, start: Date, minutes: number) {
  const addOn = family(catalogue, 'rpm-management', config, isoDate(start)).find((e) => e.addOnTo.includes(primary.code));
  const further = minutes - (primary.minMinutes ?? 0);
  if (!addOn || further <= 0) return undefined;
  const each = addOn.minMinutes ?? 20;
  const units = Math.floor(further / each);
  const reason = units >= 1
    ? qualifies('minutes-minimum', `${further} min beyond the first ${primary.minMinutes} of ${primary.code} make ${units} × ${each} min of ${addOn.code}.`)
    : fails('minutes-minimum', 'minutes-below-minimum', `${further} min beyond the first ${primary.minMinutes} of ${primary.code} are below the ${each} min that ${addOn.code} needs.`);
  return { addOn, units: Math.max(units, 1), further, reason };
}

async function monitoringDecisions(db: Database, config: Pick<Config, 'billing'>, catalogue: Catalogue, now: Date): Promise<PeriodDecision[]> {
  const { CarePlan, Observation } = db.models;
  const decisions: PeriodDecision[] = [];
  for (const plan of await CarePlan.findAll({ where: { practitionerId: { [Op.ne]: null } }, limit: 1000 })) {
    const { patientId } = plan;
    const practitionerId = plan.practitionerId!;
    const facts = periodFacts(patientId, practitionerId, true, await payerOf(db, patientId));
    const shared = (entry: CatalogueEntry) => [consent(facts, entry, 0), payerAgreement(facts, entry, 0)];
    const base = { patientId, practitionerId, minutes: null };

    // Device supply: 30-day windows from the first device reading; the last completed one. Set-up: the first one.
    const first = await Observation.findOne({ where: { patientId, entryMethod: 'device' }, order: [['effectiveAt', 'ASC']] });
    if (first) {
      const origin = Date.UTC(first.effectiveAt.getUTCFullYear(), first.effectiveAt.getUTCMonth(), first.effectiveAt.getUTCDate());
      const completed = Math.floor((now.getTime() - origin) / (30 * DAY));
      if (completed >= 1) {
        const start = new Date(origin + (completed - 1) * 30 * DAY);
        const end = new Date(start.getTime() + 30 * DAY);
        const readings = await deviceReadings(db, patientId, start, end);
        const days = dataDays(readings);
        const decided = deviceDecision(family(catalogue, 'rpm-device', config, isoDate(start)), days);
        if (decided) {
          decisions.push({
            ...base, entry: decided.entry, start, end, reasons: [decided.reason, ...shared(decided.entry)],
            inputs: { dataDays: days, readings: readings.length }, evidence: readings.slice(0, 30).map((r) => `Observation/${r.id}`),
          });
        }
        const setUp = family(catalogue, 'rpm-setup', config, isoDate(new Date(origin)))[0];
        if (setUp) {
          const firstStart = new Date(origin);
          const firstEnd = new Date(origin + 30 * DAY);
          const firstReadings = completed === 1 ? readings : await deviceReadings(db, patientId, firstStart, firstEnd);
          const firstDays = dataDays(firstReadings);
          decisions.push({
            ...base, entry: setUp, start: firstStart, end: firstEnd, reasons: [setUpReason(setUp, firstDays), ...shared(setUp)],
            inputs: { dataDays: firstDays, readings: firstReadings.length, episodeStart: isoDate(firstStart) },
            evidence: firstReadings.slice(0, 30).map((r) => `Observation/${r.id}`),
          });
        }
      }
    }

    // Treatment management: the previous calendar month's interactive time with the monitoring doctor (interactive-time.ts).
    const start = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 1, 1));
    const end = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1));
    const time = await interactiveTime(db, patientId, practitionerId, start, end, now);
    const { minutes } = time;
    const management = family(catalogue, 'rpm-management', config, isoDate(start)).find((e) => e.addOnTo.length === 0);
    if (management && minutes > 0) {
      // Only video minutes keep the source the month always had; any other source makes it interactive time.
      const minutesSource = minutes === time.videoMinutes ? 'video-session' as const : 'interactive-time' as const;
      const month = { patientId, practitionerId, start, end, minutes, minutesSource, evidence: time.evidence };
      const sources = {
        interactiveMinutes: minutes, videoMinutes: time.videoMinutes, documentedMinutes: time.documentedMinutes, alertMinutes: time.alertMinutes,
        visits: time.visits, alerts: time.alerts,
      };
      decisions.push({ ...month, entry: management, reasons: [interactiveMinimum(management, time), ...shared(management)], inputs: sources });
      const further = furtherManagement(catalogue, config, management, start, minutes);
      if (further) {
        decisions.push({
          ...month, entry: further.addOn, quantity: further.units, addOnTo: management.code, reasons: [further.reason, ...shared(further.addOn)],
          inputs: { ...sources, furtherMinutes: further.further },
        });
      }
    }
  }
  return decisions;
}

function periodChargeItem(decision: PeriodDecision, billable: boolean, reasons: RuleResult[], catalogueVersion: string, now: Date): ChargeItem {
  const { entry } = decision;
  return {
    resourceType: 'ChargeItem',
    identifier: [{ system: CHARGE_IDENTIFIER_SYSTEM, value: periodChargeIdentifier(decision.patientId, entry.code, decision.start) }],
    status: billable ? 'billable' : 'not-billable',
    code: { coding: [{ system: entry.system, code: entry.code, display: entry.description }] },
    subject: { reference: `Patient/${decision.patientId}` },
    occurrencePeriod: { start: decision.start.toISOString(), end: decision.end.toISOString() },
    performer: [{ actor: { reference: `Practitioner/${decision.practitionerId}` } }],
    quantity: { value: decision.quantity ?? 1 },
    ...(entry.price ? { priceOverride: { value: entry.price.value, currency: entry.price.currency as 'USD' } } : {}),
    enteredDate: now.toISOString(),
    ...(decision.evidence.length ? { supportingInformation: decision.evidence.map((reference) => ({ reference })) } : {}),
    extension: [{
      url: BILLING_DECISION_EXTENSION,
      extension: [
        { url: 'ruleVersion', valueString: RULE_VERSION },
        { url: 'catalogueVersion', valueString: catalogueVersion },
        ...(decision.minutes === null ? [] : [
          { url: 'minutes', valueInteger: decision.minutes }, { url: 'minutesSource', valueCode: decision.minutesSource ?? 'video-session' },
        ]),
        ...reasons.map((r) => ({ url: 'reason', valueCoding: { system: REASON_SYSTEM, code: r.code, display: `${r.rule}: ${r.display}` } })),
        { url: 'inputs', valueString: JSON.stringify(decision.inputs) },
      ],
    }],
  };
}

const sameDecision = (a: ChargeItem, b: ChargeItem) => a.status === b.status
  && JSON.stringify(a.extension?.[0]?.extension?.filter((e) => e.url !== 'ruleVersion')) === JSON.stringify(b.extension?.[0]?.extension?.filter((e) => e.url !== 'ruleVersion'));

/** One run of the loop: every completed window's period charges, each in its own transaction. Returns the ids written. */
export async function chargePeriods(node: { db: Database; config: Config }, now = new Date()): Promise<string[]> {
  const { db, config } = node;
  await prepareCharging();
  const catalogue = await currentCatalogue(db, config);
  const written: string[] = [];
  const decisions = [...await monitoringDecisions(db, config, catalogue, now), ...await eVisitDecisions(db, config, catalogue, now)];
  for (const decision of decisions) {
    const id = chargeItemIdOf(periodChargeIdentifier(decision.patientId, decision.entry.code, decision.start));
    await db.transaction(async (tx) => {
      const ctx = { db, caller: PERIOD_LOOP, config, baseUrl: `${config.publicBaseUrl}/fhir`, tx };
      let reasons = decision.reasons;
      if (decision.addOnTo) {
        // The primary was decided just before (same run), so its stored status is this run's.
        const primary = await loadRow(db, 'ChargeItem', chargeItemIdOf(periodChargeIdentifier(decision.patientId, decision.addOnTo, decision.start)), tx);
        const primaryBillable = !!primary && (JSON.parse(primary.content) as ChargeItem).status === 'billable';
        reasons = [...reasons, addOnWithPrimary(decision.entry, { code: decision.addOnTo, billable: primaryBillable })];
      }
      let billable = isBillable(reasons);
      if (billable) {
        const key = { patientId: decision.patientId, practitionerId: decision.practitionerId, code: decision.entry.code, modifiers: [], serviceDate: isoDate(decision.start) };
        if (!(await claimChargeKey(db, key, id))) {
          billable = false;
          reasons = [...reasons, fails('duplicate', 'duplicate', `${decision.entry.code} was already billed for this patient for the period from ${key.serviceDate}.`)];
        }
      } else {
        await releaseChargeKey(db, id);
      }
      const resource = periodChargeItem(decision, billable, reasons, catalogue.version, now);
      const row = await loadRow(db, 'ChargeItem', id, tx);
      if (row && sameDecision(JSON.parse(row.content) as ChargeItem, resource)) return;
      if (row) await repository.update(ctx, 'ChargeItem', id, { ...resource, id });
      else await repository.create(ctx, 'ChargeItem', resource, id);
      written.push(id);
    });
  }
  return written;
}

/** The housekeeping loop of period codes, started with the other loops (0 seconds = never). */
export function startPeriodChargesLoop(node: { db: Database; config: Config }, onError: (error: unknown) => void): BackgroundWorker {
  const seconds = node.config.billing.periodLoopSeconds;
  if (seconds === 0) return { stop: async () => undefined };
  return everyInterval(seconds * 1000, () => chargePeriods(node), onError);
}
