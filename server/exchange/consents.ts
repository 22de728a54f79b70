import { UniqueConstraintError } from 'sequelize';
import type { Database } from '../../db/connection.js';
import type { Consent } from '../../db/models/consultations.js';
import { nextVersion } from '../../db/versions.js';
import { toConsentResource } from '../../fhir-mappings/consultation-records.js';
import { recordAudit } from '../audit/audit-log.js';
import type { Caller } from '../auth/caller.js';
import { assertPatientAccess } from '../auth/patient-access.js';
import { storeDerived } from '../fhir/repository/derived-records.js';
import { Conflict, Forbidden, NotFound } from '../http/errors.js';
import { findPartner } from './partners.js';
import { newResourceId } from '../fhir/repository/resource-id.js';

export interface ConsentView {
  id: string;
  patientId: string;
  partnerId: string;
  status: 'active' | 'inactive';
  grantedAt: string;
  revokedAt: string | null;
  /** The patient's id at the partner, which a pull searches for (null: the pull skips this partner). */
  partnerPatientId: string | null;
  versionId: number;
}

const consentView = (c: Consent): ConsentView => ({
  id: c.id, patientId: c.patientId, partnerId: c.partnerId, status: c.status, grantedAt: c.grantedAt.toISOString(),
  revokedAt: c.revokedAt?.toISOString() ?? null, partnerPatientId: c.partnerPatientId ?? null, versionId: c.versionId,
});

/** Only the patient themself grants or revokes: a consent is the patient's own decision. */
async function assertOwnConsent(db: Database, caller: Caller, patientId: string) {
  if (caller.role !== 'patient') throw new Forbidden('wrong-role', 'Only the patient can grant or revoke their consent.');
  await assertPatientAccess(db, caller, patientId, 'Consent', 'write');
}

/**
 * The patient allows this node to fetch their records from one partner. Granting again after a revocation
 * reactivates the same Consent as a new version; granting an active consent changes nothing.
 */
export async function grantConsent(
  db: Database, caller: Caller, patientId: string, partnerId: string, partnerPatientId: string | null = null,
): Promise<ConsentView> {
  await assertOwnConsent(db, caller, patientId);
  await findPartner(db, partnerId);
  return db.transaction(async (tx) => {
    const { Consent } = db.models;
    const now = new Date();
    const [reactivated] = await Consent.update(
      { status: 'active', grantedAt: now, revokedAt: null, partnerPatientId, versionId: nextVersion(db) },
      { where: { patientId, partnerId, status: 'inactive' }, transaction: tx },
    );
    let consent = await Consent.findOne({ where: { patientId, partnerId }, transaction: tx });
    if (!consent) {
      try {
        consent = await Consent.create({ id: newResourceId(), patientId, partnerId, status: 'active', grantedAt: now, revokedAt: null, partnerPatientId }, { transaction: tx });
      } catch (error) {
        if (!(error instanceof UniqueConstraintError)) throw error;
        consent = await Consent.findOne({ where: { patientId, partnerId }, transaction: tx, rejectOnEmpty: true });
        return consentView(consent);
      }
    } else if (reactivated === 0) {
      return consentView(consent);
    }
    await storeDerived({ db, caller, tx }, [toConsentResource(consent.get({ plain: true }))], { action: reactivated ? 'U' : 'C', activity: 'consent-granted' });
    return consentView(consent);
  });
}

/** The patient withdraws the consent; from then on no record is pulled from that partner. */
export async function revokeConsent(db: Database, caller: Caller, patientId: string, partnerId: string): Promise<ConsentView> {
  await assertOwnConsent(db, caller, patientId);
  return db.transaction(async (tx) => {
    const { Consent } = db.models;
    const [revoked] = await Consent.update(
      { status: 'inactive', revokedAt: new Date(), versionId: nextVersion(db) },
      { where: { patientId, partnerId, status: 'active' }, transaction: tx },
    );
    const consent = await Consent.findOne({ where: { patientId, partnerId }, transaction: tx });
    if (!consent) throw new NotFound('consent-not-found', 'There is no consent for this partner hospital.');
    if (revoked !== 1) throw new Conflict('consent-already-revoked', `The consent was already revoked on ${consent.revokedAt?.toISOString()}.`);
    await storeDerived({ db, caller, tx }, [toConsentResource(consent.get({ plain: true }))], { action: 'U', activity: 'consent-revoked' });
    return consentView(consent);
  });
}

export async function listConsents(db: Database, caller: Caller, patientId: string): Promise<ConsentView[]> {
  await assertPatientAccess(db, caller, patientId, 'Consent', 'read');
  const consents = await db.models.Consent.findAll({ where: { patientId }, order: [['grantedAt', 'ASC']] });
  await recordAudit(db, caller, { action: 'R', activity: 'consents-read', resourceType: 'Consent', patientId });
  return consents.map(consentView);
}

/**
 * Whether the partner may have the patient's records right now: an active consent and an active partner
 * registration. A partner node's system token reads a patient only while this holds (hasCareRelationship).
 */
export async function hasExchangeConsent(db: Database, patientId: string, partnerId: string): Promise<boolean> {
  const consent = await db.models.Consent.findOne({ where: { patientId, partnerId, status: 'active' } });
  if (!consent) return false;
  return (await db.models.Partner.count({ where: { id: partnerId, active: true } })) === 1;
}
