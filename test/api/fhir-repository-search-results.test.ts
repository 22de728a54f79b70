import crypto from 'node:crypto';
import { expect } from 'chai';
import request from 'supertest';
import { newDoctor, newPatient, recordInPersonVisit } from '../support/factories.js';
import { describeOnEachDatabase } from '../support/test-node.js';

type Json = Record<string, unknown> & { id?: string; resourceType?: string; meta?: { tag?: Array<{ code?: string }> } };
interface SearchBundle {
  total?: number;
  entry?: Array<{ resource: Json; search?: { mode: string } }>;
  link?: Array<{ relation: string; url: string }>;
}

describeOnEachDatabase('FHIR repository: _include, _revinclude, _sort, _total, _summary and _elements', (hospital) => {
  let doctor: { token: string; practitionerId: string };
  let stranger: { token: string; practitionerId: string };
  let patientId: string;
  before(async () => {
    doctor = await newDoctor(hospital(), 'Includer');
    stranger = await newDoctor(hospital(), 'Excluded');
    ({ patientId } = await newPatient(hospital(), 'Included'));
    await recordInPersonVisit(hospital(), patientId, doctor.practitionerId);
  });

  const create = async (resource: Json): Promise<string> => {
    const res = await request(hospital().app).post(`/fhir/${String(resource.resourceType)}`).auth(doctor.token, { type: 'bearer' }).send(resource);
    expect(res.status, JSON.stringify(res.body)).to.equal(201);
    return res.body.id as string;
  };
  const bundle = async (path: string, token = doctor.token): Promise<SearchBundle> => {
    const res = await request(hospital().app).get(`/fhir/${path}`).auth(token, { type: 'bearer' });
    expect(res.status, JSON.stringify(res.body)).to.equal(200);
    return res.body as SearchBundle;
  };
  const entries = async (path: string, mode: 'match' | 'include', token = doctor.token) => ((await bundle(path, token)).entry ?? [])
    .filter((e) => e.search?.mode === mode).map((e) => `${String(e.resource.resourceType)}/${e.resource.id!}`);
  const unique = () => crypto.randomBytes(4).toString('hex');

  describe('_include and _revinclude', () => {
    let medication: string;
    let prescription: string;
    before(async () => {
      medication = await create({ resourceType: 'Medication', code: { text: 'Amlodipine 5 mg' } });
      prescription = await create({
        resourceType: 'MedicationRequest', status: 'active', intent: 'order', medicationReference: { reference: `Medication/${medication}` },
        subject: { reference: `Patient/${patientId}` }, requester: { reference: `Practitioner/${doctor.practitionerId}` },
      });
    });

    it('when prescriptions include their medication, then it comes once as an include, with _include=* too, and the read is audited', async () => {
      expect(await entries(`MedicationRequest?_id=${prescription}&_include=MedicationRequest:medication`, 'include')).to.deep.equal([`Medication/${medication}`]);
      expect(await entries(`MedicationRequest?_id=${prescription}&_include=MedicationRequest:medication:Medication`, 'include')).to.deep.equal([`Medication/${medication}`]);
      // `*` follows every reference: the medication, and the patient and doctor (read from their own tables).
      const everything = [`Medication/${medication}`, `Patient/${patientId}`, `Practitioner/${doctor.practitionerId}`];
      expect(await entries(`MedicationRequest?_id=${prescription}&_include=*`, 'include')).to.have.members(everything);
      expect(await entries(`MedicationRequest?_id=${prescription}&_include=MedicationRequest:*`, 'include')).to.have.members(everything);
      const audits = await hospital().db.models.AuditEvent.count({ where: { resourceType: 'Medication', resourceId: medication, action: 'R', detail: 'included in a search' } });
      expect(audits).to.equal(4);
    });

    it('when a medication reverse-includes its prescriptions, then only those the caller may read come', async () => {
      const path = `Medication?_id=${medication}&_revinclude=MedicationRequest:medication`;
      expect(await entries(path, 'include')).to.deep.equal([`MedicationRequest/${prescription}`]);
      expect(await entries(path, 'match', stranger.token)).to.deep.equal([`Medication/${medication}`]);
      expect(await entries(path, 'include', stranger.token)).to.deep.equal([]);
      expect(await hospital().db.models.AuditEvent.count({ where: { resourceId: prescription, detail: 'included in a search', actorRole: 'doctor' } })).to.equal(1);
    });

    it('when locations include what they are part of, then :iterate follows the chain up and down, and without it one step', async () => {
      const campus = await create({ resourceType: 'Location', name: `Campus ${unique()}` });
      const building = await create({ resourceType: 'Location', name: 'Building', partOf: { reference: `Location/${campus}` } });
      const ward = await create({ resourceType: 'Location', name: 'Ward', partOf: { reference: `Location/${building}` } });
      expect(await entries(`Location?_id=${ward}&_include=Location:partof`, 'include')).to.deep.equal([`Location/${building}`]);
      expect(await entries(`Location?_id=${ward}&_include:iterate=Location:partof`, 'include')).to.have.members([`Location/${building}`, `Location/${campus}`]);
      expect(await entries(`Location?_id=${campus}&_revinclude=Location:partof`, 'include')).to.deep.equal([`Location/${building}`]);
      expect(await entries(`Location?_id=${campus}&_revinclude:iterate=Location:partof`, 'include')).to.have.members([`Location/${building}`, `Location/${ward}`]);
    });

    it('when an include names a type served from its own table, then it is read as a read would be; with no reference parameter, the Bundle warns', async () => {
      expect(await entries(`MedicationRequest?_id=${prescription}&_include=MedicationRequest:requester`, 'include')).to.deep.equal([`Practitioner/${doctor.practitionerId}`]);
      expect(await entries(`MedicationRequest?_id=${prescription}&_include=MedicationRequest:subject`, 'include', stranger.token)).to.deep.equal([]);
      const unknown = await bundle(`MedicationRequest?_id=${prescription}&_include=MedicationRequest:colour`);
      expect(JSON.stringify(unknown)).to.contain('no reference parameter colour');
    });

    it('when the CapabilityStatement is read, then it lists what the repository includes and reverse-includes', async () => {
      const res = await request(hospital().app).get('/fhir/metadata');
      const types = res.body.rest[0].resource as Array<{ type: string; searchInclude?: string[]; searchRevInclude?: string[]; searchParam?: Array<{ name: string; type: string }> }>;
      const medicationRequest = types.find((t) => t.type === 'MedicationRequest')!;
      expect(medicationRequest.searchInclude).to.include.members(['MedicationRequest:medication', '*']);
      expect(types.find((t) => t.type === 'Medication')!.searchRevInclude).to.include('MedicationRequest:medication');
      expect(types.find((t) => t.type === 'Group')!.searchParam!.find((p) => p.name === 'characteristic-value')?.type).to.equal('composite');
    });
  });

  describe('_sort, _total, _summary and _elements', () => {
    let tag: string;
    let made: Array<{ id: string; status: string; name: string }>;
    before(async () => {
      tag = `St${unique()}`;
      made = [];
      for (const [i, status] of ['active', 'inactive', 'active', 'suspended', 'inactive', 'active', 'inactive'].entries()) {
        const name = `${tag} ${String.fromCharCode(97 + ((i * 3) % 7))}`;
        made.push({ id: await create({ resourceType: 'Location', name, status, description: 'A room' }), status, name });
      }
    });

    const paged = async (sort: string, count: number): Promise<string[]> => {
      const seen: string[] = [];
      let url: string | undefined = `/fhir/Location?name=${tag}&_sort=${sort}&_count=${count}`;
      while (url) {
        const res: request.Response = await request(hospital().app).get(url).auth(doctor.token, { type: 'bearer' }).expect(200);
        const page = res.body as SearchBundle;
        seen.push(...(page.entry ?? []).map((e) => e.resource.id!));
        const next = page.link?.find((l) => l.relation === 'next')?.url;
        url = next?.replace(/^https?:\/\/[^/]+/, '');
      }
      return seen;
    };

    it('when locations are sorted by status then name descending, 3 a page, then the pages give each once in that order', async () => {
      expect(await paged('status,-name', 3)).to.deep.equal([...made].sort((a, b) => a.status.localeCompare(b.status) || b.name.localeCompare(a.name)).map((m) => m.id));
      const newestFirst = made.map((m, i) => ({ ...m, i })).sort((a, b) => a.status.localeCompare(b.status) || b.i - a.i).map((m) => m.id);
      expect(await paged('status,-_lastUpdated', 2)).to.deep.equal(newestFirst);
      const tooMany = await request(hospital().app).get('/fhir/Location?_sort=name,status,_id,-_lastUpdated').auth(doctor.token, { type: 'bearer' });
      expect(tooMany.status).to.equal(400);
    });

    it('when _total is accurate or estimate, then the Bundle says how many match in all; none or absent, it does not', async () => {
      expect((await bundle(`Location?name=${tag}&_count=2&_total=accurate`)).total).to.equal(7);
      expect((await bundle(`Location?name=${tag}&status=active&_total=estimate`)).total).to.equal(3);
      expect((await bundle(`Location?name=${tag}&_total=none`)).total).to.equal(undefined);
      const wrong = await request(hospital().app).get('/fhir/Location?_total=roughly').auth(doctor.token, { type: 'bearer' });
      expect(wrong.status).to.equal(400);
    });

    it('when _summary=count, then the Bundle holds the total and no resources', async () => {
      const counted = await bundle(`Location?name=${tag}&status=inactive&_summary=count`);
      expect(counted.total).to.equal(3);
      expect((counted.entry ?? []).filter((e) => e.search?.mode === 'match')).to.deep.equal([]);
    });

    it('when _summary or _elements asks for part of a prescription, then it gets that part, marked SUBSETTED', async () => {
      const rx = await create({
        resourceType: 'MedicationRequest', status: 'active', intent: 'order', medicationCodeableConcept: { text: 'Ramipril 5 mg' },
        subject: { reference: `Patient/${patientId}` }, authoredOn: '2026-11-01', note: [{ text: 'Take in the morning' }],
        text: { status: 'generated', div: '<div xmlns="http://www.w3.org/1999/xhtml">Ramipril</div>' },
      });
      const one = async (query: string) => {
        const found = (await bundle(`MedicationRequest?_id=${rx}&${query}`)).entry![0].resource;
        expect(found.meta?.tag?.map((t) => t.code), query).to.include('SUBSETTED');
        return Object.keys(found).sort();
      };
      const core = ['id', 'intent', 'medicationCodeableConcept', 'meta', 'resourceType', 'status', 'subject'];
      expect(await one('_summary=true')).to.deep.equal([...core, 'authoredOn'].sort());
      expect(await one('_summary=text')).to.deep.equal([...core, 'text'].sort());
      expect(await one('_summary=data')).to.deep.equal([...core, 'authoredOn', 'note'].sort());
      expect(await one('_elements=note')).to.deep.equal([...core, 'note'].sort());
      const whole = (await bundle(`MedicationRequest?_id=${rx}&_summary=false`)).entry![0].resource;
      expect(whole.note).to.deep.equal([{ text: 'Take in the morning' }]);
      expect(whole.meta?.tag).to.equal(undefined);
      const both = await request(hospital().app).get(`/fhir/MedicationRequest?_summary=true&_elements=note`).auth(doctor.token, { type: 'bearer' });
      expect(both.status).to.equal(400);
    });
  });
});
