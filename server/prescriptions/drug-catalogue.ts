import fs from 'node:fs';
import { z } from 'zod';
import type { Database } from '../../db/connection.js';
import type { Transaction } from 'sequelize';

/** ATC codes (WHO ATC/DDD index) as the catalogue's code system: the first five characters are the drug class (drug-class.ts). */
export const ATC = 'http://www.whocc.no/atc';

const drugEntry = z.object({
  code: z.string().trim().min(1).max(32),
  name: z.string().trim().min(1).max(200),
  form: z.string().trim().min(1).max(60),
  strength: z.string().trim().min(1).max(60),
  route: z.string().trim().min(1).max(40),
  narcotic: z.boolean().default(false),
  psychotropic: z.boolean().default(false),
});
export type DrugEntry = z.infer<typeof drugEntry>;

/** A starter catalogue for the demo hospital; a real one is loaded from the formulary file. */
export const DEMO_DRUGS: DrugEntry[] = [
  { code: 'C09AA05', name: 'Ramipril', form: 'tablet', strength: '5 mg', route: 'oral', narcotic: false, psychotropic: false },
  { code: 'C09AA02', name: 'Enalapril', form: 'tablet', strength: '10 mg', route: 'oral', narcotic: false, psychotropic: false },
  { code: 'C08CA01', name: 'Amlodipine', form: 'tablet', strength: '5 mg', route: 'oral', narcotic: false, psychotropic: false },
  { code: 'C03AA03', name: 'Hydrochlorothiazide', form: 'tablet', strength: '25 mg', route: 'oral', narcotic: false, psychotropic: false },
  { code: 'A10BA02', name: 'Metformin', form: 'tablet', strength: '500 mg', route: 'oral', narcotic: false, psychotropic: false },
  { code: 'C10AA05', name: 'Atorvastatin', form: 'tablet', strength: '20 mg', route: 'oral', narcotic: false, psychotropic: false },
  { code: 'R03AC02', name: 'Salbutamol', form: 'inhaler', strength: '100 micrograms/dose', route: 'inhalation', narcotic: false, psychotropic: false },
  { code: 'N02AA01', name: 'Morphine', form: 'tablet', strength: '10 mg', route: 'oral', narcotic: true, psychotropic: false },
  { code: 'N05BA01', name: 'Diazepam', form: 'tablet', strength: '5 mg', route: 'oral', narcotic: false, psychotropic: true },
];

/** Adds or replaces catalogue entries; returns how many were written. */
export async function loadDrugs(db: Database, entries: unknown[], tx?: Transaction): Promise<number> {
  const drugs = z.array(drugEntry).parse(entries);
  for (const drug of drugs) await db.models.Drug.upsert(drug, { transaction: tx });
  return drugs.length;
}

/** Loads a JSON file holding an array of catalogue entries (see docs/prescriptions.md for the format). */
export async function loadDrugCatalogueFile(db: Database, file: string): Promise<number> {
  return loadDrugs(db, JSON.parse(fs.readFileSync(file, 'utf8')) as unknown[]);
}
