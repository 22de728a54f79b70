import crypto from 'node:crypto';
import type { Database } from '../connection.js';
import { hashPassword } from '../../server/auth/passwords.js';
import * as records from '../../server/fhir/repository/records.js';
import { seedDemoSchedule } from './demo-schedule.js';
import { seedConsultationsDemo } from './demo-consultations.js';
import { seedDrugCatalogue } from './drug-catalogue.js';
import { seedRecords } from './seed-records.js';

export const DEMO_ACCOUNTS = [
  { email: 'admin@demo.test', role: 'admin', who: 'hospital admin' },
  { email: 'dr.chen@demo.test', role: 'doctor', who: 'Dr Wei Chen, internal medicine' },
  { email: 'pharm.li@demo.test', role: 'pharmacist', who: 'Li Na, hospital pharmacist' },
  { email: 'insurer@demo.test', role: 'insurer', who: 'claims officer at Demo Health Insurance' },
  { email: 'alice@demo.test', role: 'patient', who: 'Alice Wang: hypertension diagnosed in person, insured' },
  { email: 'bob@demo.test', role: 'patient', who: 'Bob Smith: no prior diagnosis (must book in person first)' },
] as const;

const DAY = 24 * 3600 * 1000;

/**
 * Seeds the demo hospital when the database has no accounts yet; returns false (and writes nothing)
 * otherwise, so a second start never seeds twice.
 */
export async function seedDemoHospital(db: Database, password: string, now = new Date()): Promise<boolean> {
  const passwordHash = await hashPassword(password);
  return db.transaction(async (transaction) => {
    const m = db.models;
    if ((await m.User.count({ transaction })) > 0) return false;
    const id = () => crypto.randomUUID();
    const ctx = seedRecords(db, transaction);
    const hospital = await m.Organization.create({ id: id(), name: 'Demo Hospital', kind: 'hospital', identifier: 'demo-hospital' }, { transaction });
    const payer = await m.Organization.create({ id: id(), name: 'Demo Health Insurance', kind: 'payer', identifier: 'demo-payer', internetCareAgreement: true }, { transaction });
    const chen = await m.Practitioner.create({
      id: id(), givenName: 'Wei', familyName: 'Chen', organizationId: hospital.id,
      specialtyCode: '419192003', specialtyDisplay: 'Internal medicine',
    }, { transaction });
    const li = await m.Practitioner.create({
      id: id(), givenName: 'Na', familyName: 'Li', organizationId: hospital.id,
      specialtyCode: '394600006', specialtyDisplay: 'Clinical pharmacy',
    }, { transaction });
    for (const organization of [hospital, payer]) await records.created(ctx, 'Organization', organization);
    for (const practitioner of [chen, li]) await records.created(ctx, 'Practitioner', practitioner);
    const alice = await m.Patient.create({
      id: id(), givenName: 'Alice', familyName: 'Wang', birthDate: '1961-04-12', gender: 'female',
      email: 'alice@demo.test', phone: null, timeZone: 'Asia/Shanghai',
    }, { transaction });
    const bob = await m.Patient.create({
      id: id(), givenName: 'Bob', familyName: 'Smith', birthDate: '1975-09-30', gender: 'male',
      email: 'bob@demo.test', phone: null, timeZone: 'Europe/London',
    }, { transaction });
    for (const patient of [alice, bob]) {
      await records.created(ctx, 'Patient', patient);
      await records.created(ctx, 'Coverage', await m.Coverage.create({
        id: id(), patientId: patient.id, payorId: payer.id, memberId: `DHI-${patient.givenName.toUpperCase()}-0001`,
        status: 'active', periodStart: `${now.getUTCFullYear()}-01-01`, periodEnd: `${now.getUTCFullYear()}-12-31`,
      }, { transaction }));
    }
    // Alice's first visit was in person, 90 days ago: that diagnosis makes her eligible for online follow-up.
    const firstVisitStart = new Date(now.getTime() - 90 * DAY);
    const firstVisit = await m.Encounter.create({
      id: id(), patientId: alice.id, practitionerId: chen.id, organizationId: hospital.id, encounterClass: 'AMB',
      status: 'finished', periodStart: firstVisitStart, periodEnd: new Date(firstVisitStart.getTime() + 30 * 60_000),
      source: null,
    }, { transaction });
    await records.created(ctx, 'Encounter', firstVisit);
    await records.created(ctx, 'Condition', await m.Condition.create({
      id: id(), patientId: alice.id, encounterId: firstVisit.id, recorderId: chen.id,
      codeSystem: 'http://hl7.org/fhir/sid/icd-10', code: 'I10', display: 'Essential (primary) hypertension',
      clinicalStatus: 'active', verificationStatus: 'confirmed', onsetDate: firstVisitStart.toISOString().slice(0, 10),
      recordedAt: firstVisitStart, source: null,
    }, { transaction }));

    const account = (email: string, role: 'admin' | 'doctor' | 'pharmacist' | 'insurer' | 'patient', displayName: string,
      links: { patientId?: string; practitionerId?: string; organizationId?: string }) =>
      m.User.create({
        id: id(), email, passwordHash, role, displayName, patientId: links.patientId ?? null,
        practitionerId: links.practitionerId ?? null, organizationId: links.organizationId ?? null,
      }, { transaction });
    await account('admin@demo.test', 'admin', 'Demo Admin', { organizationId: hospital.id });
    await account('dr.chen@demo.test', 'doctor', 'Dr Wei Chen', { practitionerId: chen.id, organizationId: hospital.id });
    await account('pharm.li@demo.test', 'pharmacist', 'Li Na', { practitionerId: li.id, organizationId: hospital.id });
    await account('insurer@demo.test', 'insurer', 'Demo Health Insurance claims', { organizationId: payer.id });
    await account('alice@demo.test', 'patient', 'Alice Wang', { patientId: alice.id });
    await account('bob@demo.test', 'patient', 'Bob Smith', { patientId: bob.id });
    await seedDemoSchedule(db, chen.id, transaction, now);
    await seedConsultationsDemo(db, { aliceId: alice.id, chenId: chen.id, firstVisitId: firstVisit.id }, now, transaction);
    await seedDrugCatalogue(db, transaction);
    return true;
  });
}
