import fs from 'node:fs';
import path from 'node:path';
import { UniqueConstraintError } from 'sequelize';
import { z } from 'zod';
import type { Database } from '../../db/connection.js';
import { recordAudit } from '../audit/audit-log.js';
import type { Caller } from '../auth/caller.js';
import { projectRoot, type Config } from '../config.js';
import { Conflict, Forbidden } from '../http/errors.js';
import { parseInput } from '../http/validate.js';

/**
 * The service-code catalogue (docs/billing.md "The catalogue"): every code a charge may carry, with its system,
 * our own short description (never the copyrighted descriptor), its unit and its time or data-day band. The
 * shipped version is server/billing/catalogue/service-codes.json; an admin loads a new version from JSON or CSV,
 * and the newest loaded version is the one the rules use. Versions are kept, and a charge names the one it used.
 */
export const CATEGORIES = [
  'em-new', 'em-established', 'virtual-check-in', 'e-visit', 'rpm-setup', 'rpm-device', 'rpm-management',
  'place-of-service', 'modifier', 'outpatient-consultation', 'internet-follow-up',
] as const;
export type Category = (typeof CATEGORIES)[number];
export const UNITS = ['visit', '7-days', '30-days', 'calendar-month'] as const;

const minutes = z.number().int().min(0).max(24 * 60).nullable();
const days = z.number().int().min(0).max(31).nullable();
const code = z.string().trim().regex(/^[A-Za-z0-9][A-Za-z0-9.-]{0,63}$/, 'a code: letters, digits, "." or "-"');

export const catalogueEntry = z.object({
  system: z.url().max(255),
  code,
  description: z.string().trim().min(1).max(200),
  jurisdiction: z.string().trim().regex(/^[A-Z]{2}(-[A-Z0-9]{1,3})?$/, 'an ISO 3166 country (US) or subdivision (CN-GD)'),
  category: z.enum(CATEGORIES),
  unit: z.enum(UNITS),
  minMinutes: minutes.default(null),
  maxMinutes: minutes.default(null),
  minDataDays: days.default(null),
  maxDataDays: days.default(null),
  /** true: only for an established patient; false: only for a new one; null: either. */
  establishedPatient: z.boolean().nullable().default(null),
  consentRequired: z.boolean().default(false),
  excludes: z.array(code).max(50).default([]),
  addOnTo: z.array(code).max(10).default([]),
  validFrom: z.iso.date(),
  validTo: z.iso.date().nullable().default(null),
  price: z.object({ value: z.number().min(0).max(1_000_000), currency: z.string().regex(/^[A-Z]{3}$/) }).nullable().default(null),
}).refine((e) => e.minMinutes === null || e.maxMinutes === null || e.minMinutes <= e.maxMinutes, { message: 'minMinutes is above maxMinutes' })
  .refine((e) => e.validTo === null || e.validFrom <= e.validTo, { message: 'validTo is before validFrom' });

export const catalogueInput = z.object({
  version: z.string().trim().regex(/^[A-Za-z0-9][A-Za-z0-9.\-_]{0,63}$/, 'a version name: letters, digits, ".", "-" or "_"'),
  entries: z.array(catalogueEntry).min(1).max(5000),
}).refine((c) => new Set(c.entries.map((e) => `${e.system}|${e.code}`)).size === c.entries.length, { message: 'an entry (system and code) is listed twice' });

export type CatalogueEntry = z.infer<typeof catalogueEntry>;
export type Catalogue = z.infer<typeof catalogueInput>;

/** The China price items come from config (each province has its own system and item codes). */
export interface ChinaPriceItems {
  system: string;
  followUpItem: string;
  outpatientItem: string;
  /** The general outpatient consultation's price in CNY, when known: the follow-up is priced the same, never by title. */
  outpatientPrice: number | null;
}

/**
 * Applies the node's China price-item config to the CN entries, and prices the internet follow-up like the
 * general outpatient consultation of the same system (NHSA guidance on internet follow-up pricing: the same
 * item price as the offline general outpatient visit, whatever the doctor's title).
 */
export function withChinaPriceItems(catalogue: Catalogue, items: ChinaPriceItems): Catalogue {
  const entries = catalogue.entries.map((e) => {
    if (e.jurisdiction !== 'CN') return e;
    if (e.category === 'outpatient-consultation') {
      const price = items.outpatientPrice === null ? e.price : { value: items.outpatientPrice, currency: 'CNY' };
      return { ...e, system: items.system, code: items.outpatientItem, price };
    }
    if (e.category === 'internet-follow-up') return { ...e, system: items.system, code: items.followUpItem };
    return e;
  });
  return { ...catalogue, entries: entries.map((e) => (e.category === 'internet-follow-up' ? { ...e, price: outpatientPriceOf(entries, e) ?? e.price } : e)) };
}

const outpatientPriceOf = (entries: CatalogueEntry[], followUp: CatalogueEntry) =>
  entries.find((o) => o.category === 'outpatient-consultation' && o.system === followUp.system && o.jurisdiction === followUp.jurisdiction)?.price ?? null;

let shipped: Catalogue | undefined;

/** The catalogue shipped with the code (server/billing/catalogue/service-codes.json). */
export function shippedCatalogue(): Catalogue {
  shipped ??= catalogueInput.parse(JSON.parse(fs.readFileSync(path.join(projectRoot(), 'server', 'billing', 'catalogue', 'service-codes.json'), 'utf8')));
  return shipped;
}

/** The catalogue the rules use now: the newest version an admin loaded, else the shipped one; with the node's China items. */
export async function currentCatalogue(db: Database, config: Pick<Config, 'billing'>): Promise<Catalogue> {
  const newest = await db.models.BillingCatalogue.findOne({ order: [['sequence', 'DESC']] });
  const catalogue = newest ? (JSON.parse(newest.content) as Catalogue) : shippedCatalogue();
  return withChinaPriceItems(catalogue, config.billing.china);
}

const CSV_COLUMNS = ['system', 'code', 'description', 'jurisdiction', 'category', 'unit', 'minMinutes', 'maxMinutes', 'minDataDays',
  'maxDataDays', 'establishedPatient', 'consentRequired', 'excludes', 'addOnTo', 'validFrom', 'validTo', 'priceValue', 'priceCurrency'] as const;

/** RFC 4180 fields of one CSV text: quoted fields may hold commas, quotes ("") and line breaks. */
function csvRows(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') { field += '"'; i++; } else if (ch === '"') quoted = false; else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') { row.push(field); field = ''; } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i++;
      row.push(field); field = '';
      if (row.some((f) => f !== '')) rows.push(row);
      row = [];
    } else field += ch;
  }
  row.push(field);
  if (row.some((f) => f !== '')) rows.push(row);
  return rows;
}

const blankToNull = (v: string | undefined) => (v === undefined || v.trim() === '' ? null : v.trim());
const numberOrNull = (v: string | undefined) => (blankToNull(v) === null ? null : Number(v));
const booleanOrNull = (v: string | undefined) => {
  const s = blankToNull(v)?.toLowerCase();
  return s === undefined || s === null ? null : s === 'true' || s === 'yes' ? true : s === 'false' || s === 'no' ? false : s;
};
const codeList = (v: string | undefined) => (blankToNull(v) ?? '').split(/[;| ]+/).filter(Boolean);

/**
 * A catalogue from CSV: a header row naming the columns (CSV_COLUMNS, any order), one entry a row; lists
 * (excludes, addOnTo) separated by ";". The version comes from the request (`?version=`).
 */
export function catalogueFromCsv(text: string, version: unknown): Catalogue {
  const [header = [], ...rows] = csvRows(text);
  const names = header.map((h) => h.trim());
  const missing = CSV_COLUMNS.filter((c) => !['maxDataDays', 'validTo', 'priceValue', 'priceCurrency', 'excludes', 'addOnTo', 'establishedPatient',
    'consentRequired', 'minMinutes', 'maxMinutes', 'minDataDays'].includes(c) && !names.includes(c));
  if (missing.length) parseInput(z.never({ error: `the CSV header lacks ${missing.join(', ')}` }), undefined);
  const entries = rows.map((cells) => {
    const at = (name: (typeof CSV_COLUMNS)[number]) => cells[names.indexOf(name)];
    const priceValue = numberOrNull(at('priceValue'));
    return {
      system: at('system')?.trim(), code: at('code')?.trim(), description: at('description')?.trim(), jurisdiction: at('jurisdiction')?.trim(),
      category: at('category')?.trim(), unit: at('unit')?.trim(), minMinutes: numberOrNull(at('minMinutes')),
      maxMinutes: numberOrNull(at('maxMinutes')), minDataDays: numberOrNull(at('minDataDays')), maxDataDays: numberOrNull(at('maxDataDays')),
      establishedPatient: booleanOrNull(at('establishedPatient')), consentRequired: booleanOrNull(at('consentRequired')) ?? false,
      excludes: codeList(at('excludes')), addOnTo: codeList(at('addOnTo')), validFrom: at('validFrom')?.trim(), validTo: blankToNull(at('validTo')),
      price: priceValue === null ? null : { value: priceValue, currency: blankToNull(at('priceCurrency')) ?? '' },
    };
  });
  return parseInput(catalogueInput, { version, entries });
}

export interface CatalogueView { version: string; loadedAt: string | null; loadedBy: string | null; entries: CatalogueEntry[] }

function assertAdmin(caller: Caller) {
  if (caller.role !== 'admin') throw new Forbidden('wrong-role', 'The service-code catalogue is loaded and read by admins.');
}

/** An admin loads a new catalogue version; a version name already loaded is a 409 (versions never change). */
export async function loadCatalogue(db: Database, config: Pick<Config, 'billing'>, caller: Caller, catalogue: Catalogue): Promise<CatalogueView> {
  assertAdmin(caller);
  const loadedAt = new Date();
  try {
    await db.transaction(async (tx) => {
      await db.models.BillingCatalogue.create({ version: catalogue.version, loadedAt, loadedBy: caller.userId, content: JSON.stringify(catalogue) }, { transaction: tx });
      await recordAudit(db, caller, { action: 'C', activity: 'billing-catalogue-loaded', resourceType: 'CodeSystem', resourceId: catalogue.version, detail: `${catalogue.entries.length} entries` }, tx);
    });
  } catch (error) {
    if (error instanceof UniqueConstraintError) throw new Conflict('catalogue-version-exists', `Catalogue version ${catalogue.version} is already loaded; give the new one its own version.`);
    throw error;
  }
  return { ...withChinaPriceItems(catalogue, config.billing.china), loadedAt: loadedAt.toISOString(), loadedBy: caller.userId };
}

/** The catalogue in use, with when and by whom it was loaded (null for the shipped one). */
export async function readCatalogue(db: Database, config: Pick<Config, 'billing'>, caller: Caller): Promise<CatalogueView> {
  assertAdmin(caller);
  const newest = await db.models.BillingCatalogue.findOne({ order: [['sequence', 'DESC']] });
  await recordAudit(db, caller, { action: 'R', activity: 'billing-catalogue-read', resourceType: 'CodeSystem', resourceId: newest?.version ?? shippedCatalogue().version });
  const catalogue = await currentCatalogue(db, config);
  return { ...catalogue, loadedAt: newest?.loadedAt.toISOString() ?? null, loadedBy: newest?.loadedBy ?? null };
}
