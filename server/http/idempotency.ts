import crypto from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import { Op, UniqueConstraintError } from 'sequelize';
import type { Database } from '../../db/connection.js';
import { atMostEvery } from '../operations/background-loop.js';
import { Conflict, Invalid, Unprocessable } from './errors.js';

const KEY = /^[A-Za-z0-9._:-]{8,100}$/;
const ABANDONED_AFTER_MS = 120_000;
/** How long a stored answer is replayed: a retry more than a day after the first request is a new request. */
export const IDEMPOTENCY_RETENTION_MS = 24 * 3600_000;
/** How often each process deletes the stored answers that are past retention (on the next keyed request). */
const PURGE_EVERY_MS = 10 * 60_000;

/**
 * Stored answers can hold secrets (the $accept secret), so they are sealed with AES-256-GCM under a key derived
 * from the caller and the Idempotency-Key itself, which only the client knows; the row keeps no usable secret.
 */
function sealer(who: string, key: string) {
  const aesKey = crypto.createHash('sha256').update(`idempotent-response\n${who}\n${key}`).digest();
  return {
    seal(text: string): string {
      const iv = crypto.randomBytes(12);
      const cipher = crypto.createCipheriv('aes-256-gcm', aesKey, iv);
      const body = Buffer.concat([cipher.update(text, 'utf8'), cipher.final()]);
      return Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64');
    },
    open(sealed: string): string {
      const raw = Buffer.from(sealed, 'base64');
      const decipher = crypto.createDecipheriv('aes-256-gcm', aesKey, raw.subarray(0, 12));
      decipher.setAuthTag(raw.subarray(12, 28));
      return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
    },
  };
}

/**
 * `Idempotency-Key` (draft-ietf-httpapi-idempotency-key-header): the first response to a key, per caller and
 * path, is stored and replayed to every retry. The row's unique `scope` decides who is first; a retry that
 * arrives while the first is still running gets 409 `idempotency-key-in-use`; a 5xx is not kept (retry again).
 * Stored answers are kept for a day (IDEMPOTENCY_RETENTION_MS), then purged. Mount after `authenticate` so the
 * caller is known.
 */
export function idempotent(db: Database) {
  const purge = atMostEvery(PURGE_EVERY_MS, (now) =>
    db.models.IdempotencyKey.destroy({ where: { createdAt: { [Op.lt]: new Date(now - IDEMPOTENCY_RETENTION_MS) } } }));
  return async (req: Request, res: Response, next: NextFunction) => {
    const key = req.get('idempotency-key');
    if (key === undefined) return next();
    if (!KEY.test(key)) throw new Invalid('invalid-idempotency-key', 'Idempotency-Key must be 8–100 characters of A–Z, a–z, 0–9, . _ : -.');
    await purge();
    const who = req.caller?.userId ?? req.ip ?? 'anonymous';
    const scope = crypto.createHash('sha256').update(`${who}\n${req.method}\n${req.path}\n${key}`).digest('hex');
    const fingerprint = crypto.createHash('sha256').update(JSON.stringify(req.body ?? null)).digest('hex');
    const { IdempotencyKey } = db.models;
    const sealed = sealer(who, key);
    try {
      await IdempotencyKey.create({ id: crypto.randomUUID(), scope, fingerprint, state: 'pending', responseStatus: null, responseType: null, responseBody: null });
    } catch (error) {
      if (!(error instanceof UniqueConstraintError)) throw error;
      const first = await IdempotencyKey.findOne({ where: { scope } });
      if (!first) throw new Conflict('idempotency-key-in-use', 'A request with this Idempotency-Key is being processed; retry shortly.');
      if (first.fingerprint !== fingerprint) {
        throw new Unprocessable('idempotency-key-reused', 'This Idempotency-Key was used with a different request body.');
      }
      if (first.state !== 'done') {
        // A pending row older than this was left by a request that died (crash, restart): free the key for a retry.
        await IdempotencyKey.destroy({ where: { scope, state: 'pending', createdAt: { [Op.lt]: new Date(Date.now() - ABANDONED_AFTER_MS) } } });
        throw new Conflict('idempotency-key-in-use', 'A request with this Idempotency-Key is being processed; retry shortly.');
      }
      res.setHeader('Idempotent-Replayed', 'true');
      if (first.responseType) res.type(first.responseType);
      res.status(first.responseStatus ?? 200).send(first.responseBody ? sealed.open(first.responseBody) : '');
      return;
    }
    const send = res.send.bind(res);
    let stored = false;
    res.send = (body?: unknown) => {
      if (!stored) {
        stored = true;
        const text = typeof body === 'string' ? body : Buffer.isBuffer(body) ? body.toString('utf8') : JSON.stringify(body);
        const keep = res.statusCode < 500
          ? IdempotencyKey.update({ state: 'done', responseStatus: res.statusCode, responseType: String(res.getHeader('content-type') ?? ''), responseBody: sealed.seal(text) }, { where: { scope } })
          : IdempotencyKey.destroy({ where: { scope } });
        // The answer waits until it is stored, so an immediate retry replays it rather than seeing "in use".
        keep.then(() => send(body), (error: unknown) => { req.log.error({ err: error }, 'could not store idempotent response'); send(body); });
        return res;
      }
      return send(body);
    };
    next();
  };
}
