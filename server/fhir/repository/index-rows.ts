import { EmptySetAtom, evalFhirPathTyped, FhirPathAtom, toTypedValue, UnionAtom, type TypedValue } from '@medplum/core';
import type { Resource } from '@medplum/fhirtypes';
import type { LookupModelName } from '../../../db/models/fhir-repository.js';
import { dateRange } from '../search-params.js';
import {
  compartmentParamsOf, indexedParametersOf, type Component, type ComponentKind, type ElementPath, type IndexedParameter,
} from './r4-search-parameters.js';

/**
 * The lookup rows of a resource (search.html): what each of its type's official search parameters selects,
 * turned into rows the database compares. Computed at write time and written in the write's transaction, so a
 * search is a query over indexes and never a scan of resources in JavaScript.
 */
export type LookupRows = Record<LookupModelName, Record<string, unknown>[]>;

/** A lookup value column holds 255 characters; longer values are compared on their first 255 (docs/fhir.md). */
export const MAX_VALUE = 255;
const cut = (value: string) => value.slice(0, MAX_VALUE);

/** Lower case without accents, as string search compares (search.html#string: case and accent insensitive). */
export function normalise(value: string): string {
  return cut(value.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase());
}

/** Outside the range MySQL's DATETIME holds, an open end of a Period is stored as these. */
export const EARLIEST = new Date('1000-01-01T00:00:00.000Z');
export const LATEST = new Date('9999-12-31T23:59:59.999Z');

/** An instant within what DATETIME holds (the end of 9999-12-31 is 10000-01-01, one past it). */
export const clamped = (date: Date): Date => (date > LATEST ? LATEST : date < EARLIEST ? EARLIEST : date);

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json => !!value && typeof value === 'object' && !Array.isArray(value);
const text = (value: unknown): string | undefined => (typeof value === 'string' && value !== '' ? value : undefined);

/** A relative reference `Type/id` (or `Type/id/_history/n`); anything else (absolute, urn:uuid, canonical) is kept whole. */
export const RELATIVE_REFERENCE = /^([A-Z][A-Za-z]{0,63})\/([A-Za-z0-9\-.]{1,64})(?:\/_history\/[A-Za-z0-9\-.]{1,64})?$/;

function stringValues(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap(stringValues);
  if (isObject(value)) return Object.entries(value).filter(([key]) => key !== 'extension' && key !== 'id').flatMap(([, v]) => stringValues(v));
  return [];
}

interface Token { system: string | null; value: string | null; text: string | null }

function tokens(value: unknown): Token[] {
  if (typeof value === 'string' || typeof value === 'boolean' || typeof value === 'number') return [{ system: null, value: String(value), text: null }];
  if (!isObject(value)) return [];
  if (Array.isArray(value.coding) || text(value.text)) {
    const codings = (Array.isArray(value.coding) ? value.coding : []).flatMap(tokens);
    return text(value.text) ? [...codings, { system: null, value: null, text: value.text as string }] : codings;
  }
  const code = text(value.code) ?? text(value.value);
  const display = text(value.display) ?? (isObject(value.type) ? text(value.type.text) : undefined);
  if (code === undefined && display === undefined) return [];
  return [{ system: text(value.system) ?? null, value: code ?? null, text: display ?? null }];
}

function dateRanges(value: unknown): Array<{ start: Date; end: Date }> {
  const of = (date: unknown) => {
    if (typeof date !== 'string') return undefined;
    try {
      return dateRange(date, 'date');
    } catch {
      return undefined; // a year before 1000 cannot be indexed (MySQL's DATETIME); the resource is stored all the same
    }
  };
  if (typeof value === 'string') {
    const range = of(value);
    return range ? [{ start: range.start, end: range.end }] : [];
  }
  if (!isObject(value)) return [];
  if ('start' in value || 'end' in value) {
    return [{ start: of(value.start)?.start ?? EARLIEST, end: of(value.end)?.end ?? LATEST }];
  }
  const repeat = isObject(value.repeat) ? value.repeat : {};
  const bounds = repeat.boundsPeriod ?? (typeof repeat.boundsDateTime === 'string' ? repeat.boundsDateTime : undefined);
  return [...(Array.isArray(value.event) ? value.event.flatMap(dateRanges) : []), ...(bounds ? dateRanges(bounds) : [])];
}

function quantities(value: unknown): Array<{ value: number; system: string | null; unit: string | null }> {
  if (typeof value === 'number') return [{ value, system: null, unit: null }];
  if (!isObject(value)) return [];
  if (isObject(value.low) || isObject(value.high)) return [value.low, value.high].flatMap(quantities);
  if (typeof value.value !== 'number') return [];
  if (typeof value.currency === 'string') return [{ value: value.value, system: 'urn:iso:std:iso:4217', unit: value.currency }];
  return [{ value: value.value, system: text(value.system) ?? null, unit: text(value.code) ?? text(value.unit) ?? null }];
}

function referenceOf(value: unknown): { targetType: string | null; targetId: string } | undefined {
  const reference = typeof value === 'string' ? value : isObject(value) ? text(value.reference) : undefined;
  if (!reference) return undefined;
  const relative = RELATIVE_REFERENCE.exec(reference);
  return relative ? { targetType: relative[1], targetId: relative[2] } : { targetType: null, targetId: cut(reference) };
}

/**
 * Where a reference's `identifier` (a logical reference, references.html#logical) is indexed: as a token of the
 * code `<parameter>:identifier` in fhir_tokens, which `subject:identifier=system|value` searches.
 */
export const identifierCode = (code: string): string => `${code}:identifier`;

type CompositeColumns = Partial<Record<'system2' | 'value2' | 'number2' | 'unit2' | 'start2' | 'end2', unknown>>;
const NO_SECOND = { system2: null, value2: null, number2: null, unit2: null, start2: null, end2: null };

/** The second component's values as the columns of fhir_composites hold them (the first is always a token). */
function secondColumns(kind: ComponentKind, values: unknown[]): CompositeColumns[] {
  switch (kind) {
    case 'token': return values.flatMap(tokens).filter((t) => t.value !== null).map((t) => ({ system2: t.system && cut(t.system), value2: cut(t.value!) }));
    case 'string': return values.flatMap(stringValues).map((v) => ({ value2: normalise(v) }));
    case 'uri': return values.filter((v): v is string => typeof v === 'string').map((v) => ({ value2: cut(v) }));
    case 'reference': return values.map(referenceOf).filter((r) => !!r).map((r) => ({ value2: r.targetType ? `${r.targetType}/${r.targetId}` : r.targetId }));
    case 'date': return values.flatMap(dateRanges).map((range) => ({ start2: clamped(range.start), end2: clamped(range.end) }));
    case 'number': case 'quantity': return values.flatMap(quantities).map((q) => ({ number2: q.value, system2: q.system, unit2: q.unit }));
  }
}

/** A composite parameter: for each item its expression selects, every pair of its two components' values. */
function compositeRows(param: IndexedParameter, expression: FhirPathAtom, focus: TypedValue, rows: LookupRows, key: Json): void {
  const [first, second] = param.components!;
  for (const item of evalFhirPathTyped(expression, [focus])) {
    const of = (component: Component) => evalFhirPathTyped(component.expression, [item]).map((typed: TypedValue) => typed.value as unknown);
    const codes = of(first).flatMap(tokens).filter((t) => t.value !== null);
    const seconds = secondColumns(second.kind, of(second));
    for (const t of codes) {
      for (const columns of seconds) {
        rows.FhirComposite.push({ ...key, code: param.code, system: t.system && cut(t.system), value: cut(t.value!), ...NO_SECOND, ...columns });
      }
    }
  }
}

function rowsOf(param: IndexedParameter, values: unknown[], rows: LookupRows, key: Json): void {
  const code = { ...key, code: param.code };
  switch (param.kind) {
    case 'string':
      for (const s of values.flatMap(stringValues)) rows.FhirString.push({ ...code, value: normalise(s), exact: cut(s) });
      break;
    case 'token':
      for (const t of values.flatMap(tokens)) {
        rows.FhirToken.push({ ...code, system: t.system && cut(t.system), value: t.value && cut(t.value), text: t.text && normalise(t.text) });
      }
      break;
    case 'date':
      for (const range of values.flatMap(dateRanges)) rows.FhirDate.push({ ...code, start: clamped(range.start), end: clamped(range.end) });
      break;
    case 'reference':
      for (const reference of values.map(referenceOf)) if (reference) rows.FhirReference.push({ ...code, ...reference });
      for (const t of values.filter(isObject).flatMap((v) => tokens(v.identifier))) {
        rows.FhirToken.push({ ...code, code: identifierCode(param.code), system: t.system && cut(t.system), value: t.value && cut(t.value), text: t.text && normalise(t.text) });
      }
      break;
    case 'number':
    case 'quantity':
      for (const q of values.flatMap(quantities)) rows.FhirQuantity.push({ ...code, ...q });
      break;
    case 'uri':
      for (const uri of values.filter((v): v is string => typeof v === 'string')) rows.FhirUri.push({ ...code, value: cut(uri) });
      break;
  }
}

/** What an expression selects in a resource (plain JSON values, as stored), the resource wrapped once by the caller. */
function valuesOf(expression: FhirPathAtom, focus: TypedValue): unknown[] {
  return evalFhirPathTyped(expression, [focus]).map((typed: TypedValue) => typed.value as unknown);
}

/**
 * The rows one parameter adds for what it selects in `focus` (the resource, wrapped by `toTypedValue`): by its
 * expression, or by the parts of it the resource holds (`expressionFor`).
 */
export function addParameterRows(param: IndexedParameter, focus: TypedValue, rows: LookupRows, key: Json, expression = param.expression): void {
  if (param.components) compositeRows(param, expression, focus, rows, key);
  else rowsOf(param, valuesOf(expression, focus), rows, key);
}

export const emptyLookupRows = (): LookupRows => ({
  FhirToken: [], FhirString: [], FhirDate: [], FhirReference: [], FhirQuantity: [], FhirUri: [], FhirComposite: [], FhirCompartment: [],
});

/**
 * The names an element may be found by: `valueQuantity` and `_valueQuantity` (a primitive's extension) answer to
 * `valueQuantity` and to the choice `value` alike. @medplum/core finds `value` in `valueString` and, once the type
 * schemas are loaded, `valueQuantity` in `valueString` too (both are `value[x]`): an element and a path's step
 * match when any of their names do.
 */
function namesOf(element: string): string[] {
  const name = element.startsWith('_') ? element.slice(1) : element;
  const names = [name];
  for (let i = 1; i < name.length; i++) if (name[i] >= 'A' && name[i] <= 'Z') names.push(name.slice(0, i));
  return names;
}

const stepNames = new Map<string, string[]>();
const namesOfStep = (step: string): string[] => {
  let names = stepNames.get(step);
  if (!names) stepNames.set(step, names = namesOf(step));
  return names;
};

/**
 * Whether an element of this name may be the path's step: a name of each is the same and, where the step is cast
 * (`value as Quantity`), the element is of that type (`valueQuantity`) or named as the step itself.
 */
function mayBe(element: string, step: string, cast: string | undefined): boolean {
  const names = namesOf(element);
  if (!names.some((name) => namesOfStep(step).includes(name))) return false;
  return !cast || names[0] === step || names[0].endsWith(cast[0].toUpperCase() + cast.slice(1));
}

/** Whether `value` (an element, or a list of them) holds the elements of `path` from `at` on, any of them at each step. */
function holds(value: unknown, path: ElementPath, at: number): boolean {
  if (at === path.elements.length) return true;
  if (Array.isArray(value)) return value.some((item) => holds(item, path, at));
  if (!isObject(value)) return false;
  const cast = at === path.elements.length - 1 ? path.cast : undefined;
  return Object.keys(value).some((key) => mayBe(key, path.elements[at], cast) && holds(value[key], path, at + 1));
}

const holdsAny = (resource: Resource, paths: ElementPath[]): boolean => paths.some((path) => holds(resource, path, 0));

/** A union of some of a parameter's parts, by which of them (`'101'`), built once. */
const unionsOfParts = new WeakMap<IndexedParameter, Map<string, FhirPathAtom>>();

/**
 * The union of the parts a resource holds. A union drops duplicates even of one operand, so a single part stays
 * a union (with the empty set), and the values come in the order the whole expression gives them.
 */
function unionOfParts(param: IndexedParameter, held: boolean[]): FhirPathAtom {
  const key = held.map((h) => (h ? '1' : '0')).join('');
  let unions = unionsOfParts.get(param);
  if (!unions) unionsOfParts.set(param, unions = new Map());
  let union = unions.get(key);
  if (!union) {
    const atoms = param.parts!.filter((_, i) => held[i]).map((part) => part.atom);
    const child = atoms.length === 1 ? new UnionAtom(atoms[0], new EmptySetAtom()) : atoms.reduce((left, right) => new UnionAtom(left, right));
    unions.set(key, union = new FhirPathAtom(param.expression.original, child));
  }
  return union;
}

/**
 * What to evaluate for a parameter on this resource: its expression; the union of the parts of it the resource
 * holds; or nothing when it holds none of the element paths the expression starts from (the parameter would
 * select nothing). Expressions whose paths are unknown are always evaluated.
 */
function expressionFor(param: IndexedParameter, resource: Resource): FhirPathAtom | undefined {
  if (!param.parts) return !param.paths || holdsAny(resource, param.paths) ? param.expression : undefined;
  const held = param.parts.map((part) => holdsAny(resource, part.paths));
  if (held.every(Boolean)) return param.expression;
  return held.some(Boolean) ? unionOfParts(param, held) : undefined;
}

/** The parameters that may select something in the resource, each with what to evaluate. */
function parametersToEvaluate(resource: Resource): Array<[IndexedParameter, FhirPathAtom]> {
  return indexedParametersOf(resource.resourceType).flatMap((param): Array<[IndexedParameter, FhirPathAtom]> => {
    const expression = expressionFor(param, resource);
    return expression ? [[param, expression]] : [];
  });
}

const patientIdsOf = (references: Array<{ targetType: string | null; targetId: string } | undefined>): string[] =>
  [...new Set(references.filter((ref) => ref?.targetType === 'Patient').map((ref) => ref!.targetId))];

/**
 * The patients a resource belongs to: the Patient references of its compartment parameters
 * (compartmentdefinition-patient.json). Only relative references name one of our patients.
 */
export function patientsOf(resource: Resource): string[] {
  const params = new Set(compartmentParamsOf(resource.resourceType));
  const focus = toTypedValue(resource);
  return patientIdsOf(parametersToEvaluate(resource).filter(([param]) => params.has(param.code))
    .flatMap(([, expression]) => valuesOf(expression, focus).map(referenceOf)));
}

/**
 * Each parameter's expression is parsed once per type (r4-search-parameters.ts), the resource wrapped once, a
 * parameter none of whose element paths the resource holds is not evaluated, and of a union only the parts it
 * holds: FHIRPath evaluation is what a write spent its time on (docs/performance.md "Lookup rows"). The compartment is read from the reference rows, since every
 * compartment parameter of R4 is a reference parameter (test/unit/lookup-rows.test.ts holds that).
 */
export function lookupRowsOf(resource: Resource & { id: string }): LookupRows {
  const key = { resourceType: resource.resourceType, resourceId: resource.id };
  const rows = emptyLookupRows();
  const focus = toTypedValue(resource);
  for (const [param, expression] of parametersToEvaluate(resource)) addParameterRows(param, focus, rows, key, expression);
  const compartment = new Set(compartmentParamsOf(resource.resourceType));
  const references = rows.FhirReference.filter((row) => compartment.has(row.code as string)) as Array<{ targetType: string | null; targetId: string }>;
  rows.FhirCompartment = patientIdsOf(references).map((patientId) => ({ ...key, patientId }));
  return rows;
}
