import { Op } from 'sequelize';
import { bookAppointment, appointmentSettings } from '../../server/appointments/book-appointment.js';
import type { Caller } from '../../server/auth/caller.js';
import type { KeyRing } from '../../server/auth/keys.js';
import { grantScopes } from '../../server/auth/scopes.js';
import type { Config } from '../../server/config.js';
import { eligibilityPolicy } from '../../server/consultations/eligibility.js';
import { moveVisit, visitForAppointment } from '../../server/consultations/visit-lifecycle.js';
import { writeNote } from '../../server/consultations/visit-note.js';
import { moveVisitAs } from '../../server/consultations/visits.js';
import { prescribe } from '../../server/prescriptions/prescribe.js';
import { recordSessionEvent } from '../../server/video/session-log.js';
import { reviewPrescription } from '../../server/prescriptions/review.js';
import type { Database } from '../connection.js';
import { seedDemoBillingAfterVisit, seedDemoBillingBeforeVisit } from './demo-billing.js';
import { seedBookedVideoVisit } from './seed-records.js';

const MINUTE = 60_000;
const DEMO_SESSION_LOG: Array<['patient' | 'doctor', 'join' | 'connect' | 'leave', number]> = [
  ['patient', 'join', 0], ['doctor', 'join', 1], ['patient', 'connect', 1], ['doctor', 'connect', 1], ['doctor', 'leave', 19.5], ['patient', 'leave', 19.5],
];

async function callerFor(db: Database, email: string): Promise<Caller> {
  const user = await db.models.User.findOne({ where: { email }, rejectOnEmpty: true });
  return {
    userId: user.id, role: user.role, patientId: user.patientId, practitionerId: user.practitionerId,
    organizationId: user.organizationId, scopes: grantScopes(user.role, undefined), ip: null, requestId: 'demo-seed',
  };
}

/**
 * What a new demo node shows beyond its records: Alice's video follow-up with Dr Chen an hour ago, with a signed
 * note, its charges (one billable, one not billable with its reason; claimed and paid, with its EOB: demo-billing.ts,
 * which also bills her home monitoring and this morning's no-show) and a prescription that pharmacist Li approved (so Alice has a prescription code to show and any
 * pharmacy desk can dispense it), and her next video follow-up booked. Written through the same functions the
 * API uses (booking, visit lifecycle, prescribing and signing, review), right after the first seed.
 */
export async function seedDemoStory(db: Database, keys: KeyRing, config: Config, now = new Date()): Promise<void> {
  const [alice, chen, li, admin, insurer] = await Promise.all([
    callerFor(db, 'alice@demo.test'), callerFor(db, 'dr.chen@demo.test'), callerFor(db, 'pharm.li@demo.test'),
    callerFor(db, 'admin@demo.test'), callerFor(db, 'insurer@demo.test'),
  ]);
  const { Schedule, Slot } = db.models;
  const schedule = await Schedule.findOne({ where: { practitionerId: chen.practitionerId! }, rejectOnEmpty: true });
  const billing = { alice, chen, admin, insurer };
  await seedDemoBillingBeforeVisit(db, config, billing, schedule.id, now);

  // Today's visit, an hour ago: its slot is history, so it is written directly, then goes through the visit's life.
  const start = new Date(now.getTime() - 60 * MINUTE);
  const end = new Date(start.getTime() + 20 * MINUTE);
  const appointment = await db.transaction((tx) => seedBookedVideoVisit(db, tx, {
    scheduleId: schedule.id, practitionerId: chen.practitionerId!, patientId: alice.patientId!, start, end,
  }));
  const visit = await visitForAppointment(db, appointment.id);
  await moveVisit(db, alice, visit.id, 'arrived');
  await moveVisit(db, chen, visit.id, 'in-progress');
  // Both were connected for 18 minutes (the session log that signalling writes): billed as 99212 with modifier 95;
  // the virtual check-in G2252 that 18 minutes also reach is not billable beside it (mutually exclusive).
  for (const [side, event, afterMinutes] of DEMO_SESSION_LOG) {
    await recordSessionEvent(db, {
      appointmentId: appointment.id, encounterId: visit.id, side, event, at: new Date(start.getTime() + afterMinutes * MINUTE),
      userId: side === 'patient' ? alice.userId : chen.userId, connectionId: `demo-${side}`,
    });
  }
  await writeNote(db, chen, visit.id, {
    subjective: 'Home readings mostly 128–136 / 81–86 mmHg; no dizziness, no ankle swelling.',
    assessment: 'Essential hypertension (I10), near target on ramipril; LDL above target at the last lipid panel.',
    plan: 'Continue ramipril 5 mg once daily for 4 weeks; keep the home readings; lipid panel again in 3 months.',
  });
  const prescription = await prescribe(db, keys, config.publicBaseUrl, chen, {
    encounterId: visit.id, chronicConditionCode: 'I10',
    lines: [{ drugCode: 'C09AA05', dose: '1 tablet (5 mg)', frequency: 'once daily in the morning', quantity: 28, supplyDays: 28 }],
  }, eligibilityPolicy(config), now);
  // Finished as the doctor's own "Finish the visit" does it, which signs the note.
  await moveVisitAs(db, chen, visit.id, 'finished', { config });
  await reviewPrescription(db, li, prescription.id, { decision: 'approve' });
  await seedDemoBillingAfterVisit(db, config, billing, now);

  // The next follow-up: the first free video slot of Dr Chen's schedule, booked as Alice would.
  const next = await Slot.findOne({
    where: { practitionerId: chen.practitionerId!, status: 'free', visitTypes: { [Op.like]: '%video-follow-up%' }, start: { [Op.gt]: new Date(now.getTime() + 24 * 60 * MINUTE) } },
    order: [['start', 'ASC']],
  });
  if (next) {
    await bookAppointment(db, alice, { slotId: next.id, visitType: 'video-follow-up' }, { ...appointmentSettings(config), now });
  }
}
