import type {
  CarePlan as FhirCarePlan, Communication as FhirCommunication, Composition as FhirComposition, Consent as FhirConsent,
  DocumentReference as FhirDocumentReference, Flag as FhirFlag, Task as FhirTask,
} from '@medplum/fhirtypes';
import type { InferAttributes } from 'sequelize';
import type { CarePlan, Consent, DiagnosisDocument, Dispute, MonitoringAlert, VisitMessage, VisitNote } from '../db/models/consultations.js';
import { compact, instant, metaOf, optionalInstant, reference } from './common.js';

/**
 * The records a consultation leaves behind, as the FHIR resources the repository stores (row → resource only: they
 * are written through /api, whose use cases keep their rules, and read through /fhir like every other resource).
 * Pure functions, like every mapping here.
 */
const OURS = 'https://internet-hospital.dev/fhir';
const LOINC = 'http://loinc.org';

export type ConsentRow = InferAttributes<Consent>;
export type VisitMessageRow = InferAttributes<VisitMessage>;
export type CarePlanRow = InferAttributes<CarePlan>;
export type DiagnosisDocumentRow = InferAttributes<DiagnosisDocument>;
export type VisitNoteRow = InferAttributes<VisitNote>;
export type DisputeRow = InferAttributes<Dispute>;
export type MonitoringAlertRow = InferAttributes<MonitoringAlert>;

/** The patient allows this node to fetch their records from a partner hospital (an opt-in for that one access). */
export function toConsentResource(row: ConsentRow): FhirConsent {
  return compact({
    resourceType: 'Consent' as const,
    id: row.id,
    meta: metaOf(row),
    status: row.status,
    scope: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/consentscope', code: 'patient-privacy' }] },
    category: [{ coding: [{ system: LOINC, code: '59284-0', display: 'Patient Consent' }] }],
    patient: reference('Patient', row.patientId)!,
    dateTime: instant(row.grantedAt),
    performer: [reference('Patient', row.patientId)!],
    policyRule: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'OPTIN' }] },
    provision: {
      type: 'permit' as const,
      period: compact({ start: instant(row.grantedAt), end: optionalInstant(row.revokedAt) }),
      actor: [{
        role: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ParticipationType', code: 'IRCP', display: 'information recipient' }] },
        reference: reference('Organization', row.partnerId)!,
      }],
      action: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/consentaction', code: 'access' }] }],
    },
    ...(row.partnerPatientId
      ? { extension: [{ url: `${OURS}/StructureDefinition/partner-patient-id`, valueString: row.partnerPatientId }] }
      : {}),
  });
}

/** A message (or file) sent in a visit's chat; the file itself is served by its /api content route. */
export function toCommunicationResource(row: VisitMessageRow, senderPractitionerId: string | null): FhirCommunication {
  const sender = row.senderRole === 'patient' ? reference('Patient', row.patientId) : reference('Practitioner', senderPractitionerId);
  return compact({
    resourceType: 'Communication' as const,
    id: row.id,
    meta: metaOf(row),
    status: 'completed' as const,
    subject: reference('Patient', row.patientId)!,
    encounter: reference('Encounter', row.encounterId)!,
    sent: instant(row.sentAt),
    sender,
    payload: [row.fileId
      ? {
        contentAttachment: compact({
          contentType: row.contentType ?? undefined, size: row.size ?? undefined, title: row.fileName ?? undefined,
          url: `/api/visits/${row.encounterId}/messages/${row.id}/content`,
        }),
      }
      : { contentString: row.text ?? '' }],
  });
}

/** The doctor's home-monitoring targets for the patient (the thresholds that raise alerts), as a CarePlan. */
export function toCarePlanResource(row: CarePlanRow): FhirCarePlan {
  return compact({
    resourceType: 'CarePlan' as const,
    id: row.id,
    meta: metaOf(row),
    status: 'active' as const,
    intent: 'plan' as const,
    title: 'Home monitoring targets',
    description: 'The thresholds at which a home reading raises an alert for the treating doctor.',
    subject: reference('Patient', row.patientId)!,
    author: reference('Practitioner', row.practitionerId),
    extension: [{ url: `${OURS}/StructureDefinition/monitoring-targets`, valueString: row.targets }],
  });
}

/**
 * A home reading past its care plan's threshold (server/monitoring/alerts.ts): active on the treating doctor's list
 * until acknowledged. The alert's kind is the code, its wording the text; the reading that raised it and the
 * severity are extensions, as Flag has no element for either.
 */
export function toAlertFlagResource(row: MonitoringAlertRow): FhirFlag {
  return compact({
    resourceType: 'Flag' as const,
    id: row.id,
    status: row.status === 'open' ? 'active' as const : 'inactive' as const,
    category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/flag-category', code: 'clinical', display: 'Clinical' }] }],
    code: { coding: [{ system: `${OURS}/CodeSystem/monitoring-alert`, code: row.kind }], text: row.message },
    subject: reference('Patient', row.patientId)!,
    period: compact({ start: instant(row.raisedAt), end: optionalInstant(row.acknowledgedAt) }),
    extension: [
      { url: `${OURS}/StructureDefinition/alert-severity`, valueCode: row.severity },
      ...(row.observationId ? [{ url: `${OURS}/StructureDefinition/alert-reading`, valueReference: reference('Observation', row.observationId) }] : []),
    ],
  });
}

const DOCUMENT_STATUS = { pending: 'preliminary', accepted: 'final', rejected: 'entered-in-error' } as const;

/** A diagnosis document the patient uploaded (an in-person diagnosis), with the doctor's review. */
export function toDiagnosisDocumentResource(row: DiagnosisDocumentRow): FhirDocumentReference {
  return compact({
    resourceType: 'DocumentReference' as const,
    id: row.id,
    meta: metaOf(row),
    status: row.reviewStatus === 'rejected' ? 'entered-in-error' as const : 'current' as const,
    docStatus: DOCUMENT_STATUS[row.reviewStatus],
    type: { coding: [{ system: LOINC, code: '11488-4', display: 'Consult note' }], text: row.title },
    subject: reference('Patient', row.patientId)!,
    date: instant(row.createdAt),
    authenticator: row.reviewStatus === 'accepted' ? reference('Practitioner', row.reviewerId) : undefined,
    description: row.reviewNote ? `${row.title}: ${row.reviewNote}` : row.title,
    content: [{
      attachment: { contentType: row.contentType, size: row.size, title: row.title, url: `/api/diagnosis-documents/${row.id}/content` },
    }],
    context: compact({
      period: { start: row.diagnosedOn },
      related: row.conditionId ? [reference('Condition', row.conditionId)!] : undefined,
    }),
  });
}

const XHTML_OPEN = '<div xmlns="http://www.w3.org/1999/xhtml">';
const NOTE_SECTIONS = [
  { key: 'subjective', title: 'Subjective', code: '61150-9' },
  { key: 'assessment', title: 'Assessment', code: '51848-0' },
  { key: 'plan', title: 'Plan', code: '18776-5' },
] as const;

/** xhtml for a section's narrative: the text escaped, its line breaks kept (read back by `narrativeText`). */
function narrative(text: string) {
  const escaped = text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/\n/g, '<br/>');
  return { status: 'generated' as const, div: `${XHTML_OPEN}${escaped}</div>` };
}

function narrativeText(div: string | undefined): string {
  if (!div) return '';
  return div.slice(XHTML_OPEN.length, -'</div>'.length).replace(/<br\/>/g, '\n')
    .replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}

/** What the note says beyond its sections: the amendment's reason, how the visit was held and its documented minutes (billing). */
function noteExtensions(row: VisitNoteRow) {
  const extensions = [
    row.amendmentReason ? { url: `${OURS}/StructureDefinition/amendment-reason`, valueString: row.amendmentReason } : undefined,
    row.contactMode ? { url: `${OURS}/StructureDefinition/contact-mode`, valueCode: row.contactMode } : undefined,
    row.documentedMinutes !== null && row.documentedMinutes !== undefined
      ? { url: `${OURS}/StructureDefinition/documented-minutes`, valueInteger: row.documentedMinutes } : undefined,
  ].filter((e) => e !== undefined);
  return extensions.length ? extensions : undefined;
}

function sectionsOf(row: VisitNoteRow) {
  const sections = NOTE_SECTIONS.filter(({ key }) => row[key])
    .map(({ key, title, code }) => ({ title, code: { coding: [{ system: LOINC, code }] }, text: narrative(row[key]) }));
  return sections.length ? sections : undefined;
}

/** The doctor's note of a visit: subjective, assessment, plan; signed notes carry a legal attester. */
export function toVisitNoteResource(row: VisitNoteRow): FhirComposition {
  return compact({
    resourceType: 'Composition' as const,
    id: row.id,
    meta: metaOf(row),
    status: row.status,
    type: { coding: [{ system: LOINC, code: '11506-3', display: 'Progress note' }] },
    subject: reference('Patient', row.patientId)!,
    encounter: reference('Encounter', row.encounterId)!,
    date: instant(row.updatedAt),
    author: [reference('Practitioner', row.authorPractitionerId)!],
    title: 'Follow-up visit note',
    attester: row.signedAt && row.signedBy
      ? [{ mode: 'legal' as const, time: instant(row.signedAt), party: reference('Practitioner', row.signedBy)! }] : undefined,
    extension: noteExtensions(row),
    // An empty section is left out: FHIR forbids a section with no text (cmp-1), and visitNoteOf reads it back as ''.
    section: sectionsOf(row),
  });
}

/** A version of the note as the visit's pages show it, read back from its Composition. */
export function visitNoteOf(resource: FhirComposition) {
  const section = (title: string) => narrativeText(resource.section?.find((s) => s.title === title)?.text?.div);
  return {
    status: resource.status,
    subjective: section('Subjective'), assessment: section('Assessment'), plan: section('Plan'),
    signedAt: resource.attester?.[0]?.time ?? null,
    amendmentReason: resource.extension?.find((e) => e.url === `${OURS}/StructureDefinition/amendment-reason`)?.valueString ?? null,
  };
}

/** A patient's complaint about a visit, handled by the hospital: a Task from opened to resolved. */
export function toDisputeResource(row: DisputeRow): FhirTask {
  return compact({
    resourceType: 'Task' as const,
    id: row.id,
    meta: metaOf(row),
    status: row.status === 'open' ? 'requested' as const : 'completed' as const,
    intent: 'order' as const,
    code: { coding: [{ system: `${OURS}/CodeSystem/task-code`, code: 'complaint', display: 'Complaint about a visit' }] },
    description: row.reason,
    for: reference('Patient', row.patientId)!,
    encounter: reference('Encounter', row.encounterId)!,
    authoredOn: instant(row.createdAt),
    lastModified: instant(row.updatedAt),
    output: row.resolution
      ? [{ type: { text: row.outcome ?? 'resolution' }, valueString: row.resolution }] : undefined,
  });
}
