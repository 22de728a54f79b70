import { UniqueConstraintError } from 'sequelize';
import type { Database } from '../../db/connection.js';

/** The service one billable charge bills: a second one with the same key is a duplicate. */
export interface ChargeKey {
  patientId: string;
  practitionerId: string;
  code: string;
  modifiers: string[];
  serviceDate: string;
}

/**
 * Claims the key for this charge, inside the caller's transaction; false when another charge holds it.
 * The unique index decides (like a booking's slot), so of twenty visits finishing at once only one wins; the
 * insert runs in a savepoint, so the losing transaction goes on and records a not-billable charge instead.
 */
export async function claimChargeKey(db: Database, key: ChargeKey, chargeItemId: string): Promise<boolean> {
  const { BillingChargeKey } = db.models;
  const row = { ...key, modifiers: [...key.modifiers].sort().join(',') };
  const held = await BillingChargeKey.findOne({ where: row });
  if (held) return held.chargeItemId === chargeItemId;
  try {
    await db.transaction(async (savepoint) => { await BillingChargeKey.create({ ...row, chargeItemId }, { transaction: savepoint }); });
    return true;
  } catch (error) {
    if (error instanceof UniqueConstraintError) return false;
    throw error;
  }
}

/** Gives up the key a charge held (it is no longer billable, or no longer applies). */
export async function releaseChargeKey(db: Database, chargeItemId: string): Promise<void> {
  // Found by a plain read and deleted by primary key: a DELETE by a secondary index that matches nothing would take
  // a gap lock on MySQL, and two finishing visits would then deadlock on each other's key inserts.
  const held = await db.models.BillingChargeKey.findAll({ where: { chargeItemId }, attributes: ['id'] });
  if (held.length) await db.models.BillingChargeKey.destroy({ where: { id: held.map((k) => k.id) } });
}

/** The codes billed for a patient by a doctor on a date, by charges other than these. */
export async function codesBilledOn(db: Database, key: Pick<ChargeKey, 'patientId' | 'practitionerId' | 'serviceDate'>, except: string[]): Promise<string[]> {
  const { patientId, practitionerId, serviceDate } = key;
  const keys = await db.models.BillingChargeKey.findAll({ where: { patientId, practitionerId, serviceDate }, attributes: ['code', 'chargeItemId'] });
  return keys.filter((k) => !except.includes(k.chargeItemId)).map((k) => k.code);
}
