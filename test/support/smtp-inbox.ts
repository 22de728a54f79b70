import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

/** One message as the SMTP server received it, with its MIME parts decoded (enough for nodemailer's output). */
export interface ReceivedMail {
  to: string[];
  subject: string;
  headers: string;
  parts: Array<{ contentType: string; filename: string | null; body: string }>;
}

/** RFC 2047 encoded words (=?UTF-8?B?…?= / ?Q?), as nodemailer writes a non-ASCII subject. */
function decodeWords(value: string): string {
  return value.replace(/\s*=\?utf-8\?([bq])\?([^?]*)\?=\s*/gi, (_, enc: string, text: string) => (enc.toLowerCase() === 'b'
    ? Buffer.from(text, 'base64').toString('utf8')
    : Buffer.from(text.replace(/_/g, ' ').replace(/=([0-9A-F]{2})/gi, (__, h: string) => String.fromCharCode(parseInt(h, 16))), 'latin1').toString('utf8')));
}

const header = (head: string, name: string) =>
  new RegExp(`^${name}:\\s*((?:.*)(?:\\r\\n[ \\t].*)*)`, 'im').exec(head)?.[1]?.replace(/\r\n[ \t]/g, ' ') ?? '';

function decodeBody(head: string, body: string): string {
  const encoding = header(head, 'Content-Transfer-Encoding').toLowerCase();
  if (encoding === 'base64') return Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8');
  if (encoding === 'quoted-printable') {
    return Buffer.from(body.replace(/=\r\n/g, '').replace(/=([0-9A-F]{2})/gi, (_, h: string) => String.fromCharCode(parseInt(h, 16))), 'latin1').toString('utf8');
  }
  return body;
}

function parse(raw: string, to: string[]): ReceivedMail {
  const split = raw.indexOf('\r\n\r\n');
  const head = raw.slice(0, split);
  const body = raw.slice(split + 4);
  const boundary = /boundary="?([^";\r\n]+)"?/i.exec(header(head, 'Content-Type'))?.[1];
  const sections = boundary ? body.split(`--${boundary}`).slice(1, -1) : [`${head}\r\n\r\n${body}`];
  const parts = sections.map((section) => {
    const s = section.replace(/^\r\n/, '');
    const at = s.indexOf('\r\n\r\n');
    const partHead = s.slice(0, at);
    return {
      contentType: header(partHead, 'Content-Type'), filename: /filename="?([^";\r\n]+)"?/i.exec(partHead)?.[1] ?? null,
      body: decodeBody(partHead, s.slice(at + 4)),
    };
  });
  return { to, subject: decodeWords(header(head, 'Subject')), headers: head, parts };
}

/**
 * A real SMTP server on a free port, in this process, keeping what it receives. `failing` makes it refuse every
 * message (a 451 after DATA), as a mail relay that is down for the moment would.
 */
export async function startSmtpInbox() {
  const received: ReceivedMail[] = [];
  let failing = false;
  const server = new SMTPServer({
    authOptional: true, disabledCommands: ['STARTTLS', 'AUTH'], logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        if (failing) {
          callback(Object.assign(new Error('Mail relay unavailable, try later'), { responseCode: 451 }));
          return;
        }
        received.push(parse(Buffer.concat(chunks).toString('utf8'), session.envelope.rcptTo.map((r) => r.address)));
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.server.address() as AddressInfo;
  return {
    url: `smtp://127.0.0.1:${port}`,
    received,
    fail(on: boolean) { failing = on; },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
