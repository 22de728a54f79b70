import { Router, type Response } from 'express';
import { z } from 'zod';
import { NOTE_CONTACT_MODES } from '../../db/models/consultations.js';
import { appointmentSettings } from '../appointments/book-appointment.js';
import { cancellationInput } from '../appointments/cancel-appointment.js';
import { partnerCallDepsOf } from '../exchange/partner-client.js';
import { exchangeRoutes } from '../exchange/routes.js';
import { authenticate } from '../http/authenticate.js';
import { methodNotAllowed } from '../http/error-handler.js';
import { callerOf } from '../http/request-context.js';
import { parseInput } from '../http/validate.js';
import type { HospitalNode } from '../hospital-node.js';
import { monitoringRoutes } from '../monitoring/routes.js';
import { listDiagnosisDocuments, readDiagnosisDocumentContent, reviewDiagnosisDocument, uploadDiagnosisDocument } from './diagnosis-documents.js';
import { DISPUTE_OUTCOMES, disputeTimeline, listDisputes, openDispute, readDispute, resolveDispute } from './disputes.js';
import { listExamResults } from './exam-results.js';
import { fileBody } from './file-body.js';
import { readEligibility } from './read-eligibility.js';
import { checkUploadedFile } from './uploaded-file.js';
import { listMessages, readAttachment, sendMessage } from './visit-messages.js';
import { amendNote, readNote, writeNote } from './visit-note.js';
import { cancelVisit, endForInPersonCare, moveVisitAs, openVisit, readVisit } from './visits.js';

const icd10 = z.string().trim().regex(/^[A-Za-z][0-9]{2}(\.[0-9A-Za-z]{1,4})?$/, 'an ICD-10 code such as I10 or E11.9');
const documentQuery = z.object({ title: z.string().trim().min(1).max(200), diagnosedOn: z.iso.date(), claimedCode: icd10.optional() });
const review = z.discriminatedUnion('decision', [
  z.object({ decision: z.literal('accept'), code: icd10, display: z.string().max(200).optional(), note: z.string().max(500).optional() }),
  z.object({ decision: z.literal('reject'), note: z.string().trim().min(1, 'say why the document is rejected').max(500) }),
]);
const sections = {
  subjective: z.string().max(20_000), assessment: z.string().max(20_000), plan: z.string().max(20_000),
  documentedMinutes: z.number().int().min(0).max(24 * 60).nullable().optional(), contactMode: z.enum(NOTE_CONTACT_MODES).nullable().optional(),
};
const note = z.object(sections);
const amendment = z.object({ ...sections, reason: z.string().trim().min(1).max(500) });
/** The doctor may bill a lower E/M level than the minutes reach (never a higher one: 422). */
const finishInput = z.object({ level: z.string().trim().regex(/^[A-Za-z0-9][A-Za-z0-9.-]{0,63}$/, 'a service code such as 99213').optional() });
const message = z.object({ text: z.string().trim().min(1).max(4000) });
const messagesQuery = z.object({ after: z.string().min(1).max(64).optional() });
const attachmentQuery = z.object({ name: z.string().trim().min(1).max(200).default('attachment') });
const reason = z.object({ reason: z.string().trim().min(1).max(1000) });
const disputeInput = z.object({ reason: z.string().trim().min(1).max(2000) });
const resolution = z.object({ outcome: z.enum(DISPUTE_OUTCOMES), resolution: z.string().trim().min(1).max(2000) });
const disputeQuery = z.object({ status: z.enum(['open', 'resolved']).optional() });
const eligibilityQuery = z.object({ condition: icd10.optional() });
const examResultsQuery = z.object({ fresh: z.enum(['true', 'false']).default('false').transform((v) => v === 'true') });

const sendFile = (res: Response, file: { contentType: string; bytes: Buffer }) =>
  res.type(file.contentType).setHeader('Content-Disposition', 'attachment').send(file.bytes);

/** Follow-up consultations: eligibility, diagnosis documents, the visit (lifecycle, note, messages), disputes. */
export function consultationRoutes(node: HospitalNode): Router {
  const router = Router();
  const { db, config } = node;
  const signedIn = authenticate(node.tokens);
  const upload = fileBody(config.attachmentMaxBytes);

  router.route('/api/patients/:patientId/eligibility').get(signedIn, async (req, res) => {
    res.json(await readEligibility(db, config, callerOf(req), req.params.patientId, parseInput(eligibilityQuery, req.query, 'query').condition));
  }).all(methodNotAllowed);

  router.route('/api/patients/:patientId/diagnosis-documents')
    .get(signedIn, async (req, res) => { res.json(await listDiagnosisDocuments(db, callerOf(req), req.params.patientId)); })
    .post(signedIn, upload, async (req, res) => {
      const meta = parseInput(documentQuery, req.query, 'query');
      const file = checkUploadedFile(req.body, req.get('content-type'), config.attachmentMaxBytes);
      res.status(201).json(await uploadDiagnosisDocument(db, callerOf(req), req.params.patientId, { ...meta, file }));
    })
    .all(methodNotAllowed);
  router.route('/api/diagnosis-documents/:documentId/content').get(signedIn, async (req, res) => { sendFile(res, await readDiagnosisDocumentContent(db, callerOf(req), req.params.documentId)); }).all(methodNotAllowed);
  router.route('/api/diagnosis-documents/:documentId/review').post(signedIn, async (req, res) => { res.json(await reviewDiagnosisDocument(db, callerOf(req), req.params.documentId, parseInput(review, req.body))); }).all(methodNotAllowed);

  router.route('/api/appointments/:appointmentId/visit').post(signedIn, async (req, res) => { res.json(await openVisit(db, callerOf(req), req.params.appointmentId)); }).all(methodNotAllowed);
  router.route('/api/visits/:visitId').get(signedIn, async (req, res) => { res.json(await readVisit(db, callerOf(req), req.params.visitId)); }).all(methodNotAllowed);
  router.route('/api/visits/:visitId/arrive').post(signedIn, async (req, res) => { res.json(await moveVisitAs(db, callerOf(req), req.params.visitId, 'arrived')); }).all(methodNotAllowed);
  router.route('/api/visits/:visitId/admit').post(signedIn, async (req, res) => { res.json(await moveVisitAs(db, callerOf(req), req.params.visitId, 'in-progress')); }).all(methodNotAllowed);
  router.route('/api/visits/:visitId/finish').post(signedIn, async (req, res) => {
    res.json(await moveVisitAs(db, callerOf(req), req.params.visitId, 'finished', { config, level: parseInput(finishInput, req.body ?? {}).level }));
  }).all(methodNotAllowed);
  router.route('/api/visits/:visitId/cancel').post(signedIn, async (req, res) => {
    res.json(await cancelVisit(db, callerOf(req), req.params.visitId, parseInput(cancellationInput, req.body ?? {}).reason, { ...appointmentSettings(config), billing: { config } }));
  }).all(methodNotAllowed);
  router.route('/api/visits/:visitId/needs-in-person-care').post(signedIn, async (req, res) => { res.json(await endForInPersonCare(db, callerOf(req), req.params.visitId, parseInput(reason, req.body).reason, { config })); }).all(methodNotAllowed);

  router.route('/api/visits/:visitId/note')
    .get(signedIn, async (req, res) => { res.json(await readNote(db, callerOf(req), req.params.visitId)); })
    .put(signedIn, async (req, res) => { res.json(await writeNote(db, callerOf(req), req.params.visitId, parseInput(note, req.body))); })
    .all(methodNotAllowed);
  router.route('/api/visits/:visitId/note/amendments').post(signedIn, async (req, res) => { res.status(201).json(await amendNote(db, callerOf(req), req.params.visitId, parseInput(amendment, req.body))); }).all(methodNotAllowed);

  router.route('/api/visits/:visitId/exam-results').get(signedIn, async (req, res) => {
    const { fresh } = parseInput(examResultsQuery, req.query, 'query');
    res.json(await listExamResults(db, callerOf(req), req.params.visitId, fresh ? partnerCallDepsOf(node) : undefined));
  }).all(methodNotAllowed);

  router.route('/api/visits/:visitId/messages')
    .get(signedIn, async (req, res) => {
      const { visitStatus, messages } = await listMessages(db, callerOf(req), req.params.visitId, parseInput(messagesQuery, req.query, 'query').after);
      res.set('Visit-Status', visitStatus).json(messages);
    })
    .post(signedIn, async (req, res) => { res.status(201).json(await sendMessage(db, callerOf(req), req.params.visitId, parseInput(message, req.body))); })
    .all(methodNotAllowed);
  router.route('/api/visits/:visitId/attachments').post(signedIn, upload, async (req, res) => {
    const { name } = parseInput(attachmentQuery, req.query, 'query');
    const file = checkUploadedFile(req.body, req.get('content-type'), config.attachmentMaxBytes);
    res.status(201).json(await sendMessage(db, callerOf(req), req.params.visitId, { file, fileName: name }));
  }).all(methodNotAllowed);
  router.route('/api/visits/:visitId/messages/:messageId/content').get(signedIn, async (req, res) => { sendFile(res, await readAttachment(db, callerOf(req), req.params.visitId, req.params.messageId)); }).all(methodNotAllowed);

  router.route('/api/visits/:visitId/disputes').post(signedIn, async (req, res) => { res.status(201).json(await openDispute(db, callerOf(req), req.params.visitId, parseInput(disputeInput, req.body).reason)); }).all(methodNotAllowed);
  router.route('/api/disputes').get(signedIn, async (req, res) => { res.json(await listDisputes(db, callerOf(req), parseInput(disputeQuery, req.query, 'query').status)); }).all(methodNotAllowed);
  router.route('/api/disputes/:disputeId').get(signedIn, async (req, res) => { res.json(await readDispute(db, callerOf(req), req.params.disputeId)); }).all(methodNotAllowed);
  router.route('/api/disputes/:disputeId/timeline').get(signedIn, async (req, res) => { res.json(await disputeTimeline(db, callerOf(req), req.params.disputeId)); }).all(methodNotAllowed);
  router.route('/api/disputes/:disputeId/resolution').post(signedIn, async (req, res) => { res.json(await resolveDispute(db, callerOf(req), req.params.disputeId, parseInput(resolution, req.body))); }).all(methodNotAllowed);

  router.use(exchangeRoutes(node));
  router.use(monitoringRoutes(node));
  return router;
}
