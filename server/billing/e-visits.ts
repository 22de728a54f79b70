import type { ChargeItem } from '@medplum/fhirtypes';
import { Op } from 'sequelize';
import type { Database } from '../../db/connection.js';
import type { Config } from '../config.js';
import { loadRow } from '../fhir/repository/store.js';
import type { Catalogue } from './catalogue.js';
import { DAY, family, isoDate, periodFacts, type PeriodDecision } from './period-decision.js';
import { establishedPatient } from './rules/established-patient.js';
import { minutesMinimum } from './rules/minutes-minimum.js';
import { patientInitiated } from './rules/patient-initiated.js';
import { payerAgreement } from './rules/payer-agreement.js';
import { fails, qualifies, type RuleResult } from './rules/rule-result.js';
import { levelOf } from './rules/time-band.js';
import { isEstablished, payerOf } from './visit-facts.js';

/**
 * E-visits (99421–99423; docs/billing.md "Period codes"). An online conversation is a visit held by messages: its
 * signed note says `contactMode: chat`. Its thread starts with its first message, whose sender says who initiated
 * it. The minutes are the doctor's own: the time she documents on the thread in the signed note
 * (`documentedMinutes`), never a guess from message timestamps. A 7-day window opens at the first message of a
 * patient's conversation with a doctor; every conversation of theirs that starts inside it adds its minutes; the
 * next conversation after it opens the next window. A window is charged once it is over. Like E/M, an e-visit is
 * for an established patient only; a conversation with the patient's monitoring doctor is no e-visit but interactive
 * time of remote monitoring (interactive-time.ts).
 */
const E_VISIT_DAYS = 7;
const EM_CATEGORIES = ['em-new', 'em-established'] as const;

interface Conversation {
  encounterId: string;
  noteId: string;
  patientId: string;
  practitionerId: string;
  startedAt: Date;
  firstSender: string | null;
  minutes: number;
  /** The problem it is about: the condition its appointment was booked for (null when none was named). */
  conditionId: string | null;
}

/** The condition an appointment was booked for (null when none was named). */
async function problemOf(db: Database, appointmentId: string | null): Promise<string | null> {
  if (!appointmentId) return null;
  return (await db.models.Appointment.findByPk(appointmentId, { attributes: ['reasonConditionId'] }))?.reasonConditionId ?? null;
}

async function conversations(db: Database): Promise<Conversation[]> {
  const { VisitNote, Encounter, VisitMessage, CarePlan } = db.models;
  const notes = await VisitNote.findAll({ where: { contactMode: 'chat', status: { [Op.ne]: 'preliminary' } }, order: [['createdAt', 'ASC']], limit: 5000 });
  const visits = new Map((await Encounter.findAll({ where: { id: notes.map((n) => n.encounterId), status: 'finished' } })).map((v) => [v.id, v]));
  const pair = (patientId: string, practitionerId: string | null) => `${patientId}|${practitionerId}`;
  const plans = await CarePlan.findAll({ where: { patientId: [...new Set([...visits.values()].map((v) => v.patientId))] }, attributes: ['patientId', 'practitionerId'] });
  const monitored = new Set(plans.map((plan) => pair(plan.patientId, plan.practitionerId)));
  const found: Conversation[] = [];
  for (const note of notes) {
    const visit = visits.get(note.encounterId);
    if (!visit?.practitionerId) continue;
    // With the patient's monitoring doctor the conversation is interactive time of 99457/99458 instead (interactive-time.ts):
    // the same minutes are never billed twice.
    if (monitored.has(pair(visit.patientId, visit.practitionerId))) continue;
    const first = await VisitMessage.findOne({ where: { encounterId: visit.id }, order: [['sentAt', 'ASC'], ['id', 'ASC']] });
    found.push({
      encounterId: visit.id, noteId: note.id, patientId: visit.patientId, practitionerId: visit.practitionerId,
      startedAt: first?.sentAt ?? visit.periodStart ?? visit.createdAt, firstSender: first?.senderRole ?? null,
      minutes: note.documentedMinutes ?? 0, conditionId: await problemOf(db, visit.appointmentId),
    });
  }
  return found;
}

/** The 7-day windows of one patient's conversations with one doctor, each opened by the first conversation outside the previous one. */
function windowsOf(threads: Conversation[]): Conversation[][] {
  const windows: Conversation[][] = [];
  for (const thread of [...threads].sort((a, b) => a.startedAt.getTime() - b.startedAt.getTime())) {
    const open = windows.at(-1);
    if (open && thread.startedAt.getTime() < open[0].startedAt.getTime() + E_VISIT_DAYS * DAY) open.push(thread);
    else windows.push([thread]);
  }
  return windows;
}

/**
 * CMS: an e-visit that relates to an E/M visit of the same problem within its 7 days is part of that visit's work. The
 * E/M visits are the billable E/M charges (their keys) of this patient and doctor in the window.
 */
async function emVisitOnSameProblem(db: Database, window: Conversation[], start: Date, end: Date, emCodes: string[]): Promise<RuleResult> {
  const { patientId, practitionerId } = window[0];
  const keys = await db.models.BillingChargeKey.findAll({
    where: { patientId, practitionerId, code: emCodes, serviceDate: { [Op.gte]: isoDate(start), [Op.lte]: isoDate(end) } }, order: [['serviceDate', 'ASC']],
  });
  const problems = new Set(window.map((t) => t.conditionId));
  for (const key of keys) {
    const row = await loadRow(db, 'ChargeItem', key.chargeItemId);
    const encounterId = row ? (JSON.parse(row.content) as ChargeItem).context?.reference?.split('/')[1] : undefined;
    const visit = encounterId ? await db.models.Encounter.findByPk(encounterId, { attributes: ['appointmentId'] }) : null;
    const problem = await problemOf(db, visit?.appointmentId ?? null);
    if (problem === null || problems.has(null) || problems.has(problem)) {
      return fails('e-visit-em-overlap', 'mutually-exclusive',
        `The E/M visit ${key.code} of ${key.serviceDate}, on the same problem within these 7 days, includes this online care.`);
    }
  }
  return qualifies('e-visit-em-overlap', 'No E/M visit on the same problem within these 7 days.');
}

export async function eVisitDecisions(db: Database, config: Pick<Config, 'billing'>, catalogue: Catalogue, now: Date): Promise<PeriodDecision[]> {
  const byPair = new Map<string, Conversation[]>();
  for (const thread of await conversations(db)) {
    const pair = `${thread.patientId}|${thread.practitionerId}`;
    byPair.set(pair, [...(byPair.get(pair) ?? []), thread]);
  }
  const decisions: PeriodDecision[] = [];
  for (const threads of byPair.values()) {
    for (const window of windowsOf(threads)) {
      const start = window[0].startedAt;
      const end = new Date(start.getTime() + E_VISIT_DAYS * DAY);
      if (end > now) continue;
      const bands = family(catalogue, 'e-visit', config, isoDate(start));
      if (!bands.length) continue;
      const { patientId, practitionerId } = window[0];
      const minutes = window.reduce((sum, t) => sum + t.minutes, 0);
      const entry = levelOf(bands, minutes);
      // Established as for E/M: another finished visit here in the three years before the first conversation.
      const established = await isEstablished(db, patientId, window[0].encounterId, start);
      const facts = {
        ...periodFacts(patientId, practitionerId, true, await payerOf(db, patientId)), minutesSource: 'signed-note' as const, documentedMinutes: minutes,
        establishedPatient: established,
      };
      const emCodes = EM_CATEGORIES.flatMap((c) => family(catalogue, c, config, isoDate(start)).map((e) => e.code));
      decisions.push({
        patientId, practitionerId, entry, start, end, minutes, minutesSource: 'signed-note',
        reasons: [
          patientInitiated(entry.code, window[0].firstSender), establishedPatient(facts, entry, minutes), minutesMinimum(facts, entry, minutes),
          await emVisitOnSameProblem(db, window, start, end, emCodes), payerAgreement(facts, entry, minutes),
        ],
        inputs: { documentedMinutes: minutes, establishedPatient: established, conversations: window.map((t) => ({ encounterId: t.encounterId, startedAt: t.startedAt.toISOString(), firstSender: t.firstSender, minutes: t.minutes })) },
        evidence: window.flatMap((t) => [`Encounter/${t.encounterId}`, `Composition/${t.noteId}`]),
      });
    }
  }
  return decisions;
}
