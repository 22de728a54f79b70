import type { Database } from '../../db/connection.js';

/**
 * PLACEHOLDER owned by the consultations capability, which adds the "needs in-person care" outcome to a visit
 * and will replace this file. Until then no visit is closed for online prescribing.
 */
export async function isClosedForOnlinePrescribing(_db: Database, _encounterId: string): Promise<boolean> {
  return false;
}
