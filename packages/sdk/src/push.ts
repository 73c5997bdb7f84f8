import { BurnError } from './errors.js';
import { callNative } from './native.js';
import type { PushOptions, PushReport, TimeWindow, TimeWindowOptions } from './types.js';
import { parseOptions } from './validate.js';

const MAX_BODY_BYTES = 8 * 1024 * 1024;
const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(t);
      resolve();
    });
  });

/** gzip, with zlib loaded on the first push: importing the SDK stays free of it. */
function gzip(body: string): Buffer {
  return (require('node:zlib') as typeof import('node:zlib')).gzipSync(body);
}

/**
 * Sends this ledger's changes to a team server (`relayburn-server`): every turn, session and
 * stamp changed since the server's last acknowledgement, in order, in gzip batches of at most
 * 5,000 rows. The high-water mark moves only after the server has committed a batch, so an
 * interrupted push (crash, network error, SIGKILL) resumes where it stopped and a repeated one
 * sends nothing; the server applies each turn once (a turn changed locally later is sent again
 * and replaces the earlier copy). Network errors, 429 and 5xx answers are retried with
 * exponential backoff. Nothing a user typed or a model wrote is sent: no content, prompts,
 * titles, tool calls or arguments; projects as their last path segment unless `projects` (or
 * `push.projects` in `config.json`) says `full`, `hash` or `none`.
 *
 * `server` and `token` come from the options, else `RELAYBURN_SERVER`/`RELAYBURN_TOKEN`, else
 * `config.json`'s `push` section in the ledger home.
 *
 * @example
 * ```ts
 * import { push } from '@relayburn/sdk';
 * const r = await push({ server: 'https://burn.example.com', token: process.env.TEAM_TOKEN });
 * console.log(`${r.turns} turns in ${r.batches} batches`);
 * ```
 */
export async function push(options: PushOptions = {}): Promise<PushReport> {
  const o = parseOptions('push', 'pushSchema', options);
  const started = Date.now();
  const settings = await callNative('push', (b) =>
    b.pushSettings({
      ledgerHome: o.ledgerHome,
      server: o.server,
      token: o.token,
      projects: o.projects,
      batchSize: o.batchSize,
      retries: o.retries,
    }),
  );
  const report: PushReport = {
    server: settings.server,
    batches: 0,
    turns: 0,
    sessions: 0,
    stamps: 0,
    durationMs: 0,
  };
  let limit = settings.batchSize;
  for (;;) {
    if (o.signal?.aborted) break;
    const batch = await callNative('push', (b) =>
      b.pushBatch({ ledgerHome: o.ledgerHome, server: settings.server, limit, projects: settings.projects }),
    );
    if (batch.upTo === batch.after) break;
    const body = JSON.stringify({
      sessions: batch.sessions.map(dropNulls),
      turns: batch.turns.map(dropNulls),
      stamps: batch.stamps.map((s) => ({ ...dropNulls(s), enrichment: JSON.parse(s.enrichment) as unknown })),
    });
    if (Buffer.byteLength(body) > MAX_BODY_BYTES && limit > 1) {
      limit = Math.max(1, Math.floor(limit / 2));
      continue;
    }
    await send(`${settings.server}/v1/ingest`, settings.token, gzip(body), settings.retries, o.signal);
    await callNative('push', (b) =>
      b.pushAck({ ledgerHome: o.ledgerHome, server: settings.server, upTo: batch.upTo }),
    );
    report.batches++;
    report.turns += batch.turns.length;
    report.sessions += batch.sessions.length;
    report.stamps += batch.stamps.length;
    o.onProgress?.({
      ...report,
      pending: batch.pending - (batch.upTo - batch.after > 0 ? countOf(batch) : 0),
    });
    if (!batch.more) break;
  }
  report.durationMs = Date.now() - started;
  return report;
}

const countOf = (b: { sessions: unknown[]; turns: unknown[]; stamps: unknown[] }) =>
  b.sessions.length + b.turns.length + b.stamps.length;

function dropNulls<T extends object>(row: T): Partial<T> {
  const out: Partial<T> = {};
  for (const [k, v] of Object.entries(row))
    if (v !== null && v !== undefined) (out as Record<string, unknown>)[k] = v;
  return out;
}

/** POSTs one gzip batch, retrying network errors, 429 and 5xx with exponential backoff. */
async function send(
  url: string,
  token: string,
  body: Buffer,
  retries: number,
  signal?: AbortSignal,
): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    let failure: string;
    try {
      const res = await fetch(url, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${token}`,
          'content-type': 'application/json',
          'content-encoding': 'gzip',
        },
        body,
        ...(signal ? { signal } : {}),
      });
      if (res.ok) {
        await res.arrayBuffer();
        return;
      }
      const text = await res.text();
      let message = text;
      try {
        const j = JSON.parse(text) as { code?: string; message?: string };
        message = `${j.code ?? res.status}: ${j.message ?? text}`;
      } catch {}
      failure = `server answered ${res.status} (${message})`;
      if (res.status !== 429 && res.status < 500) throw new BurnError('SERVER', `push: ${failure}`);
    } catch (err) {
      if (err instanceof BurnError) throw err;
      if (signal?.aborted) throw new BurnError('SERVER', 'push: aborted', { cause: err });
      failure = `cannot reach ${url}: ${(err as Error).message}`;
    }
    if (attempt >= retries) throw new BurnError('SERVER', `push: ${failure} (after ${attempt + 1} attempts)`);
    await sleep(Math.min(30_000, 250 * 2 ** attempt) * (0.5 + Math.random() / 2), signal);
  }
}

/**
 * `since`/`until` resolved to epoch milliseconds exactly as {@link summary} resolves them
 * (instants, relative durations, dates and calendar names in `timezone`), with the canonical
 * zone name. Used by servers that answer the same queries over other stores.
 *
 * @example
 * ```ts
 * import { timeWindow } from '@relayburn/sdk';
 * const { sinceMs, untilMs } = await timeWindow({ since: 'yesterday', until: 'yesterday', timezone: 'Europe/Paris' });
 * ```
 */
export async function timeWindow(options: TimeWindowOptions = {}): Promise<TimeWindow> {
  const o = parseOptions('timeWindow', 'timeWindowSchema', options);
  const w = await callNative('timeWindow', (b) => b.timeWindow(o));
  return {
    ...(w.sinceMs !== undefined && w.sinceMs !== null ? { sinceMs: w.sinceMs } : {}),
    ...(w.untilMs !== undefined && w.untilMs !== null ? { untilMs: w.untilMs } : {}),
    timezone: w.timezone,
  };
}
