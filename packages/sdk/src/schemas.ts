/**
 * zod schemas of every option object. The public option types are declared in `types.ts`
 * and each schema is checked against its type (`satisfies z.ZodType<T>`), so the two cannot
 * drift. Limits mirror `relayburn-core/src/validate.rs`.
 */
import { z } from 'zod';
import type { CompareOptions, HotspotBy, HotspotsOptions, OverheadOptions } from './analysis.js';
import type { BudgetPeriod, BudgetStatusOptions, RemoveBudgetOptions, SetBudgetOptions } from './budgets.js';
import type {
  FingerprintOptions,
  GroupBy,
  IngestOptions,
  IngestProgress,
  IngestReport,
  LedgerOptions,
  PruneContentOptions,
  RebuildStateOptions,
  SessionCostOptions,
  SessionOptions,
  SessionsOptions,
  StampsFileOptions,
  StampsOptions,
  SummaryOptions,
  WatchOptions,
  WeekStart,
  WritePendingStampOptions,
  WriteStampOptions,
} from './types.js';

const MAX_SELECTOR_CHARS = 256;
const MAX_KEY_CHARS = 128;
const MAX_VALUE_BYTES = 4096;
const MAX_ENRICHMENT_BYTES = 64 * 1024;
const CONTROL = /\p{Cc}/u;
// Shape of an ISO-8601 instant with an offset; the core parses it exactly.
const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(:\d{2}([.,]\d+)?)?([Zz]|[+-]\d{2}(:?\d{2})?)$/;

const chars = (s: string) => [...s].length;

// A lone UTF-16 surrogate cannot be converted to UTF-8: the binding would silently replace it
// with U+FFFD (another id than the one given), so it is refused.
const LONE_SURROGATE = /\p{Cs}/u;
const WELL_FORMED = 'must be well-formed Unicode (it contains a lone surrogate)';
const wellFormed = (s: string) => !LONE_SURROGATE.test(s);
/** Any string option: well-formed Unicode. */
const text = () => z.string().refine(wellFormed, WELL_FORMED);

const ledgerHome = text()
  .refine((s) => s.trim().length > 0, 'must be a non-empty path')
  .refine((s) => !s.includes('\0'), 'must not contain a NUL character');

const selector = text()
  .refine((s) => s.trim().length > 0, 'must be a non-empty, non-blank string')
  .refine((s) => chars(s) <= MAX_SELECTOR_CHARS, `must be at most ${MAX_SELECTOR_CHARS} characters`)
  .refine((s) => !CONTROL.test(s), 'must not contain control characters');

/**
 * An object of string values whose keys are data: `__proto__` and `constructor` are keys like
 * any other. (zod's `z.record` drops a `__proto__` key, and assigning one to a plain object
 * would set its prototype.) Each key and value is checked in order; the result is a fresh
 * object with every key as an own property. A bad key is a problem of the record itself
 * (`field` names the record), a bad value names `record.key`.
 */
function stringRecord(
  key: z.ZodType<string>,
  value: z.ZodType<string>,
  typeError: (input: unknown) => string,
) {
  return z
    .custom<Record<string, string>>((v) => typeof v === 'object' && v !== null && !Array.isArray(v), {
      error: (issue) => typeError(issue.input),
    })
    .superRefine((record, ctx) => {
      for (const [k, v] of Object.entries(record)) {
        const kr = key.safeParse(k);
        if (!kr.success) {
          ctx.addIssue({ code: 'custom', message: kr.error.issues[0]?.message ?? 'invalid key', path: [] });
          return;
        }
        const vr = value.safeParse(v);
        if (!vr.success) {
          ctx.addIssue({
            code: 'custom',
            message: vr.error.issues[0]?.message ?? 'invalid value',
            path: [k],
          });
          return;
        }
      }
    })
    .transform((record) => Object.fromEntries(Object.entries(record)) as Record<string, string>);
}

/** Keys and values together, in UTF-8 bytes, within the core's bound of a stamp. */
function withinTotal(r: Record<string, string>): boolean {
  let total = 0;
  for (const [k, v] of Object.entries(r))
    total += Buffer.byteLength(k, 'utf8') + Buffer.byteLength(v, 'utf8');
  return total <= MAX_ENRICHMENT_BYTES;
}
const TOTAL_MESSAGE = `must be at most ${MAX_ENRICHMENT_BYTES} bytes in all (keys and values, UTF-8)`;

const recordKey = z
  .string()
  .refine((k) => k.trim().length > 0, 'keys must be non-empty, non-blank strings')
  .refine((k) => chars(k) <= MAX_KEY_CHARS, `key must be at most ${MAX_KEY_CHARS} characters`)
  .refine((k) => !CONTROL.test(k), 'keys must not contain control characters')
  .refine(wellFormed, `keys ${WELL_FORMED}`);
const recordValue = z
  .string({ error: 'value must be a string' })
  .refine(
    (v) => Buffer.byteLength(v, 'utf8') <= MAX_VALUE_BYTES,
    `value must be at most ${MAX_VALUE_BYTES} bytes of UTF-8`,
  )
  .refine(wellFormed, `value ${WELL_FORMED}`);

const enrichment = stringRecord(recordKey, recordValue, (input) =>
  input === undefined ? 'is required: pass at least one key' : 'must be an object of string values',
)
  .refine((r) => Object.keys(r).length > 0, 'must have at least one key')
  .refine(withinTotal, TOTAL_MESSAGE);

// The core's one range of instants (time.rs INSTANT_RANGE): years 1 to 9998 in UTC.
const INSTANT_RANGE = '0001-01-01T00:00:00Z to 9998-12-31T23:59:59.999Z';
const MIN_INSTANT_MS = -62_135_596_800_000;
const MAX_INSTANT_MS = 253_370_764_800_000;

/** Why `s` is not an accepted instant (the core's wording), or undefined. */
function instantProblem(s: string): string | undefined {
  const v = s.trim();
  if (!ISO_INSTANT.test(v)) return 'is not an ISO-8601 instant with an offset (e.g. 2026-05-21T12:00:00Z)';
  const digits = /[.,](\d+)/.exec(v)?.[1]?.length ?? 0;
  if (digits > 9) return `has ${digits} fraction digits; at most 9 (nanoseconds)`;
  const year = Number(v.slice(0, 4));
  const ms = Date.parse(v.replace(/[.,](\d{1,3})\d*/, '.$1').replace(' ', 'T'));
  if (year === 0 || year >= 9999 || (Number.isFinite(ms) && (ms < MIN_INSTANT_MS || ms >= MAX_INSTANT_MS)))
    return `is out of range (${INSTANT_RANGE})`;
  return undefined;
}

const instant = text().superRefine((s, ctx) => {
  const problem = instantProblem(s);
  if (problem) ctx.addIssue({ code: 'custom', message: `${JSON.stringify(s)} ${problem}` });
});

export const ledgerOptionsSchema = z.strictObject({
  ledgerHome: ledgerHome.optional(),
}) satisfies z.ZodType<LedgerOptions>;

export const writeStampSchema = z
  .strictObject({
    sessionId: selector.optional(),
    messageId: selector.optional(),
    enrichment,
    ts: instant.optional(),
    ledgerHome: ledgerHome.optional(),
  })
  .refine((o) => o.sessionId !== undefined || o.messageId !== undefined, {
    message: 'a selector is required: pass sessionId or messageId',
    path: ['sessionId'],
  }) satisfies z.ZodType<WriteStampOptions>;

export const stampsSchema = z.strictObject({
  sessionId: selector.optional(),
  messageId: selector.optional(),
  ledgerHome: ledgerHome.optional(),
}) satisfies z.ZodType<StampsOptions>;

const harness = z.enum(['claude-code', 'codex', 'opencode', 'copilot-cli', 'kimi-cli', 'grok'], {
  error: 'must be one of claude-code, codex, opencode, copilot-cli, kimi-cli, grok',
});
const MAX_PATH_CHARS = 4096;
const path = z
  .string({ error: 'must be a path string' })
  .refine(wellFormed, WELL_FORMED)
  .refine((s) => s.trim().length > 0, 'must be a non-empty path')
  .refine((s) => chars(s) <= MAX_PATH_CHARS, `must be at most ${MAX_PATH_CHARS} characters`)
  .refine((s) => !CONTROL.test(s), 'must not contain control characters');

export const writePendingStampSchema = z.strictObject({
  harness,
  cwd: path,
  enrichment,
  spawnStartTs: instant.optional(),
  spawnerPid: z
    .number({ error: 'must be a number' })
    .int('must be an integer')
    .min(1, 'must be a positive integer process id')
    .max(4294967295, 'must be a positive integer process id')
    .optional(),
  sessionDirHint: path.optional(),
  ledgerHome: ledgerHome.optional(),
}) satisfies z.ZodType<WritePendingStampOptions>;

export const stampsFileSchema = z.strictObject({
  path,
  ledgerHome: ledgerHome.optional(),
}) satisfies z.ZodType<StampsFileOptions>;
const nonBlank = text().refine((s) => s.trim().length > 0, 'must be a non-empty string');
const rootList = z.array(nonBlank, { error: 'must be an array of directory paths' });
// Same forms as the core's Zone::bound_ms: a relative duration, an ISO instant, a date or a
// calendar name (the core checks that a date exists).
const CALENDAR_BOUND = /^(\d{4}-\d{2}-\d{2}|today|yesterday|this-week|this-month)$/i;
const bound = text().superRefine((s, ctx) => {
  const v = s.trim();
  if (/^\d+(m|min|h|d|w|mo)$/.test(v) || CALENDAR_BOUND.test(v)) return;
  // Shaped like a date: the instant's own message (a bad fraction, a year out of range).
  const problem = /^\d{4}-/.test(v) ? instantProblem(v) : 'x';
  if (problem === undefined) return;
  ctx.addIssue({
    code: 'custom',
    message: /^\d{4}-/.test(v)
      ? `${JSON.stringify(s)} ${problem}`
      : 'must be an ISO-8601 instant, a date (2026-11-30), today, yesterday, this-week, this-month or a relative time like 30m, 24h, 7d, 4w, 3mo',
  });
});
const weekStart = z
  .string({ error: 'must be monday or sunday' })
  .refine((s) => /^(monday|sunday)$/i.test(s.trim()), 'must be monday or sunday') as z.ZodType<WeekStart>;

const contentMode = z.enum(['full', 'hash-only', 'off'], {
  error: 'must be one of full, hash-only, off',
});

export const ingestSchema = z.strictObject({
  harnesses: z.array(harness).optional(),
  roots: z
    .strictObject({
      'claude-code': rootList.optional(),
      codex: rootList.optional(),
      opencode: rootList.optional(),
      'copilot-cli': rootList.optional(),
      'kimi-cli': rootList.optional(),
      grok: rootList.optional(),
    })
    .optional(),
  sessionFile: nonBlank.optional(),
  contentMode: contentMode.optional(),
  onProgress: z
    .custom<(p: IngestProgress) => void>((v) => typeof v === 'function', 'must be a function')
    .optional(),
  signal: z.custom<AbortSignal>((v) => v instanceof AbortSignal, 'must be an AbortSignal').optional(),
  ledgerHome: ledgerHome.optional(),
}) satisfies z.ZodType<IngestOptions>;

// Tag filters follow the stamp rules for keys and values; an empty object filters nothing.
const tags = stringRecord(recordKey, recordValue, () => 'must be an object of string values').refine(
  withinTotal,
  TOTAL_MESSAGE,
);

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
const GROUP_BY_NAMES = `${GROUP_DIMENSIONS.slice(0, -1).join(', ')}, ${GROUP_DIMENSIONS.at(-1)} or tag:<key>`;
const groupBy = z
  .custom<GroupBy>((v) => typeof v === 'string', `must be one of ${GROUP_BY_NAMES}`)
  .superRefine((v, ctx) => {
    if ((GROUP_DIMENSIONS as readonly string[]).includes(v)) return;
    const key = v.startsWith('tag:') ? v.slice(4) : undefined;
    let message: string | undefined;
    if (key === undefined || key.trim().length === 0 || chars(key) > MAX_KEY_CHARS)
      message = `must be one of ${GROUP_BY_NAMES}`;
    else if (CONTROL.test(key)) message = 'tag:<key>: keys must not contain control characters';
    else if (!wellFormed(key)) message = `tag:<key>: keys ${WELL_FORMED}`;
    if (message) ctx.addIssue({ code: 'custom', message });
  });

export const summarySchema = z
  .strictObject({
    since: bound.optional(),
    until: bound.optional(),
    harness: harness.optional(),
    session: selector.optional(),
    descendants: z.boolean({ error: 'must be a boolean' }).optional(),
    model: selector.optional(),
    project: selector.optional(),
    tags: tags.optional(),
    groupBy: groupBy.optional(),
    timezone: nonBlank.optional(),
    weekStart: weekStart.optional(),
    ledgerHome: ledgerHome.optional(),
  })
  .refine((o) => o.descendants === undefined || o.session !== undefined, {
    message: 'needs a session',
    path: ['descendants'],
  }) satisfies z.ZodType<SummaryOptions>;

export const sessionCostSchema = z.strictObject({
  sessionId: selector,
  descendants: z.boolean({ error: 'must be a boolean' }).optional(),
  ledgerHome: ledgerHome.optional(),
}) satisfies z.ZodType<SessionCostOptions>;

export const fingerprintSchema = z
  .strictObject({
    sessionId: selector.optional(),
    descendants: z.boolean({ error: 'must be a boolean' }).optional(),
    ledgerHome: ledgerHome.optional(),
  })
  .refine((o) => o.descendants === undefined || o.sessionId !== undefined, {
    message: 'needs a sessionId',
    path: ['descendants'],
  }) satisfies z.ZodType<FingerprintOptions>;

export const sessionsSchema = z.strictObject({
  since: bound.optional(),
  until: bound.optional(),
  harness: harness.optional(),
  project: selector.optional(),
  tags: tags.optional(),
  limit: z
    .number({ error: 'must be a number' })
    .int('must be an integer')
    .positive('must be positive')
    .optional(),
  timezone: nonBlank.optional(),
  weekStart: weekStart.optional(),
  flat: z.boolean({ error: 'must be a boolean' }).optional(),
  ledgerHome: ledgerHome.optional(),
}) satisfies z.ZodType<SessionsOptions>;

export const sessionSchema = z.strictObject({
  sessionId: selector,
  harness: harness.optional(),
  includeContent: z.boolean({ error: 'must be a boolean' }).optional(),
  ledgerHome: ledgerHome.optional(),
}) satisfies z.ZodType<SessionOptions>;

export const pruneContentSchema = z.strictObject({
  olderThanDays: z.union(
    [
      z
        .number()
        .int('must be a whole number of days')
        .min(0, 'must be 0 or more days')
        .max(100_000, 'must be at most 100000 days (or "forever")'),
      z.literal('forever'),
    ],
    { error: 'must be a whole number of days or "forever"' },
  ),
  ledgerHome: ledgerHome.optional(),
}) satisfies z.ZodType<PruneContentOptions>;

export const watchSchema = z.strictObject({
  harnesses: ingestSchema.shape.harnesses,
  roots: ingestSchema.shape.roots,
  contentMode: ingestSchema.shape.contentMode,
  onReport: z
    .custom<(r: IngestReport) => void>((v) => typeof v === 'function', 'must be a function')
    .optional(),
  signal: ingestSchema.shape.signal,
  ledgerHome: ledgerHome.optional(),
}) satisfies z.ZodType<WatchOptions>;

export const rebuildStateSchema = z.strictObject({
  harnesses: ingestSchema.shape.harnesses,
  roots: ingestSchema.shape.roots,
  onProgress: ingestSchema.shape.onProgress,
  signal: ingestSchema.shape.signal,
  ledgerHome: ledgerHome.optional(),
}) satisfies z.ZodType<RebuildStateOptions>;

// Budgets (rules mirror relayburn-core/src/budget/mod.rs).
const MAX_BUDGET_NAME_CHARS = 128;
const MAX_LIMIT_USD = 1e12;
const budgetName = z
  .string({ error: 'must be a string' })
  .refine(wellFormed, WELL_FORMED)
  .refine((s) => s.trim().length > 0, 'must be a non-empty, non-blank string')
  .refine((s) => chars(s) <= MAX_BUDGET_NAME_CHARS, `must be at most ${MAX_BUDGET_NAME_CHARS} characters`)
  .refine((s) => !CONTROL.test(s), 'must not contain control characters');
const budgetPeriod = z
  .string({ error: 'is required: day, week or month' })
  .refine(
    (s) => /^(day|week|month)$/i.test(s.trim()),
    'is not a period: use day, week or month',
  ) as z.ZodType<BudgetPeriod>;

export const setBudgetSchema = z.strictObject({
  name: budgetName,
  limitUsd: z
    .number({ error: 'must be a positive number of US dollars' })
    .refine((n) => Number.isFinite(n) && n > 0, 'must be a positive number of US dollars')
    .refine((n) => n <= MAX_LIMIT_USD, `must be at most ${MAX_LIMIT_USD} US dollars`),
  period: budgetPeriod,
  tags: tags.optional(),
  harness: harness.optional(),
  project: selector.optional(),
  warn: z
    .number({ error: 'must be a number' })
    .refine(
      (n) => Number.isFinite(n) && n > 0 && n <= 1,
      'must be a fraction of the limit greater than 0 and at most 1',
    )
    .optional(),
  ledgerHome: ledgerHome.optional(),
}) satisfies z.ZodType<SetBudgetOptions>;

export const removeBudgetSchema = z.strictObject({
  name: budgetName,
  ledgerHome: ledgerHome.optional(),
}) satisfies z.ZodType<RemoveBudgetOptions>;

export const budgetStatusSchema = z.strictObject({
  tags: tags.optional(),
  harness: harness.optional(),
  project: selector.optional(),
  timezone: nonBlank.optional(),
  weekStart: weekStart.optional(),
  ledgerHome: ledgerHome.optional(),
}) satisfies z.ZodType<BudgetStatusOptions>;

// Analyses (rules mirror relayburn-core/src/analysis/).
const MAX_ANALYSIS_LIMIT = 10_000;
const MAX_COMPARE_MODELS = 50;
const analysisLimit = z
  .number({ error: 'must be a number' })
  .int('must be an integer')
  .positive('must be positive')
  .max(MAX_ANALYSIS_LIMIT, `must be at most ${MAX_ANALYSIS_LIMIT}`);
const analysisFilter = {
  since: bound.optional(),
  until: bound.optional(),
  harness: harness.optional(),
  session: selector.optional(),
  descendants: z.boolean({ error: 'must be a boolean' }).optional(),
  project: selector.optional(),
  tags: tags.optional(),
  timezone: nonBlank.optional(),
  weekStart: weekStart.optional(),
  ledgerHome: ledgerHome.optional(),
};
const needsSession = {
  message: 'needs a session',
  path: ['descendants'],
};
const hotspotBy = z
  .string({ error: 'must be one of tool, file, command or subagent' })
  .refine(
    (s) => /^(tool|file|command|subagent)$/i.test(s.trim()),
    'must be one of tool, file, command or subagent',
  ) as z.ZodType<HotspotBy>;

export const hotspotsSchema = z
  .strictObject({
    ...analysisFilter,
    model: selector.optional(),
    by: hotspotBy.optional(),
    limit: analysisLimit.optional(),
  })
  .refine(
    (o) => o.descendants === undefined || o.session !== undefined,
    needsSession,
  ) satisfies z.ZodType<HotspotsOptions>;

export const overheadSchema = z
  .strictObject({
    ...analysisFilter,
    model: selector.optional(),
    limit: analysisLimit.optional(),
  })
  .refine(
    (o) => o.descendants === undefined || o.session !== undefined,
    needsSession,
  ) satisfies z.ZodType<OverheadOptions>;

export const compareSchema = z
  .strictObject({
    ...analysisFilter,
    models: z
      .array(selector, { error: 'must be an array of model names' })
      .max(MAX_COMPARE_MODELS, `must name at most ${MAX_COMPARE_MODELS} models`)
      .optional(),
  })
  .refine(
    (o) => o.descendants === undefined || o.session !== undefined,
    needsSession,
  ) satisfies z.ZodType<CompareOptions>;
