import { expect } from 'chai';
import type { Caller } from '../../server/auth/caller.js';
import { moveVisit, visitForAppointment } from '../../server/consultations/visit-lifecycle.js';
import { Conflict } from '../../server/http/errors.js';
import { bookedAppointment, newDoctor, newPatient } from '../support/factories.js';
import { describeOnEachDatabase, type TestNode } from '../support/test-node.js';

describeOnEachDatabase('visit lifecycle', (hospital) => {
  async function newVisit(node: TestNode) {
    const patient = await newPatient(node, 'Visiting');
    const doctor = await newDoctor(node, 'Visited');
    const appointment = await bookedAppointment(node, { patientId: patient.patientId, practitionerId: doctor.practitionerId });
    const caller: Caller = {
      userId: doctor.userId, role: 'doctor', patientId: null, practitionerId: doctor.practitionerId,
      organizationId: null, scopes: ['user/*.write'], ip: '127.0.0.1', requestId: 'visit-test',
    };
    return { appointment, caller, visit: await visitForAppointment(node.db, appointment.id) };
  }

  it('when a booked appointment is first used, then its visit is one planned VR encounter, even when asked for concurrently', async () => {
    const { appointment, visit } = await newVisit(hospital());
    const again = await Promise.all(Array.from({ length: 10 }, () => visitForAppointment(hospital().db, appointment.id)));
    expect(new Set(again.map((v) => v.id))).to.deep.equal(new Set([visit.id]));
    expect(visit).to.include({ encounterClass: 'VR', status: 'planned', patientId: appointment.patientId });
  });

  it('when the visit goes planned → arrived → in-progress → finished, then the appointment follows and each version is kept', async () => {
    const { appointment, caller, visit } = await newVisit(hospital());
    for (const to of ['arrived', 'in-progress', 'finished'] as const) await moveVisit(hospital().db, caller, visit.id, to);
    const { Encounter, Appointment, ResourceVersion } = hospital().db.models;
    const finished = await Encounter.findByPk(visit.id, { rejectOnEmpty: true });
    expect(finished.status).to.equal('finished');
    expect(finished.versionId).to.equal(4);
    expect(finished.periodStart).to.be.instanceOf(Date);
    expect(finished.periodEnd).to.be.instanceOf(Date);
    expect((await Appointment.findByPk(appointment.id, { rejectOnEmpty: true })).status).to.equal('fulfilled');
    const versions = await ResourceVersion.findAll({ where: { resourceType: 'Encounter', resourceId: visit.id }, order: [['versionId', 'ASC']] });
    expect(versions.map((v) => [v.versionId, JSON.parse(v.content).status])).to.deep.equal([[1, 'planned'], [2, 'arrived'], [3, 'in-progress'], [4, 'finished']]);
  });

  it('when a move is illegal, then 409 names the current status and nothing changes', async () => {
    const { caller, visit } = await newVisit(hospital());
    await moveVisit(hospital().db, caller, visit.id, 'cancelled');
    const error = await moveVisit(hospital().db, caller, visit.id, 'arrived').catch((e: unknown) => e);
    expect(error).to.be.instanceOf(Conflict);
    expect((error as Conflict).extra).to.deep.equal({ current: 'cancelled', requested: 'arrived' });
  });

  it('when ten admits race, then exactly one moves the visit to in-progress', async () => {
    const { caller, visit } = await newVisit(hospital());
    const results = await Promise.allSettled(Array.from({ length: 10 }, () => moveVisit(hospital().db, caller, visit.id, 'in-progress')));
    expect(results.filter((r) => r.status === 'fulfilled')).to.have.length(1);
    const rejected = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    for (const r of rejected) expect(r.reason).to.be.instanceOf(Conflict);
  });
});
