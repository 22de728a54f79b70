import { expect } from 'chai';
import {
  toCarePlanResource, toCommunicationResource, toConsentResource, toDiagnosisDocumentResource, toDisputeResource, toVisitNoteResource,
} from '../../fhir-mappings/consultation-records.js';
import { expectValidR4 } from '../support/fhir-validator.js';

const stamp = { versionId: 2, createdAt: new Date('2026-01-01T00:00:00Z'), updatedAt: new Date('2026-01-02T03:04:05.678Z') };

describe('fhir-mappings: the records of a consultation as R4 resources', () => {
  it('when a consent is revoked, then it is an inactive opt-in Consent for that partner with the period it ran', () => {
    const consent = toConsentResource({
      id: 'c-1', patientId: 'p-1', partnerId: 'org-9', status: 'inactive', grantedAt: new Date('2026-01-01T00:00:00Z'),
      revokedAt: new Date('2026-01-02T00:00:00Z'), partnerPatientId: 'X-77', ...stamp,
    });
    expectValidR4(consent);
    expect(consent.status).to.equal('inactive');
    expect(consent.provision?.period).to.deep.equal({ start: '2026-01-01T00:00:00.000Z', end: '2026-01-02T00:00:00.000Z' });
    expect(consent.provision?.actor?.[0].reference.reference).to.equal('Organization/org-9');
  });

  it('when a patient sends text and a doctor sends a file, then each is a Communication from its sender', () => {
    const base = { encounterId: 'e-1', patientId: 'p-1', senderUserId: 'u-1', sentAt: new Date('2026-01-02T00:00:00Z'), ...stamp };
    const text = toCommunicationResource({ ...base, id: 'm-1', senderRole: 'patient', text: 'Hello <doctor>', fileName: null, contentType: null, size: null, fileId: null }, null);
    const file = toCommunicationResource({ ...base, id: 'm-2', senderRole: 'doctor', text: null, fileName: 'bp.pdf', contentType: 'application/pdf', size: 10, fileId: 'f-1' }, 'pr-1');
    expectValidR4(text);
    expectValidR4(file);
    expect(text.sender?.reference).to.equal('Patient/p-1');
    expect(text.payload?.[0].contentString).to.equal('Hello <doctor>');
    expect(file.sender?.reference).to.equal('Practitioner/pr-1');
    expect(file.payload?.[0].contentAttachment?.url).to.equal('/api/visits/e-1/messages/m-2/content');
  });

  it('when care plans, diagnosis documents, notes and disputes are mapped, then each is valid R4 and says what the row says', () => {
    const plan = toCarePlanResource({ id: 'cp-1', patientId: 'p-1', practitionerId: 'pr-1', targets: '{"systolicHigh":150}', ...stamp });
    const document = toDiagnosisDocumentResource({
      id: 'd-1', patientId: 'p-1', title: 'Hypertension diagnosis', claimedCode: 'I10', diagnosedOn: '2025-12-01', contentType: 'application/pdf',
      size: 1000, fileId: 'f-1', reviewStatus: 'accepted', reviewerId: 'pr-1', reviewedAt: new Date(), reviewNote: 'Seen', conditionId: 'cond-1', ...stamp,
    });
    const note = toVisitNoteResource({
      id: 'n-1', encounterId: 'e-1', patientId: 'p-1', authorPractitionerId: 'pr-1', subjective: 'Headache & <dizzy>\nsince Monday', assessment: 'BP high',
      plan: '', status: 'final', signedAt: new Date('2026-01-02T00:00:00Z'), signedBy: 'pr-1', amendmentReason: null, contactMode: 'audio-only', documentedMinutes: 12, ...stamp,
    });
    const dispute = toDisputeResource({
      id: 't-1', encounterId: 'e-1', patientId: 'p-1', openedBy: 'u-1', reason: 'The call dropped', status: 'resolved', resolution: 'Refunded',
      outcome: 'upheld', resolvedBy: 'u-2', resolvedAt: new Date(), ...stamp,
    });
    for (const resource of [plan, document, note, dispute]) expectValidR4(resource);
    expect(document.context?.related?.[0].reference).to.equal('Condition/cond-1');
    expect(note.attester?.[0].party?.reference).to.equal('Practitioner/pr-1');
    expect(note.section?.[0].text?.div).to.contain('Headache &amp; &lt;dizzy&gt;<br/>since Monday');
    expect(dispute.status).to.equal('completed');
  });
});
