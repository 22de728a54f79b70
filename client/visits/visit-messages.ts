/**
 * The messages of a visit, for its patient and its doctor (the video visit page and the doctor's workspace):
 * the conversation (`GET /api/visits/{id}/messages`, read again every few seconds while the visit is open), a text
 * box (`POST …/messages`), a file picker for a PDF, PNG or JPEG (`POST …/attachments?name=` with the raw bytes),
 * and a download button per file (`GET …/messages/{mid}/content`). A closed visit keeps its conversation, read only.
 */
import { api, apiAnswer, apiFile, ApiError, messageOf } from '../api.js';
import { alertLine, el, timeOf, whileBusy } from '../dom.js';
import { numberWords } from '../i18n/format.js';
import { t } from '../i18n/index.js';

export type VisitSide = 'patient' | 'doctor';

interface Attachment { fileName: string; contentType: string; size: number; url: string }
interface VisitMessage { id: string; sender: { userId: string; role: string }; sentAt: string; text: string | null; attachment: Attachment | null }

/** How often the conversation is read again while the page is open (no server push: docs/consultations.md). */
const POLL_MS = 4000;
const CLOSED = new Set(['finished', 'cancelled']);
/** The server's limit on a file name (server/consultations/routes.ts `attachmentQuery`). */
const MAX_NAME = 200;

const words = t.pages.messages;
const typeWords = (type: unknown) => (typeof type === 'string' && type ? words.fileType[type] ?? `"${type}"` : words.noType);

export function sizeWords(bytes: number): string {
  if (bytes < 1024) return words.bytes(numberWords(bytes));
  if (bytes < 1024 * 1024) return words.kilobytes(numberWords(Math.round(bytes / 1024)));
  return words.megabytes(numberWords(bytes / (1024 * 1024)));
}

/** A refused file in plain words (docs/consultations.md "Error codes": 400, 413, 415). */
function fileRefusal(name: string, error: unknown): string {
  if (!(error instanceof ApiError)) return messageOf(error);
  const { problem } = error;
  switch (error.code) {
    case 'file-too-large':
      return words.tooLarge(name, typeof problem.maxBytes === 'number' ? sizeWords(problem.maxBytes) : words.theLimit);
    case 'file-type-not-accepted':
      return words.typeNotAccepted(name);
    case 'file-type-mismatch':
      return words.typeMismatch(name, typeWords(problem.declared), typeWords(problem.actual));
    case 'empty-file':
      return words.emptyFile(name);
    default:
      return error.message;
  }
}

/** Saves a downloaded file under its name, as a link with `download` would. */
function save(blob: Blob, fileName: string) {
  const url = URL.createObjectURL(blob);
  const link = el('a', { href: url, download: fileName, hidden: true });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

export interface VisitMessagesOptions {
  visitId: string;
  /** Which participant is reading: their own messages are "You". */
  side: VisitSide;
  /** How the other participant is named ("The doctor", the patient's name). */
  otherName: string;
  /** The visit's status when the panel opens: a closed visit shows its conversation without the forms. */
  status: string;
  /** The heading level, to fit the page it is on. */
  heading?: 'h2' | 'h3';
  /** Called once when the panel learns the visit is over (finished or cancelled), with that status. */
  onClosed?(status: string): void;
}

export function visitMessages({ visitId, side, otherName, status, heading = 'h3', onClosed }: VisitMessagesOptions) {
  const base = `/api/visits/${encodeURIComponent(visitId)}`;
  const titleId = `visit-messages-title-${visitId}`;
  const problem = alertLine();
  /** The polling's own line: a failed read is cleared by the next good one without hiding a refusal above. */
  const readProblem = alertLine();
  const done = el('p', { role: 'status' });
  const conversation = el('ol', { class: 'conversation', 'aria-label': words.conversation, 'aria-live': 'polite' });
  const empty = el('p', {}, words.none);

  const text = el('textarea', { id: `message-text-${visitId}`, name: 'text', rows: 2, maxlength: 4000, required: true });
  const sendText = el('button', { type: 'submit' }, words.send);
  const textForm = el('form', { class: 'message-form' },
    el('label', { for: text.id }, words.yourMessage), text, el('div', { class: 'controls' }, sendText));
  const file = el('input', { id: `message-file-${visitId}`, name: 'file', type: 'file', accept: 'application/pdf,image/png,image/jpeg' });
  const sendFile = el('button', { type: 'submit' }, words.sendFile);
  const fileForm = el('form', { class: 'message-form' },
    el('label', { for: file.id }, words.fileLabel), file, el('div', { class: 'controls' }, sendFile));
  const closedLine = el('p', { class: 'visit-over', hidden: true }, words.over);

  const element = el('section', { class: 'visit-messages', 'aria-labelledby': titleId, 'data-visit': visitId },
    el(heading, { id: titleId }, words.title), problem, readProblem, empty, conversation, closedLine, textForm, fileForm, done);

  const shown = new Set<string>();
  let closed = false;
  let told = false;
  /** The last message a read brought: the next poll asks only for what came after it. */
  let lastRead: string | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let wasOnPage = false;

  const senderWords = (m: VisitMessage) => (m.sender.role === side ? words.you : otherName);

  function item(m: VisitMessage): HTMLLIElement {
    const body = m.attachment ? attachmentButton(m.attachment) : el('p', { class: 'message-text' }, m.text ?? '');
    return el('li', { 'data-message': m.id, 'data-sent-at': m.sentAt, 'data-side': m.sender.role === side ? 'mine' : 'theirs' },
      el('p', { class: 'message-meta' }, el('strong', {}, senderWords(m)), ', ', timeOf(m.sentAt)), body);
  }

  function attachmentButton(a: Attachment): HTMLElement {
    const button = el('button', { type: 'button', class: 'secondary' }, words.download(a.fileName));
    button.addEventListener('click', () => whileBusy([button], async () => {
      problem.textContent = '';
      try {
        save(await apiFile(a.url), a.fileName);
      } catch (error) {
        problem.textContent = words.notDownloaded(a.fileName, messageOf(error));
      }
    }));
    return el('p', { class: 'message-file' }, button, words.fileMeta(typeWords(a.contentType), sizeWords(a.size)));
  }

  /**
   * Adds the messages not shown yet in the order they were sent (messages are never edited or removed); one just
   * sent here may be shown before a read brings an earlier one from the other side.
   */
  function show(messages: VisitMessage[]) {
    for (const m of messages) {
      if (shown.has(m.id)) continue;
      shown.add(m.id);
      const later = [...conversation.children].find((li) => (li as HTMLElement).dataset.sentAt! > m.sentAt);
      conversation.insertBefore(item(m), later ?? null);
    }
    empty.hidden = shown.size > 0;
  }

  /** Brings the conversation up to date; the answer's `Visit-Status` closes the panel once the visit is over. */
  async function reload() {
    const { body, headers } = await apiAnswer<VisitMessage[]>(`${base}/messages${lastRead ? `?${new URLSearchParams({ after: lastRead })}` : ''}`);
    show(body);
    if (body.length) lastRead = body[body.length - 1].id;
    const visitStatus = headers.get('visit-status') ?? '';
    if (CLOSED.has(visitStatus)) close(visitStatus);
  }

  /** Takes no more messages; `visitStatus`, once known, is told to the page (once). */
  function close(visitStatus?: string) {
    if (visitStatus && !told) {
      told = true;
      onClosed?.(visitStatus);
    }
    if (closed) return;
    closed = true;
    clearTimeout(timer);
    textForm.hidden = true;
    fileForm.hidden = true;
    closedLine.hidden = false;
  }

  /** Reads what is new in the conversation; a closed visit stops the polling. */
  async function poll() {
    timer = undefined;
    if (element.isConnected) wasOnPage = true;
    else if (wasOnPage) return; // the panel left the page (another visit opened, signed out): stop.
    try {
      await reload();
      readProblem.textContent = '';
    } catch (error) {
      readProblem.textContent = words.notUpToDate(messageOf(error));
    }
    if (!closed) timer = setTimeout(() => void poll(), POLL_MS);
  }

  /** A refusal because the visit closed meanwhile says so and closes the panel; others are shown as they are. */
  function refused(error: unknown, why: string) {
    if (error instanceof ApiError && error.code === 'visit-closed') {
      // The status comes with the read below; until then the panel only knows the visit is closed.
      close();
      void reload().catch(() => undefined);
      problem.textContent = words.overNotSent;
    } else {
      problem.textContent = why;
    }
  }

  textForm.addEventListener('submit', (event) => {
    event.preventDefault();
    void whileBusy([sendText], async () => {
      problem.textContent = '';
      done.textContent = '';
      try {
        show([await api<VisitMessage>(`${base}/messages`, { body: { text: text.value } })]);
        text.value = '';
        done.textContent = words.sent;
      } catch (error) {
        refused(error, messageOf(error));
      }
    });
  });

  fileForm.addEventListener('submit', (event) => {
    event.preventDefault();
    const chosen = file.files?.[0];
    problem.textContent = '';
    done.textContent = '';
    if (!chosen) {
      problem.textContent = words.chooseFile;
      return;
    }
    void whileBusy([sendFile], async () => {
      const name = chosen.name.slice(0, MAX_NAME) || 'attachment';
      try {
        show([await api<VisitMessage>(`${base}/attachments?${new URLSearchParams({ name })}`, { file: chosen })]);
        file.value = '';
        done.textContent = words.fileSent(chosen.name);
      } catch (error) {
        refused(error, fileRefusal(chosen.name, error));
      }
    });
  });

  if (CLOSED.has(status)) close(status);
  void poll();

  return {
    element,
    /** Reads the conversation and the visit's status now (the page saw the visit end or change). */
    async refresh() {
      try {
        await reload();
        readProblem.textContent = '';
      } catch (error) {
        readProblem.textContent = words.notUpToDate(messageOf(error));
      }
    },
  };
}

/**
 * The panel for the video visit page, which knows only the appointment: its visit comes from
 * `POST /api/appointments/{id}/visit` (either participant may call it) and the reader's side from `GET /api/me`.
 */
export function appointmentMessages(appointmentId: string, onClosed?: (visit: { visitId: string; status: string; side: VisitSide }) => void) {
  const problem = alertLine();
  const element = el('div', { class: 'visit-talk' }, el('p', {}, words.opening), problem);
  let panel: ReturnType<typeof visitMessages> | undefined;
  void (async () => {
    try {
      const [me, visit] = await Promise.all([
        api<{ role: string }>('/api/me'),
        api<{ id: string; status: string }>(`/api/appointments/${encodeURIComponent(appointmentId)}/visit`, { body: {} }),
      ]);
      const side: VisitSide = me.role === 'doctor' ? 'doctor' : 'patient';
      panel = visitMessages({
        visitId: visit.id, side, otherName: side === 'doctor' ? words.thePatient : words.theDoctor, status: visit.status, heading: 'h2',
        onClosed: (status) => onClosed?.({ visitId: visit.id, status, side }),
      });
      element.replaceChildren(panel.element);
    } catch (error) {
      element.replaceChildren(problem);
      problem.textContent = words.notOpened(messageOf(error));
    }
  })();
  return {
    element,
    /** Reads the conversation and the visit's status now (the call ended). */
    refresh: () => panel?.refresh() ?? Promise.resolve(),
  };
}
