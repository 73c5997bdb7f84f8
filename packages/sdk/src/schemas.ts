/**
 * zod schemas of every option object. The public option types are declared in `types.ts`
 * and each schema is checked against its type (`satisfies z.ZodType<T>`), so the two cannot
 * drift. Limits mirror `relayburn-core/src/validate.rs`.
 */
import { z } from 'zod';
import type {
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

const ledgerHome = z.string().refine((s) => s.trim().length > 0, 'must be a non-empty path');

const selector = z
  .string()
  .refine((s) => s.trim().length > 0, 'must be a non-empty, non-blank string')
  .refine((s) => chars(s) <= MAX_SELECTOR_CHARS, `must be at most ${MAX_SELECTOR_CHARS} characters`)
  .refine((s) => !CONTROL.test(s), 'must not contain control characters');

/** Keys and values together, in UTF-8 bytes, within the core's bound of a stamp. */
function withinTotal(r: Record<string, string>): boolean {
  let total = 0;
  for (const [k, v] of Object.entries(r))
    total += Buffer.byteLength(k, 'utf8') + Buffer.byteLength(v, 'utf8');
  return total <= MAX_ENRICHMENT_BYTES;
}
const TOTAL_MESSAGE = `must be at most ${MAX_ENRICHMENT_BYTES} bytes in all (keys and values, UTF-8)`;

const enrichment = z
  .record(
    z
      .string()
      .refine((k) => k.trim().length > 0, 'keys must be non-empty, non-blank strings')
      .refine((k) => chars(k) <= MAX_KEY_CHARS, `key must be at most ${MAX_KEY_CHARS} characters`)
      .refine((k) => !CONTROL.test(k), 'keys must not contain control characters'),
    z
      .string({ error: 'value must be a string' })
      .refine(
        (v) => Buffer.byteLength(v, 'utf8') <= MAX_VALUE_BYTES,
        `value must be at most ${MAX_VALUE_BYTES} bytes of UTF-8`,
      ),
    {
      error: (issue) =>
        issue.input === undefined
          ? 'is required: pass at least one key'
          : 'must be an object of string values',
    },
  )
  .refine((r) => Object.keys(r).length > 0, 'must have at least one key')
  .refine(withinTotal, TOTAL_MESSAGE);

const instant = z
  .string()
  .refine(
    (s) => ISO_INSTANT.test(s.trim()),
    'is not an ISO-8601 instant with an offset (e.g. 2026-05-21T12:00:00Z)',
  );

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

const harness = z.enum(['claude-code', 'codex', 'opencode'], {
  error: 'must be one of claude-code, codex, opencode',
});
const MAX_PATH_CHARS = 4096;
const path = z
  .string({ error: 'must be a path string' })
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
const nonBlank = z.string().refine((s) => s.trim().length > 0, 'must be a non-empty string');
const rootList = z.array(nonBlank, { error: 'must be an array of directory paths' });
// Same forms as the core's parse_bound_ms: a relative duration or an ISO instant.
const bound = z
  .string()
  .refine(
    (s) => /^\d+(m|min|h|d|w|mo)$/.test(s.trim()) || ISO_INSTANT.test(s.trim()),
    'must be an ISO-8601 instant or a relative time like 30m, 24h, 7d, 4w, 3mo',
  );

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
const tags = z
  .record(
    z
      .string()
      .refine((k) => k.trim().length > 0, 'keys must be non-empty, non-blank strings')
      .refine((k) => chars(k) <= MAX_KEY_CHARS, `key must be at most ${MAX_KEY_CHARS} characters`)
      .refine((k) => !CONTROL.test(k), 'keys must not contain control characters'),
    z
      .string({ error: 'value must be a string' })
      .refine(
        (v) => Buffer.byteLength(v, 'utf8') <= MAX_VALUE_BYTES,
        `value must be at most ${MAX_VALUE_BYTES} bytes of UTF-8`,
      ),
    { error: 'must be an object of string values' },
  )
  .refine(withinTotal, TOTAL_MESSAGE);

const GROUP_DIMENSIONS = [
  'model',
  'provider',
  'harness',
  'project',
  'branch',
  'session',
  'day',
  'week',
  'month',
  'tool',
] as const;
const groupBy = z.custom<GroupBy>(
  (v) =>
    typeof v === 'string' &&
    ((GROUP_DIMENSIONS as readonly string[]).includes(v) ||
      (v.startsWith('tag:') && v.slice(4).trim().length > 0 && chars(v.slice(4)) <= MAX_KEY_CHARS)),
  `must be one of ${GROUP_DIMENSIONS.join(', ')} or tag:<key>`,
);

export const summarySchema = z.strictObject({
  since: bound.optional(),
  until: bound.optional(),
  harness: harness.optional(),
  session: selector.optional(),
  model: selector.optional(),
  project: selector.optional(),
  tags: tags.optional(),
  groupBy: groupBy.optional(),
  timezone: nonBlank.optional(),
  ledgerHome: ledgerHome.optional(),
}) satisfies z.ZodType<SummaryOptions>;

export const sessionCostSchema = z.strictObject({
  sessionId: selector,
  ledgerHome: ledgerHome.optional(),
}) satisfies z.ZodType<SessionCostOptions>;

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
