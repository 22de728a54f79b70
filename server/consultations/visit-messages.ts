import { Op, type WhereOptions } from 'sequelize';
import type { Database } from '../../db/connection.js';
import type { VisitMessage } from '../../db/models/consultations.js';
import { toCommunicationResource } from '../../fhir-mappings/consultation-records.js';
import { recordAudit } from '../audit/audit-log.js';
import type { Caller } from '../auth/caller.js';
import { storeDerived } from '../fhir/repository/derived-records.js';
import { Conflict, NotFound } from '../http/errors.js';
import { fileContent, storeFile, type CheckedFile } from './uploaded-file.js';
import { visitOfParticipant } from './visit-participants.js';
import { isClosedVisit } from './visit-lifecycle.js';
import { newResourceId } from '../fhir/repository/resource-id.js';

export const messageView = (m: VisitMessage) => ({
  id: m.id, encounterId: m.encounterId, sender: { userId: m.senderUserId, role: m.senderRole }, sentAt: m.sentAt.toISOString(),
  text: m.text, attachment: m.fileId ? { fileName: m.fileName, contentType: m.contentType, size: m.size, url: `/api/visits/${m.encounterId}/messages/${m.id}/content` } : null,
});

/** Messages are exchanged while the visit is open (planned, waiting room, in progress). */
async function openVisitOf(db: Database, caller: Caller, encounterId: string) {
  const { visit } = await visitOfParticipant(db, caller, encounterId);
  if (isClosedVisit(visit.status)) {
    throw new Conflict('visit-closed', `The visit is ${visit.status}; no more messages can be sent in it.`);
  }
  return visit;
}

/** One Communication from the caller to the other participant; text or a checked file. Stored once, never edited. */
export async function sendMessage(db: Database, caller: Caller, encounterId: string, content: { text?: string; file?: CheckedFile; fileName?: string }) {
  const visit = await openVisitOf(db, caller, encounterId);
  return db.transaction(async (tx) => {
    const fileId = content.file ? await storeFile(db, visit.patientId, content.file, tx) : null;
    const message = await db.models.VisitMessage.create({
      id: newResourceId(), encounterId, patientId: visit.patientId, senderUserId: caller.userId, senderRole: caller.role,
      text: content.text ?? null, fileName: content.file ? content.fileName ?? 'attachment' : null,
      contentType: content.file?.contentType ?? null, size: content.file?.size ?? null, fileId, sentAt: new Date(),
    }, { transaction: tx });
    await storeDerived({ db, caller, tx }, [toCommunicationResource(message.get({ plain: true }), caller.practitionerId)], {
      action: 'C', activity: content.file ? 'attachment-sent' : 'message-sent',
    });
    return messageView(message);
  });
}

/** How far back a poll also looks: a message whose transaction committed after a later one was read is still seen. */
const LATE_COMMIT_MS = 10_000;

/**
 * The visit's messages in the order they were sent, with the visit's status (so a page that polls learns when the
 * visit closes without another read). With `after` (a message id of this visit) the ones sent after it, plus any
 * sent in the last LATE_COMMIT_MS (the poller drops those it has): what a polling page asks for. A read that
 * returns messages is audited; a poll that finds nothing discloses nothing and writes no audit event, so an open
 * conversation does not flood the audit log.
 */
export async function listMessages(db: Database, caller: Caller, encounterId: string, after?: string) {
  const { visit } = await visitOfParticipant(db, caller, encounterId);
  const { VisitMessage } = db.models;
  let where: WhereOptions<VisitMessage> = { encounterId };
  if (after) {
    const last = await VisitMessage.findOne({ where: { id: after, encounterId } });
    if (!last) throw new NotFound('message-not-found', `This visit has no message ${after} to read after.`);
    where = {
      encounterId,
      [Op.or]: [
        { sentAt: { [Op.gt]: last.sentAt } },
        { sentAt: last.sentAt, id: { [Op.gt]: last.id } },
        { sentAt: { [Op.gte]: new Date(Date.now() - LATE_COMMIT_MS) }, id: { [Op.ne]: last.id } },
      ],
    };
  }
  const messages = await VisitMessage.findAll({ where, order: [['sentAt', 'ASC'], ['id', 'ASC']] });
  if (!after || messages.length > 0) {
    await recordAudit(db, caller, {
      action: 'R', activity: 'messages-read', resourceType: 'Communication', resourceId: encounterId, patientId: visit.patientId,
      ...(after ? { detail: `${messages.length} new` } : {}),
    });
  }
  return { visitStatus: visit.status, messages: messages.map(messageView) };
}

export async function readAttachment(db: Database, caller: Caller, encounterId: string, messageId: string) {
  const { visit } = await visitOfParticipant(db, caller, encounterId);
  const message = await db.models.VisitMessage.findOne({ where: { id: messageId, encounterId } });
  if (!message?.fileId) throw new NotFound('attachment-not-found', 'This visit has no such attachment.');
  await recordAudit(db, caller, { action: 'R', activity: 'attachment-read', resourceType: 'Communication', resourceId: messageId, patientId: visit.patientId });
  return { ...(await fileContent(db, message.fileId)), fileName: message.fileName };
}
