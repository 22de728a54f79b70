import { readFileSync } from 'node:fs';
import crypto from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { expect } from 'chai';
import request from 'supertest';
import { conditionalReferencesIn } from '../../server/fhir/conditional.js';
import { newDoctor } from '../support/factories.js';
import { storedRowCounts } from '../support/stored-rows.js';
import { describeOnEachDatabase } from '../support/test-node.js';

/**
 * The two Synthea records of test/fixtures/synthea (read its README): whole patient histories that nobody here
 * wrote, imported as the transactions they are, after the practitioners, organisations and locations they name
 * by identifier have been created. Every expectation is computed from the fixture, never typed in by hand.
 */
type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const FIXTURES = ['Delia459_Beier427_1ba50d39-8105-69de-09de-c6d5358b3cb6.json.gz', 'Lesley194_Ebert178_6f1df156-8793-56a0-6df1-570bca4dcc07.json.gz'];
const fixture = (name: string): Json => JSON.parse(gunzipSync(readFileSync(new URL(`../fixtures/synthea/${name}`, import.meta.url))).toString('utf8')) as Json;
const isObject = (v: unknown): v is Json => !!v && typeof v === 'object' && !Array.isArray(v);

/** A conditional reference of the fixture: `Type?identifier=system|value`, and the display written beside it. */
interface Provider { reference: string; type: string; system: string; value: string; display?: string }

function providersOf(bundle: Json): Provider[] {
  const found = new Map<string, Provider>();
  bundle.entry.forEach((entry: Json, i: number) => {
    for (const { reference, holder } of conditionalReferencesIn(entry.resource, `Bundle.entry[${i}].resource`)) {
      const match = /^(\w+)\?identifier=([^|]*)\|(.+)$/.exec(reference);
      if (!match) throw new Error(`the fixture has a conditional reference the test does not understand: ${reference}`);
      const display = typeof holder.display === 'string' && holder.display.trim() ? holder.display.trim() : found.get(reference)?.display;
      found.set(reference, { reference, type: match[1], system: match[2], value: match[3], display });
    }
  });
  return [...found.values()];
}

/** The resource without what the server sets (id, meta.versionId, meta.lastUpdated). */
function withoutServerElements(resource: Json): Json {
  const rest: Json = { ...resource };
  const meta: Json = { ...resource.meta };
  delete rest.id;
  delete rest.meta;
  delete meta.versionId;
  delete meta.lastUpdated;
  return Object.keys(meta).length ? { ...rest, meta } : rest;
}

/** The resource as the spec says it is stored: references to fullUrls and conditional references rewritten (bundle.html#references). */
function rewritten(resource: Json, targets: Map<string, string>): Json {
  const walk = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(walk);
    if (!isObject(node)) return node;
    return Object.fromEntries(Object.entries(node).map(([key, value]) => [key,
      key === 'reference' && typeof value === 'string' && targets.has(value) ? targets.get(value) : walk(value)]));
  };
  return walk(resource) as Json;
}

/** Top-level elements that differ, for a message that says what was lost or changed. */
function differences(expected: Json, actual: Json): string[] {
  const keys = new Set([...Object.keys(expected), ...Object.keys(actual)]);
  return [...keys].filter((key) => JSON.stringify(expected[key]) !== JSON.stringify(actual[key]))
    .map((key) => (key in actual ? (key in expected ? `${key} changed` : `${key} added`) : `${key} lost`));
}

/** The count of Observations per LOINC code in a Bundle (Observation.code, which the `code` parameter searches). */
function loincCounts(bundle: Json): Map<string, number> {
  const counts = new Map<string, number>();
  for (const { resource } of bundle.entry as Json[]) {
    if (resource.resourceType !== 'Observation') continue;
    const codes = new Set<string>((resource.code?.coding ?? []).filter((c: Json) => c.system === 'http://loinc.org').map((c: Json) => c.code));
    for (const code of codes) counts.set(code, (counts.get(code) ?? 0) + 1);
  }
  return counts;
}

/** The fixture with its first conditional reference replaced (the first one the server resolves). */
function withFirstConditionalReference(bundle: Json, reference: string): Json {
  const copy = structuredClone(bundle);
  for (const [i, entry] of (copy.entry as Json[]).entries()) {
    const [first] = conditionalReferencesIn(entry.resource, `Bundle.entry[${i}].resource`);
    if (first) {
      first.holder.reference = reference;
      return copy;
    }
  }
  throw new Error('the fixture has no conditional reference');
}

describeOnEachDatabase('Synthea patient records imported whole as transactions', (hospital) => {
  const app = () => hospital().app;
  const bearer = <T extends request.Test>(call: T, token: string) => call.auth(token, { type: 'bearer' }).set('content-type', 'application/fhir+json');
  let admin: string;
  /** conditional reference → `Type/id` of what the test created for it; the doctor behind each Practitioner. */
  const providers = new Map<string, string>();
  const doctors = new Map<string, string>();

  before(async function () {
    this.timeout(240_000);
    admin = await hospital().tokenFor('admin@demo.test');
  });

  it('when a transaction\'s first conditional reference matches nothing, or matches two Locations, then it is refused whole and nothing is stored', async function () {
    this.timeout(240_000);
    const doctor = await newDoctor(hospital(), 'Refused');
    const bundle = fixture(FIXTURES[1]);
    const missing = `Location?identifier=urn:test:synthea-refusal|${crypto.randomUUID()}`;
    const before = await storedRowCounts(hospital().db);
    const none = await bearer(request(app()).post('/fhir'), doctor.token).send(withFirstConditionalReference(bundle, missing));
    expect(none.status, JSON.stringify(none.body).slice(0, 500)).to.equal(404);
    expect(none.body.resourceType).to.equal('OperationOutcome');
    expect(none.body.issue[0].diagnostics).to.include(missing);
    expect(await storedRowCounts(hospital().db)).to.deep.equal(before);

    const twice = crypto.randomUUID();
    for (const name of ['Twin clinic A', 'Twin clinic B']) {
      await bearer(request(app()).post('/fhir/Location'), admin).send({ resourceType: 'Location', name, identifier: [{ system: 'urn:test:synthea-refusal', value: twice }] }).expect(201);
    }
    const ambiguous = `Location?identifier=urn:test:synthea-refusal|${twice}`;
    const counted = await storedRowCounts(hospital().db);
    const several = await bearer(request(app()).post('/fhir'), doctor.token).send(withFirstConditionalReference(bundle, ambiguous));
    expect(several.status, JSON.stringify(several.body).slice(0, 500)).to.equal(412);
    expect(several.body.issue[0].diagnostics).to.include(ambiguous);
    expect(await storedRowCounts(hospital().db)).to.deep.equal(counted);
  });

  it('when the practitioners, organisations and locations the records name by identifier are created, then each is found by that identifier', async function () {
    this.timeout(240_000);
    const wrong: string[] = [];
    for (const provider of FIXTURES.flatMap((name) => providersOf(fixture(name)))) {
      if (providers.has(provider.reference)) continue;
      const identifier = [{ system: provider.system, value: provider.value }];
      const name = provider.display ?? `${provider.type} ${provider.value}`;
      let id: string;
      if (provider.type === 'Practitioner') {
        // A practitioner is a staff account (POST /api/staff); the NPI is added to its Practitioner through FHIR.
        const [given, family] = name.replace(/^Dr\.\s*/, '').split(/\s+/);
        const doctor = await newDoctor(hospital(), family);
        id = doctor.practitionerId;
        doctors.set(`Practitioner/${id}`, doctor.token);
        await bearer(request(app()).put(`/fhir/Practitioner/${id}`), admin)
          .send({ resourceType: 'Practitioner', id, active: true, identifier, name: [{ prefix: ['Dr.'], given: [given], family }] }).expect(200);
      } else {
        const created = await bearer(request(app()).post(`/fhir/${provider.type}`), admin).send({ resourceType: provider.type, identifier, name }).expect(201);
        id = created.body.id;
      }
      providers.set(provider.reference, `${provider.type}/${id}`);
      const found = await bearer(request(app()).get(`/fhir/${provider.reference.replace(/\|/g, '%7C')}`), admin).set('prefer', 'handling=strict');
      const matches = (found.body.entry ?? []).filter((e: Json) => e.search?.mode === 'match').map((e: Json) => `${provider.type}/${e.resource.id}`);
      if (found.status !== 200) wrong.push(`${provider.reference}: ${found.status} ${found.body.issue?.[0]?.diagnostics}`);
      else if (matches.join() !== `${provider.type}/${id}`) wrong.push(`${provider.reference}: finds ${matches.length}, not ${provider.type}/${id}`);
    }
    expect(wrong).to.deep.equal([]);
  });

  for (const name of FIXTURES) {
    describe(name.split('_').slice(0, 2).join(' '), () => {
      const bundle = fixture(name);
      const targets = new Map<string, string>();
      let patientId: string;
      let token: string;

      it(`when it is POSTed as a transaction (${bundle.entry.length} entries), then every entry is created`, async function () {
        this.timeout(600_000);
        // Posted by a doctor the record names, who has the patient in their care through its encounters.
        const first = providersOf(bundle).find((p) => p.type === 'Practitioner' && providers.has(p.reference));
        expect(first, 'the practitioners were not created').to.not.equal(undefined);
        token = doctors.get(providers.get(first!.reference)!)!;
        const answer = await bearer(request(app()).post('/fhir'), token).send(bundle);
        expect(answer.status, JSON.stringify(answer.body).slice(0, 800)).to.equal(200);
        expect(answer.body.type).to.equal('transaction-response');
        expect(answer.body.entry.map((e: Json) => e.response.status)).to.deep.equal(bundle.entry.map(() => '201 Created'));
        answer.body.entry.forEach((e: Json, i: number) => targets.set(bundle.entry[i].fullUrl, e.response.location.replace(/\/_history\/\d+$/, '')));
        for (const [reference, target] of providers) targets.set(reference, target);
        patientId = targets.get(bundle.entry.find((e: Json) => e.resource.resourceType === 'Patient').fullUrl)!.split('/')[1];
      });

      it('when every resource is read back, then it is what was sent, element for element, with only its references rewritten', async function () {
        this.timeout(600_000);
        expect(patientId, 'not imported').to.be.a('string');
        const wrong = new Map<string, Set<string>>();
        for (const entry of bundle.entry as Json[]) {
          const location = targets.get(entry.fullUrl)!;
          const read = await bearer(request(app()).get(`/fhir/${location}`), token);
          const expected = withoutServerElements(rewritten(entry.resource, targets));
          const problems = read.status === 200 ? differences(expected, withoutServerElements(read.body)) : [`read ${read.status}`];
          for (const problem of problems) {
            const type = entry.resource.resourceType as string;
            wrong.set(type, (wrong.get(type) ?? new Set()).add(problem));
          }
        }
        expect(Object.fromEntries([...wrong].map(([type, problems]) => [type, [...problems].sort()]))).to.deep.equal({});
      });

      it('when its conditional references are read back, then each is the Practitioner/{id}, Organization/{id} or Location/{id} created for it', async function () {
        this.timeout(600_000);
        expect(patientId, 'not imported').to.be.a('string');
        const wrong: string[] = [];
        for (const [i, entry] of (bundle.entry as Json[]).entries()) {
          const places = conditionalReferencesIn(structuredClone(entry.resource), 'resource');
          if (!places.length) continue;
          const stored = (await bearer(request(app()).get(`/fhir/${targets.get(entry.fullUrl)}`), token)).body as Json;
          const storedPlaces = new Map(conditionalReferencesIn(rewrittenBack(stored, providers), 'resource').map((p) => [p.where, p.reference]));
          for (const { where, reference } of places) {
            if (storedPlaces.get(where) !== reference) wrong.push(`entry[${i}] ${where}: ${reference} → ${valueAt(stored, where) ?? 'missing'}, not ${providers.get(reference)}`);
          }
        }
        expect(wrong.slice(0, 20), `${wrong.length} conditional references not resolved`).to.deep.equal([]);
      });

      it('when Patient/$everything is asked for, then it returns every resource of the record', async function () {
        this.timeout(600_000);
        expect(patientId, 'not imported').to.be.a('string');
        const everything = await bearer(request(app()).get(`/fhir/Patient/${patientId}/$everything`), token).expect(200);
        const returned = new Set((everything.body.entry ?? []).map((e: Json) => `${e.resource.resourceType}/${e.resource.id}`));
        const missing = (bundle.entry as Json[]).map((e) => targets.get(e.fullUrl)!).filter((t) => !returned.has(t));
        const missingByType = missing.reduce<Record<string, number>>((acc, t) => ({ ...acc, [t.split('/')[0]]: (acc[t.split('/')[0]] ?? 0) + 1 }), {});
        expect(missingByType, 'resources missing from $everything, by type').to.deep.equal({});
      });

      it('when Observations are searched by each LOINC code of the record and its patient, then each search finds as many as the record holds', async function () {
        this.timeout(600_000);
        expect(patientId, 'not imported').to.be.a('string');
        const expected = loincCounts(bundle);
        expect(expected.size).to.be.greaterThan(10);
        const found = new Map<string, number>();
        for (const code of expected.keys()) {
          const page = await bearer(request(app()).get(`/fhir/Observation?code=http://loinc.org%7C${code}&patient=Patient/${patientId}&_count=100`), token);
          found.set(code, page.status === 200 ? (page.body.entry ?? []).filter((e: Json) => e.search?.mode === 'match').length : -page.status);
        }
        expect(Object.fromEntries(found)).to.deep.equal(Object.fromEntries(expected));
      });
    });
  }
});

/** A stored resource with its provider references turned back into the conditional ones they replaced. */
function rewrittenBack(resource: Json, providers: Map<string, string>): Json {
  const back = new Map([...providers].map(([reference, target]) => [target, reference]));
  return rewritten(resource, back);
}

/** The value at a `resource.a[0].b.reference` place, for a message. */
function valueAt(resource: Json, where: string): unknown {
  return where.replace(/^resource\.?/, '').split(/\.|\[(\d+)\]/).filter((part) => part !== undefined && part !== '')
    .reduce<unknown>((node, part) => (isObject(node) || Array.isArray(node) ? (node as Json)[part] : undefined), resource);
}
