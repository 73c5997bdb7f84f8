/**
 * Option validation with zod. Mirrors the core's rules (which stay authoritative) so callers
 * get an early `BurnError('INVALID_ARGUMENT')` naming the field, in the core's wording.
 *
 * zod and the schemas are loaded on first use, not at import: loading zod costs more than
 * starting Node, and the calls a command line or a status line makes every few seconds pass
 * options that `quick.ts` recognises as valid without it (a sufficient condition; anything
 * else, and every error, is zod's).
 */
import type { z } from 'zod';
import { BurnError } from './errors.js';
import { quickAccepts } from './quick.js';

type Schemas = typeof import('./schemas.js');
/** The name of a schema exported by `schemas.ts`. */
export type SchemaName = { [K in keyof Schemas]: Schemas[K] extends z.ZodType ? K : never }[keyof Schemas];

let schemas: Schemas | undefined;

/** A schema of `schemas.ts`, loading zod and building every schema on the first call. */
export function schema<K extends SchemaName>(name: K): Schemas[K] {
  schemas ??= require('./schemas.js') as Schemas;
  return schemas[name];
}

/**
 * Parses `input` with a schema (by name, loaded on first use) or throws `INVALID_ARGUMENT`
 * naming the first bad field. Options of `fn` that `quick.ts` accepts are returned as they are
 * (the schema would return them unchanged) without loading zod.
 */
export function parseOptions<K extends SchemaName>(fn: string, name: K, input: unknown): z.output<Schemas[K]>;
export function parseOptions<S extends z.ZodType>(fn: string, schema: S, input: unknown): z.output<S>;
export function parseOptions(fn: string, which: SchemaName | z.ZodType, input: unknown): unknown {
  if (quickAccepts(fn, input)) return input;
  const result = (typeof which === 'string' ? (schema(which) as z.ZodType) : which).safeParse(input);
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
