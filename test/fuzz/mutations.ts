import fc from 'fast-check';
import type { Json } from './valid-inputs.js';

/** Text no route may accept: a lone surrogate or a control character (docs/api.md "Input rules"). */
export const illFormedText = fc.constantFrom('\u0000', 'a\u0000b', '\ud800', 'x\udfff', '\ud83d', '\u0007bell', 'tab\u000bvt', '\u001b[31m');

/** Keys that are properties of every plain object. */
export const prototypeKey = fc.constantFrom('__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'valueOf');

const oddText = fc.oneof(
  fc.constantFrom(
    '', ' ', 'x'.repeat(65), 'y'.repeat(256), 'z'.repeat(5000), '%', '_', '%_%', "' OR '1'='1", '"; DROP TABLE patients; --',
    '../../etc/passwd', '<script>alert(1)</script>', '\u202egnirts', '𝔘𝔫𝔦𝔠𝔬𝔡𝔢 😀', 'ß', 'null', 'undefined', 'NaN', '1e309', '-0',
    '2024-99', '2024-02-30', '2023-02-29', '2024-01-01T25:00:00Z', '2024-13-01T00:00:00+15:00', '0000-00-00', '9999-12-31T23:59:59Z',
    'ge2024-99-01', 'sa2024', 'Patient/', 'Patient/a b', 'http://evil.example/fhir/Patient/1', 'true', '0', '-1', '1.5', '\t\r\n',
  ),
  prototypeKey,
  fc.string({ maxLength: 30 }),
  fc.string({ unit: 'grapheme', maxLength: 12 }),
);

const oddNumber = fc.oneof(
  fc.constantFrom(0, -0, -1, 0.5, 1e308, -1e308, 2 ** 31, 2 ** 53 + 1, 1e-300, 10_000_000),
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
);

/** A JSON object with an own `__proto__` key (JSON.parse makes one; an assignment would set the prototype). */
const protoObject: fc.Arbitrary<Json> = fc.constant(JSON.parse('{"__proto__":{"role":"admin"},"constructor":{"prototype":{"x":1}}}') as Json);

/** A value of any JSON type, odd more often than not. */
export const oddValue: fc.Arbitrary<Json> = fc.oneof(
  oddText, oddNumber, fc.boolean(), fc.constant(null), fc.constant([] as Json[]), fc.constant({} as Json), protoObject,
  fc.jsonValue({ maxDepth: 2 }) as fc.Arbitrary<Json>,
  fc.array(oddText, { maxLength: 3 }),
);

/** A path id that is not a FHIR id (each must be refused, whichever route it reaches). */
export const badId = fc.constantFrom(
  'a%00b', '%00', '%ED%A0%80', 'a%20b', 'x'.repeat(65), '__proto__', '%E2%82%AC', "1'%20OR%20'1'%3D'1", 'a%3Bb', 'a,b', '%C3%BC', '*', 'a~b',
);

/** Where a body mutation applies: the path of a value inside the body, as keys/indexes. */
export type JsonPath = Array<string | number>;

export function pathsOf(value: Json, path: JsonPath = [], out: JsonPath[] = []): JsonPath[] {
  out.push(path);
  if (Array.isArray(value)) value.forEach((v, i) => pathsOf(v, [...path, i], out));
  else if (value && typeof value === 'object') for (const [k, v] of Object.entries(value)) pathsOf(v, [...path, k], out);
  return out;
}

/** Sets an own property, even `__proto__`, the way JSON.parse would. */
function setOwn(target: Record<string, Json> | Json[], key: string | number, value: Json): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

export type BodyMutation =
  | { kind: 'replace'; at: number; value: Json }
  | { kind: 'delete'; at: number }
  | { kind: 'add-key'; at: number; key: string; value: Json }
  | { kind: 'ill-formed'; at: number; text: string }
  | { kind: 'whole'; value: Json };

export const bodyMutation: fc.Arbitrary<BodyMutation> = fc.oneof(
  fc.record({ kind: fc.constant('replace' as const), at: fc.nat(), value: oddValue }),
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('add-key' as const), at: fc.nat(), key: fc.oneof(prototypeKey, fc.string({ maxLength: 10 })), value: oddValue }),
  fc.record({ kind: fc.constant('ill-formed' as const), at: fc.nat(), text: illFormedText }),
  fc.record({ kind: fc.constant('whole' as const), value: oddValue }),
);

/** The body after one mutation (the input is not changed). */
export function mutateBody(body: Json, mutation: BodyMutation): Json {
  if (mutation.kind === 'whole') return mutation.value;
  const copy = JSON.parse(JSON.stringify(body)) as Json;
  const paths = pathsOf(copy);
  const path = paths[mutation.at % paths.length];
  const parentOf = (p: JsonPath) => p.slice(0, -1).reduce<Json>((node, k) => (node as Record<string, Json>)[k as string], copy);
  if (mutation.kind === 'ill-formed') {
    // Into a string value when there is one at the path, else as a new key of the nearest object (or the whole body).
    const target = path.reduce<Json>((node, k) => (node as Record<string, Json>)[k as string], copy);
    if (typeof target === 'string' && path.length) {
      setOwn(parentOf(path) as Record<string, Json>, path[path.length - 1], `${target}${mutation.text}`);
      return copy;
    }
    if (target && typeof target === 'object' && !Array.isArray(target)) {
      setOwn(target, `k${mutation.text}`, 'v');
      return copy;
    }
    return mutation.text;
  }
  if (mutation.kind === 'add-key') {
    const target = path.reduce<Json>((node, k) => (node as Record<string, Json>)[k as string], copy);
    if (target && typeof target === 'object' && !Array.isArray(target)) setOwn(target, mutation.key, mutation.value);
    else if (path.length === 0) return { [mutation.key]: mutation.value };
    return copy;
  }
  if (path.length === 0) return mutation.kind === 'replace' ? mutation.value : {};
  const parent = parentOf(path) as Record<string, Json> | Json[];
  const key = path[path.length - 1];
  if (mutation.kind === 'replace') setOwn(parent, key, mutation.value);
  else if (Array.isArray(parent)) parent.splice(Number(key), 1);
  else delete parent[key as string];
  return copy;
}

/** Control characters survive percent-encoding; a lone surrogate cannot be sent in a URL (it has no UTF-8). */
const illFormedInUrl = illFormedText.filter((text) => !/\p{Cs}/u.test(text));

export type QueryMutation =
  | { kind: 'none' }
  | { kind: 'set'; name: string; value: string }
  | { kind: 'ill-formed'; name: string; text: string }
  | { kind: 'cursor'; json: Json }
  | { kind: 'repeat'; name: string };

const queryName = fc.oneof(fc.constantFrom('_count', '_sort', '_include', '_revinclude', 'date', 'patient', 'code', 'name', 'limit', 'from', 'to',
  'status', 'since', 'before', '_since', '_type', 'after', 'birthdate', '_lastUpdated', '_id', 'name:exact', 'code:contains', 'patient:Patient'), prototypeKey);

export const queryMutation: fc.Arbitrary<QueryMutation> = fc.oneof(
  fc.constant({ kind: 'none' as const }),
  fc.record({ kind: fc.constant('set' as const), name: queryName, value: oddText }),
  fc.record({ kind: fc.constant('ill-formed' as const), name: queryName, text: illFormedInUrl }),
  fc.record({ kind: fc.constant('cursor' as const), json: fc.oneof(oddValue, fc.record({ v: oddValue, id: oddValue })) }),
  fc.record({ kind: fc.constant('repeat' as const), name: queryName }),
);

/** The query string after one mutation, percent-encoded. */
export function mutatedQuery(query: Record<string, string>, mutation: QueryMutation): string {
  const pairs = Object.entries(query).map(([k, v]) => [k, v]);
  if (mutation.kind === 'set') pairs.push([mutation.name, mutation.value]);
  if (mutation.kind === 'ill-formed') pairs.push([mutation.name, `x${mutation.text}`]);
  if (mutation.kind === 'cursor') pairs.push(['_cursor', Buffer.from(JSON.stringify(mutation.json) ?? 'null').toString('base64url')]);
  if (mutation.kind === 'repeat') pairs.push([mutation.name, 'a'], [mutation.name, 'b']);
  return pairs.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&');
}


/** Request headers a route reads, with odd values (printable ASCII: a NUL cannot travel in a header). */
export const headerMutation = fc.option(fc.record({
  name: fc.constantFrom('If-Match', 'If-None-Exist', 'Prefer'),
  value: fc.oneof(
    fc.constantFrom('W/"1"', '"999999999999999999999"', 'W/"x"', '*', 'identifier=a', 'Patient?name=A', 'date=2024-99', '_cursor=bnVsbA',
      'constructor=1', '__proto__=x', 'return=minimal', 'return=OperationOutcome', 'handling=strict', 'handling=lenient', 'x'.repeat(2000)),
    fc.string({ maxLength: 40 }).filter((v) => /^[\x20-\x7e]*$/.test(v)),
  ),
}), { nil: undefined, freq: 3 });
