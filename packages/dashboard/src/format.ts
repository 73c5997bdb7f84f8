/** Numbers as `burn` prints them: the CLI's own formatters, bundled into the page. */
export { formatCount, formatUsd } from '../../cli/src/output.js';

/** Change against the previous window: `+12%`, `−3%`, `new` when there was nothing before. */
export function formatChange(now: number, before: number): string {
  if (before === 0) return now === 0 ? '±0%' : 'new';
  const pct = ((now - before) / before) * 100;
  const rounded = Math.abs(pct) < 10 ? pct.toFixed(1) : pct.toFixed(0);
  return pct > 0 ? `+${rounded}%` : pct < 0 ? `−${rounded.slice(1)}%` : '±0%';
}
