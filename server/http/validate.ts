import type { z } from 'zod';
import { Invalid } from './errors.js';

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
