import type { VideoSessionEventType, VideoSide } from '../../db/models/video-session.js';

export interface SessionLogLine {
  side: VideoSide;
  event: VideoSessionEventType;
  at: Date;
}

type Interval = [start: number, end: number];

/** When one side had a live media connection: from connect/reconnect to the next disconnect/leave (or `until`). */
export function connectedIntervals(log: SessionLogLine[], side: VideoSide, until: Date): Interval[] {
  const intervals: Interval[] = [];
  let since: number | null = null;
  for (const line of [...log].sort((a, b) => a.at.getTime() - b.at.getTime())) {
    if (line.side !== side) continue;
    const t = line.at.getTime();
    if ((line.event === 'connect' || line.event === 'reconnect') && since === null) since = t;
    if ((line.event === 'disconnect' || line.event === 'leave') && since !== null) {
      intervals.push([since, t]);
      since = null;
    }
  }
  if (since !== null && until.getTime() > since) intervals.push([since, until.getTime()]);
  return intervals;
}

/** Milliseconds during which both sides were connected: the overlap of the two sides' connected intervals. */
export function bothConnectedMs(log: SessionLogLine[], until: Date): number {
  const patient = connectedIntervals(log, 'patient', until);
  const doctor = connectedIntervals(log, 'doctor', until);
  let total = 0;
  for (const [ps, pe] of patient) {
    for (const [ds, de] of doctor) total += Math.max(0, Math.min(pe, de) - Math.max(ps, ds));
  }
  return total;
}

/** Whole minutes both sides were connected; billing's time bands count whole minutes (DESIGN.md "Billing"). */
export const wholeMinutes = (ms: number) => Math.floor(ms / 60_000);
