/**
 * The answer of GET /api/visits/{id}/billing-level (server/billing/visit-level.ts), read by the doctor's Finish
 * (client/billing/finish-level.ts) with `import type`: one declaration for both sides (docs/web-client.md).
 */

/** One E/M level the doctor may see at Finish, with the band of minutes it needs. */
export interface LevelBand { code: string; display: string; minMinutes: number; maxMinutes: number | null }

/**
 * What the doctor sees before finishing (docs/billing.md "The level"): the minutes the visit has now and where they
 * come from, and the level they reach. `levels` is the family, lowest first; the doctor may finish with `reached`
 * or a level below it. China bills one internet follow-up item whatever the minutes: `levels` is empty there.
 */
export interface VisitLevel {
  jurisdiction: 'US' | 'CN';
  contactMode: 'video' | 'audio-only' | 'chat';
  minutesSource: 'video-session' | 'signed-note';
  minutes: number;
  connectedMinutes: number;
  documentedMinutes: number | null;
  establishedPatient: boolean;
  reached: string | null;
  levels: LevelBand[];
}
