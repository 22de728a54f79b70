import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import request from 'supertest';
import { DIALECTS } from '../support/databases.js';
import {
  closePartnerPair, closeServer, registerPartner, sharedPatient, startListeningNode, startPartnerPair, type ListeningNode,
} from '../support/exchange.js';
import { startTestNode } from '../support/test-node.js';
import { bookedAppointment, newDoctor, newPatient, recordInPersonVisit } from '../support/factories.js';
import { labResult, lipidPanel } from '../support/fhir.js';
import { expectValidR4 } from '../support/fhir-validator.js';

interface ExamResult {
  id: string; code: string; display: string; issuedAt: string | null; effectiveAt: string; conclusion: string | null;
  origin: { kind: string; partnerName?: string | null; fhirBaseUrl?: string; source?: string };
  results: Array<{ code: string; value: number | null; unit: string | null; effectiveAt: string }>;
}

/** A server that accepts connections and never answers: a partner that hangs. */
async function hangingServer(): Promise<{ url: string; server: http.Server }> {
  const server = http.createServer(() => { /* never answers */ });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

for (const dialect of DIALECTS) {
  describe(`exam results from a partner hospital, listed in the visit, two nodes over HTTP [${dialect}]`, function () {
    let a: ListeningNode;
    let b: ListeningNode;
    let partnerBatA: string;
    let partnerAatB: string;

    before(async function () {
      ({ a, b, partnerBatA, partnerAatB } = await startPartnerPair(this, dialect));
    });
    after(() => closePartnerPair({ a, b }));

    /** The same person at both nodes, consenting at each; B holds two lipid panels (2025 and 2026) with results. */
    async function sharedPatientWithExams() {
      const { atA, atB } = await sharedPatient({ a, b, partnerBatA, partnerAatB });
      // The lipid panels are recorded by the doctor who saw the patient at B (an admin writes no clinical content).
      const doctorB = await newDoctor(b.hospital, 'Lipids');
      await recordInPersonVisit(b.hospital, atB.patientId, doctorB.practitionerId);
      const post = async (type: string, body: object) => (await request(b.hospital.app).post(`/fhir/${type}`).auth(doctorB.token, { type: 'bearer' })
        .set('Content-Type', 'application/fhir+json').send(JSON.stringify(body)).expect(201)).body as { id: string };
      const panel = async (effective: string, ldlValue: number, conclusion: string) => {
        const ldl = await post('Observation', labResult(atB.patientId, '13457-7', 'LDL cholesterol', ldlValue, { effective }));
        const hdl = await post('Observation', labResult(atB.patientId, '2085-9', 'HDL cholesterol', 44, { effective }));
        return post('DiagnosticReport', lipidPanel(atB.patientId, [ldl.id, hdl.id], { effective, conclusion }));
      };
      const older = await panel('2025-03-01T08:00:00Z', 171, 'LDL high.');
      const newer = await panel('2026-09-01T08:00:00Z', 128, 'LDL at target.');
      return { atA, atB, reportsAtB: { older: older.id, newer: newer.id } };
    }

    /** A booked video follow-up at A between the patient and a new doctor, and its visit. */
    async function visitAtA(patient: { patientId: string; token: string }) {
      const doctor = await newDoctor(a.hospital, 'Exam');
      const appointment = await bookedAppointment(a.hospital, { patientId: patient.patientId, practitionerId: doctor.practitionerId });
      const res = await request(a.hospital.app).post(`/api/appointments/${appointment.id}/visit`).auth(patient.token, { type: 'bearer' }).expect(200);
      return { doctor, visitId: res.body.id as string };
    }

    const pull = (patientId: string, token: string) => request(a.hospital.app)
      .post(`/api/patients/${patientId}/partner-records/pull`).auth(token, { type: 'bearer' });
    const examResults = (visitId: string, token: string) => request(a.hospital.app)
      .get(`/api/visits/${visitId}/exam-results`).auth(token, { type: 'bearer' });

    it('when the patient pulls, then B\'s reports are imported with their results linked; a re-pull imports nothing new', async () => {
      const { atA, reportsAtB } = await sharedPatientWithExams();
      const res = await pull(atA.patientId, atA.token).expect(200);
      expect(res.body.unavailable).to.deep.equal([]);
      expect(res.body.imported[0]).to.include({ partnerId: partnerBatA, diagnosticReports: 2, observations: 4 });

      const { DiagnosticReport, Observation } = a.hospital.db.models;
      const reports = await DiagnosticReport.findAll({ where: { patientId: atA.patientId } });
      expect(reports).to.have.length(2);
      for (const report of reports) {
        expect(report.source).to.equal(`${b.url}/fhir`);
        const results = await Observation.findAll({ where: { diagnosticReportId: report.id } });
        expect(results.map((o) => o.id)).to.have.members(JSON.parse(report.resultIds!) as string[]).and.have.length(2);
        for (const o of results) expect(o.patientId).to.equal(atA.patientId);
      }
      // The imported report reads back over FHIR at A with its results pointing at A's copies.
      const read = await request(a.hospital.app).get(`/fhir/DiagnosticReport/${reports[0].id}`).auth(atA.token, { type: 'bearer' }).expect(200);
      expectValidR4(read.body);
      expect(read.body.meta.source).to.equal(`${b.url}/fhir`);
      expect(read.body.subject.reference).to.equal(`Patient/${atA.patientId}`);
      expect(read.body.result).to.have.length(2);
      expect(Object.values(reportsAtB)).not.to.include(reports[0].id);

      const again = await pull(atA.patientId, atA.token).expect(200);
      expect(again.body.imported[0]).to.include({ diagnosticReports: 0, observations: 0 });
      expect(await DiagnosticReport.count({ where: { patientId: atA.patientId } })).to.equal(2);
      expect(await Observation.count({ where: { patientId: atA.patientId } })).to.equal(4);
    });

    it('when the visit\'s doctor lists exam results, then B\'s reports come newest first with their origin and results; the patient sees them too', async () => {
      const { atA } = await sharedPatientWithExams();
      await pull(atA.patientId, atA.token).expect(200);
      const { doctor, visitId } = await visitAtA(atA);
      const res = await examResults(visitId, doctor.token).expect(200);
      expect(res.body).to.include({ visitId, patientId: atA.patientId });
      const list = res.body.examResults as ExamResult[];
      expect(list.map((r) => r.effectiveAt)).to.deep.equal(['2026-09-01T08:00:00.000Z', '2025-03-01T08:00:00.000Z']);
      expect(list[0]).to.deep.include({
        code: '24331-1', display: 'Lipid 1996 panel - Serum or Plasma', issuedAt: '2026-09-02T10:00:00.000Z', conclusion: 'LDL at target.',
        origin: { kind: 'partner', partnerName: 'Hospital B', fhirBaseUrl: `${b.url}/fhir`, source: `${b.url}/fhir` },
      });
      expect(list[0].results.map((o) => ({ code: o.code, value: o.value, unit: o.unit, effectiveAt: o.effectiveAt }))).to.deep.equal([
        { code: '13457-7', value: 128, unit: 'mg/dL', effectiveAt: '2026-09-01T08:00:00.000Z' },
        { code: '2085-9', value: 44, unit: 'mg/dL', effectiveAt: '2026-09-01T08:00:00.000Z' },
      ]);
      const own = await examResults(visitId, atA.token).expect(200);
      expect(own.body.examResults).to.have.length(2);
      await examResults(visitId, atA.token).query({ fresh: 'maybe' }).expect(400);
      const audit = await a.hospital.db.models.AuditEvent.count({ where: { activity: 'exam-results-read', patientId: atA.patientId } });
      expect(audit).to.equal(2);
    });

    it('when another patient or another doctor asks for the visit\'s exam results, then 404 as for an unknown visit, audited; an unknown visit is 404', async () => {
      const { atA } = await sharedPatientWithExams();
      await pull(atA.patientId, atA.token).expect(200);
      const { visitId } = await visitAtA(atA);
      const otherPatient = await newPatient(a.hospital, 'Nosy');
      const otherDoctor = await newDoctor(a.hospital, 'Elsewhere');
      for (const token of [otherPatient.token, otherDoctor.token]) {
        const res = await examResults(visitId, token).expect(404);
        expect(res.body.code).to.equal('visit-not-found');
        expect(JSON.stringify(res.body)).not.to.contain('24331-1');
      }
      const refusals = await a.hospital.db.models.AuditEvent.count({ where: { activity: 'refused', outcome: '4', resourceId: visitId } });
      expect(refusals).to.equal(2);
      expect((await examResults('no-such-visit', otherDoctor.token).expect(404)).body.code).to.equal('visit-not-found');
    });

    it('when the patient downloads $everything at A, then the imported report is in it with meta.source', async () => {
      const { atA } = await sharedPatientWithExams();
      await pull(atA.patientId, atA.token).expect(200);
      const res = await request(a.hospital.app).get(`/fhir/Patient/${atA.patientId}/$everything`).auth(atA.token, { type: 'bearer' }).expect(200);
      expectValidR4(res.body);
      const reports = (res.body.entry as Array<{ resource: { resourceType: string; meta: { source?: string }; result?: unknown[] } }>)
        .map((e) => e.resource).filter((r) => r.resourceType === 'DiagnosticReport');
      expect(reports).to.have.length(2);
      for (const report of reports) {
        expect(report.meta.source).to.equal(`${b.url}/fhir`);
        expect(report.result).to.have.length(2);
      }
    });

    it('when a partner is down, then the visit runs from waiting room to finish, the pull says which partner is unavailable and why, and the exam results still list what B sent', async () => {
      const { atA } = await sharedPatientWithExams();
      const downId = await registerPartner(a.hospital, { url: 'http://127.0.0.1:9' }, 'Hospital Down');
      await request(a.hospital.app).post(`/api/patients/${atA.patientId}/consents`).auth(atA.token, { type: 'bearer' })
        .send({ partnerId: downId, partnerPatientId: 'whoever' }).expect(201);
      const { doctor, visitId } = await visitAtA(atA);
      const visit = (path: string, token: string) => request(a.hospital.app).post(`/api/visits/${visitId}/${path}`).auth(token, { type: 'bearer' });

      expect((await visit('arrive', atA.token).expect(200)).body.status).to.equal('arrived');
      expect((await visit('admit', doctor.token).expect(200)).body.status).to.equal('in-progress');
      // In the visit the doctor asks for fresh exam results: the pull runs first and its notice comes along.
      const fresh = await request(a.hospital.app).get(`/api/visits/${visitId}/exam-results?fresh=true`).auth(doctor.token, { type: 'bearer' }).expect(200);
      const pulled = fresh.body.partnerPull;
      expect(pulled.unavailable).to.have.length(1);
      expect(pulled.unavailable[0]).to.include({ partnerId: downId, fhirBaseUrl: 'http://127.0.0.1:9/fhir' });
      expect(pulled.unavailable[0].reason).to.be.a('string').and.not.equal('');
      expect(pulled.imported.map((i: { partnerId: string }) => i.partnerId)).to.deep.equal([partnerBatA]);
      expect(pulled.imported[0].diagnosticReports).to.equal(2);
      expect((fresh.body.examResults as ExamResult[]).map((r) => r.origin.partnerName)).to.deep.equal(['Hospital B', 'Hospital B']);

      // The plain listing (no pull) answers with what B sent, and a second pull still reports the partner down.
      const exams = await examResults(visitId, doctor.token).expect(200);
      expect(exams.body).not.to.have.property('partnerPull');
      expect((exams.body.examResults as ExamResult[]).map((r) => r.conclusion)).to.deep.equal(['LDL at target.', 'LDL high.']);
      const again = await pull(atA.patientId, atA.token).expect(200);
      expect(again.body.unavailable.map((u: { partnerId: string }) => u.partnerId)).to.deep.equal([downId]);
      await request(a.hospital.app).put(`/api/visits/${visitId}/note`).auth(doctor.token, { type: 'bearer' })
        .send({ subjective: 'Feels well.', assessment: 'Lipids at target per Hospital B panel of 2026-09-01.', plan: 'No repeat lipid panel now.' }).expect(200);
      expect((await visit('finish', doctor.token).expect(200)).body.status).to.equal('finished');
      const pulls = await a.hospital.db.models.AuditEvent.findAll({ where: { activity: 'partner-pull', patientId: atA.patientId, resourceId: downId } });
      expect(pulls.map((e) => e.outcome)).to.deep.equal(['8', '8']);
    });

    it('when the revoked release at B hides the patient, then B\'s reports are not imported either', async () => {
      const { atA, atB } = await sharedPatientWithExams();
      await request(b.hospital.app).post(`/api/patients/${atB.patientId}/consents/${partnerAatB}/revoke`).auth(atB.token, { type: 'bearer' }).expect(200);
      const res = await pull(atA.patientId, atA.token).expect(200);
      expect(res.body.imported[0]).to.include({ diagnosticReports: 0, observations: 0 });
      expect(await a.hospital.db.models.DiagnosticReport.count({ where: { patientId: atA.patientId } })).to.equal(0);
    });

    describe('a partner that never answers', () => {
      let slow: ListeningNode;
      let hanging: { url: string; server: http.Server };
      before(async () => {
        hanging = await hangingServer();
        slow = await startListeningNode((o) => startTestNode(dialect, { ...o, partnerTimeoutMs: 300 }));
      });
      after(async () => { if (slow) await closeServer(slow.server); if (hanging) await closeServer(hanging.server); });

      it('when PARTNER_TIMEOUT_MS is 300, then the pull answers with the partner unavailable for want of an answer (no timing asserted: the reason names the cut-off)', async () => {
        const partnerId = await registerPartner(slow.hospital, hanging, 'Hospital Slow');
        const patient = await newPatient(slow.hospital, 'Waiting');
        await request(slow.hospital.app).post(`/api/patients/${patient.patientId}/consents`).auth(patient.token, { type: 'bearer' })
          .send({ partnerId, partnerPatientId: 'p-1' }).expect(201);
        const res = await request(slow.hospital.app).post(`/api/patients/${patient.patientId}/partner-records/pull`)
          .auth(patient.token, { type: 'bearer' }).expect(200);
        expect(res.body.imported).to.deep.equal([]);
        expect(res.body.unavailable).to.deep.equal([{ partnerId, fhirBaseUrl: `${hanging.url}/fhir`, reason: 'no answer within 300 ms' }]);
      });
    });
  });
}
