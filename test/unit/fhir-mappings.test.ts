import { expect } from 'chai';
import { toAuditEventResource } from '../../fhir-mappings/audit-event.js';
import { InvalidResource } from '../../fhir-mappings/common.js';
import { fromConditionResource, toConditionResource, type ConditionRow } from '../../fhir-mappings/condition.js';
import { fromCoverageResource, toCoverageResource, type CoverageRow } from '../../fhir-mappings/coverage.js';
import { fromDiagnosticReportResource, toDiagnosticReportResource, type DiagnosticReportRow } from '../../fhir-mappings/diagnostic-report.js';
import { fromEncounterResource, toEncounterResource, type EncounterRow } from '../../fhir-mappings/encounter.js';
import { fromObservationResource, toObservationResource, type ObservationRow } from '../../fhir-mappings/observation.js';
import { fromOrganizationResource, toOrganizationResource, type OrganizationRow } from '../../fhir-mappings/organization.js';
import { fromPatientResource, toPatientResource, type PatientRow } from '../../fhir-mappings/patient.js';
import { fromPractitionerResource, toPractitionerResource, toPractitionerRoleResource, type PractitionerRow } from '../../fhir-mappings/practitioner.js';
import { dateRange } from '../../server/fhir/search-params.js';
import { expectValidR4 } from '../support/fhir-validator.js';

const stamp = { versionId: 3, createdAt: new Date('2024-01-01T00:00:00Z'), updatedAt: new Date('2024-02-03T04:05:06.789Z') };
const pick = <T extends object>(row: T, keys: Array<keyof T>) => Object.fromEntries(keys.map((k) => [k, row[k]]));

function expectInvalid(work: () => unknown, expression: string): void {
  try {
    work();
  } catch (error) {
    expect(error).to.be.instanceOf(InvalidResource);
    expect((error as InvalidResource).issues.map((i) => i.expression)).to.include(expression);
    return;
  }
  expect.fail(`expected an issue at ${expression}`);
}

describe('fhir-mappings: rows ⇄ R4 resources', () => {
  it('when a patient row is mapped, then the Patient is valid R4 and maps back to the same fields', () => {
    const row: PatientRow = {
      id: 'p-1', familyName: 'Wang', givenName: 'Alice', birthDate: '1961-04-12', gender: 'female', phone: '+86 1', email: 'a@x.test',
      timeZone: 'Asia/Shanghai', ...stamp,
    };
    const resource = toPatientResource(row);
    expectValidR4(resource);
    expect(resource.meta).to.deep.equal({ versionId: '3', lastUpdated: '2024-02-03T04:05:06.789Z' });
    expect(fromPatientResource(resource)).to.deep.equal(pick(row, ['familyName', 'givenName', 'gender', 'birthDate', 'timeZone', 'phone', 'email']));
    expectInvalid(() => fromPatientResource({ resourceType: 'Patient', name: [{ given: ['No family'] }] }), 'Patient.name[0].family');
  });

  it('when an observation row with a blood pressure panel is mapped, then components survive the round trip', () => {
    const row: ObservationRow = {
      id: 'o-1', patientId: 'p-1', encounterId: null, status: 'final', category: 'vital-signs', codeSystem: 'http://loinc.org',
      code: '85354-9', display: 'Blood pressure panel', effectiveAt: new Date('2024-03-01T07:30:00Z'), valueNumber: null, valueUnit: null,
      components: JSON.stringify([
        { code: '8480-6', display: 'Systolic blood pressure', value: 138, unit: 'mm[Hg]' },
        { code: '8462-4', display: 'Diastolic blood pressure', value: 88, unit: 'mm[Hg]' },
      ]),
      entryMethod: 'device', deviceName: 'Omron M3', diagnosticReportId: null, source: 'https://partner.example/fhir', sourceId: 'obs-9', ...stamp,
    };
    const resource = toObservationResource(row);
    expectValidR4(resource);
    expect(resource.meta?.source).to.equal('https://partner.example/fhir');
    expect(resource.identifier, 'an imported record names its origin').to.deep.equal([
      { use: 'secondary', system: 'urn:ietf:rfc:3986', value: 'https://partner.example/fhir/Observation/obs-9' },
    ]);
    expect(resource.component?.map((c) => c.valueQuantity?.value)).to.deep.equal([138, 88]);
    expect(fromObservationResource(resource)).to.deep.equal(pick(row, [
      'status', 'codeSystem', 'code', 'display', 'category', 'patientId', 'encounterId', 'effectiveAt', 'valueNumber', 'valueUnit', 'components', 'deviceName',
    ]));
    expectInvalid(() => fromObservationResource({ ...resource, subject: { reference: 'Group/g' } }), 'Observation.subject.reference');
  });

  it('when a single-value observation read back from resource_versions (dates as strings) is mapped, then it is the same resource', () => {
    const row: ObservationRow = {
      id: 'o-2', patientId: 'p-1', encounterId: 'e-1', status: 'final', category: 'vital-signs', codeSystem: 'http://loinc.org',
      code: '8867-4', display: 'Heart rate', effectiveAt: new Date('2024-03-01T07:30:00Z'), valueNumber: 61, valueUnit: '/min',
      components: null, entryMethod: null, deviceName: null, diagnosticReportId: null, source: null, sourceId: null, ...stamp,
    };
    const fromJson = JSON.parse(JSON.stringify(row)) as ObservationRow;
    expect(toObservationResource(fromJson)).to.deep.equal(toObservationResource(row));
    expectValidR4(toObservationResource(row));
  });

  it('when a diagnostic report row is mapped, then the DiagnosticReport is valid R4, lists its results and maps back', () => {
    const row: DiagnosticReportRow = {
      id: 'r-1', patientId: 'p-1', encounterId: 'e-1', status: 'final', category: 'LAB', codeSystem: 'http://loinc.org', code: '4548-4',
      display: 'Hemoglobin A1c/Hemoglobin.total in Blood', effectiveAt: new Date('2024-03-01T07:30:00Z'), issuedAt: new Date('2024-03-02T09:00:00Z'),
      performerDisplay: 'Partner Hospital laboratory', resultIds: JSON.stringify(['o-1', 'o-2']), conclusion: 'HbA1c 7.2 %: above target.',
      source: 'https://partner.example/fhir', sourceId: 'r-9', ...stamp,
    };
    const resource = toDiagnosticReportResource(row);
    expectValidR4(resource);
    expect(resource).to.deep.include({
      meta: { versionId: '3', lastUpdated: '2024-02-03T04:05:06.789Z', source: 'https://partner.example/fhir' },
      category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0074', code: 'LAB' }] }],
      subject: { reference: 'Patient/p-1' }, encounter: { reference: 'Encounter/e-1' },
      effectiveDateTime: '2024-03-01T07:30:00.000Z', issued: '2024-03-02T09:00:00.000Z',
      performer: [{ display: 'Partner Hospital laboratory' }], result: [{ reference: 'Observation/o-1' }, { reference: 'Observation/o-2' }],
    });
    expect(fromDiagnosticReportResource(resource)).to.deep.equal(pick(row, [
      'status', 'category', 'codeSystem', 'code', 'display', 'patientId', 'encounterId', 'effectiveAt', 'issuedAt', 'performerDisplay', 'resultIds', 'conclusion',
    ]));
    const bare = toDiagnosticReportResource({ ...row, category: null, encounterId: null, issuedAt: null, performerDisplay: null, resultIds: null, conclusion: null });
    expectValidR4(bare);
    expect(bare).not.to.have.any.keys('category', 'encounter', 'issued', 'performer', 'result', 'conclusion');
    expectInvalid(() => fromDiagnosticReportResource({ ...resource, result: [{ reference: 'Condition/c-1' }] }), 'DiagnosticReport.result[0].reference');
    expectInvalid(() => fromDiagnosticReportResource({ ...resource, effectiveDateTime: undefined, issued: undefined }), 'DiagnosticReport.effectiveDateTime');
  });

  it('when condition, encounter and coverage rows are mapped, then each is valid R4 and maps back', () => {
    const condition: ConditionRow = {
      id: 'c-1', patientId: 'p-1', encounterId: 'e-1', recorderId: 'pr-1', codeSystem: 'http://hl7.org/fhir/sid/icd-10', code: 'I10',
      display: 'Essential (primary) hypertension', clinicalStatus: 'active', verificationStatus: 'confirmed', onsetDate: '2024-01-05',
      recordedAt: new Date('2024-01-05T09:00:00Z'), source: null, sourceId: null, ...stamp,
    };
    expectValidR4(toConditionResource(condition));
    expect(fromConditionResource(toConditionResource(condition), new Date())).to.deep.equal(pick(condition, [
      'patientId', 'encounterId', 'recorderId', 'codeSystem', 'code', 'display', 'clinicalStatus', 'verificationStatus', 'onsetDate', 'recordedAt',
    ]));
    const erroneous = toConditionResource({ ...condition, verificationStatus: 'entered-in-error' });
    expect(erroneous.clinicalStatus).to.equal(undefined); // con-5
    expectValidR4(erroneous);

    const encounter: EncounterRow = {
      id: 'e-1', patientId: 'p-1', practitionerId: 'pr-1', organizationId: 'org-1', encounterClass: 'VR', status: 'finished',
      periodStart: new Date('2024-01-05T09:00:00Z'), periodEnd: new Date('2024-01-05T09:20:00Z'), source: null, sourceId: null, appointmentId: 'a-1', ...stamp,
    };
    expectValidR4(toEncounterResource(encounter));
    expect(fromEncounterResource(toEncounterResource(encounter))).to.deep.equal(pick(encounter, [
      'status', 'encounterClass', 'patientId', 'practitionerId', 'organizationId', 'periodStart', 'periodEnd',
    ]));

    const coverage: CoverageRow = {
      id: 'cov-1', patientId: 'p-1', payorId: 'org-2', memberId: 'DHI-1', status: 'active', periodStart: '2024-01-01', periodEnd: '2024-12-31', ...stamp,
    };
    expectValidR4(toCoverageResource(coverage));
    expect(fromCoverageResource(toCoverageResource(coverage))).to.deep.equal(pick(coverage, ['status', 'patientId', 'payorId', 'memberId', 'periodStart', 'periodEnd']));
  });

  it('when practitioner and organization rows are mapped, then Practitioner, PractitionerRole and Organization are valid R4', () => {
    const practitioner: PractitionerRow = {
      id: 'pr-1', familyName: 'Chen', givenName: 'Wei', specialtyCode: '419192003', specialtyDisplay: 'Internal medicine', organizationId: 'org-1', ...stamp,
    };
    expectValidR4(toPractitionerResource(practitioner));
    expect(fromPractitionerResource(toPractitionerResource(practitioner))).to.deep.equal({ familyName: 'Chen', givenName: 'Wei' });
    const role = toPractitionerRoleResource(practitioner);
    expectValidR4(role);
    expect(role.organization?.reference).to.equal('Organization/org-1');
    const organization: OrganizationRow = { id: 'org-3', name: 'Corner Pharmacy', kind: 'pharmacy', identifier: 'ph-9', ...stamp };
    expectValidR4(toOrganizationResource(organization));
    expect(fromOrganizationResource(toOrganizationResource(organization))).to.deep.equal({ name: 'Corner Pharmacy', kind: 'pharmacy', identifier: 'ph-9' });
  });

  it('when an audit event row is mapped, then the AuditEvent is valid R4', () => {
    expectValidR4(toAuditEventResource({
      id: 42, recordedAt: new Date(), action: 'R', activity: 'read', outcome: '0', actorUserId: 'u-1', actorRole: 'doctor',
      resourceType: 'Observation', resourceId: 'o-1', patientId: 'p-1', sourceIp: '127.0.0.1', requestId: 'req-1', detail: null,
    }));
  });

  it('when a search date has a precision, then it covers exactly that year, month, day or second', () => {
    const range = (v: string) => { const r = dateRange(v, 'date'); return [r.prefix, r.start.toISOString(), r.end.toISOString()]; };
    expect(range('2024')).to.deep.equal(['eq', '2024-01-01T00:00:00.000Z', '2025-01-01T00:00:00.000Z']);
    expect(range('ge2024-02')).to.deep.equal(['ge', '2024-02-01T00:00:00.000Z', '2024-03-01T00:00:00.000Z']);
    expect(range('lt2024-12-31')).to.deep.equal(['lt', '2024-12-31T00:00:00.000Z', '2025-01-01T00:00:00.000Z']);
    expect(range('2024-05-01T10:00:00+02:00')).to.deep.equal(['eq', '2024-05-01T08:00:00.000Z', '2024-05-01T08:00:01.000Z']);
    expect(() => dateRange('ap2024', 'date')).to.throw(/not supported/);
    expect(() => dateRange('yesterday', 'date')).to.throw(/not a FHIR date/);
  });
});
