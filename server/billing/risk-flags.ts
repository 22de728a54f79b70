import type { ChargeItem } from '@medplum/fhirtypes';
import type { Database } from '../../db/connection.js';
import type { Caller } from '../auth/caller.js';
import type { Config } from '../config.js';
import { Forbidden } from '../http/errors.js';
import { fhirContextOf, searchAll } from './billing-records.js';
import { BILLING_DECISION, serviceDateOf, type ClaimPeriod } from './claim-documents.js';

/**
 * Risk flags per doctor, computed from the charges the caller may see (an insurer: its members'; an admin: all),
 * as DESIGN.md "Insurance-billable service codes" lists them. Each flag says what was counted, so an analyst can
 * open the charges behind it. docs/billing.md "What insurers see".
 */
/** The top level of each time-banded E/M family (established 99212–99215, new 99202–99205). */
const TOP_LEVEL = new Set(['99215', '99205']);
const EM_CODES = new Set(['99212', '99213', '99214', '99215', '99202', '99203', '99204', '99205']);
/** More billed minutes in one day than a doctor could work (12 hours). */
export const MINUTES_NO_ONE_COULD_WORK = 12 * 60;
/** A doctor's share of top-level codes this far above the node's mean is flagged (and needs 3 E/M visits at least). */
const TOP_LEVEL_MARGIN = 1.5;

export interface DoctorRisk {
  practitionerId: string;
  charges: number;
  emCharges: number;
  topLevelShare: number;
  claimedMinutesAboveConnected: number;
  duplicates: number;
  billedAfterNoShow: number;
  /** Days whose billed minutes exceed MINUTES_NO_ONE_COULD_WORK, with their minutes. */
  impossibleDays: Array<{ date: string; minutes: number }>;
  flags: string[];
}
export interface RiskReport { period: ClaimPeriod; nodeTopLevelShare: number; doctors: DoctorRisk[] }

const decision = (charge: ChargeItem) => charge.extension?.find((e) => e.url === BILLING_DECISION)?.extension ?? [];
const reasonCodes = (charge: ChargeItem) => decision(charge).filter((e) => e.url === 'reason').map((e) => e.valueCoding?.code);
const minutesOf = (charge: ChargeItem) => decision(charge).find((e) => e.url === 'minutes')?.valueInteger ?? 0;
/**
 * A no-show that was billed anyway: a charge refused for a no-show whose visit was nevertheless held and finished
 * (its inputs say so). A plain no-show, charged not billable when it was marked, is the doctor doing it right.
 */
function billedAfterNoShow(charge: ChargeItem): boolean {
  if (!reasonCodes(charge).includes('no-show')) return false;
  const inputs = decision(charge).find((e) => e.url === 'inputs')?.valueString;
  try {
    return (JSON.parse(inputs ?? '{}') as { visitStatus?: string }).visitStatus === 'finished';
  } catch {
    return false;
  }
}

export async function riskFlags(db: Database, config: Config, caller: Caller, period: ClaimPeriod): Promise<RiskReport> {
  if (caller.role !== 'insurer' && caller.role !== 'admin') throw new Forbidden('wrong-role', 'Risk flags are for insurers and admins.');
  const ctx = fhirContextOf(db, config, caller);
  const charges = (await searchAll<ChargeItem>(ctx, 'ChargeItem', { 'service-date': [`ge${period.start}`, `le${period.end}`] }))
    .filter((c) => c.status !== 'entered-in-error');
  const byDoctor = new Map<string, Array<ChargeItem & { id: string }>>();
  for (const charge of charges) {
    const doctor = charge.performer?.[0]?.actor.reference?.split('/')[1];
    if (doctor) byDoctor.set(doctor, [...(byDoctor.get(doctor) ?? []), charge]);
  }
  const codeOf = (c: ChargeItem) => c.code.coding?.[0]?.code ?? '';
  const billableEm = charges.filter((c) => c.status === 'billable' && EM_CODES.has(codeOf(c)));
  const nodeTopLevelShare = billableEm.length ? billableEm.filter((c) => TOP_LEVEL.has(codeOf(c))).length / billableEm.length : 0;
  const doctors = [...byDoctor.entries()].map(([practitionerId, own]): DoctorRisk => {
    const em = own.filter((c) => c.status === 'billable' && EM_CODES.has(codeOf(c)));
    const topLevelShare = em.length ? em.filter((c) => TOP_LEVEL.has(codeOf(c))).length / em.length : 0;
    const count = (reason: string) => own.filter((c) => reasonCodes(c).includes(reason)).length;
    const perDay = new Map<string, number>();
    for (const c of own.filter((x) => x.status === 'billable' && x.occurrenceDateTime)) {
      perDay.set(serviceDateOf(c), (perDay.get(serviceDateOf(c)) ?? 0) + minutesOf(c));
    }
    const impossibleDays = [...perDay.entries()].filter(([, m]) => m > MINUTES_NO_ONE_COULD_WORK).map(([date, minutes]) => ({ date, minutes }));
    const risk = {
      practitionerId, charges: own.length, emCharges: em.length, topLevelShare: Math.round(topLevelShare * 1000) / 1000,
      claimedMinutesAboveConnected: count('claimed-minutes-above-connected'), duplicates: count('duplicate'), billedAfterNoShow: own.filter(billedAfterNoShow).length,
      impossibleDays,
    };
    const flags = [
      ...(em.length >= 3 && topLevelShare > nodeTopLevelShare * TOP_LEVEL_MARGIN ? ['top-level-codes-above-mean'] : []),
      ...(risk.claimedMinutesAboveConnected ? ['claimed-minutes-above-connected'] : []),
      ...(risk.duplicates ? ['duplicates'] : []),
      ...(risk.billedAfterNoShow ? ['billed-after-no-show'] : []),
      ...(impossibleDays.length ? ['minutes-no-one-could-work'] : []),
    ];
    return { ...risk, flags };
  }).sort((a, b) => b.flags.length - a.flags.length || a.practitionerId.localeCompare(b.practitionerId));
  return { period, nodeTopLevelShare: Math.round(nodeTopLevelShare * 1000) / 1000, doctors };
}
