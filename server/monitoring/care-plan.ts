import { UniqueConstraintError, type Transaction } from 'sequelize';
import type { Database } from '../../db/connection.js';
import { nextVersion } from '../../db/versions.js';
import { toCarePlanResource } from '../../fhir-mappings/consultation-records.js';
import { recordAudit } from '../audit/audit-log.js';
import type { Caller } from '../auth/caller.js';
import { assertPatientAccess } from '../auth/patient-access.js';
import { storeDerived } from '../fhir/repository/derived-records.js';
import { Conflict, Forbidden } from '../http/errors.js';
import { newResourceId } from '../fhir/repository/resource-id.js';

/** Alert thresholds of home monitoring. Values are mm[Hg] and mg/dL. */
export interface MonitoringTargets {
  bloodPressure: {
    /** Stage 2 hypertension, judged on the average over `averagingDays` with readings on at least `minDays` days. */
    stage2Systolic: number;
    stage2Diastolic: number;
    /** Hypertensive crisis: a single reading above either raises an alert at once. */
    crisisSystolic: number;
    crisisDiastolic: number;
    averagingDays: number;
    minDays: number;
  };
  glucose: {
    lowMgDl: number;
    veryLowMgDl: number;
    /** Severe hyperglycaemia: a single reading at or above it is a crisis for the doctor (critical, escalated). */
    veryHighMgDl: number;
    /** Optional personal upper target; no alert above it when null. */
    highMgDl: number | null;
  };
}

export type TargetsOverride = { [K in keyof MonitoringTargets]?: Partial<MonitoringTargets[K]> };

/**
 * Defaults: ACC/AHA 2017 blood pressure categories (stage 2 ≥140/≥90 on averaged home readings; crisis >180
 * and/or >120) and ADA Standards of Care 2024 §6 hypoglycaemia levels (level 1 <70 mg/dL, level 2 <54 mg/dL).
 * Severe hyperglycaemia ≥300 mg/dL (16.7 mmol/L): the "call your care team now" point of sick-day guidance, well
 * below HHS (≥600 mg/dL, ADA/EASD/JBDS hyperglycaemic crises consensus 2024), so the doctor hears before a crisis.
 */
export const DEFAULT_TARGETS: MonitoringTargets = {
  bloodPressure: { stage2Systolic: 140, stage2Diastolic: 90, crisisSystolic: 180, crisisDiastolic: 120, averagingDays: 7, minDays: 3 },
  glucose: { lowMgDl: 70, veryLowMgDl: 54, veryHighMgDl: 300, highMgDl: null },
};

/** The patient's own targets override the defaults, threshold by threshold. */
export function mergeTargets(override: TargetsOverride): MonitoringTargets {
  return {
    bloodPressure: { ...DEFAULT_TARGETS.bloodPressure, ...override.bloodPressure },
    glucose: { ...DEFAULT_TARGETS.glucose, ...override.glucose },
  };
}

/** The patient's effective targets and the care plan's doctor (who receives the alerts), defaults when no plan. */
export async function effectiveCarePlan(db: Database, patientId: string, tx?: Transaction) {
  const plan = await db.models.CarePlan.findOne({ where: { patientId }, transaction: tx });
  const override = plan ? (JSON.parse(plan.targets) as TargetsOverride) : {};
  return { id: plan?.id ?? null, practitionerId: plan?.practitionerId ?? null, override, targets: mergeTargets(override), versionId: plan?.versionId ?? null };
}

export async function readCarePlan(db: Database, caller: Caller, patientId: string) {
  await assertPatientAccess(db, caller, patientId, 'CarePlan', 'read');
  await recordAudit(db, caller, { action: 'R', activity: 'care-plan-read', resourceType: 'CarePlan', patientId });
  return { patientId, ...(await effectiveCarePlan(db, patientId)), defaults: DEFAULT_TARGETS };
}

/** The treating doctor sets the patient's own targets (the whole override: thresholds left out use defaults). */
export async function setCarePlan(db: Database, caller: Caller, patientId: string, override: TargetsOverride) {
  if (caller.role !== 'doctor' || !caller.practitionerId) throw new Forbidden('wrong-role', 'Only a doctor sets a care plan.');
  await assertPatientAccess(db, caller, patientId, 'CarePlan', 'write');
  return db.transaction(async (tx) => {
    const { CarePlan } = db.models;
    // Update first; create only when there is none (the unique patientId turns a racing create into a 409).
    const targets = JSON.stringify(override);
    const [updated] = await CarePlan.update({ targets, practitionerId: caller.practitionerId, versionId: nextVersion(db) }, { where: { patientId }, transaction: tx });
    const plan = updated ? await CarePlan.findOne({ where: { patientId }, transaction: tx, rejectOnEmpty: true })
      : await CarePlan.create({ id: newResourceId(), patientId, practitionerId: caller.practitionerId, targets }, { transaction: tx })
        .catch((error: unknown) => {
          if (error instanceof UniqueConstraintError) throw new Conflict('care-plan-changed', 'The care plan was created meanwhile; read it and try again.');
          throw error;
        });
    await storeDerived({ db, caller, tx }, [toCarePlanResource(plan.get({ plain: true }))], { action: updated ? 'U' : 'C', activity: 'care-plan-set' });
    // The plan as written: the same shape readCarePlan answers, without a second access check or a "read" event.
    return { patientId, ...(await effectiveCarePlan(db, patientId, tx)), defaults: DEFAULT_TARGETS };
  });
}
