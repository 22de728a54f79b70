import { expect } from 'chai';
import crypto from 'node:crypto';
import type http from 'node:http';
import fc from 'fast-check';
import request from 'supertest';
import { registeredTypes } from '../../server/fhir/registry.js';
import { readyPrescription } from '../support/prescriptions.js';
import { refusalMessage } from '../support/refusals.js';
import { storedRowCounts } from '../support/stored-rows.js';
import { describeOnEachDatabase, type TestNode } from '../support/test-node.js';
import {
  badId, bodyMutation, headerMutation, mutateBody, mutatedQuery, queryMutation, type BodyMutation, type QueryMutation,
} from './mutations.js';
import { routesOf, urlOf, type RouteEntry } from './route-table.js';
import { validInputFor, type FuzzFixture, type Json } from './valid-inputs.js';

/**
 * `npm test` runs FUZZ_RUNS cases per database with a fixed seed, so a failure replays; `npm run fuzz` runs many
 * more with a random seed (FUZZ_SEED=random). Set FUZZ_SEED to replay a reported failure.
 */
const RUNS = Number(process.env.FUZZ_RUNS ?? 5000);
const SEED = process.env.FUZZ_SEED === 'random' ? crypto.randomInt(2 ** 31) : Number(process.env.FUZZ_SEED ?? 20261130);
if (process.env.FUZZ_SEED === 'random') console.error(`Fuzzing with FUZZ_SEED=${SEED}`);

const ROLES = ['none', 'garbage', 'patient', 'their-doctor', 'other-patient', 'doctor', 'pharmacist', 'insurer', 'admin'] as const;
type Role = typeof ROLES[number];

/** A path value: one the fixture knows (a real record of some kind), or one that must be refused. */
type ParamChoice = { bad: false; pick: number } | { bad: true; value: string };

interface FuzzCase {
  route: RouteEntry;
  role: Role;
  type: string;
  params: Record<string, ParamChoice>;
  body?: BodyMutation;
  query: QueryMutation;
  header?: { name: string; value: string };
  /** Send the body as a form where the route also reads forms (the token endpoint, FHIR _search). */
  asForm: boolean;
}

// Parameters: a real R4 type this server refuses on purpose (the repository serves every other one, Bundle included).
const BAD_TYPES = ['constructor', '__proto__', 'patient', 'Nope', 'toString', 'Parameters'];
const OPERATIONS = ['$everything', '$lookup', '$validate', 'constructor', '_history', '$'];
const VERSIONS = ['1', '2', '0', '-1', 'x', '99999999999999999999'];
/** Route parameters the app checks as FHIR ids (server/http/input-rules.ts guardRouteIds). */
const isIdParam = (name: string) => name === 'id' || name.endsWith('Id');

function caseArbitrary(routes: RouteEntry[]): fc.Arbitrary<FuzzCase> {
  const types = registeredTypes().map((d) => d.type);
  // Mostly the record the route is about (pick 0) and a role that may act on it, so cases get past access
  // checks and into the validation and rules behind them; sometimes anything else.
  const param: fc.Arbitrary<ParamChoice> = fc.oneof(
    { weight: 3, arbitrary: fc.constant({ bad: false as const, pick: 0 }) },
    { weight: 2, arbitrary: fc.nat().map((pick) => ({ bad: false as const, pick })) },
    { weight: 1, arbitrary: badId.map((value) => ({ bad: true as const, value })) },
  );
  const role = fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom<Role>('patient', 'their-doctor', 'admin', 'pharmacist') },
    { weight: 1, arbitrary: fc.constantFrom(...ROLES) },
  );
  return fc.constantFrom(...routes).chain((route) => fc.record({
    route: fc.constant(route),
    role,
    type: fc.oneof(
      { weight: 4, arbitrary: fc.constantFrom('Observation', 'Patient', 'Condition', 'Encounter', 'Organization') },
      { weight: 3, arbitrary: fc.constantFrom(...types) },
      { weight: 1, arbitrary: fc.constantFrom(...BAD_TYPES) },
    ),
    params: fc.record(Object.fromEntries(route.params.map((name) => [name, param]))) as fc.Arbitrary<Record<string, ParamChoice>>,
    body: fc.option(bodyMutation, { nil: undefined, freq: 5 }),
    query: queryMutation,
    header: headerMutation,
    asForm: fc.boolean(),
  }));
}

const FORM_ROUTES = new Set(['POST /auth/token', 'POST /auth/session', 'POST /fhir/:type/_search']);

/**
 * A body as application/x-www-form-urlencoded: each top-level value as text (objects as their JSON). Undefined
 * when it holds a lone surrogate, which has no UTF-8 to percent-encode (it is then sent as JSON).
 */
function formOf(body: Json): string | undefined {
  const fields = body && typeof body === 'object' && !Array.isArray(body) ? Object.entries(body) : [['body', body] as const];
  try {
    return fields.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(typeof v === 'string' ? v : JSON.stringify(v))}`).join('&');
  } catch {
    return undefined;
  }
}

const sendsBody = (route: RouteEntry) => route.method !== 'GET' && route.method !== 'DELETE';

/** The path values of a case, and whether one of them must be refused whatever the rest of the request. */
function pathOf(c: FuzzCase, fixture: FuzzFixture): { url: string; refused: boolean } {
  let refused = false;
  const values: Record<string, string> = {};
  const byType: Record<string, string> = {
    Patient: fixture.patientId, Encounter: fixture.visitId, Appointment: fixture.appointmentId, Practitioner: fixture.practitionerId,
    Task: fixture.prescriptionId, MedicationRequest: fixture.lineId,
  };
  const idOfRoute = c.route.path.startsWith('/api/appointments') ? fixture.appointmentId
    : /^\/(api\/prescriptions|fhir\/Task)/.test(c.route.path) ? fixture.prescriptionId
      : Object.hasOwn(byType, c.type) ? byType[c.type] : fixture.ids[0];
  const pool: Record<string, string[]> = {
    id: [idOfRoute], patientId: [fixture.patientId, fixture.ids[0]], practitionerId: [fixture.practitionerId], visitId: [fixture.visitId],
    appointmentId: [fixture.appointmentId],
  };
  for (const name of c.route.params) {
    const choice = c.params[name];
    if (name === 'type') {
      values.type = c.type;
      refused ||= BAD_TYPES.includes(c.type);
    } else if (name === 'operation') {
      values.operation = OPERATIONS[(choice.bad ? 0 : choice.pick) % OPERATIONS.length];
    } else if (name === 'version') {
      values.version = VERSIONS[(choice.bad ? 0 : choice.pick) % VERSIONS.length];
    } else if (choice.bad) {
      values[name] = choice.value;
      refused ||= isIdParam(name);
    } else {
      const known = [...(Object.hasOwn(pool, name) ? pool[name] : []), ...fixture.ids, crypto.randomUUID()];
      values[name] = known[choice.pick % known.length];
    }
  }
  return { url: urlOf(c.route, values), refused };
}

describeOnEachDatabase('Fuzzing every /api, /auth and /fhir route with hostile input (fast-check)', (hospital) => {
  let server: http.Server;
  let fixture: FuzzFixture;
  let tokens: Record<Role, string | undefined>;
  let routes: RouteEntry[];
  let allRoutes: RouteEntry[];

  before(async function () {
    this.timeout(120_000);
    const h: TestNode = hospital();
    const rx = await readyPrescription(h);
    const alice = await h.db.models.User.findOne({ where: { email: 'alice@demo.test' }, rejectOnEmpty: true });
    fixture = {
      patientId: rx.patient.patientId, practitionerId: rx.doctor.practitionerId, visitId: rx.visit.id, appointmentId: rx.visit.appointmentId!,
      prescriptionId: rx.id, lineId: rx.lines[0].id, accessCode: rx.accessCode,
      ids: [alice.patientId!, rx.id, rx.visit.id, rx.visit.appointmentId!, rx.lines[0].id, rx.patient.patientId, rx.doctor.practitionerId],
    };
    tokens = {
      none: undefined, garbage: 'not.a.token', patient: rx.patient.token, 'their-doctor': rx.doctor.token,
      'other-patient': await h.tokenFor('alice@demo.test'), doctor: await h.tokenFor('dr.chen@demo.test'),
      pharmacist: await h.tokenFor('pharm.li@demo.test'), insurer: await h.tokenFor('insurer@demo.test'), admin: await h.tokenFor('admin@demo.test'),
    };
    // FUZZ_ROUTES narrows a long run to some routes, e.g. FUZZ_ROUTES='^(POST|PUT) /fhir' (matched against "METHOD path").
    allRoutes = routesOf(h.app);
    routes = allRoutes.filter((r) => new RegExp(process.env.FUZZ_ROUTES ?? '').test(`${r.method} ${r.path}`));
    server = h.app.listen(0);
  });
  after((done) => { server?.close(() => done()); });

  it('when the route table is walked, then every API surface is found, parameters and all', () => {
    const keys = allRoutes.map((r) => `${r.method} ${r.path}`);
    expect(keys).to.include.members(['POST /auth/token', 'POST /api/patients/:patientId/readings', 'POST /fhir', 'GET /fhir/:type/:id/_history/:version']);
    expect(keys).to.include('POST /fhir/:type/:id/:operation'); // Task's dispensing operations among them
    expect(allRoutes.length).to.be.greaterThan(70);
  });

  it(`when ${RUNS} generated requests mutate valid ones (seed ${SEED}), then none answers 5xx, and each refusal is a 4xx that says why and stores nothing`, async function () {
    this.timeout(0);
    const db = hospital().db;
    const statuses = new Map<string, number>();
    const property = fc.asyncProperty(caseArbitrary(routes), async (c) => {
      const { url: path, refused: badPath } = pathOf(c, fixture);
      const valid = validInputFor(c.route, fixture, c.type);
      let body: Json | undefined = valid.body;
      if (body && typeof body === 'object' && !Array.isArray(body) && c.route.method === 'PUT' && c.route.path === '/fhir/:type/:id') {
        body = { ...body, id: path.split('/')[3] };
      }
      if (body !== undefined && c.body) body = mutateBody(body, c.body);
      const query = mutatedQuery(valid.query, c.query);
      const url = query ? `${path}?${query}` : path;
      // Each of these can only be refused, whichever route or role it meets (docs/api.md "Input rules").
      const mustRefuse = badPath || c.query.kind === 'ill-formed' || (sendsBody(c.route) && c.body?.kind === 'ill-formed');

      const before = await storedRowCounts(db);
      let req = request(server)[c.route.method.toLowerCase() as 'get'](url);
      if (tokens[c.role]) req = req.set('Authorization', `Bearer ${tokens[c.role]}`);
      if (c.header) req = req.set(c.header.name, c.header.value);
      const form = sendsBody(c.route) && body !== undefined && c.asForm && FORM_ROUTES.has(`${c.route.method} ${c.route.path}`) ? formOf(body) : undefined;
      if (form !== undefined) {
        req = req.type('form').send(form);
      } else if (sendsBody(c.route) && body !== undefined) {
        req = req.set('Content-Type', path.startsWith('/fhir') ? 'application/fhir+json' : 'application/json').send(JSON.stringify(body));
      }
      const res = await req;

      const tally = `${res.status} ${c.route.method} ${c.route.path}`;
      statuses.set(tally, (statuses.get(tally) ?? 0) + 1);
      const seen = `${c.route.method} ${url} as ${c.role}${c.header ? ` (${c.header.name}: ${c.header.value.slice(0, 80)})` : ''}${body === undefined ? '' : ` with ${JSON.stringify(body).slice(0, 600)}`} → ${res.status} ${res.text.slice(0, 600)}`;
      expect(res.status, seen).to.be.below(500);
      if (mustRefuse) expect(res.status, seen).to.be.within(400, 499);
      if (res.status >= 400) {
        expect(refusalMessage(res, path), seen).to.be.a('string').with.length.greaterThan(10);
        expect(await storedRowCounts(db), `a refused request stored something: ${seen}`).to.deep.equal(before);
      }
    });
    try {
      await fc.assert(property, { seed: SEED, numRuns: RUNS, endOnFailure: true });
      // FUZZ_STATS=1 shows which answers the cases met, to see that they reach past authentication and into the rules.
      if (process.env.FUZZ_STATS) console.error([...statuses].sort().map(([k, n]) => `${n}\t${k}`).join('\n'));
    } catch (error) {
      const cause = (error as Error & { cause?: Error }).cause;
      throw new Error(`${(error as Error).message}\n${cause?.message ?? ''}\nReplay with FUZZ_SEED=${SEED} FUZZ_RUNS=${RUNS} npx mocha --config test/fuzz/.mocharc.json`, { cause: error });
    }
  });
});
