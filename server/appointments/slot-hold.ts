import { Op, type Transaction } from 'sequelize';
import type { Database } from '../../db/connection.js';
import type { Slot } from '../../db/models/scheduling.js';
import { nextVersion } from '../../db/versions.js';
import * as records from '../fhir/repository/records.js';

/**
 * Takes a free future slot: `UPDATE slots SET status='busy' WHERE id=? AND status='free' AND start>?`.
 * The database decides: of any number of concurrent holders exactly one sees an affected row. (The appointment's
 * unique heldSlotId is the second guard.) Returns false when the slot was not free.
 */
export async function holdSlot(db: Database, slot: Slot, tx: Transaction, now: Date): Promise<boolean> {
  const [held] = await records.change({ db, caller: records.CALENDAR, tx }, 'Slot', slot.id, undefined, () => db.models.Slot.update(
    { status: 'busy', versionId: nextVersion(db) },
    { where: { id: slot.id, status: 'free', start: { [Op.gt]: now } }, transaction: tx },
  ));
  if (held !== 1) return false;
  await slot.reload({ transaction: tx });
  return true;
}

/** Gives a slot back to other patients, unless it has already started (then it stays busy, as history). */
export async function releaseSlot(db: Database, slotId: string, tx: Transaction, now: Date): Promise<void> {
  await records.change({ db, caller: records.CALENDAR, tx }, 'Slot', slotId, undefined, () => db.models.Slot.update(
    { status: 'free', versionId: nextVersion(db) },
    { where: { id: slotId, status: 'busy', start: { [Op.gt]: now } }, transaction: tx },
  ));
}
