import { Op } from 'sequelize';
import type { Database } from '../../db/connection.js';
import { connectedMinutes } from '../video/session-log.js';
import type { CatalogueEntry } from './catalogue.js';
import { fails, qualifies, type RuleResult } from './rules/rule-result.js';

/**
 * The interactive time of remote monitoring treatment management (99457/99458; docs/billing.md "Interactive time")
 * in one window, between the patient and her monitoring doctor, from three sources, each minute counted once:
 * - a finished video visit: the minutes both were connected (video session log);
 * - a finished audio-only or chat visit: the minutes the doctor documented in its signed note (a chat visit with the
 *   monitoring doctor is this time and never an e-visit, e-visits.ts);
 * - an alert on the doctor's list she acknowledged in the window: the minutes she documented on acknowledging it.
 * A visit counts by the contact mode of its note, so a video visit whose note says audio-only counts its documented
 * minutes, not its session log as well.
 */
export interface InteractiveTime {
  minutes: number;
  videoMinutes: number;
  documentedMinutes: number;
  alertMinutes: number;
  visits: Array<{ encounterId: string; source: 'video-session' | 'signed-note'; minutes: number }>;
  alerts: Array<{ alertId: string; minutes: number }>;
  /** References: the visits (Encounter), the signed notes (Composition) and the alerts (Flag, as audited). */
  evidence: string[];
}

export async function interactiveTime(db: Database, patientId: string, practitionerId: string, start: Date, end: Date, now: Date): Promise<InteractiveTime> {
  const { Encounter, VisitNote, MonitoringAlert } = db.models;
  const time: InteractiveTime = { minutes: 0, videoMinutes: 0, documentedMinutes: 0, alertMinutes: 0, visits: [], alerts: [], evidence: [] };
  const visits = await Encounter.findAll({
    where: { patientId, practitionerId, status: 'finished', periodStart: { [Op.gte]: start, [Op.lt]: end } }, order: [['periodStart', 'ASC'], ['id', 'ASC']],
  });
  const notes = new Map((await VisitNote.findAll({ where: { encounterId: visits.map((v) => v.id) } })).map((n) => [n.encounterId, n]));
  for (const visit of visits) {
    const note = notes.get(visit.id);
    if (note && note.contactMode !== 'video') {
      if (note.status === 'preliminary' || !note.documentedMinutes) continue;
      time.documentedMinutes += note.documentedMinutes;
      time.visits.push({ encounterId: visit.id, source: 'signed-note', minutes: note.documentedMinutes });
      time.evidence.push(`Encounter/${visit.id}`, `Composition/${note.id}`);
    } else if (visit.encounterClass === 'VR' && visit.appointmentId) {
      const minutes = await connectedMinutes(db, visit.appointmentId, now);
      time.videoMinutes += minutes;
      time.visits.push({ encounterId: visit.id, source: 'video-session', minutes });
      time.evidence.push(`Encounter/${visit.id}`);
    }
  }
  const alerts = await MonitoringAlert.findAll({
    where: { patientId, practitionerId, status: 'acknowledged', acknowledgedAt: { [Op.gte]: start, [Op.lt]: end }, acknowledgedMinutes: { [Op.gt]: 0 } },
    order: [['acknowledgedAt', 'ASC'], ['id', 'ASC']],
  });
  for (const alert of alerts) {
    time.alertMinutes += alert.acknowledgedMinutes!;
    time.alerts.push({ alertId: alert.id, minutes: alert.acknowledgedMinutes! });
    time.evidence.push(`Flag/${alert.id}`);
  }
  time.minutes = time.videoMinutes + time.documentedMinutes + time.alertMinutes;
  return time;
}

/** Where the month's minutes came from, in words, for the reasons a biller reads. */
const sourcesOf = (time: InteractiveTime) =>
  `${time.videoMinutes} connected by video, ${time.documentedMinutes} documented on audio-only and chat visits, ${time.alertMinutes} documented on acknowledged alerts`;

/** 99457 needs its minimum of interactive time in the month (CMS RPM). */
export function interactiveMinimum(entry: CatalogueEntry, time: InteractiveTime): RuleResult {
  const needed = entry.minMinutes ?? 0;
  return time.minutes >= needed
    ? qualifies('minutes-minimum', `${time.minutes} min of interactive time (${sourcesOf(time)}) reach the ${needed} min of ${entry.code}.`)
    : fails('minutes-minimum', 'minutes-below-minimum', `${time.minutes} min of interactive time (${sourcesOf(time)}) are below the ${needed} min that ${entry.code} needs.`);
}
