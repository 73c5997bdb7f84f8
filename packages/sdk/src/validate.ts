/**
 * Option validation with zod. Mirrors the core's rules (which stay authoritative) so callers
 * get an early `BurnError('INVALID_ARGUMENT')` naming the field, in the core's wording.
 */
import type { z } from 'zod';
import { BurnError } from './errors.js';

/** Parses `input` with `schema` or throws `INVALID_ARGUMENT` naming the first bad field. */
export function parseOptions<S extends z.ZodType>(fn: string, schema: S, input: unknown): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  if (!issue) throw new BurnError('INVALID_ARGUMENT', `${fn}: invalid options`, { field: 'options' });
  let field = issue.path.map(String).join('.');
  let message = issue.message;
  if (issue.code === 'invalid_key') {
    // A bad record key is a problem of the record itself (the core names the record too).
    field = issue.path.slice(0, -1).map(String).join('.');
    message = issue.issues[0]?.message ?? message;
  } else if (issue.code === 'unrecognized_keys') {
    const key = issue.keys[0] ?? '';
    field = field ? `${field}.${key}` : key;
    message = 'is not a known option';
  } else if (issue.code === 'invalid_type' && issue.path.length === 0) {
    field = 'options';
    message = 'must be an object';
  }
  if (!field) field = 'options';
  throw new BurnError('INVALID_ARGUMENT', `${fn}: ${field}: ${message}`, { field });
}
