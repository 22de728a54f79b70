import { expect } from 'chai';
import { Op, type Model, type ModelStatic } from 'sequelize';
import request from 'supertest';
import { book, doctorWithSlots, freeSlotsOf } from '../support/appointments.js';
import { newPatient } from '../support/factories.js';
import { dispenseOf, parameters, param, readyPrescription } from '../support/prescriptions.js';
import { describeOnEachDatabase, type TestNode } from '../support/test-node.js';

/**
 * The versioning rule (server/fhir/repository/records.ts): the newest stored version of every domain record is
 * its stored resource, the live row is its projection, and both carry the same version number.
 */
describeOnEachDatabase('resource versions', (hospital) => {
  const tables = (node: TestNode): Record<string, ModelStatic<Model>> => {
    const m = node.db.models;
    return {
      // A prescription's records (Task, MedicationRequest, MedicationDispense) are stored by the repository as
      // resources: test/api/domain-act-records.test.ts checks them.
      Slot: m.Slot, Appointment: m.Appointment, Schedule: m.Schedule, Encounter: m.Encounter, Observation: m.Observation,
    } as unknown as Record<string, ModelStatic<Model>>;
  };

  it('when slots are generated, booked, cancelled, rescheduled a reading is sent and a prescription is issued and dispensed, then each newest version is the live row', async () => {
    // The node is shared with other suites, some of which change rows behind the API's back (to expire a
    // prescription, say): compare only what this test writes.
    const started = new Date();
    const doctor = await doctorWithSlots(hospital());
    const patient = await newPatient(hospital(), 'Versioned');
    const [first, second] = await freeSlotsOf(hospital(), doctor.practitionerId);
    const booked = (await book(hospital(), patient.token, first.id).expect(201)).body;
    await request(hospital().app).post(`/api/appointments/${booked.id}/reschedule`).auth(patient.token, { type: 'bearer' }).send({ slotId: second.id }).expect(200);
    await request(hospital().app).post(`/api/appointments/${booked.id}/cancel`).auth(patient.token, { type: 'bearer' }).send({}).expect(200);
    const rx = await readyPrescription(hospital());
    const accepted = await request(hospital().app).post(`/fhir/Task/${rx.id}/$accept`).auth(rx.pharmacistToken, { type: 'bearer' })
      .send(parameters({ accessCode: rx.accessCode })).expect(200);
    await request(hospital().app).post(`/fhir/Task/${rx.id}/$close`).auth(rx.pharmacistToken, { type: 'bearer' })
      .send(parameters({ secret: param(accepted.body, 'secret')!.valueString! }, [dispenseOf(rx.lines[0].id, 7)])).expect(200);

    await request(hospital().app).post(`/api/patients/${patient.patientId}/readings`).auth(patient.token, { type: 'bearer' }).send({
      code: '8867-4', value: 64, unit: '/min', effectiveAt: new Date().toISOString(), entryMethod: 'typed',
    }).expect(201);

    const { ResourceVersion } = hospital().db.models;
    let compared = 0;
    for (const [type, model] of Object.entries(tables(hospital()))) {
      for (const live of await model.findAll({ where: { createdAt: { [Op.gte]: started } } })) {
        const id = (live.get('id') as string);
        const newest = await ResourceVersion.findOne({ where: { resourceType: type, resourceId: id }, order: [['versionId', 'DESC']] });
        if (!newest) continue;
        const row = live.get({ plain: true }) as { versionId: number };
        const stored = await hospital().db.models.FhirResource.findOne({ where: { resourceType: type, id }, rejectOnEmpty: true });
        expect(JSON.parse(newest.content), `${type}/${id}`).to.deep.equal(JSON.parse(stored.content));
        expect(newest.versionId, `${type}/${id}`).to.equal(row.versionId);
        compared++;
      }
    }
    expect(compared).to.be.greaterThan(10);
  });
});
