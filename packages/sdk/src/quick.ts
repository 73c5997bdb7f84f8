/**
 * Options recognised as valid without zod, for the calls made on every `burn` command and
 * status-line refresh (`statusline`, `summary`, `ingest`, `sessionCost`, `budgetStatus`, `status`,
 * `budgets`), and for a launcher's `ingest` with its own roots (loading zod costs about 50 ms). Each predicate is a *sufficient* condition for the function's zod schema to
 * accept the value unchanged: well-formed strings, booleans, functions. Like the schemas, it
 * checks shape only — the core checks every value. It never rejects anything: options with
 * another key or another shape go to zod, which decides and words those errors. So a call
 * that passes here behaves exactly as after zod (which returns these options as they are).
 * `test/startup.test.ts` checks that each predicate implies zod's acceptance.
 */

type Check = (v: unknown) => boolean;

const LONE_SURROGATE = /\p{Cs}/u;

/** A string the binding can convert (no lone surrogate); its value is the core's to judge. */
const str: Check = (v) => typeof v === 'string' && !LONE_SURROGATE.test(v);
const optional =
  (check: Check): Check =>
  (v) =>
    v === undefined || check(v);

/** Keys of the schema that take the zod path whenever they are given. */
const absent: Check = (v) => v === undefined;

const text = optional(str);
const bool = optional((v) => typeof v === 'boolean');

/** An array of strings the binding can convert (the core judges each value); holes are not. */
const strings: Check = (v) => {
  if (!Array.isArray(v)) return false;
  for (let i = 0; i < v.length; i++) if (!str(v[i])) return false;
  return true;
};

/**
 * Roots by harness: a plain object whose every value is a list of paths or undefined. Its keys
 * are the core's to judge, as under zod.
 */
const roots: Check = (v) => {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v);
  if (proto !== Object.prototype && proto !== null) return false;
  return Object.values(v).every((list) => list === undefined || strings(list));
};

/**
 * Per SDK function: every key of its schema and what the fast path accepts there (zod refuses
 * unknown keys even when undefined, so an unlisted key goes to zod).
 */
export const QUICK: Readonly<Record<string, Readonly<Record<string, Check>>>> = {
  status: { ledgerHome: text },
  budgets: { ledgerHome: text },
  summary: {
    since: text,
    until: text,
    harness: text,
    session: text,
    descendants: bool,
    model: text,
    project: text,
    tags: absent,
    groupBy: text,
    timezone: text,
    weekStart: text,
    ledgerHome: text,
  },
  sessionCost: { sessionId: str, descendants: bool, ledgerHome: text },
  budgetStatus: {
    tags: absent,
    harness: text,
    project: text,
    timezone: text,
    weekStart: text,
    ledgerHome: text,
  },
  statusline: {
    input: optional((v) => typeof v === 'string'),
    json: bool,
    timezone: text,
    utc: bool,
    weekStart: text,
    ledgerHome: text,
  },
  ingest: {
    harnesses: optional(strings),
    roots: optional(roots),
    sessionFile: text,
    contentMode: text,
    onProgress: optional((v) => typeof v === 'function'),
    signal: optional((v) => v instanceof AbortSignal),
    ledgerHome: text,
  },
};

/** True when `fn`'s schema certainly accepts `input` and would return it unchanged. */
export function quickAccepts(fn: string, input: unknown): boolean {
  const checks = Object.hasOwn(QUICK, fn) ? QUICK[fn] : undefined;
  if (checks === undefined || typeof input !== 'object' || input === null) return false;
  const proto = Object.getPrototypeOf(input);
  if (proto !== Object.prototype && proto !== null) return false;
  const record = input as Record<string, unknown>;
  for (const key of Object.keys(record)) if (!Object.hasOwn(checks, key)) return false;
  for (const [key, check] of Object.entries(checks)) if (!check(record[key])) return false;
  return true;
}
