import crypto from 'node:crypto';
import type { ChargeItem } from '@medplum/fhirtypes';
import request from 'supertest';
import { fhirContextOf } from '../../server/billing/billing-records.js';
import { BILLING_DECISION } from '../../server/billing/claim-documents.js';
import * as repository from '../../server/fhir/repository/repository.js';
import { createStaffAccount } from '../../server/auth/staff-accounts.js';
import { adminToken } from './consultations.js';
import { diagnoseHypertensionInPerson, newDoctor, newPatient, recorded, uniqueEmail, ACCOUNT_PASSWORD } from './factories.js';
import type { TestNode } from './test-node.js';

/**
 * Billing fixtures: ChargeItems built per the billing contract (/work/briefs/billing-contract.md) and stored
 * through the repository, as the charges rules do at a visit's finish, so claims can be tested on their own.
 */
export const CPT = 'http://www.ama-assn.org/go/cpt';
export const DEMO_INSURER = 'insurer@demo.test';

export interface ChargeSpec {
  patientId: string;
  practitionerId: string;
  encounterId: string;
  code: string;
  date: string;
  status?: 'billable' | 'not-billable';
  price?: number;
  minutes?: number;
  reasons?: Array<{ code: string; display: string }>;
  evidence?: string[];
}

export async function chargeItem(hospital: TestNode, spec: ChargeSpec): Promise<ChargeItem & { id: string }> {
  const admin = await hospital.db.models.User.findOne({ where: { email: 'admin@demo.test' }, rejectOnEmpty: true });
  const ctx = fhirContextOf(hospital.db, hospital.config, {
    ip: '127.0.0.1', requestId: 'billing-fixture', userId: admin.id, role: 'admin', patientId: null, practitionerId: null,
    organizationId: admin.organizationId, scopes: ['user/*.read', 'user/*.write'],
  });
  const reasons = spec.reasons ?? [{ code: 'qualifies', display: 'The visit qualifies for this code.' }];
  const charge: ChargeItem = {
    resourceType: 'ChargeItem', status: spec.status ?? 'billable',
    identifier: [{ system: 'https://internet-hospital.dev/fhir/sid/charge', value: `${spec.encounterId}:${spec.code}` }],
    code: { coding: [{ system: CPT, code: spec.code, display: `Video follow-up ${spec.code}` }] },
    subject: { reference: `Patient/${spec.patientId}` }, context: { reference: `Encounter/${spec.encounterId}` },
    performer: [{ actor: { reference: `Practitioner/${spec.practitionerId}` } }],
    occurrenceDateTime: `${spec.date}T09:00:00Z`, enteredDate: `${spec.date}T09:30:00Z`, quantity: { value: 1 },
    ...(spec.price !== undefined ? { priceOverride: { value: spec.price, currency: 'USD' } } : {}),
    supportingInformation: (spec.evidence ?? [`Encounter/${spec.encounterId}`]).map((reference) => ({ reference })),
    extension: [{
      url: BILLING_DECISION, extension: [
        { url: 'ruleVersion', valueString: 'test-1' }, { url: 'catalogueVersion', valueString: 'test-1' },
        { url: 'minutes', valueInteger: spec.minutes ?? 20 }, { url: 'minutesSource', valueCode: 'video-session' },
        ...reasons.map((r) => ({ url: 'reason', valueCoding: { system: 'https://internet-hospital.dev/fhir/CodeSystem/billing-reason', ...r } })),
        { url: 'inputs', valueString: JSON.stringify({ minutes: spec.minutes ?? 20 }) },
      ],
    }],
  };
  return (await repository.create(ctx, 'ChargeItem', charge)).resource as ChargeItem & { id: string };
}

/** The demo payer's Organization id. */
export async function demoPayerId(hospital: TestNode): Promise<string> {
  const insurer = await hospital.db.models.User.findOne({ where: { email: DEMO_INSURER }, rejectOnEmpty: true });
  return insurer.organizationId!;
}

/** Another payer with its own insurer account. */
export async function otherPayer(hospital: TestNode) {
  const payer = await recorded(hospital, 'Organization', await hospital.db.models.Organization.create({
    id: crypto.randomUUID(), name: 'Other Mutual', kind: 'payer', identifier: `payer-${crypto.randomBytes(4).toString('hex')}`,
  }));
  const admin = await hospital.db.models.User.findOne({ where: { email: 'admin@demo.test' }, rejectOnEmpty: true });
  const email = uniqueEmail('insurer');
  await createStaffAccount(hospital.db, {
    ip: '127.0.0.1', requestId: 'billing-fixture', userId: admin.id, role: 'admin', patientId: null, practitionerId: null,
    organizationId: admin.organizationId, scopes: [],
  }, { email, password: ACCOUNT_PASSWORD, role: 'insurer', givenName: 'Otto', familyName: 'Mutual', organizationId: payer.id });
  return { payerId: payer.id, token: await hospital.tokenFor(email) };
}

/** An admin covers the patient with the payer through /fhir/Coverage. */
export async function cover(hospital: TestNode, patientId: string, payerId: string, memberId = `M-${crypto.randomBytes(3).toString('hex')}`) {
  const res = await request(hospital.app).post('/fhir/Coverage').auth(await adminToken(hospital), { type: 'bearer' }).send({
    resourceType: 'Coverage', status: 'active', beneficiary: { reference: `Patient/${patientId}` }, payor: [{ reference: `Organization/${payerId}` }],
    subscriberId: memberId, period: { start: '2026-01-01', end: '2026-12-31' },
  }).expect(201);
  return res.body.id as string;
}

/** A covered patient seen by a doctor: a diagnosis at an in-person visit (the evidence) and two more visits. */
export async function coveredPatient(hospital: TestNode, payerId: string, name = 'Billed') {
  const patient = await newPatient(hospital, name);
  const doctor = await newDoctor(hospital, `${name}Doc`);
  const condition = await diagnoseHypertensionInPerson(hospital, patient.patientId, doctor.practitionerId);
  const coverageId = await cover(hospital, patient.patientId, payerId);
  return { patient, doctor, conditionId: condition.id, diagnosisVisitId: condition.encounterId!, coverageId };
}
