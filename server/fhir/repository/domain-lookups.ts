import { literal, type WhereOptions } from 'sequelize';
import type { Database } from '../../../db/connection.js';
import { Invalid } from '../../http/errors.js';
import type { ResourceDefinition, SearchParamDefinition } from '../registry.js';
import { indexedParametersOf, type IndexedParameter } from './r4-search-parameters.js';
import { conditionOf } from './search-sql.js';

/**
 * The official R4 search parameters of a domain type, answered by its stored resources' lookup rows: the domain
 * resources are stored whole with them (records.ts), as the repository's own types are, so these rows answer what
 * the type's declaration leaves out (`Practitioner?identifier=`, which a Synthea record's conditional references
 * use), and the domain rows searched are the ids they find. AuditEvent, the one domain type not stored whole (it
 * has no versions), has none.
 */
export function lookupParametersOf(definition: ResourceDefinition): IndexedParameter[] {
  if (definition.store || definition.versioned === false) return [];
  return indexedParametersOf(definition.type);
}

/**
 * How a declared parameter's column and the lookup rows share a value. A string parameter goes to the lookup rows:
 * they hold every name part of the stored resource, normalised as the spec's search asks (any case, any accent, on
 * both databases alike), and their index finds a prefix where the column's LIKE reads the table in id order. A
 * token column holding one system's codes (our organization identifier) answers that system only, so
 * `Organization?identifier=https://github.com/synthetichealth/synthea|…` goes to the lookup rows alone, which hold
 * every identifier of the stored resource. A code column (with its system column) holds the first coding only, so
 * `Observation?code=http://loinc.org|8331-1` is the column or the lookup rows, which hold every coding (a Synthea
 * temperature is coded 8310-5 and 8331-1). Any other parameter is its column's alone.
 */
export function columnShare(param: SearchParamDefinition, value: string): 'column' | 'lookups' | 'either' {
  if (param.type === 'string') return 'lookups';
  if (param.type !== 'token') return 'column';
  if (param.systemColumn) return 'either';
  if (param.system && value.split(',').some((v) => v.includes('|') && v.slice(0, v.indexOf('|')) !== param.system)) return 'lookups';
  return 'column';
}

/**
 * The domain rows whose stored resource matches one value of a lookup parameter (a comma is OR, search.html#combining):
 * the repository's own condition (search-sql.ts) on the domain row's `id`. Unqualified, since a domain search reads
 * one table and the name inside each lookup subquery is the lookup's own. Its values are escaped into the SQL, since
 * a domain search is a Sequelize `where`, which has no place for bound values.
 */
export function lookupWhere(
  db: Database, type: string, param: IndexedParameter, modifier: string | undefined, value: string, baseUrl: string,
): WhereOptions {
  const any = value.split(',').filter((v) => v !== '').map((v) => conditionOf(type, param, modifier, v, baseUrl, 'id'));
  if (!any.length) throw new Invalid('invalid-search', `Search parameter ${param.code} has no value.`, [{ expression: param.code, message: 'empty' }]);
  const binds = any.flatMap((condition) => condition.binds) as Array<string | number | Date>;
  let next = 0;
  const sql = any.map((condition) => condition.sql).join(' OR ').replace(/\?/g, () => db.sequelize.escape(binds[next++]));
  return literal(`(${sql})`);
}
