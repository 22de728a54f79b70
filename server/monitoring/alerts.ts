import { Op, UniqueConstraintError, type Transaction } from 'sequelize';
import type { Database } from '../../db/connection.js';
import type { AlertSeverity, MonitoringAlert } from '../../db/models/consultations.js';
import type { Observation } from '../../db/models/observation.js';
import { toAlertFlagResource } from '../../fhir-mappings/consultation-records.js';
import { recordAudit } from '../audit/audit-log.js';
import type { Caller, Origin } from '../auth/caller.js';
import { assertPatientAccess } from '../auth/patient-access.js';
import { doctorNames } from '../auth/staff-accounts.js';
import { Conflict, Forbidden, NotFound } from '../http/errors.js';
import { queueNotice } from '../appointments/notifications.js';
import { storeDerived, type DerivedContext } from '../fhir/repository/derived-records.js';
import { everyInterval, type BackgroundWorker } from '../operations/background-loop.js';
import type { MonitoringTargets } from './care-plan.js';
import type { AlertFinding, AlertView, EscalatedAlertView, GlucoseUnit, PatientAlertView } from './contract.js';
import { GLUCOSE_MG_DL_PER_MMOL_L } from './reading-codes.js';
import { distinctMeasurements } from './same-measurement.js';
import { newResourceId } from '../fhir/repository/resource-id.js';

interface RaisedAlert {
  severity: AlertSeverity;
  finding: AlertFinding;
  /** The finding in English, kept in the table for whoever reads it there; the pages word `finding`. */
  message: string;
}

const DAY = 86_400_000;
const BP_PANEL = '85354-9';

type Pressure = { systolic: number; diastolic: number };

function pressureOf(reading: Pick<Observation, 'components'>): Pressure | undefined {
  const components = JSON.parse(reading.components ?? '[]') as Array<{ code: string; value: number }>;
  const systolic = components.find((c) => c.code === '8480-6')?.value;
  const diastolic = components.find((c) => c.code === '8462-4')?.value;
  return systolic === undefined || diastolic === undefined ? undefined : { systolic, diastolic };
}

/** A crisis is judged on the one reading; stage 2 on the average of the recent days, never on one high reading. */
async function bloodPressureAlerts(db: Database, reading: Observation, t: MonitoringTargets['bloodPressure'], tx: Transaction): Promise<RaisedAlert[]> {
  const now = pressureOf(reading);
  if (!now) return [];
  if (now.systolic > t.crisisSystolic || now.diastolic > t.crisisDiastolic) {
    return [{
      severity: 'critical',
      finding: { kind: 'bp-crisis', values: { ...now, crisisSystolic: t.crisisSystolic, crisisDiastolic: t.crisisDiastolic } },
      message: `Blood pressure ${now.systolic}/${now.diastolic} mm[Hg] is above the crisis threshold (>${t.crisisSystolic} or >${t.crisisDiastolic}).`,
    }];
  }
  const since = new Date(reading.effectiveAt.getTime() - t.averagingDays * DAY);
  const recent = await db.models.Observation.findAll({
    where: { patientId: reading.patientId, code: BP_PANEL, effectiveAt: { [Op.gt]: since, [Op.lte]: reading.effectiveAt }, status: 'final' },
    attributes: ['code', 'components', 'effectiveAt', 'valueNumber', 'valueUnit', 'source'], transaction: tx,
  });
  // A partner's copy of a local reading is one measurement: it must not weigh twice in the average.
  const measured = distinctMeasurements(recent).map((m) => m.reading);
  const pressures = measured.map(pressureOf).filter((p): p is Pressure => p !== undefined);
  const days = new Set(measured.map((r) => r.effectiveAt.toISOString().slice(0, 10))).size;
  if (days < t.minDays || pressures.length === 0) return [];
  const systolic = Math.round(pressures.reduce((s, p) => s + p.systolic, 0) / pressures.length);
  const diastolic = Math.round(pressures.reduce((s, p) => s + p.diastolic, 0) / pressures.length);
  if (systolic < t.stage2Systolic && diastolic < t.stage2Diastolic) return [];
  return [{
    severity: 'high',
    finding: {
      kind: 'bp-stage-2',
      values: { systolic, diastolic, readings: pressures.length, days, stage2Systolic: t.stage2Systolic, stage2Diastolic: t.stage2Diastolic },
    },
    message: `Average blood pressure ${systolic}/${diastolic} mm[Hg] over ${pressures.length} readings on ${days} days is at stage 2 (≥${t.stage2Systolic}/≥${t.stage2Diastolic}).`,
  }];
}

type GlucoseKind = Extract<AlertFinding, { values: { thresholdMgDl: number } }>['kind'];

function glucoseAlerts(reading: Observation, t: MonitoringTargets['glucose']): RaisedAlert[] {
  if (reading.valueNumber === null) return [];
  const value = reading.valueNumber;
  const unit: GlucoseUnit = reading.valueUnit === 'mmol/L' ? 'mmol/L' : 'mg/dL';
  const mgDl = unit === 'mmol/L' ? value * GLUCOSE_MG_DL_PER_MMOL_L : value;
  const raised = (kind: GlucoseKind, severity: AlertSeverity, thresholdMgDl: number, said: string): RaisedAlert[] =>
    [{ severity, finding: { kind, values: { value, unit, thresholdMgDl } }, message: `Glucose ${value} ${unit} is ${said}${thresholdMgDl} mg/dL).` }];
  if (mgDl < t.veryLowMgDl) return raised('glucose-very-low', 'critical', t.veryLowMgDl, 'very low (<');
  if (mgDl < t.lowMgDl) return raised('glucose-low', 'high', t.lowMgDl, 'low (<');
  if (mgDl >= t.veryHighMgDl) return raised('glucose-very-high', 'critical', t.veryHighMgDl, 'severely high (≥');
  if (t.highMgDl !== null && mgDl > t.highMgDl) return raised('glucose-high', 'moderate', t.highMgDl, 'above the target (>');
  return [];
}

/** The doctor who receives a patient's alerts: the care plan's, else the doctor of their latest visit. */
async function treatingDoctor(db: Database, patientId: string, planDoctor: string | null, tx: Transaction): Promise<string | null> {
  if (planDoctor) return planDoctor;
  const latest = await db.models.Encounter.findOne({
    where: { patientId, practitionerId: { [Op.ne]: null } }, order: [['createdAt', 'DESC']], transaction: tx,
  });
  return latest?.practitionerId ?? null;
}

/** An alert as the Flag the repository stores (docs/fhir.md "Records of the domain acts"), audited with the act. */
const storeFlag = (ctx: DerivedContext, alert: MonitoringAlert, activity: string) =>
  storeDerived(ctx, [toAlertFlagResource(alert.get({ plain: true }))], { action: activity === 'alert-raised' ? 'C' : 'U', activity });

/**
 * Raises the alerts a new reading calls for, in the reading's transaction. At most one open alert of a kind per
 * patient (the unique `openKey` decides, even for concurrent readings); critical alerts get an escalation time.
 */
export async function raiseAlertsFor(ctx: DerivedContext, reading: Observation, plan: { targets: MonitoringTargets; practitionerId: string | null },
  escalationMinutes: number): Promise<MonitoringAlert[]> {
  const { db, tx } = ctx;
  const found = reading.code === BP_PANEL ? await bloodPressureAlerts(db, reading, plan.targets.bloodPressure, tx)
    : reading.code === '2339-0' || reading.code === '15074-8' ? glucoseAlerts(reading, plan.targets.glucose) : [];
  if (found.length === 0) return [];
  const practitionerId = await treatingDoctor(db, reading.patientId, plan.practitionerId, tx);
  const raised: MonitoringAlert[] = [];
  for (const { severity, finding, message } of found) {
    const raisedAt = new Date();
    const openKey = `${reading.patientId}:${finding.kind}`;
    if (await db.models.MonitoringAlert.count({ where: { openKey }, transaction: tx })) continue;
    try {
      const created = await db.models.MonitoringAlert.create({
        id: newResourceId(), patientId: reading.patientId, practitionerId, observationId: reading.id, kind: finding.kind, severity,
        message, finding: JSON.stringify(finding), status: 'open', openKey, raisedAt, acknowledgedAt: null, acknowledgedBy: null, escalatedAt: null,
        escalateAt: severity === 'critical' ? new Date(raisedAt.getTime() + escalationMinutes * 60_000) : null,
      }, { transaction: tx });
      await storeFlag(ctx, created, 'alert-raised');
      raised.push(created);
      // A crisis is the doctor's to act on now: e-mailed, committed with the alert or not at all.
      if (severity === 'critical' && practitionerId) {
        await queueNotice(db, tx, {
          kind: 'crisis-alert', subjectId: created.id, to: { practitionerId }, payload: { alertId: created.id, alertKind: finding.kind },
        });
      }
    } catch (error) {
      if (!(error instanceof UniqueConstraintError)) throw error;
    }
  }
  return raised;
}

/** The treating doctor's next free video follow-up slots: what an alert offers the patient to book. */
export async function nextFollowUpSlots(db: Database, practitionerId: string | null, now = new Date(), limit = 3) {
  if (!practitionerId) return [];
  const slots = await db.models.Slot.findAll({
    where: { practitionerId, status: 'free', start: { [Op.gt]: now }, visitTypes: { [Op.like]: '%video-follow-up%' } },
    order: [['start', 'ASC']], limit,
  });
  return slots.map((s) => ({ slotId: s.id, start: s.start.toISOString(), end: s.end.toISOString() }));
}

export const alertView = (a: MonitoringAlert): AlertView => ({
  id: a.id, patientId: a.patientId, practitionerId: a.practitionerId, observationId: a.observationId, kind: a.kind, severity: a.severity,
  finding: a.finding ? JSON.parse(a.finding) as AlertFinding : null, status: a.status, raisedAt: a.raisedAt.toISOString(), acknowledgedAt: a.acknowledgedAt?.toISOString() ?? null,
  escalateAt: a.escalateAt?.toISOString() ?? null, escalated: a.escalatedAt !== null, escalatedAt: a.escalatedAt?.toISOString() ?? null,
});

/** Open alerts offer their doctor's next slots: looked up once per doctor, not once per alert. */
async function withSlots(db: Database, alerts: MonitoringAlert[]): Promise<PatientAlertView[]> {
  const doctors = [...new Set(alerts.filter((a) => a.status === 'open').map((a) => a.practitionerId))];
  const slotsOf = new Map(await Promise.all(doctors.map(async (id) => [id, await nextFollowUpSlots(db, id)] as const)));
  return alerts.map((a) => ({ ...alertView(a), followUpSlots: a.status === 'open' ? slotsOf.get(a.practitionerId) ?? [] : [] }));
}

/** A doctor's list (their patients' alerts), or an admin's list of escalated open alerts. */
export async function listAlerts(db: Database, caller: Caller, status: 'open' | 'acknowledged' | undefined) {
  if (caller.role === 'doctor' && caller.practitionerId) {
    const alerts = await db.models.MonitoringAlert.findAll({
      where: { practitionerId: caller.practitionerId, ...(status ? { status } : {}) }, order: [['raisedAt', 'DESC']], limit: 200,
    });
    await recordAudit(db, caller, { action: 'R', activity: 'alert-list-read', resourceType: 'Flag', detail: `${alerts.length} alerts` });
    return alerts.map(alertView);
  }
  if (caller.role === 'admin') {
    const alerts = await db.models.MonitoringAlert.findAll({ where: { status: 'open', escalatedAt: { [Op.ne]: null } }, order: [['escalatedAt', 'ASC']], limit: 200 });
    await recordAudit(db, caller, { action: 'R', activity: 'escalated-alerts-read', resourceType: 'Flag', detail: `${alerts.length} alerts` });
    // An escalation is for the admin to chase the treating doctor: name them (read once per doctor).
    const names = await doctorNames(db, alerts.map((a) => a.practitionerId));
    return alerts.map((a): EscalatedAlertView => ({ ...alertView(a), doctorName: (a.practitionerId && names.get(a.practitionerId)) || null }));
  }
  throw new Forbidden('wrong-role', 'The alert list is for doctors (their patients) and admins (escalations); patients see theirs under their record.');
}

export async function listPatientAlerts(db: Database, caller: Caller, patientId: string) {
  await assertPatientAccess(db, caller, patientId, 'Flag', 'read');
  const alerts = await db.models.MonitoringAlert.findAll({ where: { patientId }, order: [['raisedAt', 'DESC']], limit: 200 });
  await recordAudit(db, caller, { action: 'R', activity: 'alerts-read', resourceType: 'Flag', patientId });
  return withSlots(db, alerts);
}

/**
 * The treating doctor acknowledges an open alert once; that stops its escalation. The minutes she documents on it
 * are interactive time of remote monitoring treatment management (server/billing/period-charges.ts).
 */
export async function acknowledgeAlert(db: Database, caller: Caller, alertId: string, minutes?: number) {
  if (caller.role !== 'doctor') throw new Forbidden('wrong-role', 'Only a doctor acknowledges alerts.');
  const notFound = new NotFound('alert-not-found', `No alert with id ${alertId}.`);
  const alert = await db.models.MonitoringAlert.findByPk(alertId);
  if (!alert) throw notFound;
  await assertPatientAccess(db, caller, alert.patientId, 'Flag', 'write', notFound);
  return db.transaction(async (tx) => {
    const [acknowledged] = await db.models.MonitoringAlert.update(
      { status: 'acknowledged', openKey: null, acknowledgedAt: new Date(), acknowledgedBy: caller.userId, acknowledgedMinutes: minutes ?? null },
      { where: { id: alertId, status: 'open' }, transaction: tx },
    );
    if (acknowledged !== 1) throw new Conflict('alert-already-acknowledged', 'This alert has already been acknowledged.');
    const current = await db.models.MonitoringAlert.findByPk(alertId, { transaction: tx, rejectOnEmpty: true });
    await storeFlag({ db, caller, tx }, current, 'alert-acknowledged');
    return alertView(current);
  });
}

const SWEEP: Origin = { ip: null, requestId: 'alert-escalation-sweep' };

/**
 * Marks every open critical alert past its escalation time as escalated (once: the conditional update decides),
 * audited. Run by the periodic sweep; state lives in the database, so a restart loses nothing.
 */
export async function escalateOverdueAlerts(db: Database, now = new Date()): Promise<string[]> {
  const due = await db.models.MonitoringAlert.findAll({
    where: { status: 'open', escalatedAt: null, escalateAt: { [Op.lte]: now } }, attributes: ['id', 'patientId'], limit: 500,
  });
  const escalated: string[] = [];
  for (const alert of due) {
    await db.transaction(async (tx) => {
      const [moved] = await db.models.MonitoringAlert.update({ escalatedAt: now }, { where: { id: alert.id, status: 'open', escalatedAt: null }, transaction: tx });
      if (moved !== 1) return;
      escalated.push(alert.id);
      await recordAudit(db, SWEEP, { action: 'E', activity: 'alert-escalated', resourceType: 'Flag', resourceId: alert.id, patientId: alert.patientId }, tx);
    });
  }
  return escalated;
}

/** Runs the escalation sweep every `seconds` (0 = never); `stop()` waits for a sweep under way. */
export function startEscalationSweep(db: Database, seconds: number, onError: (error: unknown) => void): BackgroundWorker {
  if (seconds <= 0) return { stop: async () => undefined };
  return everyInterval(seconds * 1000, () => escalateOverdueAlerts(db), onError);
}
