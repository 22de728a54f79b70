/**
 * The signalling protocol of a video visit (docs/video.md), declared once for both ends: the server's room
 * connection (server/video/room-connection.ts) sends `ServerMessage`s and parses `ClientMessage`s; the page's
 * peer session (client/video/peer-session.ts) imports both with `import type`, so tsc checks the two sides agree.
 */
export type { ClientMessage } from './signal-messages.js';

export type Side = 'patient' | 'doctor';

/** What the server sends on the socket; `Signal` is simple-peer's SignalData on the page, opaque to the server. */
export type ServerMessage<Signal = unknown> =
  | { type: 'joined'; side: Side; connectionId: string; admitted: boolean; visitStatus: string }
  | { type: 'peer-joined'; side: Side; admitted: boolean }
  | { type: 'peer-left'; side: Side }
  | { type: 'admitted' }
  | { type: 'signal'; gen: number; data: Signal }
  | { type: 'restart' }
  | { type: 'ended' }
  | { type: 'error'; code: string; message: string };
