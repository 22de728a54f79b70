import crypto from 'node:crypto';
import type { Transaction } from 'sequelize';
import { toCarePlanResource } from '../../fhir-mappings/consultation-records.js';
import { storeDerived } from '../../server/fhir/repository/derived-records.js';
import * as records from '../../server/fhir/repository/records.js';
import type { Database } from '../connection.js';
import { seedRecords } from './seed-records.js';

const DAY = 24 * 3600 * 1000;

/**
 * Follow-up consultations in the demo: Dr Chen's care plan for Alice (her own stage 2 systolic target of 135),
 * a week of home blood pressure readings from her cuff, so the readings chart and alert rules have data, and
 * the lipid panel taken at her first (in-person) visit, so her visits show an exam result.
 */
export async function seedConsultationsDemo(
  db: Database, ids: { aliceId: string; chenId: string; firstVisitId: string }, now: Date, transaction: Transaction,
) {
  const m = db.models;
  const plan = await m.CarePlan.create({
    id: crypto.randomUUID(), patientId: ids.aliceId, practitionerId: ids.chenId,
    targets: JSON.stringify({ bloodPressure: { stage2Systolic: 135 } }),
  }, { transaction });
  await storeDerived(seedRecords(db, transaction), [toCarePlanResource(plan.get({ plain: true }))], {
    action: 'C', activity: 'care-plan-set',
  });
  const week = [[132, 84], [128, 82], [136, 86], [131, 83], [129, 81], [134, 85], [130, 82]];
  await records.createdAll(seedRecords(db, transaction), 'Observation', await m.Observation.bulkCreate(week.map(([systolic, diastolic], i) => ({
    id: crypto.randomUUID(), patientId: ids.aliceId, encounterId: null, status: 'final' as const, category: 'vital-signs',
    codeSystem: 'http://loinc.org', code: '85354-9', display: 'Blood pressure panel with all children optional',
    effectiveAt: new Date(now.getTime() - (7 - i) * DAY), valueNumber: null, valueUnit: null,
    components: JSON.stringify([
      { code: '8480-6', display: 'Systolic blood pressure', value: systolic, unit: 'mm[Hg]' },
      { code: '8462-4', display: 'Diastolic blood pressure', value: diastolic, unit: 'mm[Hg]' },
    ]),
    entryMethod: 'device' as const, deviceName: 'Omron M7 Intelli IT', diagnosticReportId: null, source: null,
  })), { transaction }));
  await seedLipidPanel(db, ids.aliceId, ids.firstVisitId, new Date(now.getTime() - 90 * DAY), transaction);
}

/** Lipid panel (LOINC 24331-1) with its four results, each pointing at the report, the report listing them. */
async function seedLipidPanel(db: Database, patientId: string, encounterId: string, takenAt: Date, transaction: Transaction) {
  const reportId = crypto.randomUUID();
  const results = [
    ['2093-3', 'Cholesterol [Mass/volume] in Serum or Plasma', 212],
    ['2085-9', 'Cholesterol in HDL [Mass/volume] in Serum or Plasma', 48],
    ['13457-7', 'Cholesterol in LDL [Mass/volume] in Serum or Plasma by calculation', 136],
    ['2571-8', 'Triglyceride [Mass/volume] in Serum or Plasma', 140],
  ] as const;
  const observations = results.map(([code, display, value]) => ({
    id: crypto.randomUUID(), patientId, encounterId, status: 'final' as const, category: 'laboratory',
    codeSystem: 'http://loinc.org', code, display, effectiveAt: takenAt, valueNumber: value, valueUnit: 'mg/dL',
    components: null, entryMethod: null, deviceName: null, diagnosticReportId: reportId, source: null,
  }));
  const ctx = seedRecords(db, transaction);
  await records.createdAll(ctx, 'Observation', await db.models.Observation.bulkCreate(observations, { transaction }));
  await records.created(ctx, 'DiagnosticReport', await db.models.DiagnosticReport.create({
    id: reportId, patientId, encounterId, status: 'final', category: 'LAB', codeSystem: 'http://loinc.org', code: '24331-1',
    display: 'Lipid 1996 panel - Serum or Plasma', effectiveAt: takenAt, issuedAt: new Date(takenAt.getTime() + DAY),
    performerDisplay: 'Demo Hospital laboratory', resultIds: JSON.stringify(observations.map((o) => o.id)),
    conclusion: 'LDL above target for a hypertensive patient; lifestyle advice, recheck in 3 months.',
  }, { transaction }));
}
