import type { Resource } from '@medplum/fhirtypes';
import { Invalid } from '../../http/errors.js';
import { SUMMARY_ELEMENTS } from './search-summary-elements.js';

/**
 * `_summary` and `_elements` (search.html#summary, #elements): what a search returns of each resource. A resource
 * given back with less than it holds is marked SUBSETTED in `meta.tag`, as the specification requires, so that no
 * client stores it back as if it were whole. The elements each type keeps come from its StructureDefinition
 * (isSummary; min ≥ 1 for the mandatory ones), generated into search-summary-elements.ts.
 */
export type SummaryMode = 'true' | 'text' | 'data' | 'count' | 'false';
const MODES = new Set<string>(['true', 'text', 'data', 'count', 'false']);

export interface Subsetting { summary?: SummaryMode; elements?: string[] }

/** v3 ObservationValue SUBSETTED (search.html#summary). */
export const SUBSETTED = { system: 'http://terminology.hl7.org/CodeSystem/v3-ObservationValue', code: 'SUBSETTED', display: 'subsetted' };

/** The `_summary` and `_elements` of a query; a value the specification does not define is a 400. */
export function subsettingOf(summary: string | undefined, elements: string | undefined): Subsetting {
  if (summary !== undefined && !MODES.has(summary)) {
    throw new Invalid('invalid-search', `_summary must be true, text, data, count or false, not "${summary}".`, [{ expression: '_summary', message: 'unknown value' }]);
  }
  const names = elements?.split(',').map((name) => name.trim()).filter(Boolean);
  if (names && !names.length) throw new Invalid('invalid-search', '_elements names no element.', [{ expression: '_elements', message: 'empty' }]);
  if (names && summary !== undefined && summary !== 'false') {
    throw new Invalid('invalid-search', 'Use either _summary or _elements, not both.', [{ expression: '_elements', message: 'with _summary' }]);
  }
  return { ...(summary ? { summary: summary as SummaryMode } : {}), ...(names ? { elements: names } : {}) };
}

/** Whether the JSON key `key` (or its primitive extension `_key`) is the element `name` (`value[x]` → `valueQuantity`). */
function isElement(key: string, name: string): boolean {
  const bare = key.startsWith('_') ? key.slice(1) : key;
  if (!name.endsWith('[x]')) return bare === name;
  const stem = name.slice(0, -3);
  return bare.startsWith(stem) && /^[A-Z]/.test(bare.slice(stem.length));
}

function keeping(resource: Resource, names: readonly string[]): Resource {
  const kept = Object.entries(resource).filter(([key]) => key === 'resourceType' || names.some((name) => isElement(key, name)));
  return Object.fromEntries(kept) as unknown as Resource;
}

function marked(resource: Resource): Resource {
  const meta = resource.meta ?? {};
  return { ...resource, meta: { ...meta, tag: [...(meta.tag ?? []), SUBSETTED] } };
}

/** The resource as the search returns it: whole, or the subset asked for, marked SUBSETTED. */
export function subsetOf(resource: Resource, subsetting: Subsetting): Resource {
  const { summary, elements } = subsetting;
  const known = SUMMARY_ELEMENTS[resource.resourceType] ?? { summary: ['id', 'meta'], required: [] };
  const always = ['id', 'meta'];
  if (elements) return marked(keeping(resource, [...always, ...known.required, ...elements]));
  switch (summary) {
    case 'true': return marked(keeping(resource, [...always, ...known.summary]));
    case 'text': return marked(keeping(resource, [...always, 'text', ...known.required]));
    case 'data': {
      const withoutText: Record<string, unknown> = { ...resource };
      delete withoutText.text;
      return marked(withoutText as unknown as Resource);
    }
    default: return resource;
  }
}
