import type { ModelStatic, Model } from 'sequelize';

/**
 * A model class belongs to one Sequelize instance. Tests run two nodes (and two databases) in one process,
 * so every `openDatabase` initialises its own subclass of each model rather than the shared class.
 */
export function fresh<M extends ModelStatic<Model>>(base: M): M {
  return class extends (base as unknown as typeof Model) {} as unknown as M;
}
