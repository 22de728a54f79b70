/**
 * The one place that owns simple-peer: a participant's side of a video visit, in the browser or (for tests)
 * in Node with @roamhq/wrtc. It gets a room token, joins the signalling room, waits to be admitted, runs the
 * peer connection, notices when it dies and negotiates a fresh one, and says what is happening by its state and by
 * the code of what went wrong (the page puts them in words from the catalogue: client/video/visit-page.ts).
 */
import SimplePeer from 'simple-peer';
import type { ServerMessage as SignallingMessage, Side } from '../../server/video/protocol.js';

export type { Side };
export type SessionState =
  | 'idle' | 'joining' | 'waiting' | 'patient-waiting' | 'connecting' | 'connected' | 'reconnecting' | 'peer-left'
  | 'ended' | 'failed';

/**
 * What went wrong: `code` from the server, getUserMedia (`camera-denied`, `no-camera`) or simple-peer (`ERR_…`);
 * `message` is the server's or the library's own text (English, for logs), never what the page shows.
 */
export interface SessionError { code: string; message: string }

/** An Error that carries the code of what went wrong, for the page to put in words. */
const failure = (code: string, message?: string) => Object.assign(new Error(message || code), { code });

type Listener<T> = (value: T) => void;
interface Events {
  state: SessionState;
  error: SessionError;
  'remote-stream': MediaStream;
  data: string;
  connect: void;
}

/** The parts of a WebSocket this uses: the browser's, or the `ws` package's in Node. */
interface SocketLike {
  readyState: number;
  send(text: string): void;
  close(code?: number): void;
  onopen: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  onclose: ((ev: unknown) => void) | null;
  onerror: ((ev: unknown) => void) | null;
}

export interface PeerSessionOptions {
  appointmentId: string;
  accessToken: string;
  /** The hospital's origin; '' in the browser (same origin). */
  baseUrl?: string;
  /** Local camera and microphone (see getLocalMedia); none gives a data-channel-only call. */
  stream?: MediaStream | null;
  /** Node only: @roamhq/wrtc. */
  wrtc?: SimplePeer.Options['wrtc'];
  /** Node only: the `ws` package's WebSocket. */
  WebSocket?: new (url: string) => SocketLike;
  /** How long ICE may stay `disconnected` before the connection is declared dead and replaced. */
  deadAfterMs?: number;
}

/** Asks for camera and microphone; a refusal becomes `camera-denied`. */
export async function getLocalMedia(constraints: MediaStreamConstraints = { video: true, audio: true }): Promise<MediaStream> {
  try {
    return await navigator.mediaDevices.getUserMedia(constraints);
  } catch (error) {
    const name = (error as DOMException).name;
    const code = name === 'NotAllowedError' || name === 'SecurityError' ? 'camera-denied' : name === 'NotFoundError' ? 'no-camera' : 'camera-denied';
    throw failure(code);
  }
}

export class PeerSession {
  state: SessionState = 'idle';
  side: Side | null = null;
  peer: SimplePeer.Instance | null = null;
  private gen = 0;
  private socket: SocketLike | null = null;
  private admitted = false;
  private peerHere = false;
  private leaving = false;
  private deadTimer: ReturnType<typeof setTimeout> | null = null;
  private readonly listeners = new Map<keyof Events, Listener<never>[]>();

  constructor(private readonly options: PeerSessionOptions) {}

  on<K extends keyof Events>(event: K, listener: Listener<Events[K]>): this {
    const list = this.listeners.get(event) ?? [];
    list.push(listener as Listener<never>);
    this.listeners.set(event, list);
    return this;
  }

  private emit<K extends keyof Events>(event: K, value: Events[K]) {
    for (const listener of this.listeners.get(event) ?? []) (listener as Listener<Events[K]>)(value);
  }

  private setState(state: SessionState) {
    if (this.state === state) return;
    this.state = state;
    this.emit('state', state);
  }

  private fail(code: string, message?: string) {
    this.emit('error', { code, message: message || code });
  }

  /** The underlying RTCPeerConnection (for getStats). */
  get peerConnection(): RTCPeerConnection | null {
    return (this.peer as unknown as { _pc?: RTCPeerConnection } | null)?._pc ?? null;
  }

  /** Gets a room token and joins the room; resolves once the server has let this socket in. */
  async join(): Promise<void> {
    const base = this.options.baseUrl ?? '';
    this.setState('joining');
    const response = await fetch(`${base}/api/appointments/${encodeURIComponent(this.options.appointmentId)}/video-token`, {
      method: 'POST', headers: { authorization: `Bearer ${this.options.accessToken}` },
    });
    const grant = await response.json() as { token: string; side: Side; signallingPath: string; iceServers: RTCIceServer[]; code?: string; title?: string };
    if (!response.ok) {
      this.setState('failed');
      this.fail(grant.code ?? 'token-refused', grant.title);
      throw failure(grant.code ?? 'token-refused', grant.title);
    }
    this.side = grant.side;
    this.iceServers = grant.iceServers;
    const wsBase = (base || location.origin).replace(/^http/, 'ws');
    const Socket = this.options.WebSocket ?? (globalThis.WebSocket as unknown as new (url: string) => SocketLike);
    const socket = new Socket(`${wsBase}${grant.signallingPath}`);
    this.socket = socket;
    await new Promise<void>((resolve, reject) => {
      socket.onopen = () => socket.send(JSON.stringify({ type: 'join', token: grant.token }));
      socket.onerror = () => reject(failure('network-lost'));
      socket.onclose = () => reject(failure('network-lost'));
      socket.onmessage = (ev) => {
        const message = JSON.parse(String(ev.data)) as ServerMessage;
        if (message.type === 'joined') {
          socket.onclose = () => this.onSocketClosed();
          socket.onerror = null;
          resolve();
        } else if (message.type === 'error') {
          this.fail(message.code, message.message);
          reject(failure(message.code, message.message));
        }
        this.onServerMessage(message);
      };
    });
  }

  private iceServers: RTCIceServer[] = [];

  private onServerMessage(message: ServerMessage) {
    switch (message.type) {
      case 'joined':
        this.admitted = message.admitted;
        return this.setState(this.side === 'patient' && !message.admitted ? 'waiting' : 'connecting');
      case 'peer-joined':
        this.peerHere = true;
        if (!this.admitted) return this.setState(this.side === 'doctor' ? 'patient-waiting' : 'waiting');
        // Back together after one side rejoined: the doctor's side starts a fresh peer connection.
        this.setState('connecting');
        if (this.side === 'doctor') this.newPeer();
        return;
      case 'admitted':
        this.admitted = true;
        this.setState('connecting');
        if (this.side === 'doctor' && this.peerHere) this.newPeer();
        return;
      case 'peer-left':
        this.peerHere = false;
        this.dropPeer();
        this.fail('peer-left');
        return this.setState('peer-left');
      case 'signal':
        return this.onSignal(message.gen, message.data);
      case 'restart':
        // The patient's side lost its connection; unless a fresh one is already being negotiated, offer one.
        if (this.side === 'doctor' && (!this.peer || this.peer.connected)) this.newPeer();
        return;
      case 'ended':
        this.leaving = true;
        this.dropPeer();
        return this.setState('ended');
      case 'error':
        if (message.code !== 'peer-absent') this.fail(message.code, message.message);
        return;
    }
  }

  private onSignal(gen: number, data: SimplePeer.SignalData) {
    if (this.side === 'patient' && gen > this.gen) this.newPeer(gen);
    if (gen !== this.gen || !this.peer) return;
    this.peer.signal(data);
  }

  /** Admits the waiting patient (doctor). */
  admit() { this.sendToServer({ type: 'admit' }); }

  /** Ends the visit for both sides (doctor). */
  endForBoth() { this.sendToServer({ type: 'end' }); }

  /** Leaves the call; one can rejoin while the visit lasts. */
  hangUp() {
    this.leaving = true;
    this.dropPeer();
    this.socket?.close(1000);
    this.setState('ended');
  }

  setAudioEnabled(on: boolean) { for (const t of this.options.stream?.getAudioTracks() ?? []) t.enabled = on; }
  setVideoEnabled(on: boolean) { for (const t of this.options.stream?.getVideoTracks() ?? []) t.enabled = on; }

  /** Sends text over the data channel. */
  send(text: string) { this.peer?.send(text); }

  private sendToServer(message: Record<string, unknown>) {
    if (this.socket && this.socket.readyState === 1) this.socket.send(JSON.stringify(message));
  }

  /** A new peer connection: the doctor's side offers (a new generation), the patient's answers that generation. */
  private newPeer(gen = Date.now()) {
    this.dropPeer();
    if (this.state !== 'reconnecting') this.setState('connecting');
    if (gen <= this.gen) gen = this.gen + 1;
    this.gen = gen;
    const peer = new SimplePeer({
      initiator: this.side === 'doctor', trickle: true, wrtc: this.options.wrtc,
      config: { iceServers: this.iceServers }, streams: this.options.stream ? [this.options.stream] : [],
    });
    this.peer = peer;
    peer.on('signal', (data: SimplePeer.SignalData) => this.sendToServer({ type: 'signal', gen, data }));
    peer.on('connect', () => {
      if (this.peer !== peer) return;
      this.sendToServer({ type: 'media', state: 'connected' });
      this.setState('connected');
      this.emit('connect', undefined);
    });
    peer.on('stream', (stream: MediaStream) => this.emit('remote-stream', stream));
    peer.on('data', (chunk: Uint8Array) => this.emit('data', new TextDecoder().decode(chunk)));
    peer.on('iceStateChange', (ice: string) => {
      if (this.peer !== peer) return;
      if (ice === 'disconnected') this.deadTimer ??= setTimeout(() => this.connectionDied(peer), this.options.deadAfterMs ?? 5_000);
      else if (ice === 'failed') this.connectionDied(peer);
      else if (this.deadTimer) { clearTimeout(this.deadTimer); this.deadTimer = null; }
    });
    peer.on('error', (error: Error & { code?: string }) => {
      if (this.peer === peer && error.code !== 'ERR_DATA_CHANNEL') this.connectionDied(peer);
    });
    peer.on('close', () => {
      // simple-peer 9.11.1 leaves its ICE-complete timer running after close.
      clearTimeout((peer as unknown as { _iceCompleteTimer?: ReturnType<typeof setTimeout> })._iceCompleteTimer);
      if (this.peer === peer) this.connectionDied(peer);
    });
  }

  /**
   * simple-peer has no ICE restart and leaves a disconnected peer alone: destroy it and negotiate a new one.
   * The doctor's side offers the new one; the patient's side asks it to.
   */
  private connectionDied(peer: SimplePeer.Instance) {
    if (this.peer !== peer || this.leaving) return;
    this.dropPeer();
    this.fail('network-lost');
    this.setState('reconnecting');
    if (!this.peerHere || !this.admitted) return;
    if (this.side === 'doctor') this.newPeer();
    else this.sendToServer({ type: 'restart' });
  }

  private dropPeer() {
    if (this.deadTimer) { clearTimeout(this.deadTimer); this.deadTimer = null; }
    const peer = this.peer;
    this.peer = null;
    if (!peer) return;
    if (this.state === 'connected') this.sendToServer({ type: 'media', state: 'disconnected' });
    peer.destroy();
  }

  private onSocketClosed() {
    this.dropPeer();
    if (!this.leaving) {
      this.fail('network-lost');
      this.setState('failed');
    }
  }

  /** Test hook: vanish as a crashed browser would (no goodbye, socket cut). */
  dropAbruptly() {
    this.leaving = true;
    const peer = this.peer;
    this.peer = null;
    peer?.destroy();
    const socket = this.socket as unknown as { terminate?: () => void } | null;
    if (socket?.terminate) socket.terminate(); else this.socket?.close();
  }
}

/** What the server sends on the signalling socket (server/video/protocol.ts, the one declaration of it). */
type ServerMessage = SignallingMessage<SimplePeer.SignalData>;
