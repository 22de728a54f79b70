import crypto from 'node:crypto';
import type { Database } from '../../db/connection.js';
import type { VideoSessionEventType, VideoSide } from '../../db/models/video-session.js';
import { recordAudit } from '../audit/audit-log.js';
import type { Caller } from '../auth/caller.js';
import { registerTimelineSource, type TimelineEntry } from '../consultations/dispute-timeline.js';
import { appointmentNotFound } from '../appointments/appointment-access.js';
import { bothConnectedMs, wholeMinutes } from './connected-time.js';

export interface SessionEventInput {
  appointmentId: string;
  encounterId: string;
  side: VideoSide;
  userId: string;
  connectionId: string;
  event: VideoSessionEventType;
  at?: Date;
}

/** Appends a line to the visit's session log. */
export async function recordSessionEvent(db: Database, input: SessionEventInput): Promise<void> {
  await db.models.VideoSessionEvent.create({ id: crypto.randomUUID(), ...input, at: input.at ?? new Date() });
}

/** Whether this side has had a media connection before in this visit: a new one is then a `reconnect`. */
export async function hasConnectedBefore(db: Database, appointmentId: string, side: VideoSide): Promise<boolean> {
  const count = await db.models.VideoSessionEvent.count({ where: { appointmentId, side, event: ['connect', 'reconnect'] } });
  return count > 0;
}

/** Where an event stands in one connection's life: lines written in the same millisecond keep that order. */
const LIFE_ORDER: Record<VideoSessionEventType, number> = { join: 0, connect: 1, reconnect: 1, disconnect: 2, leave: 3 };

async function sessionLog(db: Database, appointmentId: string) {
  const lines = await db.models.VideoSessionEvent.findAll({ where: { appointmentId }, order: [['at', 'ASC'], ['id', 'ASC']] });
  return lines.sort((a, b) => a.at.getTime() - b.at.getTime() || LIFE_ORDER[a.event] - LIFE_ORDER[b.event]);
}

/** Open connections count up to the end of the visit, or up to now while it goes on. */
const untilOf = (visit: { periodEnd: Date | null } | null, now: Date): Date =>
  visit?.periodEnd && visit.periodEnd < now ? visit.periodEnd : now;

async function countUntil(db: Database, appointmentId: string, now: Date): Promise<Date> {
  return untilOf(await db.models.Encounter.findOne({ where: { appointmentId } }), now);
}

/** Minutes both sides were connected in this appointment's video visit: what billing's time bands use. */
export async function connectedMinutes(db: Database, appointmentId: string, now = new Date()): Promise<number> {
  const log = await sessionLog(db, appointmentId);
  return wholeMinutes(bothConnectedMs(log, await countUntil(db, appointmentId, now)));
}

/** The session log and connected time of a visit, for its doctor. */
export async function readVideoSession(db: Database, caller: Caller, appointmentId: string, now = new Date()) {
  const appointment = await db.models.Appointment.findByPk(appointmentId);
  if (!appointment) throw appointmentNotFound(appointmentId);
  if (!caller.practitionerId || caller.practitionerId !== appointment.practitionerId) {
    await recordAudit(db, caller, {
      action: 'R', activity: 'video-session', outcome: '4', resourceType: 'Appointment', resourceId: appointmentId,
      patientId: appointment.patientId, detail: 'not the doctor of this appointment',
    });
    throw appointmentNotFound(appointmentId);
  }
  const log = await sessionLog(db, appointmentId);
  const ms = bothConnectedMs(log, await countUntil(db, appointmentId, now));
  await recordAudit(db, caller, {
    action: 'R', activity: 'video-session', resourceType: 'Appointment', resourceId: appointmentId, patientId: appointment.patientId,
  });
  return {
    appointmentId,
    connectedSeconds: Math.floor(ms / 1000),
    connectedMinutes: wholeMinutes(ms),
    events: log.map((e) => ({ side: e.side, event: e.event, at: e.at.toISOString(), connectionId: e.connectionId })),
  };
}

// A dispute about a video visit turns on who was there and for how long: the session log and the connected time.
registerTimelineSource({
  name: 'video-session',
  async entries({ db, visit, appointment }) {
    if (!appointment) return [];
    const log = await sessionLog(db, appointment.id);
    if (log.length === 0) return [];
    const ms = bothConnectedMs(log, untilOf(visit, new Date()));
    const lines = log.map((line): TimelineEntry => ({
      at: line.at.toISOString(), source: 'video-session', kind: `video-${line.side}-${line.event}`,
      said: { what: 'video-event', side: line.side, event: line.event }, data: { connectionId: line.connectionId },
    }));
    const last = visit.periodEnd && visit.periodEnd > log[log.length - 1].at ? visit.periodEnd : log[log.length - 1].at;
    return [...lines, {
      at: last.toISOString(), source: 'video-session', kind: 'video-connected-time',
      said: { what: 'video-connected', seconds: Math.floor(ms / 1000) },
      data: { connectedSeconds: Math.floor(ms / 1000), connectedMinutes: wholeMinutes(ms) },
    }];
  },
});
