import { Invalid } from '../../http/errors.js';
import { AccessRefused } from '../access.js';
import { definitionOf, type FhirContext } from '../registry.js';
import { assertTypeReach, searchAccessSql } from './access-rule.js';
import { indexedParametersOf, type IndexedParameter } from './r4-search-parameters.js';
import { conditionOf, type Sql } from './search-sql.js';

/**
 * Chaining and reverse chaining, one level (search.html#chaining, #has): a parameter evaluated on the resources
 * a reference points at, or on the resources that point here, as a subquery over fhir_references and the other
 * type's lookup tables. The other type's resources pass the caller's access rule inside the subquery, so a chain
 * never tells a caller anything about a resource they may not read.
 */

/** Whether the repository stores `type` (its lookup rows are in fhir_*); a domain type still in its own table is not. */
export const isStoredInRepository = (type: string): boolean => definitionOf(type)?.store !== undefined;

/** Whether the caller's role and scope reach the type at all (access-rule.ts); no audit, nothing thrown. */
export function mayRead(ctx: FhirContext, type: string): boolean {
  try {
    assertTypeReach(ctx, type, 'read');
    return true;
  } catch (error) {
    if (error instanceof AccessRefused) return false;
    throw error;
  }
}

/** The ids of the resources of `type` that the caller may read and that meet `condition` (a condition on `r`). */
export function readableIds(ctx: FhirContext, type: string, condition: Sql): Sql {
  const access = searchAccessSql(ctx, type);
  return {
    sql: `SELECT r.id FROM fhir_resources r WHERE r.resourceType = ? AND r.deleted = 0 AND ${condition.sql}${access ? ` AND ${access}` : ''}`,
    binds: [type, ...condition.binds],
  };
}

const NOTHING: Sql = { sql: '1 = 0', binds: [] };

/** A parameter this server does not chain or reverse-chain: the caller decides whether it is a warning or a 400. */
export class UnsupportedChain extends Error {}

function referenceParameter(type: string, code: string): IndexedParameter | undefined {
  return indexedParametersOf(type).find((p) => p.code === code && p.kind === 'reference');
}

/**
 * `subject:Patient.name=x`, `patient.identifier=x` (key without the value): the resources whose reference points
 * at a readable resource of a target type that has the chained parameter. Without `:Type`, every target type
 * of the reference that the repository stores and that has the parameter counts.
 */
export function chainSql(ctx: FhirContext, type: string, key: string, value: string): Sql {
  const dot = key.indexOf('.');
  if (key.indexOf('.', dot + 1) >= 0) throw new UnsupportedChain('chains one level only');
  const [referenceCode, targetType, ...rest] = key.slice(0, dot).split(':');
  const [chainedCode, modifier, ...more] = key.slice(dot + 1).split(':');
  const reference = referenceParameter(type, referenceCode);
  if (!reference || rest.length || more.length) throw new UnsupportedChain('chains one level through a reference parameter');
  if (targetType && !reference.targets.includes(targetType)) throw new UnsupportedChain(`${referenceCode} does not refer to ${targetType}`);
  const targets = (targetType ? [targetType] : reference.targets)
    .map((target) => ({ target, param: indexedParametersOf(target).find((p) => p.code === chainedCode) }))
    .filter((t): t is { target: string; param: IndexedParameter } => !!t.param && isStoredInRepository(t.target));
  if (!targets.length) throw new UnsupportedChain(`no type ${referenceCode} refers to that this repository stores has a parameter ${chainedCode}`);
  const each = targets.filter(({ target }) => mayRead(ctx, target)).map(({ target, param }) => {
    const inner = readableIds(ctx, target, conditionOf(target, param, modifier, value, ctx.baseUrl));
    return {
      sql: 'r.id IN (SELECT ref.resourceId FROM fhir_references ref WHERE ref.resourceType = ? AND ref.code = ? AND ref.targetType = ? '
        + `AND ref.targetId IN (${inner.sql}))`,
      binds: [type, referenceCode, target, ...inner.binds],
    };
  });
  if (!each.length) return NOTHING;
  return { sql: `(${each.map((c) => c.sql).join(' OR ')})`, binds: each.flatMap((c) => c.binds) };
}

/**
 * `_has:Observation:patient:code=x` (search.html#has): the resources that a readable resource of the other type
 * refers to through its reference parameter, where that resource meets the parameter. One level.
 */
export function hasSql(ctx: FhirContext, type: string, key: string, value: string): Sql {
  const [, sourceType, referenceCode, code, modifier, ...more] = key.split(':');
  if (!sourceType || !referenceCode || !code || more.length) {
    throw new Invalid('invalid-search', `${key} is not _has:Type:reference:parameter.`, [{ expression: key, message: 'malformed _has' }]);
  }
  if (!isStoredInRepository(sourceType)) throw new UnsupportedChain(`${sourceType} is not stored in the repository`);
  const reference = referenceParameter(sourceType, referenceCode);
  if (!reference?.targets.includes(type)) throw new UnsupportedChain(`${sourceType}.${referenceCode} does not refer to ${type}`);
  const param = indexedParametersOf(sourceType).find((p) => p.code === code);
  if (!param) throw new UnsupportedChain(`${sourceType} has no parameter ${code} (nested _has is not supported)`);
  if (!mayRead(ctx, sourceType)) return NOTHING;
  const inner = readableIds(ctx, sourceType, conditionOf(sourceType, param, modifier, value, ctx.baseUrl));
  return {
    sql: 'r.id IN (SELECT ref.targetId FROM fhir_references ref WHERE ref.resourceType = ? AND ref.code = ? AND ref.targetType = ? '
      + `AND ref.resourceId IN (${inner.sql}))`,
    binds: [sourceType, referenceCode, type, ...inner.binds],
  };
}
