/** Renders each part of the page from API results. */
import type { SessionDetail, SessionRow, Summary } from '@relayburn/sdk';
import { drawDaily, drawTurns, PALETTE, type Stacked } from './chart.js';
import { byId, h } from './dom.js';
import { formatChange, formatCount, formatUsd } from './format.js';
import { daysBetween } from './state.js';

/** Most keys stacked in the chart; the rest are summed as `(other)`. */
const MAX_KEYS = 7;

export function renderTotals(cur: Summary, prev: Summary | undefined): void {
  const card = (label: string, value: string, now: number, before: number | undefined, id: string) =>
    h(
      'div',
      { class: 'card', id },
      h('div', { class: 'label' }, label),
      h('div', { class: 'value' }, value),
      before === undefined
        ? null
        : h(
            'div',
            { class: 'change', title: 'against the previous window of the same length' },
            `${formatChange(now, before)} vs previous`,
          ),
    );
  const t = cur.totals;
  const p = prev?.totals;
  byId('totals').replaceChildren(
    card('cost', formatUsd(t.costUsd), t.costUsd, p?.costUsd, 'total-cost'),
    card('turns', formatCount(t.turns), t.turns, p?.turns, 'total-turns'),
    card('tokens', formatCount(t.totalTokens), t.totalTokens, p?.totalTokens, 'total-tokens'),
    card('cache read', formatCount(t.cacheReadTokens), t.cacheReadTokens, p?.cacheReadTokens, 'total-cache'),
  );
  const unpriced = byId('unpriced');
  unpriced.hidden = cur.unpricedModels.length === 0;
  unpriced.textContent = cur.unpricedModels.length
    ? `Unpriced models (counted as $0): ${cur.unpricedModels.map((m) => `${m.model} (${formatCount(m.turns)} turns)`).join(', ')}`
    : '';
}

/** Day × key groups (`groupBy: ['day', by]`) as stacked series over every day of the window. */
export function stack(s: Summary, firstDay: string | undefined, lastDay: string): Stacked {
  const byKey = new Map<string, number>();
  const cells: Array<[string, string, number]> = [];
  for (const g of s.groups) {
    const [day, key] = g.keys ?? [g.key, ''];
    if (day === undefined || key === undefined) continue;
    cells.push([day, key, g.costUsd]);
    byKey.set(key, (byKey.get(key) ?? 0) + g.costUsd);
  }
  const ranked = [...byKey.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).map(([k]) => k);
  const keys = ranked.length > MAX_KEYS ? [...ranked.slice(0, MAX_KEYS - 1), '(other)'] : ranked;
  const seen = cells.map(([d]) => d).sort();
  // From the window's first day (or the first with spend) to its last (or the last with spend).
  const [lo, hi] = [seen[0], seen.at(-1)];
  const wanted = firstDay ?? lo ?? lastDay;
  const first = lo !== undefined && lo < wanted ? lo : wanted;
  const last = hi !== undefined && hi > lastDay ? hi : lastDay;
  const days = daysBetween(first, last);
  const dayIdx = new Map(days.map((d, i) => [d, i]));
  const values = keys.map(() => new Array<number>(days.length).fill(0));
  for (const [day, key, cost] of cells) {
    const d = dayIdx.get(day);
    let k = keys.indexOf(key);
    if (k < 0) k = keys.length - 1;
    const row = values[k];
    if (d !== undefined && row) row[d] = (row[d] ?? 0) + cost;
  }
  return { days, keys, values };
}

export function renderDaily(data: Stacked): void {
  const el = byId('chart');
  el.dataset.keys = data.keys.join('\n');
  el.dataset.days = String(data.days.length);
  drawDaily(el, data);
}

/** Spend by one tag key's values, as bars. */
export function renderTagBars(s: Summary | undefined, key: string): void {
  const box = byId('tagbars');
  if (!s || !key) {
    box.replaceChildren(
      h('p', { class: 'muted' }, 'No tags in this window. Label sessions with `burn stamp`.'),
    );
    return;
  }
  const max = Math.max(...s.groups.map((g) => g.costUsd), 0);
  box.replaceChildren(
    h(
      'table',
      { class: 'bars' },
      ...s.groups.map((g, i) =>
        h(
          'tr',
          {},
          h('th', {}, `${key}=${g.key}`),
          h(
            'td',
            { class: 'bar-cell' },
            h('span', {
              class: 'bar',
              style: `width:${max > 0 ? (g.costUsd / max) * 100 : 0}%;background:${PALETTE[i % PALETTE.length]}`,
            }),
          ),
          h('td', { class: 'num' }, formatUsd(g.costUsd)),
          h('td', { class: 'num muted' }, `${formatCount(g.turns)} turn${g.turns === 1 ? '' : 's'}`),
        ),
      ),
    ),
  );
}

const when = (ts: string | undefined) => (ts ?? '').replace('T', ' ').slice(0, 16);
const tagText = (tags: Record<string, string>) =>
  Object.entries(tags)
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([k, v]) => `${k}=${v}`)
    .join(' ');
const label = (r: SessionRow) => r.title || r.sessionId;

/** The rows of a tree below `root`, each with its depth (children under their parent). */
function treeRows(root: SessionRow): Array<[SessionRow, number]> {
  const kids = new Map<string, SessionRow[]>();
  for (const d of root.descendants) {
    const parent = d.parentSessionId ?? root.sessionId;
    kids.set(parent, [...(kids.get(parent) ?? []), d]);
  }
  const out: Array<[SessionRow, number]> = [];
  const walk = (id: string, depth: number) => {
    for (const k of kids.get(id) ?? []) {
      out.push([k, depth]);
      if (depth < 50) walk(k.sessionId, depth + 1);
    }
  };
  walk(root.sessionId, 1);
  return out;
}

function sessionLink(r: SessionRow, open: (id: string) => void): HTMLElement {
  const a = h(
    'a',
    { href: `?session=${encodeURIComponent(r.sessionId)}`, class: 'session-link', title: r.sessionId },
    label(r),
  );
  a.addEventListener('click', (e) => {
    e.preventDefault();
    open(r.sessionId);
  });
  return a;
}

/** Top session trees; a tree's subagents, forks and continuations open under it. */
export function renderSessions(rows: SessionRow[], open: (id: string) => void): void {
  const table = byId<HTMLTableElement>('session-table');
  const head = h(
    'tr',
    {},
    ...['', 'session', 'harness', 'last activity', 'turns', 'own cost', 'tree cost', 'tags'].map((c, i) =>
      h('th', { class: i >= 4 && i <= 6 ? 'num' : undefined }, c),
    ),
  );
  const body: HTMLElement[] = [];
  rows.forEach((r, i) => {
    const children = treeRows(r);
    const toggle = children.length
      ? h('button', { class: 'toggle', 'aria-expanded': 'false', title: 'show the sessions below' }, '▸')
      : '';
    const tree = `tree-${i}`;
    body.push(
      h(
        'tr',
        { class: 'root', 'data-session': r.sessionId },
        h('td', {}, toggle),
        h('td', {}, sessionLink(r, open)),
        h('td', {}, r.harness),
        h('td', {}, when(r.lastTs)),
        h('td', { class: 'num' }, formatCount(r.turns)),
        h('td', { class: 'num' }, formatUsd(r.own.costUsd)),
        h('td', { class: 'num' }, formatUsd(r.costUsd)),
        h('td', { class: 'muted' }, tagText(r.tags)),
      ),
    );
    for (const [c, depth] of children) {
      body.push(
        h(
          'tr',
          { class: `child ${tree}`, hidden: true, 'data-session': c.sessionId },
          h('td', {}),
          h(
            'td',
            { style: `padding-left:${depth * 1.2}em` },
            h('span', { class: 'muted' }, `${c.relationship} `),
            sessionLink(c, open),
          ),
          h('td', {}, c.harness),
          h('td', {}, when(c.lastTs)),
          h('td', { class: 'num' }, formatCount(c.own.turns)),
          h('td', { class: 'num' }, formatUsd(c.own.costUsd)),
          h('td', {}),
          h('td', { class: 'muted' }, tagText(c.tags)),
        ),
      );
    }
    if (toggle) {
      toggle.addEventListener('click', () => {
        const open = toggle.getAttribute('aria-expanded') !== 'true';
        toggle.setAttribute('aria-expanded', String(open));
        toggle.textContent = open ? '▾' : '▸';
        for (const el of table.querySelectorAll<HTMLElement>(`.${tree}`)) el.hidden = !open;
      });
    }
  });
  if (rows.length === 0)
    body.push(h('tr', {}, h('td', { colspan: '8', class: 'muted' }, 'No sessions in this window.')));
  table.replaceChildren(h('thead', {}, head), h('tbody', {}, ...body));
}

/** One session: its totals, turns over time, tools and the sessions below it. */
export function renderSession(
  d: SessionDetail | null,
  id: string,
  open: (id: string) => void,
  close: () => void,
): void {
  const box = byId('session');
  box.hidden = false;
  const closeBtn = h('button', { class: 'close', title: 'close' }, '×');
  closeBtn.addEventListener('click', close);
  if (!d) {
    box.replaceChildren(
      h('div', { class: 'panel-head' }, h('h2', {}, 'Session'), closeBtn),
      h('p', {}, `No session ${id}.`),
    );
    return;
  }
  const s = d.session;
  const fields: Array<[string, string]> = [
    ['session', `${s.sessionId} (${s.harness})`],
    ['project', [s.project, s.branch && `(${s.branch})`].filter(Boolean).join(' ')],
    ['when', `${when(s.firstTs)} → ${when(s.lastTs)}`],
    ['models', s.models.join(', ')],
    [
      'own',
      `${formatUsd(s.own.costUsd)}, ${formatCount(s.own.turns)} turns, ${formatCount(s.own.totalTokens)} tokens`,
    ],
    [
      'with subtree',
      `${formatUsd(s.costUsd)}, ${formatCount(s.turns)} turns (${formatCount(s.descendantCount)} below)`,
    ],
    ['tags', tagText(s.tags)],
  ];
  const tools = new Map<string, { calls: number; turns: number; cost: number }>();
  for (const t of d.turns) {
    const names = new Set(t.toolCalls.map((c) => c.name));
    for (const c of t.toolCalls) {
      const e = tools.get(c.name) ?? { calls: 0, turns: 0, cost: 0 };
      e.calls++;
      tools.set(c.name, e);
    }
    for (const n of names) {
      const e = tools.get(n);
      if (e) {
        e.turns++;
        e.cost += t.costUsd;
      }
    }
  }
  const chart = h('div', { class: 'chart', id: 'turns-chart' });
  const below = treeRows(s);
  box.replaceChildren(
    h('div', { class: 'panel-head' }, h('h2', {}, label(s)), closeBtn),
    h('dl', { class: 'fields' }, ...fields.flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, v)])),
    h('h3', {}, `Turns over time (${formatCount(d.turns.length)})`),
    chart,
    h(
      'div',
      { class: 'split' },
      h(
        'div',
        {},
        h('h3', {}, 'Tools'),
        tools.size
          ? h(
              'table',
              { id: 'tools-table' },
              h(
                'tr',
                {},
                h('th', {}, 'tool'),
                h('th', { class: 'num' }, 'calls'),
                h('th', { class: 'num' }, 'turns'),
                h('th', { class: 'num' }, 'cost of those turns'),
              ),
              ...[...tools.entries()]
                .sort((a, b) => b[1].calls - a[1].calls)
                .map(([name, e]) =>
                  h(
                    'tr',
                    {},
                    h('td', {}, name),
                    h('td', { class: 'num' }, formatCount(e.calls)),
                    h('td', { class: 'num' }, formatCount(e.turns)),
                    h('td', { class: 'num' }, formatUsd(e.cost)),
                  ),
                ),
            )
          : h('p', { class: 'muted' }, 'No tool calls.'),
      ),
      h(
        'div',
        {},
        h('h3', {}, `Subagents and other sessions below (${formatCount(below.length)})`),
        below.length
          ? h(
              'table',
              { id: 'subagents-table' },
              ...below.map(([c, depth]) =>
                h(
                  'tr',
                  {},
                  h(
                    'td',
                    { style: `padding-left:${(depth - 1) * 1.2}em` },
                    h('span', { class: 'muted' }, `${c.relationship} `),
                    sessionLink(c, open),
                  ),
                  h('td', { class: 'num' }, formatCount(c.own.turns)),
                  h('td', { class: 'num' }, formatUsd(c.own.costUsd)),
                ),
              ),
            )
          : h('p', { class: 'muted' }, 'None.'),
      ),
    ),
  );
  drawTurns(
    chart,
    d.turns.map((t) => Date.parse(t.ts) / 1000),
    d.turns.map((t) => t.costUsd),
  );
}
