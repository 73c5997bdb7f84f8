import { callNative } from './native.js';
import type { LedgerOptions, WeekStart } from './types.js';
import { parseOptions } from './validate.js';

/**
 * Options of {@link statusline}. The zone of "today" and of the budget periods is `timezone`,
 * else UTC with `utc`, else the `TZ` variable, else the system zone.
 *
 * @example
 * ```ts
 * import { type StatuslineOptions, statusline } from '@relayburn/sdk';
 * const o: StatuslineOptions = { input: '{"session_id":"abc","transcript_path":"/tmp/abc.jsonl"}', json: true };
 * console.log(await statusline(o));
 * ```
 */
export interface StatuslineOptions extends LedgerOptions {
  /** Claude Code's status-line JSON. Absent: read from this process's stdin. */
  input?: string | undefined;
  /** The figures as one JSON object instead of the line. */
  json?: boolean | undefined;
  /** IANA zone of "today" and of the budget periods. */
  timezone?: string | undefined;
  /** Use UTC (not together with `timezone`). */
  utc?: boolean | undefined;
  /** First day of a `week` budget period: `monday` (ISO, default) or `sunday`. */
  weekStart?: WeekStart | undefined;
}

/**
 * Claude Code's status line, as `burn statusline` and the `relayburn-statusline` executable
 * print it: ingests the transcript the status-line JSON names (with its subagent transcripts)
 * and returns one line, `$1.24 session · $18.40 today · reviewers 62% of $200/mo`, or with
 * `json` the object `{ sessionCostUsd, todayCostUsd, budgets }` as JSON text. Never rejects for
 * a runtime error: it returns `burn: ?` (or `{"error": …}`) and appends the error to
 * `statusline.log` in the ledger home. Only options of the wrong shape reject.
 *
 * @example
 * ```ts
 * import { statusline } from '@relayburn/sdk';
 * const line = await statusline({ input: '{"session_id":"abc","transcript_path":"/tmp/abc.jsonl"}' });
 * ```
 */
export async function statusline(options: StatuslineOptions = {}): Promise<string> {
  const o = parseOptions('statusline', 'statuslineSchema', options);
  return callNative('statusline', (b) => b.statusline(o));
}
