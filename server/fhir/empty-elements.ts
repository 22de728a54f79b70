import type { ErrorDetail } from '../http/errors.js';

/**
 * hl7.org/fhir/R4/json.html: an element is present only with a value, so `{}` and `[]` never appear in a
 * resource. The R4 validator passes over them silently; the mappings then meet `name: {}` where they expect an
 * array. The first one found, with its path.
 */
export function emptyElementIssue(resource: unknown, type: string): ErrorDetail | undefined {
  // An explicit stack: the depth of a body is the client's choice.
  const stack: Array<[unknown, string]> = [[resource, type]];
  while (stack.length) {
    const [value, path] = stack.pop()!;
    if (Array.isArray(value)) {
      if (value.length === 0) return { expression: path, message: 'an empty array is not allowed (leave the element out)' };
      value.forEach((item, i) => stack.push([item, `${path}[${i}]`]));
    } else if (value && typeof value === 'object') {
      const entries = Object.entries(value);
      if (entries.length === 0) return { expression: path, message: 'an empty object is not allowed (leave the element out)' };
      for (const [key, child] of entries) stack.push([child, `${path}.${key}`]);
    }
  }
  return undefined;
}
