import crypto from 'node:crypto';
import { expect } from 'chai';
import request from 'supertest';
import { newDoctor, newPatient, recordInPersonVisit } from '../support/factories.js';
import { searchPlan } from '../support/query-plan.js';
import { describeOnEachDatabase } from '../support/test-node.js';

type Json = Record<string, unknown> & { id?: string };
interface SearchBundle { entry?: Array<{ resource: Json; search?: { mode: string } }> }

describeOnEachDatabase('FHIR repository: composite parameters, :identifier, :text, chaining and _has', (hospital) => {
  let doctor: { token: string; practitionerId: string };
  let stranger: { token: string; practitionerId: string };
  let patientId: string;
  before(async () => {
    doctor = await newDoctor(hospital(), 'Chainer');
    stranger = await newDoctor(hospital(), 'Outsider');
    ({ patientId } = await newPatient(hospital(), 'Chained'));
    await recordInPersonVisit(hospital(), patientId, doctor.practitionerId);
  });

  const create = async (resource: Json): Promise<string> => {
    const res = await request(hospital().app).post(`/fhir/${String(resource.resourceType)}`).auth(doctor.token, { type: 'bearer' }).send(resource);
    expect(res.status, JSON.stringify(res.body)).to.equal(201);
    return res.body.id as string;
  };
  const search = (path: string, token = doctor.token, prefer?: string) => {
    const call = request(hospital().app).get(`/fhir/${path}`).auth(token, { type: 'bearer' });
    return prefer ? call.set('Prefer', prefer) : call;
  };
  const ids = async (path: string, token = doctor.token): Promise<string[]> => {
    const res = await search(path, token);
    expect(res.status, JSON.stringify(res.body)).to.equal(200);
    return ((res.body as SearchBundle).entry ?? []).filter((e) => e.search?.mode === 'match').map((e) => e.resource.id!);
  };
  const unique = () => crypto.randomBytes(4).toString('hex');
  const q = encodeURIComponent;

  describe('composite parameters', () => {
    const usage = 'http://terminology.hl7.org/CodeSystem/usage-context-type';
    it('when groups are searched by characteristic-value, then both tokens must hold on the same characteristic', async () => {
      const system = `http://example.org/traits/${unique()}`;
      const group = (traits: Array<[string, string]>) => create({
        resourceType: 'Group', type: 'person', actual: false,
        characteristic: traits.map(([code, value]) => ({ code: { coding: [{ system, code }] }, valueCodeableConcept: { coding: [{ system, code: value }] }, exclude: false })),
      });
      const smokerOver65 = await group([['smoking', 'current'], ['age-band', 'over-65']]);
      const smokerFormer = await group([['smoking', 'former'], ['age-band', 'current']]);
      expect(await ids(`Group?characteristic-value=${q(`${system}|smoking$${system}|current`)}`)).to.deep.equal([smokerOver65]);
      expect(await ids(`Group?characteristic-value=${q(`smoking$former`)}&characteristic-value=${q(`${system}|age-band$current`)}`)).to.deep.equal([smokerFormer]);
      // `current` is a value of smokerFormer, but of its age band, not of its smoking: no match across characteristics.
      expect(await ids(`Group?characteristic-value=${q(`${system}|age-band$over-65,${system}|smoking$current`)}`)).to.deep.equal([smokerOver65]);
      expect(await ids(`Group?characteristic-value=${q(`${system}|smoking$over-65`)}`)).to.deep.equal([]);
    });

    it('when questionnaires are searched by context-type-quantity, then the quantity or range is compared with its prefix', async () => {
      const tag = `http://example.org/forms/${unique()}`;
      const form = (useContext: Json) => create({ resourceType: 'Questionnaire', status: 'active', url: `${tag}/${unique()}`, useContext: [useContext] });
      const over65 = await form({ code: { system: usage, code: 'age' }, valueQuantity: { value: 65, unit: 'a', system: 'http://unitsofmeasure.org', code: 'a' } });
      const child = await form({ code: { system: usage, code: 'age' }, valueRange: { low: { value: 2, code: 'a' }, high: { value: 12, code: 'a' } } });
      const only = `url:below=${q(tag)}`;
      expect(await ids(`Questionnaire?context-type-quantity=${q(`${usage}|age$gt60`)}&${only}`)).to.deep.equal([over65]);
      expect(await ids(`Questionnaire?context-type-quantity=${q('age$le5')}&${only}`)).to.deep.equal([child]);
      expect(await ids(`Questionnaire?context-type-quantity=${q('age$65|http://unitsofmeasure.org|a')}&${only}`)).to.deep.equal([over65]);
      expect(await ids(`Questionnaire?context-type-quantity=${q('focus$65')}&${only}`)).to.deep.equal([]);
      const malformed = await search(`Questionnaire?context-type-quantity=age`);
      expect(malformed.status).to.equal(400);
      expect(malformed.body.issue[0].details.coding[0].code).to.equal('invalid-search');
    });
  });

  describe('modifiers', () => {
    it('when a prescription is searched by subject:identifier, then the identifier inside its reference finds it', async () => {
      const system = `http://example.org/mrn/${unique()}`;
      const rx = await create({
        resourceType: 'MedicationRequest', status: 'active', intent: 'order', medicationCodeableConcept: { text: 'Amlodipine 5 mg' },
        subject: { reference: `Patient/${patientId}`, identifier: { system, value: 'MRN-7' } },
      });
      expect(await ids(`MedicationRequest?subject:identifier=${q(`${system}|MRN-7`)}`)).to.deep.equal([rx]);
      expect(await ids(`MedicationRequest?subject:identifier=${q(`${system}|MRN-8`)}`)).to.deep.equal([]);
      expect(await ids(`MedicationRequest?subject:identifier=${q(`${system}|MRN-7`)}`, stranger.token)).to.deep.equal([]);
    });

    it('when locations are searched by name:text, then each word searched starts a word of the name', async () => {
      const tag = `Tx${unique()}`;
      const wing = await create({ resourceType: 'Location', name: `${tag} North Wing Dialysis` });
      await create({ resourceType: 'Location', name: `${tag} Singing Room` });
      expect(await ids(`Location?name:text=dial&name=${tag}`)).to.deep.equal([wing]);
      expect(await ids(`Location?name:text=${q('wing north')}&name=${tag}`)).to.deep.equal([wing]);
      expect(await ids(`Location?name:text=ing&name=${tag}`)).to.deep.equal([]);
    });
  });

  describe('chaining and _has', () => {
    let medication: string;
    let prescription: string;
    let code: string;
    before(async () => {
      code = `http://example.org/drugs/${unique()}`;
      medication = await create({ resourceType: 'Medication', code: { coding: [{ system: code, code: 'amlo-5' }], text: 'Amlodipine 5 mg' } });
      await create({ resourceType: 'Medication', code: { coding: [{ system: code, code: 'met-500' }] } });
      prescription = await create({
        resourceType: 'MedicationRequest', status: 'active', intent: 'order', medicationReference: { reference: `Medication/${medication}` },
        subject: { reference: `Patient/${patientId}` },
      });
    });

    it('when prescriptions are searched through their medication, then medication.code and medication:Medication.code find them', async () => {
      expect(await ids(`MedicationRequest?medication.code=${q(`${code}|amlo-5`)}`)).to.deep.equal([prescription]);
      expect(await ids(`MedicationRequest?medication:Medication.code=${q(`${code}|amlo-5`)}`)).to.deep.equal([prescription]);
      expect(await ids(`MedicationRequest?medication.code=${q(`${code}|met-500`)}`)).to.deep.equal([]);
      expect(await ids(`MedicationRequest?medication.code:text=amlodipine&subject=Patient/${patientId}`)).to.include(prescription);
    });

    it('when a location is searched through the building it is part of, then partof.name finds it', async () => {
      const tag = `Bd${unique()}`;
      const building = await create({ resourceType: 'Location', name: `${tag} East Building` });
      const ward = await create({ resourceType: 'Location', name: 'Ward 7', partOf: { reference: `Location/${building}` } });
      expect(await ids(`Location?partof.name=${tag}%20east`)).to.deep.equal([ward]);
      expect(await ids(`Location?partof:Location.name:exact=${q(`${tag} East Building`)}`)).to.deep.equal([ward]);
    });

    it('when medications are searched with _has, then those a readable prescription names are found, and no others', async () => {
      const has = `Medication?_has:MedicationRequest:medication:status=active&_id=${medication}`;
      expect(await ids(has)).to.deep.equal([medication]);
      expect(await ids(`Medication?_has:MedicationRequest:medication:status=cancelled&_id=${medication}`)).to.deep.equal([]);
      // The other doctor may read the medication but not the prescription of a patient not in his care.
      expect(await ids(has, stranger.token)).to.deep.equal([]);
      expect(await ids(`Medication?_id=${medication}`, stranger.token)).to.deep.equal([medication]);
    });

    it('when a chain leads through a prescription the doctor may not read, then it finds nothing', async () => {
      const dispense = await create({
        resourceType: 'MedicationDispense', status: 'completed', medicationCodeableConcept: { text: 'Amlodipine 5 mg' },
        subject: { reference: `Patient/${patientId}` }, authorizingPrescription: [{ reference: `MedicationRequest/${prescription}` }],
      });
      expect(await ids(`MedicationDispense?prescription.status=active&_id=${dispense}`)).to.deep.equal([dispense]);
      expect(await ids(`MedicationDispense?prescription.status=active&_id=${dispense}`, stranger.token)).to.deep.equal([]);
    });

    it('when a chain or _has cannot be answered, then it is a warning, and a 400 under strict handling', async () => {
      for (const path of ['MedicationRequest?medication.colour=red', 'MedicationRequest?medication.code.system=x', 'Medication?_has:MedicationRequest:subject:status=active']) {
        const lenient = await search(path);
        expect(lenient.status, path).to.equal(200);
        expect(JSON.stringify(lenient.body), path).to.contain('not supported');
        const strict = await search(path, doctor.token, 'handling=strict');
        expect(strict.status, path).to.equal(400);
        expect(strict.body.issue[0].details.coding[0].code, path).to.equal('unknown-search-parameter');
      }
    });
  });

  describe('query plans', () => {
    const plan = (path: string) => searchPlan(hospital(), doctor.token, path);
    it('when a composite search runs, then fhir_composites answers it from its (resourceType, code, value, …) indexes', async () => {
      expect(await plan('Group?characteristic-value=smoking$current')).to.match(/fhir_composites_code_value_value2/);
      expect(await plan('Questionnaire?context-type-quantity=age$gt60')).to.match(/fhir_composites_code_value_(number2|value2)/);
    });

    it('when a reference is searched by :identifier, then the fhir_tokens index answers it', async () => {
      expect(await plan('MedicationRequest?subject:identifier=http://example.org/mrn%7C1')).to.contain('fhir_tokens_code_value');
    });

    it('when a chain or _has runs, then fhir_references and the other type\'s lookup index answer it', async () => {
      const chain = await plan('MedicationRequest?medication.code=http://example.org%7Cx');
      expect(chain).to.match(/fhir_references_(code_targetId|resource)/);
      expect(chain).to.contain('fhir_tokens_code_value');
      const has = await plan('Medication?_has:MedicationRequest:medication:status=active');
      expect(has).to.match(/fhir_references_(code_targetId|resource)/);
      expect(has).to.contain('fhir_tokens_code_value');
    });
  });
});
