import type { ModelStatic, Model, ModelAttributes, InitOptions } from 'sequelize';

/**
 * A model class belongs to one Sequelize instance. Tests run two nodes (and two databases) in one process,
 * so every `openDatabase` initialises its own subclass of each model rather than the shared class.
 * It also gets its own copy of each attribute definition: `init` replaces an attribute's `type` with the
 * dialect's in place, so shared column shapes (`db/columns.ts`) initialised for SQLite after a MySQL database
 * made that database write SQLite-formatted dates ('… +00:00', refused by MariaDB).
 */
export function fresh<M extends ModelStatic<Model>>(base: M): M {
  return class extends (base as unknown as typeof Model) {
    static override init<MS extends ModelStatic<Model>>(this: MS, attributes: ModelAttributes, options: InitOptions): MS {
      const own = Object.fromEntries(Object.entries(attributes).map(([name, definition]) => [
        name, definition && typeof definition === 'object' && 'type' in definition ? { ...definition } : definition,
      ]));
      return (super.init as (a: ModelAttributes, o: InitOptions) => MS).call(this, own, options);
    }
  } as unknown as M;
}
