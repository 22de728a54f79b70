import type { ParametersParameter } from '@medplum/fhirtypes';
import { Invalid } from '../http/errors.js';

/**
 * The `parameter` list of a Parameters body (hl7.org/fhir/R4/parameters.html), checked for shape: each one an
 * object with a name. The body is the client's JSON, so `parameter: [null]` or `name: 1` is a 400, not a crash.
 */
export function parameterList(body: unknown): ParametersParameter[] {
  const list = (body as { parameter?: unknown } | null | undefined)?.parameter;
  if (list === undefined) return [];
  if (!Array.isArray(list)) {
    throw new Invalid('invalid-parameters', 'Parameters.parameter must be an array.', [{ expression: 'Parameters.parameter', message: 'not an array' }]);
  }
  list.forEach((p: unknown, i) => {
    if (!p || typeof p !== 'object' || Array.isArray(p) || typeof (p as { name?: unknown }).name !== 'string') {
      throw new Invalid('invalid-parameters', `Parameters.parameter[${i}] must be an object with a name.`,
        [{ expression: `Parameters.parameter[${i}]`, message: 'not a named parameter' }]);
    }
  });
  return list as ParametersParameter[];
}
