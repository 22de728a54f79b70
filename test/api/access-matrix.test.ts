import crypto from 'node:crypto';
import { expect } from 'chai';
import request from 'supertest';
import type { Role } from '../../db/models/access.js';
import { readsOnlyAsClaimEvidence, roleReachesType } from '../../server/auth/care-relationship.js';
import { registeredTypes } from '../../server/fhir/registry.js';
import { isInPatientCompartment } from '../../server/fhir/repository/r4-search-parameters.js';
import { adminToken, PDF_BYTES } from '../support/consultations.js';
import { recorded } from '../support/factories.js';
import { issuePrescription, openFollowUpVisit, PHARMACIST } from '../support/prescriptions.js';
import { routesOf } from '../support/route-table.js';
import { describeOnEachDatabase, type TestNode } from '../support/test-node.js';

/**
 * The access matrix, generated from the built app: every route of its Express routers and every FHIR type ×
 * interaction of the registry, for each role (and no token), on Alice's record (in Dr Chen's care, covered by the
 * demo insurer), on another patient's, and on an id that does not exist. A route without a rule fails the test.
 */

type Caller = Exclude<Role, 'system'> | 'none';
/** How far a role reaches: 'any' record, or only those it is related to (own, in care, member, party). */
type Reach = 'any' | 'related' | 'evidence';
type RecordKind = 'patient' | 'appointment' | 'visit' | 'document' | 'prescription' | 'dispute' | 'message' | 'alert'
  | 'notification' | 'fhir';
/** `body`: a valid body, so a refusal is not hidden behind a 400; `upload`: the body is a PDF and `query` its metadata. */
interface Rule { who: Partial<Record<Caller | 'anyone', Reach>>; record?: RecordKind; body?: object; upload?: string }

const CALLERS: Caller[] = ['patient', 'doctor', 'pharmacist', 'insurer', 'admin', 'none'];
const VARIANTS = ['own', 'other', 'unknown'] as const;
type Variant = (typeof VARIANTS)[number];
type Expected = 'ok' | 401 | 403 | 404;

const PATIENT_SIDE = { patient: 'related', doctor: 'related' } as const;
const CLINICAL = { record: 'patient', who: PATIENT_SIDE } as const;
const SIGNED_IN = { patient: 'any', doctor: 'any', pharmacist: 'any', insurer: 'any', admin: 'any' } as const;
const anyone: Rule = { who: { anyone: 'any' } };

/** One table: what each route allows. Clinical content is for the patient and their doctors only. */
const RULES: Record<string, Rule> = {
  'GET /healthz': anyone, 'GET /readyz': anyone, 'GET /.well-known/jwks.json': anyone, 'POST /auth/token': anyone,
  'POST /auth/session': anyone, 'DELETE /auth/session': anyone, 'POST /auth/session/refresh': anyone,
  'GET /metrics': { who: { admin: 'any' } }, // or a METRICS_ALLOW address without a token (test/api/metrics.test.ts)
  'POST /api/patients': anyone, 'GET /visit/:id': anyone, 'GET /fhir/metadata': anyone,
  'GET /.well-known/smart-configuration': anyone, 'GET /fhir/.well-known/smart-configuration': anyone,
  'GET /api/me': { who: SIGNED_IN },
  'POST /api/staff': { who: { admin: 'any' } },
  'GET /api/patients/:patientId': { record: 'patient', who: { ...PATIENT_SIDE, insurer: 'related', admin: 'any' } },
  'GET /api/audit-events': { who: { patient: 'any', admin: 'any' } },
  'GET /api/practitioners/:practitionerId/availability': { who: SIGNED_IN },
  'PUT /api/practitioners/:practitionerId/availability': { who: { doctor: 'any', admin: 'any' } },
  'POST /api/practitioners/:practitionerId/availability/preview': { who: { doctor: 'any', admin: 'any' } },
  'GET /api/slots': { who: SIGNED_IN },
  'GET /api/appointments': { who: { patient: 'any', doctor: 'any', admin: 'any' } },
  'POST /api/appointments': { who: { patient: 'any', admin: 'any' }, body: { slotId: 'x', visitType: 'in-person' } },
  'GET /api/appointments/:id': { record: 'appointment', who: { ...PATIENT_SIDE, admin: 'any' } },
  'POST /api/appointments/:id/cancel': { record: 'appointment', who: { ...PATIENT_SIDE, admin: 'any' } },
  'POST /api/appointments/:id/reschedule': { record: 'appointment', who: { patient: 'related', admin: 'any' }, body: { slotId: 'x' } },
  'POST /api/appointments/:id/arrived': { record: 'appointment', who: { doctor: 'related', admin: 'any' } },
  'POST /api/appointments/:id/no-show': { record: 'appointment', who: { doctor: 'related', admin: 'any' } },
  'POST /api/appointments/:id/video-token': { record: 'appointment', who: PATIENT_SIDE },
  'GET /api/appointments/:id/video-session': { record: 'appointment', who: { doctor: 'related' } },
  'POST /api/appointments/:appointmentId/visit': { record: 'appointment', who: PATIENT_SIDE },
  'GET /api/patients/:patientId/eligibility': CLINICAL,
  'GET /api/patients/:patientId/diagnosis-documents': CLINICAL,
  'POST /api/patients/:patientId/diagnosis-documents': { record: 'patient', who: { patient: 'related' }, upload: '?title=Letter&diagnosedOn=2024-01-01' },
  'GET /api/diagnosis-documents/:documentId/content': { record: 'document', who: PATIENT_SIDE },
  'POST /api/diagnosis-documents/:documentId/review': { record: 'document', who: { doctor: 'related' }, body: { decision: 'reject', note: 'n' } },
  'GET /api/visits/:visitId': { record: 'visit', who: PATIENT_SIDE },
  'POST /api/visits/:visitId/arrive': { record: 'visit', who: PATIENT_SIDE },
  'POST /api/visits/:visitId/admit': { record: 'visit', who: PATIENT_SIDE },
  'POST /api/visits/:visitId/finish': { record: 'visit', who: PATIENT_SIDE },
  'POST /api/visits/:visitId/cancel': { record: 'visit', who: PATIENT_SIDE },
  'POST /api/visits/:visitId/needs-in-person-care': { record: 'visit', who: PATIENT_SIDE, body: { reason: 'r' } },
  'GET /api/visits/:visitId/note': { record: 'visit', who: PATIENT_SIDE },
  'PUT /api/visits/:visitId/note': { record: 'visit', who: PATIENT_SIDE, body: { subjective: '', assessment: '', plan: '' } },
  'POST /api/visits/:visitId/note/amendments': { record: 'visit', who: PATIENT_SIDE, body: { subjective: '', assessment: '', plan: '', reason: 'r' } },
  'GET /api/visits/:visitId/exam-results': { record: 'visit', who: PATIENT_SIDE },
  'GET /api/visits/:visitId/messages': { record: 'visit', who: PATIENT_SIDE },
  'POST /api/visits/:visitId/messages': { record: 'visit', who: PATIENT_SIDE, body: { text: 'hello' } },
  'POST /api/visits/:visitId/attachments': { record: 'visit', who: PATIENT_SIDE, upload: '?name=letter.pdf' },
  'GET /api/visits/:visitId/messages/:messageId/content': { record: 'message', who: PATIENT_SIDE },
  'POST /api/visits/:visitId/disputes': { record: 'visit', who: PATIENT_SIDE, body: { reason: 'r' } },
  'GET /api/disputes': { who: { patient: 'any', admin: 'any' } },
  'GET /api/disputes/:disputeId': { record: 'dispute', who: { patient: 'related', admin: 'any' } },
  'GET /api/disputes/:disputeId/timeline': { record: 'dispute', who: { admin: 'any' } },
  'POST /api/disputes/:disputeId/resolution': { record: 'dispute', who: { admin: 'any' }, body: { outcome: 'rejected', resolution: 'r' } },
  'GET /api/partners': { who: SIGNED_IN },
  'POST /api/partners': { who: { admin: 'any' }, body: { name: 'n', fhirBaseUrl: 'http://x.test/fhir', jwksUrl: 'http://x.test/jwks' } },
  'GET /api/partners/:partnerId': { who: SIGNED_IN },
  'GET /api/patients/:patientId/consents': CLINICAL,
  'POST /api/patients/:patientId/consents': { record: 'patient', who: { patient: 'related' }, body: { partnerId: 'x' } },
  'POST /api/patients/:patientId/consents/:partnerId/revoke': { record: 'patient', who: { patient: 'related' } },
  'POST /api/patients/:patientId/partner-records/pull': CLINICAL,
  'GET /api/patients/:patientId/readings': CLINICAL,
  'POST /api/patients/:patientId/readings': { ...CLINICAL, body: { code: '29463-7', value: 70, unit: 'kg', effectiveAt: '2026-01-01T00:00:00Z', entryMethod: 'typed' } },
  'GET /api/patients/:patientId/care-plan': CLINICAL,
  'GET /api/patients/:patientId/chronic-care': CLINICAL,
  'PUT /api/patients/:patientId/care-plan': { record: 'patient', who: { doctor: 'related' } },
  'GET /api/patients/:patientId/alerts': CLINICAL,
  'GET /api/alerts': { who: { doctor: 'any', admin: 'any' } },
  'POST /api/alerts/:alertId/acknowledge': { record: 'alert', who: { doctor: 'related' } },
  'GET /api/notifications': { who: { patient: 'any', doctor: 'any' } },
  'POST /api/notifications/:notificationId/read': { record: 'notification', who: PATIENT_SIDE },
  'GET /api/drugs': { who: SIGNED_IN },
  'GET /api/prescriptions': { who: { patient: 'any', doctor: 'any' } },
  'POST /api/prescriptions': { who: { doctor: 'any' }, body: { encounterId: 'x', lines: [] } },
  'GET /api/prescriptions/review-queue': { who: { pharmacist: 'any' } },
  'GET /api/prescriptions/:id': { record: 'prescription', who: { ...PATIENT_SIDE, pharmacist: 'any' } },
  'POST /api/prescriptions/:id/review': { record: 'prescription', who: { pharmacist: 'any' }, body: { decision: 'approve' } },
  'POST /api/prescriptions/:id/cancel': { record: 'prescription', who: { doctor: 'related' } },
  'GET /api/prescriptions/:id/code': { record: 'prescription', who: { patient: 'related' } },
  'GET /api/prescriptions/:id/provenance': { record: 'prescription', who: { ...PATIENT_SIDE, pharmacist: 'any' } },
  'GET /api/dispensations': { who: { pharmacist: 'any' } },
  'POST /api/dispensations': { who: { pharmacist: 'any' }, body: { code: 'x' } },
  'GET /api/dispensations/:id': { who: { pharmacist: 'any' } },
  'POST /api/dispensations/:id/hand-over': { who: { pharmacist: 'any' }, body: { dispenses: [{ lineNo: 1, quantity: 1 }] } },
  'POST /api/dispensations/:id/give-back': { who: { pharmacist: 'any' } },
  'GET /fhir/Task/:id': { record: 'prescription', who: { ...PATIENT_SIDE, pharmacist: 'any' } },
  'POST /fhir/Task/:id/$lookup': { who: { pharmacist: 'any' } },
  'POST /fhir/Task/:id/$accept': { who: { pharmacist: 'any' } },
  'POST /fhir/Task/:id/$reject': { who: { pharmacist: 'any' } },
  'POST /fhir/Task/:id/$close': { who: { pharmacist: 'any' } },
  'POST /fhir/Task/:id/$abort': { who: { doctor: 'any' } },
  'POST /fhir/Patient/:id/$everything': { record: 'patient', who: PATIENT_SIDE },
  // The generic FHIR routes are expanded per type below (fhirRules); the batch/transaction endpoint itself:
  'POST /fhir': { who: SIGNED_IN },
  'GET /api/billing/catalogue': { who: { admin: 'any' } },
  'POST /api/billing/catalogue': { who: { admin: 'any' }, body: { version: 'x', entries: [] } },
  'GET /api/visits/:visitId/charges': { record: 'visit', who: { doctor: 'related', admin: 'any' } },
  'GET /api/visits/:visitId/billing-level': { record: 'visit', who: { doctor: 'related', admin: 'any' } },
  'POST /api/visits/:visitId/charges/recompute': { record: 'visit', who: { admin: 'any' } },
  'GET /api/billing/payers': { who: { admin: 'any' } },
  'PUT /api/billing/payers/:payerId/agreement': { who: { admin: 'any' }, body: { internetCareAgreement: true } },
  'POST /api/billing/claims/submit': { who: { admin: 'any' }, body: { start: '2026-01-01', end: '2026-01-31' } },
  'GET /api/billing/risk-flags': { who: { insurer: 'any', admin: 'any' } },
  'GET /api/billing/charges.csv': { who: { insurer: 'any', admin: 'any' } },
  'GET /api/patients/:patientId/billing': { record: 'patient', who: { ...PATIENT_SIDE, insurer: 'related', admin: 'any' } },
};

/** An insurer reaches a clinical type only as an open claim's evidence: none in this world, so every row is a 404. */
const asEvidence = (type: string): Rule['who'] => (readsOnlyAsClaimEvidence('insurer', type) ? { insurer: 'evidence' } : {});

/** Per FHIR type: clinical types for the patient side; administrative ones for every signed-in role. */
const ADMIN_READS = ['Patient', 'Coverage', 'Appointment', 'AuditEvent'];
const INSURER_READS = ['Patient', 'Coverage'];
/**
 * A type the FHIR repository stores: no record of the world is one, so each role gets the 403 of a type its role
 * never reaches (minimum necessary, for a type in the Patient compartment) or the 404 of `x`.
 * test/api/fhir-repository-access.test.ts checks the care relationships on its rows.
 */
function repositoryRule(type: string): Rule {
  if (!isInPatientCompartment(type)) return { who: SIGNED_IN };
  const roles = (Object.keys(SIGNED_IN) as Array<keyof typeof SIGNED_IN>).filter((role) => roleReachesType(role, type, 'read'));
  return { who: { ...Object.fromEntries(roles.map((role) => [role, 'any'])), ...asEvidence(type) } };
}

function fhirRule(type: string, patientColumn: string | undefined, inRepository = false): Rule {
  if (inRepository) return repositoryRule(type);
  if (!patientColumn) return { who: SIGNED_IN };
  if (type === 'AuditEvent') return { record: 'fhir', who: { patient: 'related', admin: 'any' } };
  return {
    record: 'fhir',
    who: {
      ...PATIENT_SIDE, ...(INSURER_READS.includes(type) ? { insurer: 'related' } : asEvidence(type)), ...(ADMIN_READS.includes(type) ? { admin: 'any' } : {}),
    },
  };
}

/** The instance operations of the registry's types (Task $accept, Patient $everything), each a route of the table. */
const operationRoutes = () => registeredTypes().flatMap((definition) => (definition.operations ?? [])
  .filter((op) => op.level === 'instance').map((op) => `POST /fhir/${definition.type}/:id/$${op.name}`));

/** The generic /fhir/:type routes: replaced by one rule per registered type and read/search interaction. */
const GENERIC_FHIR = /^(GET|POST|PUT|DELETE) \/fhir\/:type/;

interface World { tokens: Record<Exclude<Caller, 'none'>, string>; ids: Record<RecordKind, Record<Variant, string>> }

async function buildWorld(hospital: TestNode): Promise<World> {
  const { db, app } = hospital;
  const alice = await openFollowUpVisit(hospital);
  const other = await openFollowUpVisit(hospital);
  const insurer = await db.models.User.findOne({ where: { email: 'insurer@demo.test' }, rejectOnEmpty: true });
  await recorded(hospital, 'Coverage', await db.models.Coverage.create({
    id: crypto.randomUUID(), patientId: alice.patient.patientId, payorId: insurer.organizationId!, memberId: 'M-1', status: 'active',
  } as never));
  const records = async (setup: typeof alice) => {
    const prescription = await issuePrescription(hospital, setup);
    await request(app).post(`/api/prescriptions/${prescription.body.id as string}/review`).auth(await hospital.tokenFor(PHARMACIST), { type: 'bearer' })
      .send({ decision: 'approve' }).expect(200);
    await request(app).put(`/api/visits/${setup.visit.id}/note`).auth(setup.doctor.token, { type: 'bearer' })
      .send({ subjective: 's', assessment: 'a', plan: 'p' }).expect(200);
    await request(app).post(`/api/patients/${setup.patient.patientId}/readings`).auth(setup.patient.token, { type: 'bearer' })
      .send({ code: '29463-7', value: 70, unit: 'kg', effectiveAt: new Date().toISOString(), entryMethod: 'typed' }).expect(201);
    const document = await request(app).post(`/api/patients/${setup.patient.patientId}/diagnosis-documents?title=Letter&diagnosedOn=2024-01-01`)
      .auth(setup.patient.token, { type: 'bearer' }).set('Content-Type', 'application/pdf').send(PDF_BYTES).expect(201);
    const message = await request(app).post(`/api/visits/${setup.visit.id}/attachments?name=letter.pdf`).auth(setup.patient.token, { type: 'bearer' })
      .set('Content-Type', 'application/pdf').send(PDF_BYTES).expect(201);
    const dispute = await db.models.Dispute.create({
      id: crypto.randomUUID(), encounterId: setup.visit.id, patientId: setup.patient.patientId, openedBy: setup.patient.userId, reason: 'r',
      status: 'open', resolution: null, outcome: null, resolvedBy: null, resolvedAt: null,
    } as never);
    const alert = await db.models.MonitoringAlert.findOne({ where: { patientId: setup.patient.patientId } });
    const notification = await db.models.NotificationOutbox.findOne({ where: { recipientPatientId: setup.patient.patientId } });
    return {
      patient: setup.patient.patientId, appointment: setup.visit.appointmentId!, visit: setup.visit.id, document: document.body.id as string,
      prescription: prescription.body.id as string, dispute: dispute.id, message: `${setup.visit.id}/messages/${message.body.id as string}`,
      alert: alert?.id ?? crypto.randomUUID(), notification: notification?.id ?? crypto.randomUUID(), fhir: setup.patient.patientId,
    };
  };
  const own = await records(alice);
  const theirs = await records(other);
  const unknown = crypto.randomUUID();
  const ids = Object.fromEntries(Object.keys(own).map((kind) => [kind, {
    own: own[kind as RecordKind], other: theirs[kind as RecordKind],
    // Not a number's prefix: MariaDB would read '7fcd…' as the integer id 7 (AuditEvent ids are integers).
    unknown: kind === 'message' ? `${own.visit}/messages/${unknown}` : `x${unknown}`,
  }])) as World['ids'];
  return {
    tokens: {
      patient: alice.patient.token, doctor: alice.doctor.token, pharmacist: await hospital.tokenFor(PHARMACIST),
      insurer: await hospital.tokenFor('insurer@demo.test'), admin: await adminToken(hospital),
    },
    ids,
  };
}

function expected(rule: Rule, caller: Caller, variant: Variant): Expected {
  if (rule.who.anyone) return 'ok';
  if (caller === 'none') return 401;
  const reach = rule.who[caller];
  if (!reach) return 403;
  if (reach === 'evidence') return 404;
  if (!rule.record || variant === 'own') return 'ok';
  return variant === 'other' && reach === 'any' ? 'ok' : 404;
}

/**
 * The path with its record filled in; a FHIR compartment row is one of that patient's rows of the type (undefined
 * when the world holds none, so the cell is not asserted).
 */
async function pathFor(hospital: TestNode, route: string, rule: Rule, id: string, variant: Variant, fhirType?: string): Promise<string | undefined> {
  if (fhirType) {
    const definition = registeredTypes().find((d) => d.type === fhirType)!;
    if (!rule.record || fhirType === 'Patient' || variant === 'unknown') return route.replace(':id', id);
    const row = await definition.model(hospital.db).findOne({ where: { [definition.patientColumn!]: id } });
    return row ? route.replace(':id', String(row.get('id'))) : undefined;
  }
  if (route.includes(':messageId')) return route.replace(':visitId/messages/:messageId', id);
  return route.replace(/:(patientId|id|appointmentId|documentId|visitId|disputeId|alertId|notificationId)\b/, id).replace(/:\w+/g, 'x');
}

describeOnEachDatabase('the access matrix: every route × role × record', (hospital) => {
  // Hundreds of requests, every route × role × record: on a busy 2-core machine MariaDB takes longer than mocha's 30 s.
  beforeEach(function () { this.currentTest?.timeout(300_000); });
  let world: World;
  before(async () => {
    world = await buildWorld(hospital());
  });

  it('when the app has a route, then the table has a rule for it', () => {
    const missing = [...routesOf(hospital().app), ...operationRoutes()].filter((route) => !GENERIC_FHIR.test(route) && !RULES[route]);
    expect(missing, 'routes without an access rule in test/api/access-matrix.test.ts').to.deep.equal([]);
  });

  it('when each role calls each route on own, another patient\'s and an unknown record, then it gets what the table says', async () => {
    const cells: { route: string; rule: Rule; fhirType?: string }[] = routesOf(hospital().app)
      .filter((route) => !GENERIC_FHIR.test(route)).map((route) => ({ route, rule: RULES[route] }));
    for (const definition of registeredTypes()) {
      // A type with its own reader rule (Task: a prescription's pharmacists) has it in the table.
      const own = RULES[`GET /fhir/${definition.type}/:id`];
      const rule = own ?? fhirRule(definition.type, definition.patientColumn, definition.store !== undefined);
      if (definition.interactions.includes('read')) cells.push({ route: `GET /fhir/${definition.type}/:id`, rule, fhirType: own ? undefined : definition.type });
    }
    cells.push(...operationRoutes().map((route) => ({ route, rule: RULES[route] })));
    const wrong: string[] = [];
    for (const { route, rule, fhirType } of cells) {
      const [method, path] = route.split(' ');
      for (const caller of CALLERS) {
        for (const variant of rule.record ? VARIANTS : (['own'] as const)) {
          const want = expected(rule, caller, variant);
          // A write that is allowed would change the world the other cells read: its refusals are what is checked.
          if (want === 'ok' && method !== 'GET') continue;
          const id = rule.record ? world.ids[rule.record][variant] : 'x';
          const url = await pathFor(hospital(), path, rule, id, variant, fhirType);
          if (url === undefined) continue;
          let call = request(hospital().app)[method.toLowerCase() as 'get'](`${url}${rule.upload ?? ''}`);
          if (caller !== 'none') call = call.auth(world.tokens[caller], { type: 'bearer' });
          const res = await (method === 'GET' ? call
            : rule.upload ? call.set('Content-Type', 'application/pdf').send(PDF_BYTES) : call.send(rule.body ?? {}));
          // A route open to the role whose path names no record of the world ('x') may well answer 404.
          const passed = rule.record ? [401, 403, 404] : [401, 403];
          const ok = want === 'ok' ? !passed.includes(res.status) : res.status === want;
          if (!ok) wrong.push(`${route} as ${caller} on ${variant} (${url}): ${res.status} ${String(res.body?.code ?? '')}, expected ${want}`);
        }
      }
    }
    expect(wrong, wrong.join("\n")).to.deep.equal([]);
  });
});
