/**
 * The iCalendar file (RFC 5545) a visit e-mail carries, so the visit lands in the recipient's calendar. One UID per
 * appointment: a move replaces the event, a cancellation (METHOD:CANCEL, RFC 5546) removes it. SEQUENCE grows with
 * each message (seconds of the moment it is written), so a calendar applies them in order.
 */
export interface VisitEvent {
  appointmentId: string;
  /** The node's public host, which makes the UID globally unique. */
  host: string;
  start: Date;
  end: Date;
  summary: string;
  url: string;
  /** The sender, as the ORGANIZER that RFC 5546 asks of a CANCEL. */
  organizerEmail: string;
  cancelled: boolean;
  now: Date;
}

const utc = (d: Date) => d.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');

/** RFC 5545 §3.3.11: backslash, semicolon, comma and newline are escaped in TEXT values. */
const text = (s: string) => s.replace(/[\\;,]/g, (c) => `\\${c}`).replace(/\r?\n/g, '\\n');

/** RFC 5545 §3.1: lines longer than 75 octets are folded (CRLF + space), never inside a UTF-8 character. */
function fold(line: string): string {
  const parts: string[] = [];
  let current = '';
  for (const char of line) {
    if (Buffer.byteLength(current + char) > (parts.length ? 74 : 75)) {
      parts.push(current);
      current = '';
    }
    current += char;
  }
  parts.push(current);
  return parts.join('\r\n ');
}

export function visitCalendar(e: VisitEvent): string {
  const lines = [
    'BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//Internet Hospital//Notifications//EN', 'CALSCALE:GREGORIAN',
    `METHOD:${e.cancelled ? 'CANCEL' : 'PUBLISH'}`,
    'BEGIN:VEVENT',
    `UID:${e.appointmentId}@${e.host}`,
    `SEQUENCE:${Math.floor(e.now.getTime() / 1000)}`,
    `DTSTAMP:${utc(e.now)}`,
    `DTSTART:${utc(e.start)}`,
    `DTEND:${utc(e.end)}`,
    `SUMMARY:${text(e.summary)}`,
    `URL:${e.url}`,
    `ORGANIZER:mailto:${e.organizerEmail}`,
    `STATUS:${e.cancelled ? 'CANCELLED' : 'CONFIRMED'}`,
    'END:VEVENT', 'END:VCALENDAR',
  ];
  return `${lines.map(fold).join('\r\n')}\r\n`;
}
