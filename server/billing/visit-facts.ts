import { Op } from 'sequelize';
import type { Database } from '../../db/connection.js';
import type { EncounterStatus } from '../../db/models/clinical.js';
import type { NoteContactMode, VisitNoteStatus } from '../../db/models/consultations.js';
import type { AppointmentStatus } from '../../db/models/scheduling.js';
import type { Config } from '../config.js';
import { eligibilityPolicy, followUpEligibility } from '../consultations/eligibility.js';
import { NotFound } from '../http/errors.js';
import { connectedMinutes } from '../video/session-log.js';

/**
 * Everything the billing rules know about one visit, read once (inside the finishing transaction) so that the
 * rules themselves are pure functions of it. `inputs` of a ChargeItem is this object as JSON.
 */
export interface VisitFacts {
  encounterId: string;
  patientId: string;
  practitionerId: string;
  appointmentId: string | null;
  visitStatus: EncounterStatus;
  appointmentStatus: AppointmentStatus | null;
  /** The appointment was marked a no-show before this visit was held (billing's own charge of the appointment says so). */
  markedNoShow: boolean;
  /** When the service was given (the visit's start, else its booking), and its date in UTC (yyyy-mm-dd). */
  occurredAt: string;
  serviceDate: string;
  contactMode: NoteContactMode;
  /** Whole minutes both sides were connected (video session log), 0 when they never were. */
  connectedMinutes: number;
  documentedMinutes: number | null;
  /** Where the billed minutes come from: the video session log for a video visit, the signed note otherwise. */
  minutesSource: 'video-session' | 'signed-note';
  note: { id: string; status: VisitNoteStatus } | null;
  eligibility: { eligible: boolean; reason: string | null; conditionId: string | null };
  establishedPatient: boolean;
  consentOnFile: boolean;
  payer: { id: string; name: string; agreement: boolean } | null;
  prescriptionLineIds: string[];
  readingIds: string[];
}

/** Minutes the rules bill: connected minutes of a video visit; the note's documented minutes otherwise. */
export const billedMinutes = (facts: VisitFacts): number =>
  facts.minutesSource === 'video-session' ? facts.connectedMinutes : facts.documentedMinutes ?? 0;

const THREE_YEARS_MS = 3 * 365.25 * 86_400_000;

/** CMS: established = a professional service from this practice in the three years before (another finished visit of ours). */
export async function isEstablished(db: Database, patientId: string, encounterId: string, at: Date): Promise<boolean> {
  const earlier = await db.models.Encounter.count({
    where: {
      patientId, id: { [Op.ne]: encounterId }, status: 'finished', source: null,
      periodStart: { [Op.gte]: new Date(at.getTime() - THREE_YEARS_MS), [Op.lt]: at },
    },
  });
  return earlier > 0;
}

/**
 * The patient's active coverage and its payer. The one place billing reads Coverage: when Coverage moves onto the
 * FHIR repository, this reads it there instead.
 */
export async function payerOf(db: Database, patientId: string): Promise<VisitFacts['payer']> {
  const coverage = await db.models.Coverage.findOne({ where: { patientId, status: 'active' }, order: [['createdAt', 'ASC']] });
  if (!coverage) return null;
  const payer = await db.models.Organization.findByPk(coverage.payorId);
  // The payer's internet-care agreement, as an admin recorded it (server/billing/payers.ts, docs/billing.md "Payers").
  const agreement = payer?.kind === 'payer' && Boolean(payer.internetCareAgreement);
  return { id: coverage.payorId, name: payer?.name ?? `Organization/${coverage.payorId}`, agreement };
}

/** What is billed: a visit (Encounter), or an appointment that never became one (cancelled, no-show). */
export type BilledService = { encounterId: string } | { appointmentId: string };

export async function visitFacts(
  db: Database, config: Pick<Config, 'billing' | 'followUp'>, service: BilledService, now = new Date(),
): Promise<VisitFacts> {
  const { Encounter, Appointment, VisitNote, CarePlan, Prescription, PrescriptionLine, Observation } = db.models;
  const visit = 'encounterId' in service ? await Encounter.findByPk(service.encounterId) : await Encounter.findOne({ where: { appointmentId: service.appointmentId } });
  if ('encounterId' in service && (!visit || !visit.practitionerId)) throw new NotFound('visit-not-found', `No visit with id ${service.encounterId}.`);
  const appointmentId = visit ? visit.appointmentId : (service as { appointmentId: string }).appointmentId;
  const appointment = appointmentId ? await Appointment.findByPk(appointmentId) : null;
  if (!visit && !appointment) throw new NotFound('appointment-not-found', `No appointment with id ${appointmentId}.`);
  const patientId = visit?.patientId ?? appointment!.patientId;
  const practitionerId = visit?.practitionerId ?? appointment!.practitionerId;
  const encounterId = visit?.id ?? '';
  const note = visit ? await VisitNote.findOne({ where: { encounterId } }) : null;
  const occurredAt = visit?.periodStart ?? appointment?.start ?? visit!.createdAt;
  const contactMode: NoteContactMode = note?.contactMode ?? 'video';
  const eligibility = await followUpEligibility(db, patientId, { ...eligibilityPolicy(config), now: occurredAt });
  const prescriptions = visit ? await Prescription.findAll({ where: { encounterId }, attributes: ['id'] }) : [];
  const lines = prescriptions.length
    ? await PrescriptionLine.findAll({ where: { prescriptionId: prescriptions.map((p) => p.id) }, attributes: ['id'], order: [['id', 'ASC']] })
    : [];
  const readings = visit ? await Observation.findAll({ where: { encounterId }, attributes: ['id'], order: [['id', 'ASC']], limit: 50 }) : [];
  return {
    encounterId, patientId, practitionerId: practitionerId!, appointmentId: appointmentId ?? null,
    // An appointment that never became a visit was never held: its visit counts as cancelled.
    visitStatus: visit?.status ?? 'cancelled', appointmentStatus: appointment?.status ?? null,
    // Read from the appointment's charges by chargeService (charge-visit.ts), which sets it.
    markedNoShow: false,
    occurredAt: occurredAt.toISOString(), serviceDate: occurredAt.toISOString().slice(0, 10),
    contactMode,
    connectedMinutes: appointmentId ? await connectedMinutes(db, appointmentId, now) : 0,
    documentedMinutes: note?.documentedMinutes ?? null,
    minutesSource: contactMode === 'video' ? 'video-session' : 'signed-note',
    note: note ? { id: note.id, status: note.status } : null,
    eligibility: eligibility.eligible
      ? { eligible: true, reason: null, conditionId: eligibility.evidence.conditionId }
      : { eligible: false, reason: eligibility.reason, conditionId: null },
    establishedPatient: await isEstablished(db, patientId, encounterId, occurredAt),
    consentOnFile: (await CarePlan.count({ where: { patientId } })) > 0,
    payer: await payerOf(db, patientId),
    prescriptionLineIds: lines.map((l) => l.id),
    readingIds: readings.map((r) => r.id),
  };
}
