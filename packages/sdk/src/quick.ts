/**
 * Options recognised as valid without zod, for the calls made on every `burn` command and
 * status-line refresh (`summary`, `ingest`, `sessionCost`, `budgetStatus`, `status`,
 * `budgets`). Each predicate is a *sufficient* condition for the function's zod schema to
 * accept the value unchanged: plain strings, the simple forms of a time bound, booleans,
 * functions. It never rejects anything: options with another key, another shape or a value
 * outside these forms go to zod, which decides and words every error. So a call that passes
 * here behaves exactly as after zod (which returns these options as they are), and the core
 * validates again in any case. `test/startup.test.ts` checks that each predicate implies
 * zod's acceptance.
 */

type Check = (v: unknown) => boolean;

const CONTROL = /\p{Cc}/u;
const LONE_SURROGATE = /\p{Cs}/u;
const RELATIVE_OR_CALENDAR = /^(?:\d{1,9}(?:m|min|h|d|w|mo)|today|yesterday|this-week|this-month)$/;

/** A string of at most `max` UTF-16 units, not blank, without control characters or lone surrogates. */
const plain =
  (max: number): Check =>
  (v) =>
    typeof v === 'string' &&
    v.length <= max &&
    v.trim().length > 0 &&
    !CONTROL.test(v) &&
    !LONE_SURROGATE.test(v);
const optional =
  (check: Check): Check =>
  (v) =>
    v === undefined || check(v);
const oneOf =
  (...values: readonly string[]): Check =>
  (v) =>
    typeof v === 'string' && values.includes(v);

/** Keys of the schema that take the zod path whenever they are given. */
const absent: Check = (v) => v === undefined;

const ledgerHome = optional(plain(Number.POSITIVE_INFINITY));
const selector = plain(256);
const bound = optional((v) => typeof v === 'string' && RELATIVE_OR_CALENDAR.test(v));
const harness = optional(oneOf('claude-code', 'codex', 'opencode', 'copilot-cli', 'kimi-cli', 'grok'));
const timezone = optional(plain(Number.POSITIVE_INFINITY));
const weekStart = optional(oneOf('monday', 'sunday'));

const GROUP_DIMENSIONS = [
  'model',
  'modelRaw',
  'provider',
  'harness',
  'project',
  'branch',
  'session',
  'root',
  'day',
  'week',
  'month',
  'tool',
] as const;

/**
 * Per SDK function: every key of its schema and what the fast path accepts there (zod refuses
 * unknown keys even when undefined, so an unlisted key goes to zod).
 */
export const QUICK: Readonly<Record<string, Readonly<Record<string, Check>>>> = {
  status: { ledgerHome },
  budgets: { ledgerHome },
  summary: {
    since: bound,
    until: bound,
    harness,
    session: optional(selector),
    descendants: absent,
    model: optional(selector),
    project: optional(selector),
    tags: absent,
    groupBy: optional(oneOf(...GROUP_DIMENSIONS)),
    timezone,
    weekStart,
    ledgerHome,
  },
  sessionCost: {
    sessionId: selector,
    descendants: optional((v) => typeof v === 'boolean'),
    ledgerHome,
  },
  budgetStatus: { tags: absent, harness, project: optional(selector), timezone, weekStart, ledgerHome },
  ingest: {
    harnesses: absent,
    roots: absent,
    sessionFile: optional(plain(Number.POSITIVE_INFINITY)),
    contentMode: optional(oneOf('full', 'hash-only', 'off')),
    onProgress: optional((v) => typeof v === 'function'),
    signal: optional((v) => v instanceof AbortSignal),
    ledgerHome,
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
