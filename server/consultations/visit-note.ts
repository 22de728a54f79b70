import type { Composition } from '@medplum/fhirtypes';
import { Op, type Transaction } from 'sequelize';
import type { Database } from '../../db/connection.js';
import type { NoteContactMode, VisitNote } from '../../db/models/consultations.js';
import { nextVersion } from '../../db/versions.js';
import { toVisitNoteResource, visitNoteOf } from '../../fhir-mappings/consultation-records.js';
import { recordAudit } from '../audit/audit-log.js';
import type { Caller } from '../auth/caller.js';
import { storeDerived } from '../fhir/repository/derived-records.js';
import { versionsOf } from '../fhir/repository/store.js';
import { Conflict, NotFound } from '../http/errors.js';
import { visitOfParticipant } from './visit-participants.js';
import { isClosedVisit } from './visit-lifecycle.js';
import { newResourceId } from '../fhir/repository/resource-id.js';

/** The note is exposed as a FHIR Composition; its versions live in resource_versions under that type. */
export const NOTE_RESOURCE = 'Composition';

export interface NoteSections {
  subjective: string;
  assessment: string;
  plan: string;
  /** The minutes of contact the doctor documents (what an audio-only or chat visit bills); absent: none. */
  documentedMinutes?: number | null;
  contactMode?: NoteContactMode | null;
}

export const noteView = (n: VisitNote) => ({
  id: n.id, encounterId: n.encounterId, patientId: n.patientId, author: n.authorPractitionerId, status: n.status,
  subjective: n.subjective, assessment: n.assessment, plan: n.plan, signedAt: n.signedAt?.toISOString() ?? null,
  signedBy: n.signedBy, amendmentReason: n.amendmentReason, versionId: n.versionId, updatedAt: n.updatedAt.toISOString(),
  documentedMinutes: n.documentedMinutes ?? null, contactMode: n.contactMode ?? null,
});

/** The doctor writes or rewrites the draft note of an open visit; a signed note is only ever amended. */
export async function writeNote(db: Database, caller: Caller, encounterId: string, sections: NoteSections) {
  const { visit } = await visitOfParticipant(db, caller, encounterId, 'doctor');
  if (isClosedVisit(visit.status)) {
    throw new Conflict('visit-closed', `The visit is ${visit.status}; its note can only be amended.`);
  }
  return db.transaction(async (tx) => {
    const { VisitNote } = db.models;
    const [edited] = await VisitNote.update({ ...sections, versionId: nextVersion(db) }, { where: { encounterId, status: 'preliminary' }, transaction: tx });
    let note = await VisitNote.findOne({ where: { encounterId }, transaction: tx });
    if (note && edited === 0) throw new Conflict('note-signed', 'The note is signed and cannot be changed; add an amendment instead.');
    if (!note) {
      note = await VisitNote.create({
        id: newResourceId(), encounterId, patientId: visit.patientId, authorPractitionerId: caller.practitionerId!, ...sections,
        status: 'preliminary', signedAt: null, signedBy: null, amendmentReason: null,
      }, { transaction: tx });
    }
    await storeDerived({ db, caller, tx }, [toVisitNoteResource(note.get({ plain: true }))], { action: edited ? 'U' : 'C', activity: 'note-written' });
    return noteView(note);
  });
}

/** Signs the draft note as the visit finishes (inside the finishing transaction); nothing to sign is fine. */
export async function signNote(db: Database, caller: Caller, encounterId: string, tx: Transaction): Promise<void> {
  const { VisitNote } = db.models;
  const [signed] = await VisitNote.update(
    { status: 'final', signedAt: new Date(), signedBy: caller.practitionerId, versionId: nextVersion(db) },
    { where: { encounterId, status: 'preliminary' }, transaction: tx },
  );
  if (signed !== 1) return;
  const note = await VisitNote.findOne({ where: { encounterId }, transaction: tx, rejectOnEmpty: true });
  await storeDerived({ db, caller, tx }, [toVisitNoteResource(note.get({ plain: true }))], { action: 'U', activity: 'note-signed' });
}

/**
 * DESIGN.md (R): clinical records are never changed in place once signed; a correction is a new version
 * (status amended) with its reason, and every earlier version stays readable.
 */
export async function amendNote(db: Database, caller: Caller, encounterId: string, sections: NoteSections & { reason: string }) {
  await visitOfParticipant(db, caller, encounterId, 'doctor');
  return db.transaction(async (tx) => {
    const { VisitNote } = db.models;
    const { reason, ...text } = sections;
    const [amended] = await VisitNote.update(
      { ...text, status: 'amended', amendmentReason: reason, versionId: nextVersion(db) },
      { where: { encounterId, status: { [Op.in]: ['final', 'amended'] } }, transaction: tx },
    );
    const note = await VisitNote.findOne({ where: { encounterId }, transaction: tx });
    if (!note) throw new NotFound('note-not-found', 'This visit has no note yet.');
    if (amended !== 1) throw new Conflict('note-not-signed', 'The note is still a draft: edit it instead of amending it.');
    await storeDerived({ db, caller, tx }, [toVisitNoteResource(note.get({ plain: true }))], { action: 'U', activity: 'note-amended', detail: reason });
    return noteView(note);
  });
}

/** The current note and every version of it (the signed one included), oldest first. */
export async function readNote(db: Database, caller: Caller, encounterId: string) {
  const { visit } = await visitOfParticipant(db, caller, encounterId);
  const note = await db.models.VisitNote.findOne({ where: { encounterId } });
  if (!note) throw new NotFound('note-not-found', 'This visit has no note yet.');
  const versions = await noteVersions(db, note.id);
  await recordAudit(db, caller, { action: 'R', activity: 'note-read', resourceType: NOTE_RESOURCE, resourceId: note.id, patientId: visit.patientId });
  return { ...noteView(note), versions };
}

/** Every version of the note, oldest first, read back from its stored Compositions. */
export async function noteVersions(db: Database, noteId: string) {
  const versions = (await versionsOf(db, NOTE_RESOURCE, noteId)).reverse();
  return versions.map((v) => ({
    versionId: Number(v.versionId), recordedAt: new Date(v.recordedAt).toISOString(), ...visitNoteOf(JSON.parse(v.content) as Composition),
  }));
}
