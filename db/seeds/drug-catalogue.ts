import type { Transaction } from 'sequelize';
import { DEMO_DRUGS, loadDrugs } from '../../server/prescriptions/drug-catalogue.js';
import type { Database } from '../connection.js';

/** The demo hospital's drug catalogue (part of seedDemoHospital, so only an empty database gets it). */
export async function seedDrugCatalogue(db: Database, tx: Transaction): Promise<void> {
  await loadDrugs(db, DEMO_DRUGS, tx);
}
