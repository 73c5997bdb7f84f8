/** Aligned text tables: numbers right-aligned, text left-aligned, a header row. */
import { bold, type Output, visible } from './output.js';

export interface Column<T> {
  header: string;
  value: (row: T) => string;
  align?: 'left' | 'right';
}

export interface TableStyle {
  /** Colors apply only when `out.color` (a TTY without `--no-color` / `NO_COLOR`). */
  out?: Output;
  /** Bold the last row too (a TOTAL row). */
  lastRowBold?: boolean;
}

export function renderTable<T>(
  rows: readonly T[],
  columns: ReadonlyArray<Column<T>>,
  style: TableStyle = {},
): string {
  // Cells hold text from logs: made visible before widths are measured.
  const cells = rows.map((r) => columns.map((c) => visible(c.value(r))));
  const widths = columns.map((c, i) =>
    Math.max(c.header.length, ...cells.map((row) => (row[i] ?? '').length)),
  );
  // Pad first, then color, so escape codes never count towards widths.
  const line = (values: readonly string[]) =>
    values
      .map((v, i) => (columns[i]?.align === 'right' ? v.padStart(widths[i] ?? 0) : v.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  const strong = (text: string) => (style.out ? bold(style.out, text) : text);
  const body = cells.map((row, i) =>
    style.lastRowBold && i === cells.length - 1 ? strong(line(row)) : line(row),
  );
  return [strong(line(columns.map((c) => c.header))), ...body].join('\n');
}
