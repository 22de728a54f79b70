import type { Express } from 'express';
import { openDatabase, type Database } from '../../db/connection.js';
import { migrate } from '../../db/migrate.js';
import { seedDemoHospital } from '../../db/seeds/demo-hospital.js';
import { buildApp } from '../../server/app.js';
import { generateSigningKey, keyRing } from '../../server/auth/keys.js';
import { grantScopes } from '../../server/auth/scopes.js';
import { loadConfig, type Config } from '../../server/config.js';
import type { HospitalNode } from '../../server/hospital-node.js';
import { createEmptyDatabase, DIALECTS, mysqlUnavailableReason, type TestDialect } from './databases.js';

export const DEMO_PASSWORD = 'demo-password-for-tests';

/** One hospital node running in the test process: its app, database, keys and a way to sign in as anyone. */
export interface TestNode {
  dialect: TestDialect;
  app: Express;
  node: HospitalNode;
  db: Database;
  config: Config;
  /** A real access token for the account with this email, as the token endpoint would issue it. */
  tokenFor(email: string, scope?: string): Promise<string>;
}

const open: Database[] = [];

export function testConfig(databaseUrl: string, overrides: Partial<Config> = {}): Config {
  return { ...loadConfig({ NODE_ENV: 'test', DATABASE_URL: databaseUrl, DEMO_PASSWORD }), ...overrides };
}

/** Starts a node on a new empty database of the dialect, migrated and seeded with the demo hospital. */
export async function startTestNode(dialect: TestDialect, overrides: Partial<Config> = {}): Promise<TestNode> {
  const testNode = await startTestNodeOn(dialect, await createEmptyDatabase(dialect), overrides);
  open.push(testNode.db);
  return testNode;
}

/** Starts a node on the empty database at `databaseUrl` (migrated and seeded here); the caller closes its `db`. */
export async function startTestNodeOn(dialect: TestDialect, databaseUrl: string, overrides: Partial<Config> = {}): Promise<TestNode> {
  const config = testConfig(databaseUrl, overrides);
  const db = await openDatabase(config.databaseUrl, { transactionTimeoutMs: config.transactionTimeoutMs });
  await migrate(db);
  await seedDemoHospital(db, DEMO_PASSWORD);
  const { app, node } = buildApp({ config, db, keys: keyRing([generateSigningKey()]) });
  return {
    dialect, app, node, db, config,
    async tokenFor(email, scope) {
      const user = await db.models.User.findOne({ where: { email }, rejectOnEmpty: true });
      return node.tokens.issueAccessToken({
        sub: user.id, role: user.role, patient: user.patientId, practitioner: user.practitionerId,
        org: user.organizationId, scope: grantScopes(user.role, scope).join(' '),
      });
    },
  };
}

export async function closeTestNodes(): Promise<void> {
  await Promise.all(open.splice(0).map((db) => db.close()));
}

const shared = new Map<TestDialect, Promise<TestNode>>();

/**
 * Declares a suite once per database. Suites share one seeded node per dialect (each test adds its own
 * rows, so they do not collide); a suite that needs another configuration (`overrides`) gets a node of its own.
 * When MariaDB is unreachable the MySQL suite is a failure under CI=true and a loudly reported pending suite elsewhere.
 */
export function describeOnEachDatabase(title: string, body: (hospital: () => TestNode) => void, overrides?: Partial<Config>): void {
  for (const dialect of DIALECTS) {
    describe(`${title} [${dialect}]`, function () {
      let testNode: TestNode | undefined;
      before(async function () {
        if (dialect === 'mysql') {
          const reason = await mysqlUnavailableReason();
          if (reason && process.env.CI) throw new Error(`${reason} (the MySQL suites are mandatory in CI)`);
          if (reason) {
            console.error(`\n  SKIPPING "${title} [mysql]": ${reason}\n`);
            this.skip();
          }
        }
        if (overrides) testNode = await startTestNode(dialect, overrides);
        else {
          if (!shared.has(dialect)) shared.set(dialect, startTestNode(dialect));
          testNode = await shared.get(dialect)!;
        }
      });
      body(() => {
        if (!testNode) throw new Error('the test node is not started yet');
        return testNode;
      });
    });
  }
}
