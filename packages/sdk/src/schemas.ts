/**
 * zod schemas of every option object. The public option types are declared in `types.ts`
 * and each schema is checked against its type (`satisfies z.ZodType<T>`), so the two cannot
 * drift. Limits mirror `relayburn-core/src/validate.rs`.
 */
import { z } from 'zod';
import type { LedgerOptions, StampsOptions, WriteStampOptions } from './types.js';

const MAX_SELECTOR_CHARS = 256;
const MAX_KEY_CHARS = 128;
const MAX_VALUE_BYTES = 4096;
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
  .refine((r) => Object.keys(r).length > 0, 'must have at least one key');

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
