/**
 * The page's state, kept in the URL's query string so a view can be shared: the window,
 * the filters, the stacking dimension, the tag key and the open session.
 */
import type { Params } from './api.js';

export interface State {
  window: string;
  from: string;
  to: string;
  harness: string;
  project: string;
  /** `k=v` filters. */
  tags: string[];
  /** Stacking dimension of the chart: model, harness, project, provider, device or tag:<key>. */
  by: string;
  tagKey: string;
  session: string;
}

export const WINDOWS = ['24h', 'today', '7d', '30d', '90d', 'this-month', 'all', 'custom'];

export function readState(search: string = location.search): State {
  const q = new URLSearchParams(search);
  const w = q.get('window') ?? '30d';
  return {
    window: WINDOWS.includes(w) ? w : '30d',
    from: q.get('from') ?? '',
    to: q.get('to') ?? '',
    harness: q.get('harness') ?? '',
    project: q.get('project') ?? '',
    tags: q.getAll('tag').filter((t) => t.includes('=')),
    by: q.get('by') ?? 'model',
    tagKey: q.get('tagKey') ?? '',
    session: q.get('session') ?? '',
  };
}

export function writeState(s: State): string {
  const q = new URLSearchParams();
  if (s.window !== '30d') q.set('window', s.window);
  if (s.window === 'custom') {
    if (s.from) q.set('from', s.from);
    if (s.to) q.set('to', s.to);
  }
  if (s.harness) q.set('harness', s.harness);
  if (s.project) q.set('project', s.project);
  for (const t of s.tags) q.append('tag', t);
  if (s.by !== 'model') q.set('by', s.by);
  if (s.tagKey) q.set('tagKey', s.tagKey);
  if (s.session) q.set('session', s.session);
  const text = q.toString();
  return text ? `?${text}` : location.pathname;
}

/** A window as `since`/`until` parameters (SDK forms: relative, calendar names, dates). */
export interface Bounds {
  since?: string;
  until?: string;
}

const pad = (n: number) => String(n).padStart(2, '0');
/** A local date as `YYYY-MM-DD`. */
export const isoDate = (d: Date) => `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
const addDays = (d: Date, n: number) => new Date(d.getFullYear(), d.getMonth(), d.getDate() + n);
const parseDate = (s: string) => {
  const [y, m, d] = s.split('-').map(Number);
  return new Date(y ?? 1970, (m ?? 1) - 1, d ?? 1);
};

/**
 * The window and the one before it, of the same length (none for all time), and the first
 * and last local day the chart shows.
 */
export function windowBounds(
  s: State,
  now: Date = new Date(),
): { current: Bounds; previous?: Bounds; firstDay?: string; lastDay: string } {
  const today = isoDate(now);
  const rel = /^(\d+)(h|d)$/.exec(s.window);
  if (rel) {
    const n = Number(rel[1]);
    const days = rel[2] === 'd' ? n : Math.ceil(n / 24);
    return {
      current: { since: s.window },
      previous: { since: `${2 * n}${rel[2]}`, until: s.window },
      firstDay: isoDate(addDays(now, -days)),
      lastDay: today,
    };
  }
  if (s.window === 'today') {
    return {
      current: { since: 'today' },
      previous: { since: 'yesterday', until: 'yesterday' },
      firstDay: today,
      lastDay: today,
    };
  }
  if (s.window === 'this-month') {
    const first = new Date(now.getFullYear(), now.getMonth(), 1);
    const lastOfPrevious = addDays(first, -1);
    const firstOfPrevious = new Date(lastOfPrevious.getFullYear(), lastOfPrevious.getMonth(), 1);
    return {
      current: { since: 'this-month' },
      previous: { since: isoDate(firstOfPrevious), until: isoDate(lastOfPrevious) },
      firstDay: isoDate(first),
      lastDay: today,
    };
  }
  if (s.window === 'custom' && s.from) {
    const from = parseDate(s.from);
    const to = s.to ? parseDate(s.to) : now;
    const days = Math.max(1, Math.round((to.getTime() - from.getTime()) / 86_400_000) + 1);
    return {
      current: { since: s.from, ...(s.to ? { until: s.to } : {}) },
      previous: { since: isoDate(addDays(from, -days)), until: isoDate(addDays(from, -1)) },
      firstDay: s.from,
      lastDay: s.to || today,
    };
  }
  return { current: {}, lastDay: today };
}

/**
 * The browser's IANA time zone. `Temporal` gives it at once; `Intl.DateTimeFormat` loads the
 * locale's date data first (measured 20–120 ms on a page's first use in Chromium, and the
 * first-paint requests wait for the zone), so it is only the fallback.
 */
export function browserZone(): string {
  const temporal = (globalThis as { Temporal?: { Now?: { timeZoneId?: () => string } } }).Temporal;
  return temporal?.Now?.timeZoneId?.() ?? Intl.DateTimeFormat().resolvedOptions().timeZone;
}

/** The filters as API parameters (besides the window). */
export function filterParams(s: State): Params {
  return {
    harness: s.harness || undefined,
    project: s.project || undefined,
    tag: s.tags.length ? s.tags : undefined,
    timezone: browserZone(),
  };
}

/** Every local day from `first` to `last`, inclusive (at most ~3 years). */
export function daysBetween(first: string, last: string): string[] {
  const out: string[] = [];
  for (let d = parseDate(first); isoDate(d) <= last && out.length < 1200; d = addDays(d, 1))
    out.push(isoDate(d));
  return out;
}

/**
 * The parameters of the two queries first paint waits for, by endpoint: the window by day and
 * the stacking dimension (totals and chart), and the top session trees. `boot.js` starts
 * them while the page loads; the page then asks for exactly these.
 */
export function firstPaintQueries(s: State, now: Date = new Date()): { summary: Params; sessions: Params } {
  const cur: Params = { ...filterParams(s), ...windowBounds(s, now).current };
  return { summary: { ...cur, groupBy: ['day', s.by] }, sessions: { ...cur, limit: '15' } };
}
