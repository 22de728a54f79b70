/**
 * The evidence timeline of a disputed visit (`GET /api/disputes/{id}/timeline`, ./dispute-timeline.ts), declared
 * once: the server's sources build entries of this shape and the admin's page (client/disputes/evidence-timeline.ts)
 * imports it with `import type`. What happened is said as facts (`said`), never as an English sentence: the page
 * words each kind of fact in its language (client/i18n/timeline-words-*.ts).
 */
import type { AuditAction } from '../../db/models/audit-event.js';
import type { VideoSessionEventType, VideoSide } from '../../db/models/video-session.js';

/** One fact of the timeline, by what happened; codes (statuses, roles, types) are the records' own. */
export type TimelineFact =
  | { what: 'appointment-booked'; start: string; end: string; visitType: string }
  | { what: 'appointment-status'; status: string }
  | { what: 'visit-status'; status: string }
  | { what: 'message'; senderRole: string; text: string | null }
  | { what: 'attachment'; senderRole: string; fileName: string; contentType: string; size: number }
  | { what: 'note'; status: string; amendmentReason: string | null }
  | { what: 'outcome'; outcome: string; reason: string }
  | { what: 'audit'; actorRole: string | null; action: AuditAction; resourceType: string | null; refused: boolean }
  | { what: 'video-event'; side: VideoSide; event: VideoSessionEventType }
  | { what: 'video-connected'; seconds: number }
  | {
    what: 'prescription'; number: string; status: string; lines: Array<{ drug: string; quantity: number }>;
    /** Why the pharmacist rejected it, or the pharmacy that holds it, where the status says so. */
    rejectionReason?: string; pharmacy?: string;
  }
  | { what: 'medication-dispensed'; drug: string; quantity: number; pharmacy: string };

/** One piece of evidence about a visit, at the time it happened. */
export interface TimelineEntry {
  at: string;
  /** The registered source that produced it: appointment, visit, messages, note, outcome, audit, … */
  source: string;
  kind: string;
  said: TimelineFact;
  resource?: { type: string; id: string; versionId?: number };
  data?: Record<string, unknown>;
}
