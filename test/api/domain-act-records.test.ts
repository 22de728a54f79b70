import { expect } from 'chai';
import request from 'supertest';
import { newVisit, startVisit } from '../support/consultations.js';
import { newPatient } from '../support/factories.js';
import { dispenseOf, parameters, param, readyPrescription } from '../support/prescriptions.js';
import { describeOnEachDatabase } from '../support/test-node.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- FHIR JSON read back in assertions
type Json = Record<string, any>;

/**
 * The records the domain acts leave (prescriptions, handovers, notes, messages, care plans) are ordinary FHIR
 * resources: stored through the repository in the act's transaction, versioned when they change, readable through
 * /fhir under the one access rule, while their /api routes keep every rule.
 */
describeOnEachDatabase('records of the domain acts, as FHIR resources', (hospital) => {
  const fhir = (token: string, path: string) => request(hospital().app).get(`/fhir/${path}`).auth(token, { type: 'bearer' });
  const historyOf = async (token: string, path: string) => ((await fhir(token, `${path}/_history`).expect(200)).body as Json).entry as Json[];

  it('when a prescription is issued, approved, taken and dispensed, then its MedicationRequest, Task versions, Provenance and MedicationDispense are stored and only its patient and doctors read them', async () => {
    const rx = await readyPrescription(hospital());
    const accepted = await request(hospital().app).post(`/fhir/Task/${rx.id}/$accept`).auth(rx.pharmacistToken, { type: 'bearer' })
      .send(parameters({ accessCode: rx.accessCode })).expect(200);
    await request(hospital().app).post(`/fhir/Task/${rx.id}/$close`).auth(rx.pharmacistToken, { type: 'bearer' })
      .send(parameters({ secret: param(accepted.body, 'secret')!.valueString! }, [dispenseOf(rx.lines[0].id, 7)])).expect(200);

    const line = rx.lines[0].id;
    const request1 = (await fhir(rx.patient.token, `MedicationRequest/${line}`).expect(200)).body as Json;
    expect(request1).to.include({ status: 'completed', intent: 'order' });
    expect(request1.subject.reference).to.equal(`Patient/${rx.patient.patientId}`);
    expect(request1.medicationCodeableConcept.coding[0].code).to.equal('C09AA05');
    // draft while it waited for review, active once approved (taking it changes nothing of the request), completed.
    expect((await historyOf(rx.patient.token, `MedicationRequest/${line}`)).map((e) => e.resource.status)).to.deep.equal(['completed', 'active', 'draft']);

    const dispensed = (await fhir(rx.patient.token, `MedicationDispense?subject=Patient/${rx.patient.patientId}`).expect(200)).body as Json;
    expect(dispensed.entry).to.have.length(1);
    expect(dispensed.entry[0].resource.authorizingPrescription[0].reference).to.equal(`MedicationRequest/${line}`);
    expect(dispensed.entry[0].resource.quantity.value).to.equal(7);

    const { ResourceVersion } = hospital().db.models;
    const taskVersions = await ResourceVersion.findAll({ where: { resourceType: 'Task', resourceId: rx.id }, order: [['versionId', 'ASC']] });
    expect(taskVersions.map((v) => JSON.parse(v.content).status)).to.deep.equal(['requested', 'ready', 'in-progress', 'completed']);
    const provenance = (await fhir(rx.doctor.token, `Provenance/${rx.id}-signature`).expect(200)).body as Json;
    expect(provenance.signature[0].sigFormat).to.equal('application/jose');

    const stranger = await newPatient(hospital(), 'Stranger');
    await fhir(stranger.token, `MedicationRequest/${line}`).expect(404);
    const none = (await fhir(stranger.token, `MedicationRequest?subject=Patient/${rx.patient.patientId}`).expect(200)).body as Json;
    expect(none.entry ?? []).to.deep.equal([]);
  });

  it('when a doctor writes, signs and amends a note and the two talk in the visit, then the Composition keeps every version and the /api note history reads back the same text', async () => {
    const visit = await newVisit(hospital(), 'Records');
    await startVisit(hospital(), visit);
    const text = { subjective: 'Headache & <dizziness>\nsince Monday', assessment: 'BP 150/95', plan: '' };
    await request(hospital().app).put(`/api/visits/${visit.visitId}/note`).auth(visit.doctor.token, { type: 'bearer' }).send(text).expect(200);
    await request(hospital().app).post(`/api/visits/${visit.visitId}/messages`).auth(visit.patient.token, { type: 'bearer' }).send({ text: 'Can you hear me?' }).expect(201);
    await request(hospital().app).post(`/api/visits/${visit.visitId}/finish`).auth(visit.doctor.token, { type: 'bearer' }).send({}).expect(200);
    await request(hospital().app).post(`/api/visits/${visit.visitId}/note/amendments`).auth(visit.doctor.token, { type: 'bearer' })
      .send({ ...text, plan: 'Ramipril 5 mg', reason: 'plan was missing' }).expect(201);

    const note = (await request(hospital().app).get(`/api/visits/${visit.visitId}/note`).auth(visit.patient.token, { type: 'bearer' }).expect(200)).body as Json;
    expect(note.versions.map((v: Json) => v.status)).to.deep.equal(['preliminary', 'final', 'amended']);
    expect(note.versions[0]).to.include({ subjective: text.subjective, plan: '' });
    expect(note.versions[2]).to.include({ plan: 'Ramipril 5 mg', amendmentReason: 'plan was missing' });

    const compositions = (await fhir(visit.patient.token, `Composition?encounter=Encounter/${visit.visitId}`).expect(200)).body as Json;
    expect(compositions.entry).to.have.length(1);
    const composition = compositions.entry[0].resource as Json;
    expect(composition.status).to.equal('amended');
    expect(composition.attester[0].mode).to.equal('legal');
    expect(await historyOf(visit.doctor.token, `Composition/${composition.id}`)).to.have.length(3);

    const messages = (await fhir(visit.doctor.token, `Communication?encounter=Encounter/${visit.visitId}`).expect(200)).body as Json;
    expect(messages.entry.map((e: Json) => e.resource.payload[0].contentString)).to.deep.equal(['Can you hear me?']);
    expect(messages.entry[0].resource.sender.reference).to.equal(`Patient/${visit.patient.patientId}`);
  });

  it('when the doctor sets a care plan twice, then the CarePlan has two versions and the patient reads it', async () => {
    const visit = await newVisit(hospital(), 'Plan');
    const put = (systolic: number) => request(hospital().app).put(`/api/patients/${visit.patient.patientId}/care-plan`)
      .auth(visit.doctor.token, { type: 'bearer' }).send({ bloodPressure: { stage2Systolic: systolic } }).expect(200);
    await put(130);
    const plan = (await put(135)).body as Json;
    const stored = (await fhir(visit.patient.token, `CarePlan?subject=Patient/${visit.patient.patientId}`).expect(200)).body as Json;
    expect(stored.entry).to.have.length(1);
    expect(stored.entry[0].resource.id).to.equal(plan.id);
    expect(stored.entry[0].resource.author.reference).to.equal(`Practitioner/${visit.doctor.practitionerId}`);
    expect(await historyOf(visit.patient.token, `CarePlan/${plan.id}`)).to.have.length(2);
    await fhir((await newPatient(hospital(), 'Other')).token, `CarePlan/${plan.id}`).expect(404);
  });
});
