import crypto from 'node:crypto';
import { expect } from 'chai';
import request from 'supertest';
import { newDoctor, newPatient, recordInPersonVisit } from '../support/factories.js';
import { searchPlan } from '../support/query-plan.js';
import { describeOnEachDatabase, type TestNode } from '../support/test-node.js';

type Json = Record<string, unknown> & { id?: string };
interface SearchBundle { entry?: Array<{ resource: Json; search?: { mode: string } }>; link?: Array<{ relation: string; url: string }> }

describeOnEachDatabase('FHIR repository: the spec\'s search, indexed', (hospital) => {
  let doctor: { token: string; practitionerId: string };
  let patientId: string;
  let patientToken: string;
  before(async () => {
    doctor = await newDoctor(hospital(), 'Searcher');
    ({ patientId, token: patientToken } = await newPatient(hospital(), 'Searched'));
    await recordInPersonVisit(hospital(), patientId, doctor.practitionerId);
  });

  const create = async (resource: Json): Promise<string> => {
    const res = await request(hospital().app).post(`/fhir/${String(resource.resourceType)}`).auth(doctor.token, { type: 'bearer' }).send(resource);
    expect(res.status, JSON.stringify(res.body)).to.equal(201);
    return res.body.id as string;
  };
  const search = async (path: string, prefer?: string): Promise<request.Response> => {
    const call = request(hospital().app).get(`/fhir/${path}`).auth(doctor.token, { type: 'bearer' });
    return prefer ? call.set('Prefer', prefer) : call;
  };
  const ids = async (path: string): Promise<string[]> => {
    const res = await search(path);
    expect(res.status, JSON.stringify(res.body)).to.equal(200);
    return ((res.body as SearchBundle).entry ?? []).filter((e) => e.search?.mode === 'match').map((e) => e.resource.id!);
  };
  const unique = () => crypto.randomBytes(4).toString('hex');

  it('when locations are searched by name, then a string matches its start ignoring case and accents, :exact its whole text, :contains any part', async () => {
    const tag = unique();
    const a = await create({ resourceType: 'Location', name: `Zq${tag} Müller Clinic` });
    const b = await create({ resourceType: 'Location', name: `Zq${tag} Mueller Annex` });
    expect(await ids(`Location?name=zq${tag}%20muller`)).to.have.members([a]);
    expect(await ids(`Location?name=ZQ${tag}`)).to.have.members([a, b]);
    expect(await ids(`Location?name:exact=Zq${tag}%20M%C3%BCller%20Clinic`)).to.have.members([a]);
    expect(await ids(`Location?name:exact=zq${tag}%20m%C3%BCller%20clinic`)).to.deep.equal([]);
    expect(await ids(`Location?name:contains=${tag}%20mueller`)).to.have.members([b]);
    expect(await ids(`Location?name:contains=annex&name=zq${tag}`)).to.have.members([b]);
  });

  it('when locations are searched by token, then system|code, code, |code, system|, :not and :text select as the spec says', async () => {
    const system = `http://example.org/ids/${unique()}`;
    const withSystem = await create({ resourceType: 'Location', identifier: [{ system, value: 'A-1' }], type: [{ text: 'Dialysis unit' }] });
    const without = await create({ resourceType: 'Location', identifier: [{ value: `${system}-bare` }], status: 'inactive' });
    expect(await ids(`Location?identifier=${encodeURIComponent(`${system}|A-1`)}`)).to.deep.equal([withSystem]);
    expect(await ids(`Location?identifier=A-1&identifier=${encodeURIComponent(`${system}|`)}`)).to.deep.equal([withSystem]);
    expect(await ids(`Location?identifier=${encodeURIComponent(`|${system}-bare`)}`)).to.deep.equal([without]);
    expect(await ids(`Location?identifier=${encodeURIComponent(`${system}|${system}-bare`)}`)).to.deep.equal([]);
    expect(await ids(`Location?identifier=${encodeURIComponent(`${system}|A-1,|${system}-bare`)}`)).to.have.members([withSystem, without]);
    expect(await ids(`Location?identifier=${encodeURIComponent(`${system}|A-1,|${system}-bare`)}&status:not=inactive`)).to.deep.equal([withSystem]);
    expect(await ids(`Location?type:text=dialysis&identifier=${encodeURIComponent(`${system}|`)}`)).to.deep.equal([withSystem]);
  });

  it('when a reference is searched as Type/id, id, our absolute URL or with :Type, then each finds the resource', async () => {
    const parent = await create({ resourceType: 'Location', name: 'Main building' });
    const child = await create({ resourceType: 'Location', name: 'Ward 3', partOf: { reference: `Location/${parent}` } });
    const base = `${hospital().config.publicBaseUrl}/fhir`;
    for (const value of [`Location/${parent}`, parent, `${base}/Location/${parent}`]) {
      expect(await ids(`Location?partof=${encodeURIComponent(value)}`), value).to.deep.equal([child]);
    }
    expect(await ids(`Location?partof:Location=${parent}`)).to.deep.equal([child]);
    expect(await ids(`Location?partof=Organization/${parent}`)).to.deep.equal([]);
  });

  it('when prescriptions are searched by date, then partial dates are ranges and every prefix but ap works', async () => {
    const system = `http://example.org/rx/${unique()}`;
    const request_ = (authoredOn: string, n: number) => create({
      resourceType: 'MedicationRequest', status: 'active', intent: 'order', identifier: [{ system, value: String(n) }],
      medicationCodeableConcept: { text: 'Amlodipine 5 mg' }, subject: { reference: `Patient/${patientId}` }, authoredOn,
    });
    const march4 = await request_('2021-03-04', 1);
    const march20 = await request_('2021-03-20T10:00:00Z', 2);
    const may1 = await request_('2021-05-01', 3);
    const only = `identifier=${encodeURIComponent(`${system}|`)}`;
    const cases: Array<[string, string[]]> = [
      ['2021-03', [march4, march20]], ['2021-03-04', [march4]], ['eq2021', [march4, march20, may1]], ['ne2021-03', [may1]],
      ['ge2021-03-20', [march20, may1]], ['lt2021-03-20', [march4]], ['gt2021-03', [may1]], ['le2021-03', [march4, march20]],
      ['sa2021-03', [may1]], ['eb2021-05', [march4, march20]], ['2021-03-20T10:00:00Z', [march20]], ['gt2021-03-20T09:59:59%2B00:00', [march20, may1]],
    ];
    for (const [value, expected] of cases) expect(await ids(`MedicationRequest?authoredon=${value}&${only}`), value).to.have.members(expected);
    expect(await ids(`MedicationRequest?${only}&_sort=-authoredon`)).to.deep.equal([may1, march20, march4]);
    expect(await ids(`MedicationRequest?${only}&subject=Patient/${patientId}&_sort=authoredon`)).to.deep.equal([march4, march20, may1]);
    const ap = await search(`MedicationRequest?authoredon=ap2021-03`);
    expect(ap.status).to.equal(400);
    expect(ap.body.issue[0].details.coding[0].code).to.equal('unsupported-prefix');
  });

  it('when numbers and quantities are searched, then eq keeps the precision written and prefixes and units select', async () => {
    const system = `http://example.org/risk/${unique()}`;
    const risk = (probabilityDecimal: number) => create({
      resourceType: 'RiskAssessment', status: 'final', subject: { reference: `Patient/${patientId}` }, identifier: [{ system, value: String(probabilityDecimal) }],
      prediction: [{ outcome: { text: 'stroke' }, probabilityDecimal }],
    });
    const [low, mid, high] = [await risk(0.2), await risk(0.3), await risk(0.7)];
    const only = `identifier=${encodeURIComponent(`${system}|`)}`;
    for (const [value, expected] of [['0.3', [mid]], ['0.30', [mid]], ['gt0.3', [high]], ['le0.3', [low, mid]], ['ne0.3', [low, high]], ['ap0.68', [high]]] as const) {
      expect(await ids(`RiskAssessment?probability=${value}&${only}`), value).to.have.members([...expected]);
    }
    const code = `http://example.org/substances/${unique()}`;
    const substance = (value: number, unit: string) => create({
      resourceType: 'Substance', code: { coding: [{ system: code, code: 'x' }] },
      instance: [{ quantity: { value, unit, system: 'http://unitsofmeasure.org', code: unit } }],
    });
    const [fiveMg, fiveHundredMg, fiveG] = [await substance(5, 'mg'), await substance(500, 'mg'), await substance(5, 'g')];
    const ofCode = `code=${encodeURIComponent(`${code}|x`)}`;
    expect(await ids(`Substance?quantity=${encodeURIComponent('5|http://unitsofmeasure.org|mg')}&${ofCode}`)).to.deep.equal([fiveMg]);
    expect(await ids(`Substance?quantity=${encodeURIComponent('5||g')}&${ofCode}`)).to.deep.equal([fiveG]);
    expect(await ids(`Substance?quantity=gt4&${ofCode}`)).to.have.members([fiveMg, fiveHundredMg, fiveG]);
    expect(await ids(`Substance?${ofCode}&_sort=-quantity`)).to.deep.equal([fiveHundredMg, ...[fiveMg, fiveG].sort().reverse()]);
  });

  it('when value sets are searched by url, then equality, :below and :above select', async () => {
    const root = `http://example.org/${unique()}/fhir`;
    const a = await create({ resourceType: 'ValueSet', status: 'draft', url: `${root}/ValueSet/a` });
    const b = await create({ resourceType: 'ValueSet', status: 'draft', url: `${root}/ValueSet/b` });
    expect(await ids(`ValueSet?url=${encodeURIComponent(`${root}/ValueSet/a`)}`)).to.deep.equal([a]);
    expect(await ids(`ValueSet?url:below=${encodeURIComponent(root)}`)).to.have.members([a, b]);
    expect(await ids(`ValueSet?url:above=${encodeURIComponent(`${root}/ValueSet/a/extra`)}`)).to.deep.equal([a]);
  });

  it('when 25 matches are paged 10 at a time, then the next links give each exactly once, in _sort order either way', async () => {
    const tag = `Pg${unique()}`;
    const made: string[] = [];
    for (let i = 0; i < 25; i++) made.push(await create({ resourceType: 'Location', name: `${tag} ${String(i).padStart(2, '0')}` }));
    for (const [sort, expected] of [['name', made], ['-name', [...made].reverse()], ['_id', [...made].sort()], ['-_lastUpdated', [...made].reverse()]] as const) {
      const seen: string[] = [];
      let url: string | undefined = `/fhir/Location?name=${tag}&_count=10&_sort=${sort}`;
      let pages = 0;
      while (url) {
        const res: request.Response = await request(hospital().app).get(url).auth(doctor.token, { type: 'bearer' }).expect(200);
        const body = res.body as SearchBundle;
        seen.push(...(body.entry ?? []).map((e) => e.resource.id!));
        const next = body.link?.find((l) => l.relation === 'next')?.url;
        url = next ? next.replace(/^https?:\/\/[^/]+/, '') : undefined;
        pages++;
      }
      expect(pages, sort).to.equal(3);
      expect(seen, sort).to.deep.equal(expected);
    }
  });

  it('when _lastUpdated, an unknown parameter or strict handling is used, then they filter, warn or refuse', async () => {
    const before = new Date(Date.now() - 1000).toISOString();
    const system = `http://example.org/ids/${unique()}`;
    const id = await create({ resourceType: 'Location', identifier: [{ system, value: '1' }] });
    const only = `identifier=${encodeURIComponent(`${system}|1`)}`;
    expect(await ids(`Location?_lastUpdated=ge${encodeURIComponent(before)}&${only}`)).to.deep.equal([id]);
    expect(await ids(`Location?_lastUpdated=lt${encodeURIComponent(before)}&${only}`)).to.deep.equal([]);
    const lenient = await search(`Location?${only}&colour=blue`);
    expect(lenient.status).to.equal(200);
    expect(JSON.stringify(lenient.body)).to.contain('colour');
    const strict = await search(`Location?${only}&colour=blue`, 'handling=strict');
    expect(strict.status).to.equal(400);
    expect(strict.body.issue[0].details.coding[0].code).to.equal('unknown-search-parameter');
  });

  describe('query plans', () => {
    const plan = (node: TestNode, path: string) => searchPlan(node, doctor.token, path);

    it('when a token search runs, then the database answers it from the fhir_tokens (resourceType, code, value) index', async () => {
      expect(await plan(hospital(), 'Location?identifier=http://example.org/ids%7CA-1')).to.contain('fhir_tokens_code_value');
    });

    it('when a date search runs, then the database answers it from a fhir_dates index', async () => {
      expect(await plan(hospital(), 'MedicationRequest?authoredon=2021-03')).to.match(/fhir_dates_code_(start|end)/);
    });

    it('when a search is filtered to the caller\'s patients, then each candidate\'s compartment rows are looked up by its key, not every record of theirs listed first', async () => {
      const steps = JSON.parse(await searchPlan(hospital(), patientToken, 'MedicationRequest?authoredon=2021-03')) as Array<Record<string, string>>;
      // SQLite: `SEARCH c EXISTS USING … INDEX … (… resourceId=?)`; MariaDB: a DEPENDENT SUBQUERY on c whose key is looked up with r.id.
      const compartment = steps.find((step) => step.detail?.startsWith('SEARCH c ') || step.table === 'c');
      expect(compartment, JSON.stringify(steps)).to.satisfy((step: Record<string, string>) => (step.detail
        ? /EXISTS .*resourceId=\?/.test(step.detail)
        : step.select_type === 'DEPENDENT SUBQUERY' && /\.r\.id\b/.test(step.ref)));
    });
  });
});
