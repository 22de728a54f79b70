import type { Database } from '../../db/connection.js';
import type { DiagnosisDocument } from '../../db/models/consultations.js';
import { toDiagnosisDocumentResource } from '../../fhir-mappings/consultation-records.js';
import { nextVersion } from '../../db/versions.js';
import { recordAudit } from '../audit/audit-log.js';
import type { Caller } from '../auth/caller.js';
import { assertPatientAccess, assertTypeAllowed } from '../auth/patient-access.js';
import { storeDerived } from '../fhir/repository/derived-records.js';
import * as records from '../fhir/repository/records.js';
import { Conflict, Forbidden, NotFound } from '../http/errors.js';
import { ICD10 } from './eligibility.js';
import { fileContent, storeFile, type CheckedFile } from './uploaded-file.js';
import { newResourceId } from '../fhir/repository/resource-id.js';

export interface DocumentUpload {
  title: string;
  claimedCode?: string;
  diagnosedOn: string;
  file: CheckedFile;
}

export interface DocumentReview {
  decision: 'accept' | 'reject';
  /** The ICD-10 code the doctor reads on the document (required to accept). */
  code?: string;
  display?: string;
  note?: string;
}

export const documentView = (d: DiagnosisDocument) => ({
  id: d.id, patientId: d.patientId, title: d.title, claimedCode: d.claimedCode, diagnosedOn: d.diagnosedOn,
  contentType: d.contentType, size: d.size, reviewStatus: d.reviewStatus, reviewerId: d.reviewerId,
  reviewedAt: d.reviewedAt?.toISOString() ?? null, reviewNote: d.reviewNote, conditionId: d.conditionId,
  uploadedAt: d.createdAt.toISOString(), versionId: d.versionId,
});

/** The patient uploads a document (discharge letter, report) showing an earlier in-person diagnosis. */
export async function uploadDiagnosisDocument(db: Database, caller: Caller, patientId: string, upload: DocumentUpload) {
  if (caller.role !== 'patient') throw new Forbidden('wrong-role', 'Patients upload their own diagnosis documents.');
  await assertPatientAccess(db, caller, patientId, 'DocumentReference', 'write');
  return db.transaction(async (tx) => {
    const document = await db.models.DiagnosisDocument.create({
      id: newResourceId(), patientId, title: upload.title, claimedCode: upload.claimedCode ?? null, diagnosedOn: upload.diagnosedOn,
      contentType: upload.file.contentType, size: upload.file.size, fileId: await storeFile(db, patientId, upload.file, tx),
      reviewStatus: 'pending', reviewerId: null, reviewedAt: null, reviewNote: null, conditionId: null,
    }, { transaction: tx });
    await storeDerived({ db, caller, tx }, [toDiagnosisDocumentResource(document.get({ plain: true }))], { action: 'C', activity: 'diagnosis-document-uploaded' });
    return documentView(document);
  });
}

export async function listDiagnosisDocuments(db: Database, caller: Caller, patientId: string) {
  await assertPatientAccess(db, caller, patientId, 'DocumentReference', 'read');
  const documents = await db.models.DiagnosisDocument.findAll({ where: { patientId }, order: [['createdAt', 'ASC']] });
  await recordAudit(db, caller, { action: 'R', activity: 'diagnosis-documents-listed', resourceType: 'DocumentReference', patientId });
  return documents.map(documentView);
}

const documentNotFound = (documentId: string) => new NotFound('document-not-found', `No diagnosis document with id ${documentId}.`);

async function findDocument(db: Database, documentId: string) {
  const document = await db.models.DiagnosisDocument.findByPk(documentId);
  if (!document) throw documentNotFound(documentId);
  return document;
}

export async function readDiagnosisDocumentContent(db: Database, caller: Caller, documentId: string) {
  await assertTypeAllowed(db, caller, 'DocumentReference', 'read');
  const document = await findDocument(db, documentId);
  await assertPatientAccess(db, caller, document.patientId, 'DocumentReference', 'read', documentNotFound(documentId));
  await recordAudit(db, caller, { action: 'R', activity: 'diagnosis-document-read', resourceType: 'DocumentReference', resourceId: document.id, patientId: document.patientId });
  return fileContent(db, document.fileId);
}

/**
 * A doctor in the patient's care reviews a pending document once. Accepting records a confirmed Condition
 * (no encounter of ours: the diagnosis was made elsewhere, on `diagnosedOn`) and links it to the document.
 */
export async function reviewDiagnosisDocument(db: Database, caller: Caller, documentId: string, review: DocumentReview) {
  if (caller.role !== 'doctor' || !caller.practitionerId) throw new Forbidden('wrong-role', 'Only a doctor reviews diagnosis documents.');
  await assertTypeAllowed(db, caller, 'Condition', 'write');
  const document = await findDocument(db, documentId);
  await assertPatientAccess(db, caller, document.patientId, 'Condition', 'write', documentNotFound(documentId));
  return db.transaction(async (tx) => {
    const { DiagnosisDocument, Condition } = db.models;
    const now = new Date();
    const conditionId = review.decision === 'accept' ? newResourceId() : null;
    const [reviewed] = await DiagnosisDocument.update({
      reviewStatus: review.decision === 'accept' ? 'accepted' : 'rejected', reviewerId: caller.practitionerId, reviewedAt: now,
      reviewNote: review.note ?? null, conditionId, versionId: nextVersion(db),
    }, { where: { id: documentId, reviewStatus: 'pending' }, transaction: tx });
    if (reviewed !== 1) throw new Conflict('document-already-reviewed', 'This document has already been reviewed.', [], { reviewStatus: document.reviewStatus });
    if (conditionId) {
      const condition = await Condition.create({
        id: conditionId, patientId: document.patientId, encounterId: null, recorderId: caller.practitionerId, codeSystem: ICD10,
        code: review.code!.toUpperCase(), display: review.display ?? review.code!.toUpperCase(), clinicalStatus: 'active',
        verificationStatus: 'confirmed', onsetDate: document.diagnosedOn, recordedAt: now, source: null,
      }, { transaction: tx });
      await records.created({ db, caller, tx }, 'Condition', condition, { action: 'C', activity: 'condition-from-document' });
    }
    const updated = await DiagnosisDocument.findByPk(documentId, { transaction: tx, rejectOnEmpty: true });
    await storeDerived({ db, caller, tx }, [toDiagnosisDocumentResource(updated.get({ plain: true }))], { action: 'U', activity: `diagnosis-document-${updated.reviewStatus}` });
    return documentView(updated);
  });
}
