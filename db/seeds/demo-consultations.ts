import crypto from 'node:crypto';
import type { Transaction } from 'sequelize';
import type { Database } from '../connection.js';

const DAY = 24 * 3600 * 1000;

/**
 * Follow-up consultations in the demo: Dr Chen's care plan for Alice (her own stage 2 systolic target of 135)
 * and a week of home blood pressure readings from her cuff, so the readings chart and alert rules have data.
 */
export async function seedConsultationsDemo(db: Database, ids: { aliceId: string; chenId: string }, now: Date, transaction: Transaction) {
  const m = db.models;
  await m.CarePlan.create({
    id: crypto.randomUUID(), patientId: ids.aliceId, practitionerId: ids.chenId,
    targets: JSON.stringify({ bloodPressure: { stage2Systolic: 135 } }),
  }, { transaction });
  const week = [[132, 84], [128, 82], [136, 86], [131, 83], [129, 81], [134, 85], [130, 82]];
  await m.Observation.bulkCreate(week.map(([systolic, diastolic], i) => ({
    id: crypto.randomUUID(), patientId: ids.aliceId, encounterId: null, status: 'final' as const, category: 'vital-signs',
    codeSystem: 'http://loinc.org', code: '85354-9', display: 'Blood pressure panel with all children optional',
    effectiveAt: new Date(now.getTime() - (7 - i) * DAY), valueNumber: null, valueUnit: null,
    components: JSON.stringify([
      { code: '8480-6', display: 'Systolic blood pressure', value: systolic, unit: 'mm[Hg]' },
      { code: '8462-4', display: 'Diastolic blood pressure', value: diastolic, unit: 'mm[Hg]' },
    ]),
    entryMethod: 'device' as const, deviceName: 'Omron M7 Intelli IT', diagnosticReportId: null, source: null,
  })), { transaction });
}
