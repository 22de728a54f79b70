import { expect } from 'chai';
import type { Client } from 'fhir-kit-client';
import request from 'supertest';
import { newDoctor, newPatient, recordInPersonVisit } from '../support/factories.js';
import { failureOf, labResult, lipidPanel, startFhirServer, type FhirTestServer } from '../support/fhir.js';
import { expectValidR4 } from '../support/fhir-validator.js';
import { describeOnEachDatabase, type TestNode } from '../support/test-node.js';

type Json = Record<string, unknown> & { id: string; meta?: { versionId?: string }; result?: Array<{ reference: string }> };
interface SearchBundle { entry?: Array<{ resource: Json; search?: { mode: string } }> }
const matchIds = (bundle: SearchBundle) => (bundle.entry ?? []).filter((e) => e.search?.mode === 'match').map((e) => e.resource.id);

async function valid<T>(promise: Promise<unknown>): Promise<T> {
  const resource = await promise;
  expectValidR4(resource);
  return resource as T;
}

/** A patient in a doctor's care, and the doctor's FHIR client. */
async function patientInCare(hospital: TestNode, fhir: FhirTestServer, name: string) {
  const patient = await newPatient(hospital, name);
  const doctor = await newDoctor(hospital, `Of${name}`);
  await recordInPersonVisit(hospital, patient.patientId, doctor.practitionerId);
  return { patient, doctor, client: fhir.client(doctor.token) };
}

/** The doctor records a lipid panel: LDL and HDL Observations, then the report over them. */
async function recordLipidPanel(client: Client, patientId: string, effective = '2026-09-01T08:00:00Z') {
  const ldl = await client.create({ resourceType: 'Observation', body: labResult(patientId, '13457-7', 'LDL cholesterol', 162, { effective }) as never }) as unknown as Json;
  const hdl = await client.create({ resourceType: 'Observation', body: labResult(patientId, '2085-9', 'HDL cholesterol', 41, { effective }) as never }) as unknown as Json;
  const report = await valid<Json>(client.create({ resourceType: 'DiagnosticReport', body: lipidPanel(patientId, [ldl.id, hdl.id], { effective }) as never }));
  return { ldl, hdl, report };
}

describeOnEachDatabase('FHIR DiagnosticReport: exam results with their result Observations', (hospital) => {
  let fhir: FhirTestServer;
  before(async () => { fhir = await startFhirServer(hospital()); });
  after(async () => { await fhir.close(); });

  it('when a doctor records a lipid panel, then reading it gives valid R4 with its results, and each result points at the report', async () => {
    const { patient, client } = await patientInCare(hospital(), fhir, 'Lipid');
    const { ldl, hdl, report } = await recordLipidPanel(client, patient.patientId);
    expect(report.meta?.versionId).to.equal('1');
    const read = await valid<Json>(client.read({ resourceType: 'DiagnosticReport', id: report.id }));
    expect(read).to.deep.include({
      status: 'final', subject: { reference: `Patient/${patient.patientId}` }, effectiveDateTime: '2026-09-01T08:00:00Z',
      issued: '2026-09-02T10:00:00Z', performer: [{ display: 'Central laboratory' }], conclusion: 'LDL above target.',
      result: [{ reference: `Observation/${ldl.id}` }, { reference: `Observation/${hdl.id}` }],
    });
    const linked = await hospital().db.models.Observation.findAll({ where: { diagnosticReportId: report.id } });
    expect(linked.map((o) => o.id)).to.have.members([ldl.id, hdl.id]);
    // The patient reads their own report too.
    await valid(fhir.client(patient.token).read({ resourceType: 'DiagnosticReport', id: report.id }));
  });

  it('when DiagnosticReports are searched by patient, subject, code, date, category and _lastUpdated, then exactly the matching ones come back', async () => {
    const { patient, client } = await patientInCare(hospital(), fhir, 'Searched');
    const older = (await recordLipidPanel(client, patient.patientId, '2025-02-10T08:00:00Z')).report;
    const newer = (await recordLipidPanel(client, patient.patientId, '2026-09-01T08:00:00Z')).report;
    const other = await patientInCare(hospital(), fhir, 'NotSearched');
    const othersReport = (await recordLipidPanel(other.client, other.patient.patientId)).report;
    const search = async (searchParams: Record<string, string>) => {
      const bundle = await valid<SearchBundle>(client.search({ resourceType: 'DiagnosticReport', searchParams }));
      return matchIds(bundle);
    };
    expect(await search({ patient: patient.patientId })).to.have.members([older.id, newer.id]);
    expect(await search({ subject: `Patient/${patient.patientId}` })).to.have.members([older.id, newer.id]);
    expect(await search({ patient: patient.patientId, code: 'http://loinc.org|24331-1' })).to.have.members([older.id, newer.id]);
    expect(await search({ patient: patient.patientId, code: 'http://loinc.org|4548-4' })).to.deep.equal([]);
    expect(await search({ patient: patient.patientId, date: 'ge2026-01-01' })).to.deep.equal([newer.id]);
    expect(await search({ patient: patient.patientId, date: '2025-02' })).to.deep.equal([older.id]);
    expect(await search({ patient: patient.patientId, category: 'LAB' })).to.have.members([older.id, newer.id]);
    expect(await search({ patient: patient.patientId, category: 'RAD' })).to.deep.equal([]);
    expect(await search({ patient: patient.patientId, _lastUpdated: `ge${new Date(Date.now() - 3_600_000).toISOString()}` })).to.have.members([older.id, newer.id]);
    expect(await search({ patient: patient.patientId, _sort: '-date' })).to.deep.equal([newer.id, older.id]);
    // The doctor's searches stay inside their own patients; the other patient's report never shows.
    expect(await search({ code: 'http://loinc.org|24331-1' })).not.to.include(othersReport.id);
  });

  it('when a report lists an Observation of another patient or one that does not exist, then 422 and nothing is stored', async () => {
    const { patient, client } = await patientInCare(hospital(), fhir, 'Mixed');
    const stranger = await patientInCare(hospital(), fhir, 'Stranger');
    const theirs = await stranger.client.create({ resourceType: 'Observation', body: labResult(stranger.patient.patientId, '2085-9', 'HDL', 50) as never }) as unknown as Json;
    const before = await hospital().db.models.DiagnosticReport.count({ where: { patientId: patient.patientId } });
    for (const id of [theirs.id, 'no-such-observation']) {
      const failure = await failureOf(client.create({ resourceType: 'DiagnosticReport', body: lipidPanel(patient.patientId, [id]) as never }));
      expect(failure.status).to.equal(422);
      expect(failure.data.issue![0].details!.coding![0].code).to.equal('unknown-reference');
    }
    expect(await hospital().db.models.DiagnosticReport.count({ where: { patientId: patient.patientId } })).to.equal(before);
    expect((await hospital().db.models.Observation.findByPk(theirs.id))!.diagnosticReportId).to.equal(null);
  });

  it('when a report is updated without one of its results, then that result is unlinked while version 1 still lists it', async () => {
    const { patient, client } = await patientInCare(hospital(), fhir, 'Corrected');
    const { ldl, hdl, report } = await recordLipidPanel(client, patient.patientId);
    const body = { ...lipidPanel(patient.patientId, [ldl.id], { conclusion: 'HDL sample haemolysed; LDL stands.' }), id: report.id };
    const updated = await valid<Json>(client.update({ resourceType: 'DiagnosticReport', id: report.id, body: body as never }));
    expect(updated.meta?.versionId).to.equal('2');
    expect(updated.result).to.deep.equal([{ reference: `Observation/${ldl.id}` }]);
    expect((await hospital().db.models.Observation.findByPk(hdl.id))!.diagnosticReportId).to.equal(null);
    expect((await hospital().db.models.Observation.findByPk(ldl.id))!.diagnosticReportId).to.equal(report.id);
    const first = await valid<Json>(client.vread({ resourceType: 'DiagnosticReport', id: report.id, version: '1' }));
    expect(first.result).to.have.length(2);
  });

  it('when a patient records a report or reads another patient\'s, then 403 and 404; a delete marks it entered-in-error', async () => {
    const { patient, client } = await patientInCare(hospital(), fhir, 'Guarded');
    const { report } = await recordLipidPanel(client, patient.patientId);
    const own = await failureOf(fhir.client(patient.token).create({ resourceType: 'DiagnosticReport', body: lipidPanel(patient.patientId, []) as never }));
    expect(own.status).to.equal(403);
    const nosy = await newPatient(hospital(), 'Nosy');
    expect((await failureOf(fhir.client(nosy.token).read({ resourceType: 'DiagnosticReport', id: report.id }))).status).to.equal(404);
    await request(hospital().app).delete(`/fhir/DiagnosticReport/${report.id}`).auth((await patientInCare(hospital(), fhir, 'X')).doctor.token, { type: 'bearer' }).expect(404);
    await client.delete({ resourceType: 'DiagnosticReport', id: report.id });
    const deleted = await valid<Json>(client.read({ resourceType: 'DiagnosticReport', id: report.id }));
    expect(deleted.status).to.equal('entered-in-error');
  });
});
