import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import type { HospitalNode } from '../hospital-node.js';
import { SIGNALLING_PATH } from './issue-video-token.js';
import { memoryRoomBus, redisRoomBus, type RoomBus } from './room-bus.js';
import { RoomConnection } from './room-connection.js';

export interface Signalling {
  bus: RoomBus;
  /** Open signalling sockets on this instance. */
  readonly connectionCount: number;
  close(): Promise<void>;
}

/** Frames above this are cut off by ws itself; below it, RoomConnection answers oversize frames with an error. */
const HARD_FRAME_LIMIT = 1024 * 1024;
const PING_EVERY_MS = 25_000;

/**
 * Video-visit signalling on the node's own HTTP server: WebSocket upgrades on /visits/signal become room
 * connections. Rooms live in memory, or in Redis pub/sub when REDIS_URL is set so several instances share them.
 */
export function attachSignalling(server: Server, node: HospitalNode, options: { bus?: RoomBus; joinTimeoutMs?: number } = {}): Signalling {
  const bus = options.bus ?? (node.config.video.redisUrl ? redisRoomBus(node.config.video.redisUrl, node.log) : memoryRoomBus());
  const wss = new WebSocketServer({ noServer: true, maxPayload: HARD_FRAME_LIMIT });
  const connections = new Set<RoomConnection>();
  const alive = new WeakSet<object>();
  const ctx = { node, bus, joinTimeoutMs: options.joinTimeoutMs ?? 10_000 };

  const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    if (new URL(req.url ?? '/', 'http://localhost').pathname !== SIGNALLING_PATH) {
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\n\r\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      alive.add(ws);
      ws.on('pong', () => alive.add(ws));
      const connection = new RoomConnection(ws, req.socket.remoteAddress ?? null, ctx);
      connections.add(connection);
      ws.on('close', () => connections.delete(connection));
    });
  };
  server.on('upgrade', onUpgrade);

  // A socket that stops answering pings (laptop lid closed, network gone) is closed, so its side "leaves".
  const pinger = setInterval(() => {
    for (const ws of wss.clients) {
      if (!alive.has(ws)) { ws.terminate(); continue; }
      alive.delete(ws);
      ws.ping();
    }
  }, PING_EVERY_MS);
  pinger.unref();

  const signalling: Signalling = {
    bus,
    get connectionCount() { return connections.size; },
    async close() {
      if (node.signalling === signalling) node.signalling = undefined;
      clearInterval(pinger);
      server.off('upgrade', onUpgrade);
      for (const ws of wss.clients) ws.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      // Let the closing sockets write their leave lines before the bus goes away.
      await new Promise((resolve) => setTimeout(resolve, 50));
      if (!options.bus) await bus.close();
    },
  };
  node.signalling = signalling;
  return signalling;
}
