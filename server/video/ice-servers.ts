import crypto from 'node:crypto';
import type { VideoConfig } from '../config.js';

export interface IceServer {
  urls: string[];
  username?: string;
  credential?: string;
}

/**
 * The ICE servers one participant may use. TURN credentials follow coturn's REST scheme
 * (draft-uberti-behave-turn-rest-00, coturn `use-auth-secret`): username `<expiry unix seconds>:<userId>`,
 * credential base64(HMAC-SHA1(secret, username)); coturn recomputes it and refuses it after the expiry.
 */
export function iceServersFor(config: VideoConfig, userId: string, now = new Date()): IceServer[] {
  const servers: IceServer[] = [];
  if (config.stunUrls.length) servers.push({ urls: config.stunUrls });
  if (config.turnUrls.length && config.turnSecret) {
    const username = `${Math.floor(now.getTime() / 1000) + config.turnTtlSeconds}:${userId}`;
    const credential = crypto.createHmac('sha1', config.turnSecret).update(username).digest('base64');
    servers.push({ urls: config.turnUrls, username, credential });
  }
  return servers;
}
