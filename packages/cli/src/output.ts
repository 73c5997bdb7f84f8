/** Output helpers: JSON for machines, aligned text for people. */

export interface Output {
  json: boolean;
  color: boolean;
}

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** Prints `label  value` rows with the labels padded to one width. */
export function printFields(rows: ReadonlyArray<readonly [string, string]>): void {
  const width = Math.max(0, ...rows.map(([label]) => label.length));
  for (const [label, value] of rows) process.stdout.write(`${label.padEnd(width)}  ${value}\n`);
}

export function bold(out: Output, text: string): string {
  return out.color ? `\u001b[1m${text}\u001b[22m` : text;
}

/** Formats a count with thousands separators: 1234567 → 1,234,567. */
export function formatCount(n: number): string {
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

/** Formats dollars: 1234.5 → $1,234.50. */
export function formatUsd(n: number): string {
  return `$${n.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
}

/** Shortens text to `max` characters with an ellipsis. */
export function clip(text: string, max: number): string {
  const oneLine = text.replace(/\s+/g, ' ').trim();
  return oneLine.length <= max ? oneLine : `${oneLine.slice(0, max - 1)}…`;
}
