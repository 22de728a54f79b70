import crypto from 'node:crypto';
import jwt from 'jsonwebtoken';
import type { VideoSide } from '../../db/models/video-session.js';
import type { KeyRing } from '../auth/keys.js';

/** What a room token admits: one participant of one appointment's video room. */
export interface RoomClaims {
  appointmentId: string;
  userId: string;
  side: VideoSide;
  /** When the token stops working, ms since epoch. */
  expiresAt: number;
}

/** Why a room token was refused, in the words the signalling error carries. */
export class RoomTokenError extends Error {
  constructor(readonly code: 'room-token-expired' | 'room-token-invalid', message: string) {
    super(message);
  }
}

const TOKEN_TYPE = 'video-room+jwt';
/** A separate audience: an access token is never a room token and a room token never an access token. */
export const roomAudience = (issuer: string) => `${issuer}/visits`;

export function issueRoomToken(keys: KeyRing, issuer: string, ttlSeconds: number, claims: Omit<RoomClaims, 'expiresAt'>): string {
  return jwt.sign({ room: claims.appointmentId, side: claims.side }, keys.active.privateKey, {
    algorithm: 'ES256', keyid: keys.active.kid, header: { alg: 'ES256', typ: TOKEN_TYPE, kid: keys.active.kid },
    expiresIn: ttlSeconds, issuer, audience: roomAudience(issuer), subject: claims.userId, jwtid: crypto.randomUUID(),
  });
}

export function verifyRoomToken(keys: KeyRing, issuer: string, token: unknown): RoomClaims {
  if (typeof token !== 'string' || token.length > 4096) throw new RoomTokenError('room-token-invalid', 'A room token is required.');
  const decoded = jwt.decode(token, { complete: true });
  const key = decoded?.header.kid ? keys.byKid(decoded.header.kid) : undefined;
  if (!key || decoded?.header.typ !== TOKEN_TYPE) {
    throw new RoomTokenError('room-token-invalid', 'This is not a room token issued by this hospital.');
  }
  try {
    const payload = jwt.verify(token, key.publicKey, {
      algorithms: ['ES256'], issuer, audience: roomAudience(issuer),
    }) as jwt.JwtPayload & { room?: unknown; side?: unknown };
    if (typeof payload.room !== 'string' || (payload.side !== 'patient' && payload.side !== 'doctor') || !payload.sub) {
      throw new RoomTokenError('room-token-invalid', 'The room token is incomplete.');
    }
    return { appointmentId: payload.room, userId: payload.sub, side: payload.side, expiresAt: (payload.exp ?? 0) * 1000 };
  } catch (error) {
    if (error instanceof RoomTokenError) throw error;
    if (error instanceof jwt.TokenExpiredError) throw new RoomTokenError('room-token-expired', 'The room token has expired; ask for a new one.');
    throw new RoomTokenError('room-token-invalid', 'The room token is invalid.');
  }
}
