import type { ModelStatic, Model } from 'sequelize';
import { Unprocessable, type ErrorDetail } from '../http/errors.js';

/** The declared length of a VARCHAR attribute (Sequelize STRING(n), 255 when not given); undefined for other types. */
function maxLengthOf(type: unknown): number | undefined {
  const t = type as { key?: string; options?: { length?: number }; _length?: number } | undefined;
  if (t?.key !== 'STRING' && t?.key !== 'CHAR') return undefined;
  return t.options?.length ?? t._length ?? 255;
}

/**
 * Fields a mapping made from a resource, checked against the columns that will hold them: MariaDB refuses a
 * longer string with an error, SQLite would keep it. Both now answer the same 422 naming the field, as DESIGN.md
 * asks ("what cannot be stored is refused"), instead of a 500 on one database and a silent success on the other.
 */
export function assertFitsColumns(type: string, model: ModelStatic<Model>, fields: Record<string, unknown>): void {
  const attributes = model.getAttributes() as Record<string, { type?: unknown }>;
  const problems: ErrorDetail[] = [];
  for (const [name, value] of Object.entries(fields)) {
    if (typeof value !== 'string' || !Object.hasOwn(attributes, name)) continue;
    const max = maxLengthOf(attributes[name].type);
    // Column lengths count characters on both databases (utf8mb4 VARCHAR(n), SQLite TEXT).
    if (max !== undefined && [...value].length > max) problems.push({ expression: `${type} (${name})`, message: `longer than the ${max} characters this node stores` });
  }
  if (problems.length) {
    throw new Unprocessable('value-too-long', `This ${type} cannot be stored: ${problems.map((p) => `${p.expression} is ${p.message}`).join('; ')}.`, problems);
  }
}
