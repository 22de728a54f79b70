import crypto from 'node:crypto';
import type { WebSocket } from 'ws';
import { recordAudit } from '../audit/audit-log.js';
import type { Caller } from '../auth/caller.js';
import { moveVisit } from '../consultations/visit-lifecycle.js';
import type { HospitalNode } from '../hospital-node.js';
import { Conflict, DomainError } from '../http/errors.js';
import type { RoomBus, RoomMessage } from './room-bus.js';
import { RoomTokenError, verifyRoomToken, type RoomClaims } from './room-tokens.js';
import { hasConnectedBefore, recordSessionEvent } from './session-log.js';
import type { ServerMessage } from './protocol.js';
import { parseClientMessage, type ClientMessage } from './signal-messages.js';
import { openVideoRoom } from './video-room-window.js';

/** Close codes a client can tell apart (4000–4999 are the application's). */
export const CLOSE = { refused: 4403, expired: 4401, over: 4410, replaced: 4409, ended: 4000, joinTimeout: 4408 } as const;

export interface SignallingContext {
  node: HospitalNode;
  bus: RoomBus;
  joinTimeoutMs: number;
}

interface Joined {
  claims: RoomClaims;
  caller: Caller;
  encounterId: string;
  patientId: string;
}

/** Refills `perSecond` tokens a second up to twice that: bursts of trickled candidates pass, floods do not. */
class RateLimit {
  private tokens: number;
  private last = Date.now();
  constructor(private readonly perSecond: number) { this.tokens = perSecond * 2; }
  take(): boolean {
    const now = Date.now();
    this.tokens = Math.min(this.perSecond * 2, this.tokens + ((now - this.last) / 1000) * this.perSecond);
    this.last = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}

/**
 * One participant's signalling socket. It must first join with a room token; after that it hears who is in
 * the room, and its peer signals are relayed to the other side only once the doctor has admitted the patient.
 * Each socket handles its frames one at a time, so a join is complete before the next frame is looked at.
 */
export class RoomConnection {
  readonly connectionId = crypto.randomUUID();
  private joined: Joined | null = null;
  private admitted = false;
  private peerPresent = false;
  /** The other side's current connection: a `left` from an older, replaced one does not count. */
  private peerConnectionId: string | null = null;
  private mediaConnected = false;
  private closed = false;
  private queue: Promise<void> = Promise.resolve();
  private readonly rate: RateLimit;
  private readonly joinTimer: NodeJS.Timeout;
  private readonly onRoomMessage = (message: RoomMessage) => this.fromRoom(message);

  constructor(private readonly ws: WebSocket, private readonly ip: string | null, private readonly ctx: SignallingContext) {
    this.rate = new RateLimit(ctx.node.config.video.maxMessagesPerSecond);
    this.joinTimer = setTimeout(() => this.refuse(CLOSE.joinTimeout, 'join-timeout', 'Join the room with a room token first.'), ctx.joinTimeoutMs);
    ws.on('message', (raw, isBinary) => this.enqueue(() => this.onFrame(raw as Buffer, isBinary)));
    ws.on('close', () => this.enqueue(() => this.onClose()));
    ws.on('error', () => ws.terminate());
  }

  private enqueue(work: () => Promise<void>) {
    this.queue = this.queue.then(work).catch((error: unknown) => this.failed(error));
  }

  private failed(error: unknown) {
    if (error instanceof DomainError) return this.send({ type: 'error', code: error.code, message: error.message });
    this.ctx.node.log.error({ err: (error as Error)?.message, connectionId: this.connectionId }, 'signalling failure');
    this.send({ type: 'error', code: 'internal-error', message: 'The server could not handle that message.' });
  }

  private send(message: ServerMessage) {
    if (this.ws.readyState === this.ws.OPEN) this.ws.send(JSON.stringify(message));
  }

  private refuse(code: number, reason: string, message: string) {
    this.send({ type: 'error', code: reason, message });
    this.ws.close(code, reason);
  }

  private async onFrame(raw: Buffer, isBinary: boolean) {
    if (this.closed) return;
    const limits = this.ctx.node.config.video;
    if (!this.rate.take()) return this.send({ type: 'error', code: 'rate-limited', message: `At most ${limits.maxMessagesPerSecond} messages a second; this one was dropped.` });
    if (raw.length > limits.maxMessageBytes) {
      return this.send({ type: 'error', code: 'message-too-large', message: `Messages are at most ${limits.maxMessageBytes} bytes; this one was dropped.` });
    }
    if (isBinary) return this.send({ type: 'error', code: 'malformed-message', message: 'Send JSON text frames.' });
    const parsed = parseClientMessage(raw.toString('utf8'));
    if ('problem' in parsed) return this.send({ type: 'error', code: 'malformed-message', message: parsed.problem });
    const message = parsed.message;
    if (!this.joined) {
      if (message.type !== 'join') return this.send({ type: 'error', code: 'join-first', message: 'Join the room with a room token first.' });
      return this.join(message.token);
    }
    return this.inRoom(this.joined, message);
  }

  private async join(token: string) {
    const { node, bus } = this.ctx;
    let claims: RoomClaims;
    try {
      claims = verifyRoomToken(node.keys, node.config.publicBaseUrl, token);
    } catch (error) {
      const e = error as RoomTokenError;
      return this.refuse(e.code === 'room-token-expired' ? CLOSE.expired : CLOSE.refused, e.code, e.message);
    }
    let room;
    try {
      room = await openVideoRoom(node.db, claims.appointmentId);
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      return this.refuse(error.code === 'video-visit-over' ? CLOSE.over : CLOSE.refused, error.code, error.message);
    }
    const { appointment, visit } = room;
    const caller: Caller = {
      userId: claims.userId, role: claims.side === 'patient' ? 'patient' : 'doctor',
      patientId: claims.side === 'patient' ? appointment.patientId : null,
      practitionerId: claims.side === 'doctor' ? appointment.practitionerId : null,
      organizationId: null, scopes: [], ip: this.ip, requestId: this.connectionId,
    };
    clearTimeout(this.joinTimer);
    const joined: Joined = { claims, caller, encounterId: visit.id, patientId: appointment.patientId };
    let status = visit.status;
    if (claims.side === 'patient' && status === 'planned') status = await this.moveIgnoringRace(joined, 'arrived') ?? status;
    this.admitted = status === 'in-progress';
    await this.log(joined, 'join');
    await recordAudit(node.db, caller, {
      action: 'E', activity: 'video-join', resourceType: 'Encounter', resourceId: visit.id, patientId: appointment.patientId,
      detail: `${claims.side} joined`,
    });
    this.joined = joined;
    await bus.subscribe(claims.appointmentId, this.onRoomMessage);
    this.send({ type: 'joined', side: claims.side, connectionId: this.connectionId, admitted: this.admitted, visitStatus: status });
    await this.publish('present');
  }

  /** Moves the visit; a concurrent move that got there first is not an error here. */
  private async moveIgnoringRace(joined: Joined, to: 'arrived' | 'in-progress' | 'finished') {
    try {
      return (await moveVisit(this.ctx.node.db, joined.caller, joined.encounterId, to)).status;
    } catch (error) {
      if (error instanceof Conflict) return null;
      throw error;
    }
  }

  private async inRoom(joined: Joined, message: ClientMessage) {
    const side = joined.claims.side;
    switch (message.type) {
      case 'join':
        return this.send({ type: 'error', code: 'already-joined', message: 'This socket has already joined its room.' });
      case 'admit':
        if (side !== 'doctor') return this.send({ type: 'error', code: 'not-the-doctor', message: 'Only the doctor admits.' });
        if (!this.peerPresent) return this.send({ type: 'error', code: 'no-one-waiting', message: 'The patient is not in the waiting room.' });
        if (!this.admitted) await this.moveIgnoringRace(joined, 'in-progress');
        return this.publish('admitted');
      case 'signal':
      case 'restart':
        if (!this.admitted) return this.send({ type: 'error', code: 'not-admitted', message: 'Signals are relayed once the doctor has admitted the patient.' });
        if (!this.peerPresent) return this.send({ type: 'error', code: 'peer-absent', message: 'The other side is not in the room; the signal was dropped.' });
        return message.type === 'signal' ? this.publish('signal', { gen: message.gen, data: message.data }) : this.publish('restart');
      case 'media':
        return this.mediaState(joined, message.state === 'connected');
      case 'end':
        if (side !== 'doctor') return this.send({ type: 'error', code: 'not-the-doctor', message: 'Only the doctor ends the visit; hang up to leave.' });
        if (this.admitted) await this.moveIgnoringRace(joined, 'finished');
        return this.publish('ended');
    }
  }

  private async mediaState(joined: Joined, connected: boolean) {
    if (connected === this.mediaConnected || (connected && !this.admitted)) return;
    this.mediaConnected = connected;
    const again = connected && await hasConnectedBefore(this.ctx.node.db, joined.claims.appointmentId, joined.claims.side);
    await this.log(joined, connected ? (again ? 'reconnect' : 'connect') : 'disconnect');
  }

  private fromRoom(message: RoomMessage) {
    if (message.connectionId === this.connectionId || !this.joined) return;
    const fromPeer = message.from !== this.joined.claims.side;
    switch (message.kind) {
      case 'present':
        if (!fromPeer) return this.refuse(CLOSE.replaced, 'replaced', 'You joined this visit from another window; this one is closed.');
        this.peerPresent = true;
        this.peerConnectionId = message.connectionId;
        this.send({ type: 'peer-joined', side: message.from, admitted: this.admitted });
        return void this.publish('here').catch((error: unknown) => this.failed(error));
      case 'here':
        if (!fromPeer) return;
        this.peerPresent = true;
        this.peerConnectionId = message.connectionId;
        return this.send({ type: 'peer-joined', side: message.from, admitted: this.admitted });
      case 'left':
        if (!fromPeer || message.connectionId !== this.peerConnectionId) return;
        this.peerPresent = false;
        this.peerConnectionId = null;
        return this.send({ type: 'peer-left', side: message.from });
      case 'signal':
        if (fromPeer && this.admitted) this.send({ type: 'signal', ...(message.data as { gen: number; data: unknown }) });
        return;
      case 'restart':
        if (fromPeer && this.admitted) this.send({ type: 'restart' });
        return;
      case 'admitted':
        this.admitted = true;
        return this.send({ type: 'admitted' });
      case 'ended':
        this.send({ type: 'ended' });
        return this.ws.close(CLOSE.ended, 'visit-ended');
    }
  }

  private async onClose() {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.joinTimer);
    const joined = this.joined;
    if (!joined) return;
    await this.ctx.bus.unsubscribe(joined.claims.appointmentId, this.onRoomMessage);
    if (this.mediaConnected) await this.log(joined, 'disconnect');
    this.mediaConnected = false;
    await this.log(joined, 'leave');
    await this.publish('left');
  }

  private async publish(kind: RoomMessage['kind'], data?: unknown) {
    const joined = this.joined;
    if (!joined) return;
    await this.ctx.bus.publish(joined.claims.appointmentId, { kind, from: joined.claims.side, connectionId: this.connectionId, data });
    // The sender hears its own admitted/ended through the room like everyone else (see fromRoom).
    if (kind === 'admitted' || kind === 'ended') this.fromRoom({ kind, from: joined.claims.side, connectionId: '', data });
  }

  private log(joined: Joined, event: 'join' | 'connect' | 'disconnect' | 'reconnect' | 'leave') {
    return recordSessionEvent(this.ctx.node.db, {
      appointmentId: joined.claims.appointmentId, encounterId: joined.encounterId, side: joined.claims.side,
      userId: joined.claims.userId, connectionId: this.connectionId, event,
    });
  }

  /** Closes the socket without waiting for the client (shutdown). */
  terminate() { this.ws.terminate(); }
}

