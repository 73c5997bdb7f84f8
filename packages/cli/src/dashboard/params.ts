/**
 * The dashboard API's query strings as SDK options: parameters are named like the options
 * (`tag=k=v` repeatable → `tags`; `groupBy` repeatable or comma-separated; `limit`, `flat`,
 * `descendants` as numbers and booleans). Only the shape is converted here: the SDK validates
 * every value and words every error.
 */
import { BurnError } from '@relayburn/sdk';

const SUMMARY = [
  'since',
  'until',
  'harness',
  'project',
  'session',
  'descendants',
  'model',
  'tag',
  'groupBy',
  'timezone',
  'weekStart',
];
const SESSIONS = ['since', 'until', 'harness', 'project', 'tag', 'limit', 'flat', 'timezone', 'weekStart'];

/** Parameters each endpoint takes (`session/:id` takes none). */
export const PARAMS: Readonly<Record<'summary' | 'sessions', readonly string[]>> = {
  summary: SUMMARY,
  sessions: SESSIONS,
};

const invalid = (field: string, message: string) =>
  new BurnError('INVALID_ARGUMENT', `${field}: ${message}`, { field });

function flag(v: string): boolean | string {
  if (v === 'true' || v === '1' || v === '') return true;
  if (v === 'false' || v === '0') return false;
  return v; // the SDK refuses it, naming the field
}

/** The SDK options for `endpoint` from a query string; unknown or repeated parameters are refused. */
export function optionsFrom(
  endpoint: 'summary' | 'sessions',
  query: URLSearchParams,
): Record<string, unknown> {
  const allowed = PARAMS[endpoint];
  const o: Record<string, unknown> = {};
  for (const name of new Set(query.keys())) {
    if (!allowed.includes(name)) throw invalid(name, `unknown parameter (expected ${allowed.join(', ')})`);
    const values = query.getAll(name);
    if (name === 'tag') {
      const tags: Record<string, string> = {};
      for (const pair of values.flatMap((v) => v.split(','))) {
        const eq = pair.indexOf('=');
        if (eq <= 0) throw invalid('tags', `expected key=value, got '${pair}'`);
        Object.defineProperty(tags, pair.slice(0, eq), {
          value: pair.slice(eq + 1),
          enumerable: true,
          writable: true,
          configurable: true,
        });
      }
      o.tags = tags;
      continue;
    }
    if (name === 'groupBy') {
      const dims = values.flatMap((v) => v.split(',')).filter((d) => d.length > 0);
      o.groupBy = dims.length === 1 ? dims[0] : dims;
      continue;
    }
    if (values.length > 1) throw invalid(name, 'given more than once');
    const v = values[0] ?? '';
    if (name === 'limit') o.limit = /^\d{1,15}$/.test(v) ? Number(v) : v;
    else if (name === 'flat' || name === 'descendants') o[name] = flag(v);
    else o[name] = v;
  }
  return o;
}
