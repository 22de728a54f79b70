import type { Database } from '../../db/connection.js';
import { recordAudit } from '../audit/audit-log.js';
import type { Caller } from '../auth/caller.js';
import type { KeyRing } from '../auth/keys.js';
import type { Config } from '../config.js';
import { appointmentNotFound } from '../appointments/appointment-access.js';
import { Forbidden } from '../http/errors.js';
import { iceServersFor, type IceServer } from './ice-servers.js';
import { issueRoomToken } from './room-tokens.js';
import { openVideoRoom, sideOf } from './video-room-window.js';

export interface VideoTokenGrant {
  token: string;
  expiresIn: number;
  side: 'patient' | 'doctor';
  appointmentId: string;
  signallingPath: string;
  iceServers: IceServer[];
}

export const SIGNALLING_PATH = '/visits/signal';

/** A room token for the caller, when they are this appointment's patient or doctor and the room is open. */
export async function issueVideoToken(db: Database, config: Config, keys: KeyRing, caller: Caller, appointmentId: string,
  now = new Date()): Promise<VideoTokenGrant> {
  if (caller.role !== 'patient' && caller.role !== 'doctor') throw new Forbidden('wrong-role', 'Only the patient and the doctor of an appointment join its video visit.');
  const appointment = await db.models.Appointment.findByPk(appointmentId);
  if (!appointment) throw appointmentNotFound(appointmentId);
  const side = sideOf(appointment, caller);
  if (!side) {
    await recordAudit(db, caller, {
      action: 'E', activity: 'video-token', outcome: '4', resourceType: 'Appointment', resourceId: appointmentId,
      patientId: appointment.patientId, detail: 'not a participant',
    });
    throw appointmentNotFound(appointmentId);
  }
  await openVideoRoom(db, appointmentId, now);
  const token = issueRoomToken(keys, config.publicBaseUrl, config.video.roomTokenTtlSeconds, {
    appointmentId, userId: caller.userId, side,
  });
  await recordAudit(db, caller, {
    action: 'E', activity: 'video-token', resourceType: 'Appointment', resourceId: appointmentId, patientId: appointment.patientId,
  });
  return {
    token, expiresIn: config.video.roomTokenTtlSeconds, side, appointmentId, signallingPath: SIGNALLING_PATH,
    iceServers: iceServersFor(config.video, caller.userId, now),
  };
}
