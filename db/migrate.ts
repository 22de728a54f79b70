import { SequelizeStorage, Umzug } from 'umzug';
import type { Database } from './connection.js';
import { migrations } from './migrations/index.js';

function migrator(db: Database) {
  return new Umzug({
    migrations,
    context: db.sequelize.getQueryInterface(),
    storage: new SequelizeStorage({ sequelize: db.sequelize, tableName: 'schema_migrations' }),
    logger: undefined,
  });
}

/** Applies the pending migrations (up to and including `to`, when given: an upgrade test builds an older release's database); returns their names. */
export async function migrate(db: Database, options: { to?: string } = {}): Promise<string[]> {
  const applied = await migrator(db).up(options.to ? { to: options.to } : {});
  return applied.map((m) => m.name);
}

export async function pendingMigrations(db: Database): Promise<string[]> {
  return (await migrator(db).pending()).map((m) => m.name);
}
