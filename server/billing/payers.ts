import type { Database } from '../../db/connection.js';
import { nextVersion } from '../../db/versions.js';
import type { Caller } from '../auth/caller.js';
import * as records from '../fhir/repository/records.js';
import { Forbidden, NotFound } from '../http/errors.js';

/**
 * Payers (docs/billing.md "Payers"): the payer Organizations and whether each has an internet-care agreement with
 * this hospital. The flag is a column of the Organization (migration 0210) and the extension
 * https://internet-hospital.dev/fhir/StructureDefinition/internet-care-agreement (valueBoolean) on its FHIR
 * resource; the charges rule `payer-no-agreement` asks payerHasInternetCareAgreement.
 */
export interface PayerView { id: string; name: string; identifier: string | null; internetCareAgreement: boolean }

const payerView = (o: { id: string; name: string; identifier: string | null; internetCareAgreement?: boolean }): PayerView => ({
  id: o.id, name: o.name, identifier: o.identifier, internetCareAgreement: Boolean(o.internetCareAgreement),
});

export async function listPayers(db: Database): Promise<PayerView[]> {
  return (await db.models.Organization.findAll({ where: { kind: 'payer' }, order: [['name', 'ASC']] })).map(payerView);
}

/** Whether the payer has agreed to pay for internet follow-up care (false for an unknown payer). */
export async function payerHasInternetCareAgreement(db: Database, payerId: string): Promise<boolean> {
  const payer = await db.models.Organization.findOne({ where: { id: payerId, kind: 'payer' } });
  return Boolean(payer?.internetCareAgreement);
}

/** An admin records that a payer has, or no longer has, an internet-care agreement: a new version of the Organization. */
export async function setInternetCareAgreement(db: Database, caller: Caller, payerId: string, agreement: boolean): Promise<PayerView> {
  if (caller.role !== 'admin') throw new Forbidden('wrong-role', 'Payer agreements are recorded by the hospital\'s admins.');
  return db.transaction(async (tx) => {
    const payer = await db.models.Organization.findOne({ where: { id: payerId, kind: 'payer' }, transaction: tx, lock: tx.LOCK.UPDATE });
    if (!payer) throw new NotFound('payer-not-found', `No payer Organization with id ${payerId}.`);
    if (Boolean(payer.internetCareAgreement) !== agreement) {
      const act = { action: 'U' as const, activity: agreement ? 'payer-agreement-recorded' : 'payer-agreement-ended' };
      await records.change({ db, caller, tx }, 'Organization', payer.id, act, () =>
        payer.update({ internetCareAgreement: agreement, versionId: nextVersion(db) }, { transaction: tx }));
      await payer.reload({ transaction: tx });
    }
    return payerView(payer);
  });
}
