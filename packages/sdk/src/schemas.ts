/**
 * zod schemas of every option object: their *shape* only — strict objects (an unknown option is
 * refused), JavaScript types, required fields, whole numbers where the binding takes an integer,
 * and strings the binding can convert to UTF-8. Every value rule (limits, patterns, the names a
 * field accepts, defaults, and their wording) belongs to the core, which refuses a bad value with
 * `INVALID_ARGUMENT` naming the field; none is restated here, so a rule is written once.
 * `test/rules-once.test.ts` sends every invalid value straight to the binding and checks that
 * the SDK reports the core's words.
 *
 * The public option types are declared in `types.ts` and each schema is checked against its
 * type (`satisfies z.ZodType<T>`), so the two cannot drift.
 */
import { z } from 'zod';
import type { CompareOptions, HotspotBy, HotspotsOptions, OverheadOptions } from './analysis.js';
import type { BudgetPeriod, BudgetStatusOptions, RemoveBudgetOptions, SetBudgetOptions } from './budgets.js';
import type { StatuslineOptions } from './statusline.js';
import type {
  ContentMode,
  FingerprintOptions,
  GroupBy,
  Harness,
  IngestOptions,
  IngestProgress,
  IngestReport,
  LedgerOptions,
  PruneContentOptions,
  PushOptions,
  PushProgress,
  RebuildStateOptions,
  SessionCostOptions,
  SessionOptions,
  SessionsOptions,
  StampsFileOptions,
  StampsOptions,
  SummaryOptions,
  TimeWindowOptions,
  WatchOptions,
  WeekStart,
  WritePendingStampOptions,
  WriteStampOptions,
} from './types.js';

// A lone UTF-16 surrogate cannot be converted to UTF-8: the binding would silently replace it
// with U+FFFD (another id than the one given), so it is refused before the call.
const LONE_SURROGATE = /\p{Cs}/u;
const WELL_FORMED = 'must be well-formed Unicode (it contains a lone surrogate)';
const wellFormed = (s: string) => !LONE_SURROGATE.test(s);

/** Any string option. */
const text = () => z.string({ error: 'must be a string' }).refine(wellFormed, WELL_FORMED);
/** A string option whose accepted values the core decides (a union type in `types.ts`). */
const word = <T extends string>() => text() as unknown as z.ZodType<T>;
const bool = () => z.boolean({ error: 'must be a boolean' });
/** A number the binding takes as an integer (it would truncate a fraction). */
const whole = () => z.number({ error: 'must be a number' }).int('must be a whole number');
/** A number the binding takes as a float (the core checks that it is finite and in range). */
const num = () => z.custom<number>((v) => typeof v === 'number', 'must be a number');

/**
 * An object of string values whose keys are data: `__proto__` and `constructor` are keys like
 * any other. (zod's `z.record` drops a `__proto__` key, and assigning one to a plain object
 * would set its prototype.) The result is a fresh object with every key as an own property; a
 * bad key is a problem of the record itself (`field` names the record), a bad value names
 * `record.key`.
 */
function stringRecord(typeError: (input: unknown) => string) {
  return z
    .custom<Record<string, string>>((v) => typeof v === 'object' && v !== null && !Array.isArray(v), {
      error: (issue) => typeError(issue.input),
    })
    .superRefine((record, ctx) => {
      for (const [k, v] of Object.entries(record)) {
        if (!wellFormed(k)) {
          ctx.addIssue({ code: 'custom', message: `keys ${WELL_FORMED}`, path: [] });
          return;
        }
        if (typeof v !== 'string' || !wellFormed(v)) {
          const message = typeof v === 'string' ? `value ${WELL_FORMED}` : 'value must be a string';
          ctx.addIssue({ code: 'custom', message, path: [k] });
          return;
        }
      }
    })
    .transform((record) => Object.fromEntries(Object.entries(record)) as Record<string, string>);
}

const enrichment = stringRecord((input) =>
  input === undefined ? 'is required: pass at least one key' : 'must be an object of string values',
);
const tags = stringRecord(() => 'must be an object of string values');
const ledgerHome = text().optional();
const harness = word<Harness>();

export const ledgerOptionsSchema = z.strictObject({ ledgerHome }) satisfies z.ZodType<LedgerOptions>;

export const writeStampSchema = z.strictObject({
  sessionId: text().optional(),
  messageId: text().optional(),
  enrichment,
  ts: text().optional(),
  ledgerHome,
}) satisfies z.ZodType<WriteStampOptions>;

export const stampsSchema = z.strictObject({
  sessionId: text().optional(),
  messageId: text().optional(),
  ledgerHome,
}) satisfies z.ZodType<StampsOptions>;

export const writePendingStampSchema = z.strictObject({
  harness,
  cwd: text(),
  enrichment,
  spawnStartTs: text().optional(),
  spawnerPid: whole().optional(),
  sessionDirHint: text().optional(),
  ledgerHome,
}) satisfies z.ZodType<WritePendingStampOptions>;

export const stampsFileSchema = z.strictObject({
  path: text(),
  ledgerHome,
}) satisfies z.ZodType<StampsFileOptions>;

/** Roots per harness key; the core refuses an unknown key or a blank path. */
const roots = z
  .custom<Record<string, string[]>>((v) => typeof v === 'object' && v !== null && !Array.isArray(v), {
    error: 'must be an object of directory lists by harness',
  })
  .superRefine((record, ctx) => {
    for (const [k, list] of Object.entries(record)) {
      if (list === undefined) continue;
      if (!Array.isArray(list) || list.some((p) => typeof p !== 'string' || !wellFormed(p))) {
        ctx.addIssue({ code: 'custom', message: 'must be an array of directory paths', path: [k] });
        return;
      }
    }
  }) as unknown as z.ZodType<IngestOptions['roots']>;

const ingestShape = {
  harnesses: z.array(harness, { error: 'must be an array of harness names' }).optional(),
  roots: roots.optional(),
  sessionFile: text().optional(),
  contentMode: word<ContentMode>().optional(),
  onProgress: z
    .custom<(p: IngestProgress) => void>((v) => typeof v === 'function', 'must be a function')
    .optional(),
  signal: z.custom<AbortSignal>((v) => v instanceof AbortSignal, 'must be an AbortSignal').optional(),
  ledgerHome,
};

export const ingestSchema = z.strictObject(ingestShape) satisfies z.ZodType<IngestOptions>;

/** The filter every query takes. */
const queryFilter = {
  since: text().optional(),
  until: text().optional(),
  harness: harness.optional(),
  project: text().optional(),
  tags: tags.optional(),
  timezone: text().optional(),
  weekStart: word<WeekStart>().optional(),
  ledgerHome,
};

export const summarySchema = z.strictObject({
  ...queryFilter,
  session: text().optional(),
  descendants: bool().optional(),
  model: text().optional(),
  // One dimension or a list of them; the core words the rules (which, how many, tool alone).
  groupBy: z
    .union([word<GroupBy>(), z.array(word<GroupBy>())], { error: 'must be a string or an array of strings' })
    .optional(),
}) satisfies z.ZodType<SummaryOptions>;

export const sessionCostSchema = z.strictObject({
  sessionId: text(),
  descendants: bool().optional(),
  ledgerHome,
}) satisfies z.ZodType<SessionCostOptions>;

export const fingerprintSchema = z.strictObject({
  sessionId: text().optional(),
  descendants: bool().optional(),
  ledgerHome,
}) satisfies z.ZodType<FingerprintOptions>;

export const sessionsSchema = z.strictObject({
  ...queryFilter,
  limit: whole().optional(),
  flat: bool().optional(),
}) satisfies z.ZodType<SessionsOptions>;

export const sessionSchema = z.strictObject({
  sessionId: text(),
  harness: harness.optional(),
  includeContent: bool().optional(),
  ledgerHome,
}) satisfies z.ZodType<SessionOptions>;

export const pruneContentSchema = z.strictObject({
  olderThanDays: z.union([whole(), z.literal('forever')], {
    error: 'must be a whole number of days or "forever"',
  }),
  ledgerHome,
}) satisfies z.ZodType<PruneContentOptions>;

export const watchSchema = z.strictObject({
  harnesses: ingestShape.harnesses,
  roots: ingestShape.roots,
  contentMode: ingestShape.contentMode,
  onReport: z
    .custom<(r: IngestReport) => void>((v) => typeof v === 'function', 'must be a function')
    .optional(),
  signal: ingestShape.signal,
  ledgerHome,
}) satisfies z.ZodType<WatchOptions>;

export const rebuildStateSchema = z.strictObject({
  harnesses: ingestShape.harnesses,
  roots: ingestShape.roots,
  onProgress: ingestShape.onProgress,
  signal: ingestShape.signal,
  ledgerHome,
}) satisfies z.ZodType<RebuildStateOptions>;

export const setBudgetSchema = z.strictObject({
  name: text(),
  limitUsd: num(),
  period: word<BudgetPeriod>(),
  tags: tags.optional(),
  harness: harness.optional(),
  project: text().optional(),
  warn: num().optional(),
  ledgerHome,
}) satisfies z.ZodType<SetBudgetOptions>;

export const removeBudgetSchema = z.strictObject({
  name: text(),
  ledgerHome,
}) satisfies z.ZodType<RemoveBudgetOptions>;

export const statuslineSchema = z.strictObject({
  input: z.string({ error: 'must be a string' }).optional(),
  json: bool().optional(),
  timezone: text().optional(),
  utc: bool().optional(),
  weekStart: word<WeekStart>().optional(),
  ledgerHome,
}) satisfies z.ZodType<StatuslineOptions>;

export const budgetStatusSchema = z.strictObject({
  tags: tags.optional(),
  harness: harness.optional(),
  project: text().optional(),
  timezone: text().optional(),
  weekStart: word<WeekStart>().optional(),
  ledgerHome,
}) satisfies z.ZodType<BudgetStatusOptions>;

const analysisFilter = {
  ...queryFilter,
  session: text().optional(),
  descendants: bool().optional(),
};

export const hotspotsSchema = z.strictObject({
  ...analysisFilter,
  model: text().optional(),
  by: word<HotspotBy>().optional(),
  limit: whole().optional(),
}) satisfies z.ZodType<HotspotsOptions>;

export const overheadSchema = z.strictObject({
  ...analysisFilter,
  model: text().optional(),
  limit: whole().optional(),
}) satisfies z.ZodType<OverheadOptions>;

export const compareSchema = z.strictObject({
  ...analysisFilter,
  models: z.array(text(), { error: 'must be an array of model names' }).optional(),
}) satisfies z.ZodType<CompareOptions>;

export const pushSchema = z.strictObject({
  server: text().optional(),
  token: text().optional(),
  projects: word<NonNullable<PushOptions['projects']>>().optional(),
  batchSize: whole().optional(),
  retries: whole().optional(),
  onProgress: z
    .custom<(p: PushProgress) => void>((v) => typeof v === 'function', 'must be a function')
    .optional(),
  signal: z.custom<AbortSignal>((v) => v instanceof AbortSignal, 'must be an AbortSignal').optional(),
  ledgerHome,
}) satisfies z.ZodType<PushOptions>;

export const timeWindowSchema = z.strictObject({
  since: text().optional(),
  until: text().optional(),
  timezone: text().optional(),
  weekStart: word<WeekStart>().optional(),
}) satisfies z.ZodType<TimeWindowOptions>;
