import { Redis } from 'ioredis';
import type { VideoSide } from '../../db/models/video-session.js';
import type { Logger } from '../logger.js';

/** What the connections of one room tell each other, wherever they are connected. */
export interface RoomMessage {
  kind: 'present' | 'here' | 'left' | 'signal' | 'restart' | 'admitted' | 'ended';
  from: VideoSide;
  connectionId: string;
  data?: unknown;
}

export type RoomListener = (message: RoomMessage) => void;

/** Delivers a room's messages to every connection of that room, in the order they were published. */
export interface RoomBus {
  subscribe(room: string, listener: RoomListener): Promise<void>;
  unsubscribe(room: string, listener: RoomListener): Promise<void>;
  publish(room: string, message: RoomMessage): Promise<void>;
  close(): Promise<void>;
  /** Rooms with a listener on this instance. */
  readonly roomCount: number;
}

class Listeners {
  private readonly rooms = new Map<string, Set<RoomListener>>();
  get size() { return this.rooms.size; }
  /** true when this is the room's first listener here. */
  add(room: string, listener: RoomListener): boolean {
    const set = this.rooms.get(room);
    if (set) { set.add(listener); return false; }
    this.rooms.set(room, new Set([listener]));
    return true;
  }
  /** true when the room has no listener left here. */
  remove(room: string, listener: RoomListener): boolean {
    const set = this.rooms.get(room);
    if (!set) return false;
    set.delete(listener);
    if (set.size) return false;
    this.rooms.delete(room);
    return true;
  }
  deliver(room: string, message: RoomMessage) {
    for (const listener of this.rooms.get(room) ?? []) listener(message);
  }
}

/** One instance: rooms live in this process. */
export function memoryRoomBus(): RoomBus {
  const listeners = new Listeners();
  return {
    get roomCount() { return listeners.size; },
    async subscribe(room, listener) { listeners.add(room, listener); },
    async unsubscribe(room, listener) { listeners.remove(room, listener); },
    // A microtask keeps publish order and never re-enters a listener while it is publishing.
    async publish(room, message) { queueMicrotask(() => listeners.deliver(room, message)); },
    async close() {},
  };
}

const CHANNEL_PREFIX = 'hospital:video:room:';
const REDIS_TIMEOUT_MS = 2_000;

/** Several instances: every room is a Redis pub/sub channel, so the two participants may be on different instances. */
export function redisRoomBus(url: string, log: Logger): RoomBus {
  const options = { connectTimeout: REDIS_TIMEOUT_MS, commandTimeout: REDIS_TIMEOUT_MS, maxRetriesPerRequest: 2, lazyConnect: false };
  const publisher = new Redis(url, options);
  const subscriber = new Redis(url, options);
  const listeners = new Listeners();
  const partner = (error: Error) => new Error(`Redis (REDIS_URL, video rooms) failed: ${error.message}`);
  for (const client of [publisher, subscriber]) client.on('error', (error: Error) => log.warn({ err: partner(error).message }, 'redis'));
  subscriber.on('message', (channel: string, text: string) => {
    try {
      listeners.deliver(channel.slice(CHANNEL_PREFIX.length), JSON.parse(text) as RoomMessage);
    } catch (error) {
      log.warn({ err: (error as Error).message }, 'undeliverable room message');
    }
  });
  const call = async (work: () => Promise<unknown>) => {
    try { await work(); } catch (error) { throw partner(error as Error); }
  };
  return {
    get roomCount() { return listeners.size; },
    async subscribe(room, listener) {
      if (listeners.add(room, listener)) await call(() => subscriber.subscribe(CHANNEL_PREFIX + room));
    },
    async unsubscribe(room, listener) {
      if (listeners.remove(room, listener)) await call(() => subscriber.unsubscribe(CHANNEL_PREFIX + room));
    },
    async publish(room, message) {
      await call(() => publisher.publish(CHANNEL_PREFIX + room, JSON.stringify(message)));
    },
    async close() {
      await Promise.allSettled([publisher.quit(), subscriber.quit()]);
    },
  };
}
