/**
 * The one error type of `@relayburn/sdk`. Every rejection of every function is a
 * `BurnError` whose `code` is stable and safe to branch on.
 */

/**
 * Every stable error code a {@link BurnError} can carry.
 *
 * @example
 * ```ts
 * import { BURN_ERROR_CODES, BurnError } from '@relayburn/sdk';
 * const isBurnCode = (c: string) => (BURN_ERROR_CODES as readonly string[]).includes(c);
 * ```
 */
export const BURN_ERROR_CODES = [
  'INVALID_ARGUMENT',
  'LEDGER_BUSY',
  'LEDGER_CORRUPT',
  'SCHEMA_TOO_NEW',
  'IO',
  'UNSUPPORTED_PLATFORM',
  'SERVER',
  'INTERNAL',
] as const;

/**
 * One of {@link BURN_ERROR_CODES}: `INVALID_ARGUMENT`, `LEDGER_BUSY`, `LEDGER_CORRUPT`,
 * `SCHEMA_TOO_NEW`, `IO`, `UNSUPPORTED_PLATFORM`, `SERVER` (a team server refused a request or
 * stayed unreachable), `INTERNAL`.
 *
 * @example
 * ```ts
 * import { type BurnErrorCode, BurnError, summary } from '@relayburn/sdk';
 * const retryable: BurnErrorCode[] = ['LEDGER_BUSY'];
 * try {
 *   await summary();
 * } catch (err) {
 *   if (err instanceof BurnError && retryable.includes(err.code)) {
 *     // try again later
 *   }
 * }
 * ```
 */
export type BurnErrorCode = (typeof BURN_ERROR_CODES)[number];

/**
 * An error from relayburn. `code` says what kind; `field` names the offending option for
 * `INVALID_ARGUMENT`; `path` names the file for ledger and I/O errors.
 *
 * @example
 * ```ts
 * import { BurnError, writeStamp } from '@relayburn/sdk';
 * try {
 *   await writeStamp({ sessionId: '', enrichment: { persona: 'reviewer' } });
 * } catch (err) {
 *   if (err instanceof BurnError && err.code === 'INVALID_ARGUMENT') console.error(err.field); // 'sessionId'
 * }
 * ```
 */
export class BurnError extends Error {
  override readonly name = 'BurnError';
  readonly code: BurnErrorCode;
  readonly field?: string;
  readonly path?: string;

  constructor(
    code: BurnErrorCode,
    message: string,
    details: { field?: string; path?: string; cause?: unknown } = {},
  ) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.code = code;
    if (details.field !== undefined) this.field = details.field;
    if (details.path !== undefined) this.path = details.path;
  }
}

function isCode(value: unknown): value is BurnErrorCode {
  return typeof value === 'string' && (BURN_ERROR_CODES as readonly string[]).includes(value);
}

/**
 * Rewraps whatever the native binding threw as a `BurnError` (unknown shapes → INTERNAL),
 * prefixing the message with the public function's name.
 */
export function toBurnError(err: unknown, fn: string): BurnError {
  if (err instanceof BurnError) return err;
  if (err instanceof Error) {
    const e = err as Error & { code?: unknown; field?: unknown; path?: unknown };
    const details: { field?: string; path?: string; cause: unknown } = { cause: err };
    if (typeof e.field === 'string') details.field = e.field;
    if (typeof e.path === 'string') details.path = e.path;
    return new BurnError(isCode(e.code) ? e.code : 'INTERNAL', `${fn}: ${e.message}`, details);
  }
  return new BurnError('INTERNAL', `${fn}: ${String(err)}`);
}
