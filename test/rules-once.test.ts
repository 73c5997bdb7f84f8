// Every value rule of an option lives in the core. Each invalid value below goes straight to the
// native binding, which must refuse it with INVALID_ARGUMENT, the field and the core's words; the
// SDK (ESM and CJS) must report exactly those words, prefixed by the function's name. The SDK's
// own checks are only about shape (types, unknown or missing options, strings the binding can
// convert): those are pinned at the end.
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempHome } from './helpers/home.js';
import { sdkDir } from './helpers/paths.js';
import { entryPoints } from './helpers/sdk.js';

const require = createRequire(import.meta.url);
type NativeFn = (options: Record<string, unknown>) => Promise<unknown>;
const native = require(join(sdkDir, 'native', 'binding.cjs')) as Record<string, NativeFn>;

const a = (n: number) => 'a'.repeat(n);
const manyKeys = Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`k${i}`, a(4000)]));
const tag = { a: 'b' };
const HARNESSES =
  'claude-code, codex, opencode, gemini-cli, qwen-code, pi, copilot-cli, kimi-cli, grok, droid, goose, crush, amp, kilo, cline, roo-code or kilo-code';
const DIMENSIONS =
  'model, modelRaw, provider, harness, project, branch, session, root, day, week, month, tool or tag:<key>';
const BOUND_FORMS =
  'an ISO-8601 instant, a date (2026-11-30), today, yesterday, this-week, this-month or a relative time like 30m, 24h, 7d, 4w, 3mo';
const NOT_INSTANT = 'is not an ISO-8601 instant with an offset (e.g. 2026-05-21T12:00:00Z)';
const pending = { harness: 'codex', cwd: '/', enrichment: tag };

/** [function, options, field, the core's message] */
const CASES: [string, Record<string, unknown>, string, string][] = [
  ['writeStamp', { sessionId: a(257), enrichment: tag }, 'sessionId', 'must be at most 256 characters'],
  ['writeStamp', { sessionId: ' ', enrichment: tag }, 'sessionId', 'must be a non-empty, non-blank string'],
  [
    'writeStamp',
    { sessionId: 'a\u0001', enrichment: tag },
    'sessionId',
    'must not contain control characters',
  ],
  ['writeStamp', { messageId: a(300), enrichment: tag }, 'messageId', 'must be at most 256 characters'],
  ['writeStamp', { enrichment: tag }, 'sessionId', 'a selector is required: pass sessionId or messageId'],
  ['writeStamp', { sessionId: 's', enrichment: {} }, 'enrichment', 'must have at least one key'],
  [
    'writeStamp',
    { sessionId: 's', enrichment: { ' ': 'v' } },
    'enrichment',
    'keys must be non-empty, non-blank strings',
  ],
  [
    'writeStamp',
    { sessionId: 's', enrichment: { [a(129)]: 'v' } },
    'enrichment',
    'key must be at most 128 characters',
  ],
  [
    'writeStamp',
    { sessionId: 's', enrichment: { 'a\u0007': 'v' } },
    'enrichment',
    'keys must not contain control characters',
  ],
  [
    'writeStamp',
    { sessionId: 's', enrichment: { a: a(4097) } },
    'enrichment.a',
    'value must be at most 4096 bytes of UTF-8',
  ],
  [
    'writeStamp',
    { sessionId: 's', enrichment: manyKeys },
    'enrichment',
    'must be at most 65536 bytes in all (keys and values, UTF-8)',
  ],
  ['writeStamp', { sessionId: 's', enrichment: tag, ts: 'garbage' }, 'ts', `"garbage" ${NOT_INSTANT}`],
  [
    'writeStamp',
    { sessionId: 's', enrichment: tag, ts: '2026-01-01T00:00:00.1234567891Z' },
    'ts',
    '"2026-01-01T00:00:00.1234567891Z" has 10 fraction digits; at most 9 (nanoseconds)',
  ],
  [
    'writeStamp',
    { sessionId: 's', enrichment: tag, ts: '9999-01-01T00:00:00Z' },
    'ts',
    '"9999-01-01T00:00:00Z" is out of range (0001-01-01T00:00:00Z to 9998-12-31T23:59:59.999Z)',
  ],
  [
    'writeStamp',
    { sessionId: 's', enrichment: tag, ledgerHome: ' ' },
    'ledgerHome',
    'must be a non-empty path',
  ],
  [
    'writeStamp',
    { sessionId: 's', enrichment: tag, ledgerHome: '/tmp/a\0b' },
    'ledgerHome',
    'must not contain a NUL character',
  ],
  ['stamps', { sessionId: ' ' }, 'sessionId', 'must be a non-empty, non-blank string'],
  [
    'writePendingStamp',
    { ...pending, harness: 'nope' },
    'harness',
    `unknown harness "nope": expected ${HARNESSES}`,
  ],
  ['writePendingStamp', { ...pending, cwd: ' ' }, 'cwd', 'must be a non-empty path'],
  ['writePendingStamp', { ...pending, cwd: a(4097) }, 'cwd', 'must be at most 4096 characters'],
  ['writePendingStamp', { ...pending, cwd: '/x\u0001' }, 'cwd', 'must not contain control characters'],
  ['writePendingStamp', { ...pending, spawnerPid: 0 }, 'spawnerPid', 'must be a positive integer process id'],
  [
    'writePendingStamp',
    { ...pending, spawnerPid: 2 ** 32 },
    'spawnerPid',
    'must be a positive integer process id',
  ],
  ['writePendingStamp', { ...pending, sessionDirHint: ' ' }, 'sessionDirHint', 'must be a non-empty path'],
  ['writePendingStamp', { ...pending, spawnStartTs: 'soon' }, 'spawnStartTs', `"soon" ${NOT_INSTANT}`],
  ['exportStamps', { path: ' ' }, 'path', 'must be a non-empty path'],
  ['importStamps', { path: a(5000) }, 'path', 'must be at most 4096 characters'],
  ['summary', { since: 'garbage' }, 'since', `"garbage" is not ${BOUND_FORMS}`],
  [
    'summary',
    { until: '2026-01-01T00:00:00.1234567891Z' },
    'until',
    '"2026-01-01T00:00:00.1234567891Z" has 10 fraction digits; at most 9 (nanoseconds)',
  ],
  ['summary', { harness: 'nope' }, 'harness', `unknown harness "nope": expected ${HARNESSES}`],
  ['summary', { groupBy: 'bogus' }, 'groupBy', `unknown dimension "bogus": expected ${DIMENSIONS}`],
  ['summary', { groupBy: 'tag:' }, 'groupBy', `unknown dimension "tag:": expected ${DIMENSIONS}`],
  ['summary', { groupBy: 'tag:a\u0001' }, 'groupBy', 'tag:<key>: keys must not contain control characters'],
  ['summary', { weekStart: 'friday' }, 'weekStart', '"friday" is not a week start: use monday or sunday'],
  [
    'summary',
    { timezone: 'Mars/Phobos' },
    'timezone',
    '"Mars/Phobos" is not a known IANA time zone (e.g. Europe/Paris): failed to find time zone `Mars/Phobos` in time zone database',
  ],
  ['summary', { descendants: true }, 'descendants', 'needs a session'],
  ['summary', { model: ' ' }, 'model', 'must be a non-empty, non-blank string'],
  ['summary', { project: 'p\u0001' }, 'project', 'must not contain control characters'],
  ['summary', { tags: { ' ': 'v' } }, 'tags', 'keys must be non-empty, non-blank strings'],
  ['summary', { tags: { k: a(4097) } }, 'tags.k', 'value must be at most 4096 bytes of UTF-8'],
  ['sessionCost', { sessionId: ' ' }, 'sessionId', 'must be a non-empty, non-blank string'],
  ['fingerprint', { descendants: false }, 'descendants', 'needs a sessionId'],
  ['sessions', { limit: 0 }, 'limit', 'must be a positive integer'],
  ['sessions', { harness: 'nope' }, 'harness', `unknown harness "nope": expected ${HARNESSES}`],
  ['session', { sessionId: a(257) }, 'sessionId', 'must be at most 256 characters'],
  [
    'pruneContent',
    { olderThanDays: -1 },
    'olderThanDays',
    'expected a whole number of days 0..=100000 or "forever", got -1',
  ],
  ['ingest', { harnesses: ['nope'] }, 'harnesses', `unknown harness "nope": expected ${HARNESSES}`],
  ['ingest', { roots: { codex: [' '] } }, 'roots.codex', 'must be a non-empty path'],
  ['ingest', { roots: { nope: ['/'] } }, 'roots', `unknown harness "nope": expected ${HARNESSES}`],
  ['ingest', { sessionFile: ' ' }, 'sessionFile', 'must be a non-empty path'],
  [
    'ingest',
    { contentMode: 'bogus' },
    'contentMode',
    'unknown content mode "bogus": expected full, hash-only or off',
  ],
  ['setBudget', { name: ' ', limitUsd: 1, period: 'day' }, 'name', 'must be a non-empty, non-blank string'],
  ['setBudget', { name: a(129), limitUsd: 1, period: 'day' }, 'name', 'must be at most 128 characters'],
  [
    'setBudget',
    { name: 'b', limitUsd: 0, period: 'day' },
    'limitUsd',
    'must be a positive number of US dollars',
  ],
  [
    'setBudget',
    { name: 'b', limitUsd: 1e13, period: 'day' },
    'limitUsd',
    'must be at most 1000000000000 US dollars',
  ],
  [
    'setBudget',
    { name: 'b', limitUsd: Infinity, period: 'day' },
    'limitUsd',
    'must be a positive number of US dollars',
  ],
  [
    'setBudget',
    { name: 'b', limitUsd: 1, period: 'year' },
    'period',
    '"year" is not a period: use day, week or month',
  ],
  [
    'setBudget',
    { name: 'b', limitUsd: 1, period: 'day', warn: 1.5 },
    'warn',
    'must be a fraction of the limit greater than 0 and at most 1',
  ],
  ['removeBudget', { name: ' ' }, 'name', 'must be a non-empty, non-blank string'],
  [
    'budgetStatus',
    { weekStart: 'friday' },
    'weekStart',
    '"friday" is not a week start: use monday or sunday',
  ],
  ['hotspots', { by: 'bogus' }, 'by', 'must be one of tool, file, command or subagent'],
  ['hotspots', { limit: 0 }, 'limit', 'must be positive'],
  ['hotspots', { limit: 10001 }, 'limit', 'must be at most 10000'],
  ['hotspots', { descendants: true }, 'descendants', 'needs a session'],
  ['overhead', { limit: 20000 }, 'limit', 'must be at most 10000'],
  [
    'compare',
    { models: Array.from({ length: 51 }, (_, i) => `m${i}`) },
    'models',
    'must name at most 50 models',
  ],
  ['compare', { models: [' '] }, 'models.0', 'must be a non-empty, non-blank string'],
];

describe('the core refuses every invalid value, in its own words', () => {
  const ledgerHome = tempHome('rules');
  it.each(CASES)('%s %j', async (fn, options, field, message) => {
    const call = native[fn];
    expect(call, fn).toBeTypeOf('function');
    const err = await (call as NativeFn)({ ledgerHome, ...options }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toMatchObject({ code: 'INVALID_ARGUMENT', field, message: `${field}: ${message}` });
  });
});

/** push's limits: [options, field, the core's message], refused before any server is named. */
const PUSH_CASES: [Record<string, unknown>, string, string][] = [
  [{ retries: 101 }, 'retries', 'must be between 0 and 100'],
  [{ retries: -1 }, 'retries', 'must be between 0 and 100'],
  [{ batchSize: 0 }, 'batchSize', 'must be between 1 and 5000'],
  [{ batchSize: 5001 }, 'batchSize', 'must be between 1 and 5000'],
];

describe('push limits are the core’s', () => {
  const ledgerHome = tempHome('rules-push');
  it.each(PUSH_CASES)('native pushSettings %j', async (options, field, message) => {
    const err = await (native.pushSettings as NativeFn)({ ledgerHome, ...options }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toMatchObject({ code: 'INVALID_ARGUMENT', field, message: `${field}: ${message}` });
  });
  it.each(entryPoints)('the SDK (%s) reports them', async (_name, sdk) => {
    for (const [options, field, message] of PUSH_CASES) {
      const err = await sdk.push({ ledgerHome, ...options }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(sdk.BurnError);
      expect(err).toMatchObject({ code: 'INVALID_ARGUMENT', field, message: `push: ${field}: ${message}` });
    }
  });
});

describe.each(entryPoints)('the SDK (%s) reports the core’s words', (_name, sdk) => {
  const ledgerHome = tempHome('rules-sdk');
  const fns = sdk as unknown as Record<string, NativeFn>;
  it.each(CASES)('%s %j', async (fn, options, field, message) => {
    const err = await (fns[fn] as NativeFn)({ ledgerHome, ...options }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(sdk.BurnError);
    expect(err).toMatchObject({ code: 'INVALID_ARGUMENT', field, message: `${fn}: ${field}: ${message}` });
  });

  /** Shape: what the binding could not receive as given. [function, options, field, message] */
  const SHAPE: [string, Record<string, unknown>, string, string][] = [
    ['summary', { bogus: 1 }, 'bogus', 'is not a known option'],
    ['summary', { since: 7 }, 'since', 'must be a string'],
    ['summary', { descendants: 'yes', session: 's' }, 'descendants', 'must be a boolean'],
    ['sessions', { limit: 1.5 }, 'limit', 'must be a whole number'],
    ['writeStamp', { sessionId: 's' }, 'enrichment', 'is required: pass at least one key'],
    [
      'writeStamp',
      { sessionId: '\ud800', enrichment: tag },
      'sessionId',
      'must be well-formed Unicode (it contains a lone surrogate)',
    ],
    ['writeStamp', { sessionId: 's', enrichment: { a: 1 } }, 'enrichment.a', 'value must be a string'],
    ['ingest', { roots: { codex: '/x' } }, 'roots.codex', 'must be an array of directory paths'],
    ['setBudget', { name: 'b', limitUsd: '5', period: 'day' }, 'limitUsd', 'must be a number'],
  ];
  it.each(SHAPE)('shape: %s %j', async (fn, options, field, message) => {
    const err = await (fns[fn] as NativeFn)({ ledgerHome, ...options }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toMatchObject({ code: 'INVALID_ARGUMENT', field, message: `${fn}: ${field}: ${message}` });
  });
});
