import { z } from 'zod';
import { Invalid } from './errors.js';
import { FHIR_ID } from './input-rules.js';

/** An id in a body or query, checked like a path id (docs/api.md "Input rules") before it reaches a query. */
export const idInput = z.string().regex(FHIR_ID, 'not an id: 1 to 64 letters, digits, "-" or "."');

/** Parses input with a schema; a failure is a 400 whose details name each bad field. */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown, where = 'body'): z.infer<S> {
  const result = schema.safeParse(input ?? {});
  if (result.success) return result.data;
  const details = result.error.issues.map((issue) => ({
    expression: [where, ...issue.path.map(String)].join('.'),
    message: issue.message,
  }));
  throw new Invalid('invalid-input', `The request ${where} is not valid: ${details.map((d) => `${d.expression}: ${d.message}`).join('; ')}`, details);
}
