import { ConnectionError, DatabaseError, TimeoutError } from 'sequelize';

/**
 * Driver codes that mean the connection went away under a statement (the server stopped, crashed or dropped
 * us). Sequelize reports them as a plain DatabaseError, which would otherwise be a 500.
 */
const LOST_CONNECTION_CODES = new Set([
  'PROTOCOL_CONNECTION_LOST', 'PROTOCOL_SEQUENCE_TIMEOUT', 'ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT',
  'ER_SERVER_SHUTDOWN', 'ER_CONNECTION_KILLED', 'ER_CLIENT_INTERACTION_TIMEOUT',
]);
/** MySQL's numbers for the same: server shutdown, gone away, lost during query, connection killed. */
const LOST_CONNECTION_ERRNOS = new Set([1053, 2006, 2013, 1927]);
/** mysql2's words when a statement is sent on a connection it already knows is closed (it gives no code). */
const CLOSED_CONNECTION = /connection is in closed state/i;

/**
 * Whether a database error means "the database is not reachable now" (nothing to fix in the request): no
 * connection could be made or acquired in time, or the one in use was lost. Answered 503 with Retry-After.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  if (error instanceof ConnectionError || error instanceof TimeoutError) return true;
  if (!(error instanceof DatabaseError)) return false;
  const original = (error as { original?: { code?: string; errno?: number; message?: string } }).original;
  return LOST_CONNECTION_CODES.has(original?.code ?? '') || LOST_CONNECTION_ERRNOS.has(original?.errno ?? 0)
    || CLOSED_CONNECTION.test(original?.message ?? '');
}

/** MySQL's numbers for "another transaction won": deadlock (a Galera certification conflict too), lock wait timeout; TiDB's write conflict. */
const BUSY_ERRNOS = new Set([1213, 1205, 9007]);
const BUSY_CODES = new Set(['ER_LOCK_DEADLOCK', 'ER_LOCK_WAIT_TIMEOUT']);

/**
 * Whether a database error means "other transactions held what this one needed" (a deadlock, a lock wait
 * timeout, a serialization failure): `db.transaction` already ran the work again, and it lost each time. Nothing
 * was saved and nothing is wrong with the request; answered 503 `database-busy` with Retry-After.
 */
export function isDatabaseBusy(error: unknown): boolean {
  if (!(error instanceof DatabaseError)) return false;
  const original = (error as { original?: { code?: string; errno?: number; sqlState?: string } }).original;
  return BUSY_CODES.has(original?.code ?? '') || BUSY_ERRNOS.has(original?.errno ?? 0) || original?.sqlState === '40001';
}
