import crypto from 'node:crypto';
import { UniqueConstraintError } from 'sequelize';
import type { Database } from '../../db/connection.js';
import type { Partner } from '../../db/models/consultations.js';
import { recordAudit } from '../audit/audit-log.js';
import type { Caller } from '../auth/caller.js';
import { Conflict, Forbidden, NotFound } from '../http/errors.js';

export interface PartnerInput {
  name: string;
  fhirBaseUrl: string;
  jwksUrl: string;
  /** A payer Organization: the client is that payer's claims system, not a hospital (docs/billing.md "Payers"). */
  payorId?: string;
}

export interface PartnerView {
  id: string;
  name: string;
  fhirBaseUrl: string;
  jwksUrl: string;
  active: boolean;
  registeredAt: string;
  payorId?: string;
}

export const partnerView = (p: Partner): PartnerView => ({
  id: p.id, name: p.name, fhirBaseUrl: p.fhirBaseUrl, jwksUrl: p.jwksUrl, active: p.active, registeredAt: p.createdAt.toISOString(),
  ...(p.payorId ? { payorId: p.payorId } : {}),
});

export const trimSlash = (url: string) => url.replace(/\/+$/, '');

/** An admin registers a partner hospital node; its FHIR base URL identifies it (one registration each). */
export async function registerPartner(db: Database, caller: Caller, input: PartnerInput): Promise<PartnerView> {
  if (caller.role !== 'admin') throw new Forbidden('wrong-role', 'Only an admin registers partner hospitals.');
  if (input.payorId) {
    const payer = await db.models.Organization.findByPk(input.payorId);
    if (payer?.kind !== 'payer') throw new NotFound('payer-not-found', `No payer Organization with id ${input.payorId}.`);
  }
  try {
    return await db.transaction(async (tx) => {
      const partner = await db.models.Partner.create({
        id: crypto.randomUUID(), name: input.name, fhirBaseUrl: trimSlash(input.fhirBaseUrl), jwksUrl: input.jwksUrl, payorId: input.payorId ?? null,
      }, { transaction: tx });
      await recordAudit(db, caller, { action: 'C', activity: 'partner-registered', resourceType: 'Organization', resourceId: partner.id }, tx);
      return partnerView(partner);
    });
  } catch (error) {
    if (error instanceof UniqueConstraintError) {
      throw new Conflict('partner-exists', `A partner with FHIR base URL ${trimSlash(input.fhirBaseUrl)} is already registered.`);
    }
    throw error;
  }
}

export async function listPartners(db: Database): Promise<PartnerView[]> {
  return (await db.models.Partner.findAll({ order: [['name', 'ASC']] })).map(partnerView);
}

export async function findPartner(db: Database, partnerId: string): Promise<Partner> {
  const partner = await db.models.Partner.findByPk(partnerId);
  if (!partner) throw new NotFound('partner-not-found', `No partner hospital with id ${partnerId}.`);
  return partner;
}

/**
 * The registered names of the partner hospitals records came from, by the `source` each record carries (the
 * partner's FHIR base URL, as registered or with a trailing slash), in one query: every list that shows a record's
 * origin (readings, conditions, medicines) names the partner this one way. A partner later deactivated is still
 * where the record came from, so it is named too; a source no partner is registered under is left out.
 */
export async function partnerNamesOf(db: Database, sources: Iterable<string | null | undefined>): Promise<Map<string, string>> {
  const given = [...new Set([...sources].filter((s): s is string => Boolean(s)))];
  if (given.length === 0) return new Map();
  const urls = [...new Set(given.map(trimSlash))];
  const partners = await db.models.Partner.findAll({ where: { fhirBaseUrl: urls }, attributes: ['name', 'fhirBaseUrl'] });
  const byUrl = new Map(partners.map((p) => [p.fhirBaseUrl, p.name]));
  return new Map(given.flatMap((source) => {
    const name = byUrl.get(trimSlash(source));
    return name === undefined ? [] : [[source, name] as const];
  }));
}

/** The active partner registered under this FHIR base URL (the URL is how a partner node names itself). */
export function activePartnerAt(db: Database, fhirBaseUrl: string): Promise<Partner | null> {
  return db.models.Partner.findOne({ where: { fhirBaseUrl: trimSlash(fhirBaseUrl), active: true } });
}
