/** Output helpers: JSON for machines, aligned text for people. */

export interface Output {
  json: boolean;
  color: boolean;
}

// How the print functions reach standard output. `burn` sets `writeOut` (stdout.ts: no stream
// built unless needed); this module stays free of Node built-ins, the dashboard page bundles it.
let write = (text: string): void => {
  process.stdout.write(text);
};

/** Makes `printJson` and `printFields` write with `fn`. */
export function printWith(fn: (text: string) => void): void {
  write = fn;
}

export function printJson(value: unknown): void {
  write(`${JSON.stringify(value, null, 2)}\n`);
}

// C0 and C1 controls and DEL, and the bidirectional overrides and isolates (which reorder what
// a terminal shows).
const UNSAFE = /[\p{Cc}\u202a-\u202e\u2066-\u2069]/gu;

/**
 * Text from a log or the ledger, safe to print on a terminal: control characters (escape
 * sequences that could clear the screen, retitle the window or write the clipboard), DEL and
 * bidi overrides are shown as `\x1b`, `\n`, `\u202e`. Every table cell and field goes through
 * it; JSON output never does (`JSON.stringify` escapes controls itself).
 */
export function visible(text: string): string {
  return text.replace(UNSAFE, (c) => {
    const code = c.charCodeAt(0);
    if (c === '\n') return '\\n';
    if (c === '\r') return '\\r';
    if (c === '\t') return '\\t';
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16)}`;
  });
}

/** Prints `label  value` rows with the labels padded to one width; values made {@link visible}. */
export function printFields(rows: ReadonlyArray<readonly [string, string]>): void {
  const width = Math.max(0, ...rows.map(([label]) => label.length));
  write(rows.map(([label, value]) => `${label.padEnd(width)}  ${visible(value)}\n`).join(''));
}

export function bold(out: Output, text: string): string {
  return out.color ? `\u001b[1m${text}\u001b[22m` : text;
}

// Counts and dollars are formatted without Intl where the text is certainly the same: the first
// use of Intl loads ICU data, ~15 ms of a status line's start-up.

/** Thousands separators in a string of digits: 1234567 → 1,234,567. */
function group(digits: string): string {
  return digits.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/** Formats a count with thousands separators: 1234567 → 1,234,567 (as `toLocaleString('en-US')`). */
export function formatCount(n: number): string {
  if (Number.isSafeInteger(n) && !Object.is(n, -0)) return n < 0 ? `-${group(String(-n))}` : group(String(n));
  return n.toLocaleString('en-US');
}

/** Formats bytes as a short human size: 1536 → 1.5 KiB. */
export function formatBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return i === 0 ? `${v} B` : `${v.toFixed(1)} ${units[i]}`;
}

/** Formats dollars: 1234.5 → $1,234.50 (as `toLocaleString('en-US')` with two decimals). */
export function formatUsd(n: number): string {
  return `$${twoDecimals(n) ?? n.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
}

/**
 * `n` with two decimals and grouped thousands, as Intl writes it in en-US: rounded half away
 * from zero on the shortest decimal form of the number (which `String(n)` is, and `toFixed`
 * is not: 1.005 → 1.01). Undefined for what needs Intl: exponent forms, more than 13 integer
 * digits, -0, NaN and infinities.
 */
function twoDecimals(n: number): string | undefined {
  if (!Number.isFinite(n) || Object.is(n, -0)) return undefined;
  const m = /^(\d{1,13})(?:\.(\d+))?$/.exec(String(Math.abs(n)));
  if (!m?.[1]) return undefined;
  const frac = (m[2] ?? '').padEnd(3, '0');
  const cents = Number(m[1] + frac.slice(0, 2)) + ((frac[2] ?? '0') >= '5' ? 1 : 0);
  return `${n < 0 ? '-' : ''}${group(String(Math.floor(cents / 100)))}.${String(cents % 100).padStart(2, '0')}`;
}

/** Shortens text to `max` characters with an ellipsis, on one line, made {@link visible}. */
export function clip(text: string, max: number): string {
  const oneLine = visible(text.replace(/\s+/g, ' ').trim());
  return oneLine.length <= max ? oneLine : `${oneLine.slice(0, max - 1)}…`;
}
