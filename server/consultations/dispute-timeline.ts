import { Op } from 'sequelize';
import type { Database } from '../../db/connection.js';
import type { Encounter } from '../../db/models/clinical.js';
import type { Appointment } from '../../db/models/scheduling.js';
import type { TimelineEntry } from './timeline-contract.js';
import { NOTE_RESOURCE, noteVersions } from './visit-note.js';

export type { TimelineEntry } from './timeline-contract.js';

export interface TimelineContext {
  db: Database;
  visit: Encounter;
  appointment: Appointment | null;
}

/**
 * A source of evidence for the dispute timeline. Each capability registers its own (the video session log,
 * prescriptions, charges …) with `registerTimelineSource`; sources only read, so the timeline cannot be edited.
 */
export interface TimelineSource {
  name: string;
  entries(context: TimelineContext): Promise<TimelineEntry[]>;
}

const sources = new Map<string, TimelineSource>();

/** Adds (or replaces, by name) a source of timeline evidence; call at module load. Returns its removal. */
export function registerTimelineSource(source: TimelineSource): () => void {
  sources.set(source.name, source);
  return () => { if (sources.get(source.name) === source) sources.delete(source.name); };
}

/**
 * The visit's whole evidence, from every registered source, in time order (ties keep source order), followed in
 * that order by the audit trail of every resource the sources name: who read or changed the visit, its
 * appointment, messages, note, prescriptions … and when.
 */
export async function visitTimeline(db: Database, visit: Encounter): Promise<TimelineEntry[]> {
  const appointment = visit.appointmentId ? await db.models.Appointment.findByPk(visit.appointmentId) : null;
  const context = { db, visit, appointment };
  const entries = (await Promise.all([...sources.values()].map((s) => s.entries(context)))).flat();
  const named = new Set([visit.id, ...entries.flatMap((e) => (e.resource ? [e.resource.id] : []))]);
  return [...entries, ...await auditTrail(db, [...named])]
    .map((entry, order) => ({ entry, order }))
    .sort((a, b) => a.entry.at.localeCompare(b.entry.at) || a.order - b.order)
    .map(({ entry }) => entry);
}

async function auditTrail(db: Database, resourceIds: string[]): Promise<TimelineEntry[]> {
  const events = await db.models.AuditEvent.findAll({ where: { resourceId: { [Op.in]: resourceIds } }, order: [['recordedAt', 'ASC'], ['id', 'ASC']] });
  return events.map((e) => ({
    at: e.recordedAt.toISOString(), source: 'audit', kind: `audit-${e.activity}`,
    said: { what: 'audit', actorRole: e.actorRole, action: e.action, resourceType: e.resourceType, refused: e.outcome !== '0' },
    resource: { type: 'AuditEvent', id: String(e.id) }, data: { actorUserId: e.actorUserId, requestId: e.requestId },
  }));
}

/** Every stored version of a resource, oldest first, as the row it was: what a source turns into entries. */
export async function versionsOf(db: Database, resourceType: string, resourceId: string) {
  const versions = await db.models.ResourceVersion.findAll({ where: { resourceType, resourceId }, order: [['versionId', 'ASC']] });
  return versions.map((v) => ({ versionId: v.versionId, recordedAt: v.recordedAt, row: JSON.parse(v.content) as Record<string, unknown> }));
}

registerTimelineSource({
  name: 'appointment',
  async entries({ db, appointment }) {
    if (!appointment) return [];
    const booked: TimelineEntry = {
      at: appointment.createdAt.toISOString(), source: 'appointment', kind: 'appointment-booked',
      said: { what: 'appointment-booked', start: appointment.start.toISOString(), end: appointment.end.toISOString(), visitType: appointment.visitType },
      resource: { type: 'Appointment', id: appointment.id },
    };
    const changes = (await versionsOf(db, 'Appointment', appointment.id)).map((v): TimelineEntry => ({
      at: v.recordedAt.toISOString(), source: 'appointment', kind: `appointment-${String(v.row.status)}`,
      said: { what: 'appointment-status', status: String(v.row.status) }, resource: { type: 'Appointment', id: appointment.id, versionId: v.versionId },
    }));
    return [booked, ...changes];
  },
});

registerTimelineSource({
  name: 'visit',
  async entries({ db, visit }) {
    return (await versionsOf(db, 'Encounter', visit.id)).map((v) => ({
      at: v.recordedAt.toISOString(), source: 'visit', kind: `visit-${String(v.row.status)}`,
      said: { what: 'visit-status', status: String(v.row.status) }, resource: { type: 'Encounter', id: visit.id, versionId: v.versionId },
    }));
  },
});

registerTimelineSource({
  name: 'messages',
  async entries({ db, visit }) {
    const messages = await db.models.VisitMessage.findAll({ where: { encounterId: visit.id }, order: [['sentAt', 'ASC']] });
    return messages.map((m): TimelineEntry => ({
      at: m.sentAt.toISOString(), source: 'messages', kind: m.fileId ? 'attachment' : 'message',
      said: m.fileId
        ? { what: 'attachment', senderRole: m.senderRole, fileName: m.fileName ?? '', contentType: m.contentType ?? '', size: m.size ?? 0 }
        : { what: 'message', senderRole: m.senderRole, text: m.text },
      resource: { type: 'Communication', id: m.id }, data: { senderUserId: m.senderUserId, text: m.text },
    }));
  },
});

registerTimelineSource({
  name: 'note',
  async entries({ db, visit }) {
    const note = await db.models.VisitNote.findOne({ where: { encounterId: visit.id } });
    if (!note) return [];
    return (await noteVersions(db, note.id)).map((v): TimelineEntry => {
      const { status, subjective, assessment, plan, signedAt, amendmentReason } = v;
      const kind = status === 'final' ? 'note-signed' : status === 'amended' ? 'note-amended' : 'note-draft';
      return {
        at: v.recordedAt, source: 'note', kind, said: { what: 'note', status: String(status), amendmentReason: amendmentReason ?? null },
        resource: { type: NOTE_RESOURCE, id: note.id, versionId: v.versionId }, data: { subjective, assessment, plan, signedAt },
      };
    });
  },
});

registerTimelineSource({
  name: 'outcome',
  async entries({ db, visit }) {
    const outcome = await db.models.VisitOutcome.findByPk(visit.id);
    return outcome ? [{
      at: outcome.decidedAt.toISOString(), source: 'outcome', kind: outcome.outcome, said: { what: 'outcome', outcome: outcome.outcome, reason: outcome.reason },
      resource: { type: 'Encounter', id: visit.id },
    }] : [];
  },
});
