/**
 * The relayburn dashboard: reads the filters from the URL, asks the JSON API, draws. Live:
 * server-sent events from `burn dashboard`, polling on relayburn-server.
 */
import type { Summary } from '@relayburn/sdk';
import { ApiError, api, onUnauthorized, type Params, saveToken, source } from './api.js';
import { byId, setOptions } from './dom.js';
import { filterParams, firstPaintQueries, readState, type State, windowBounds, writeState } from './state.js';
import { renderDaily, renderSession, renderSessions, renderTagBars, renderTotals, stack } from './views.js';

performance.mark('relayburn:boot');
let state: State = readState();
/** Tag keys seen in the listed sessions (for the selectors). */
const tagKeys = new Set<string>();
let generation = 0;

const form = byId<HTMLFormElement>('filters');
const field = <T extends HTMLElement>(name: string) => form.elements.namedItem(name) as T;

function showStatus(text: string, error = false): void {
  const el = byId('status');
  el.textContent = text;
  el.className = error ? 'error' : '';
}

/** Loads and draws everything for the current state; a newer load makes an older one stop. */
async function load(): Promise<void> {
  const mine = ++generation;
  const live = () => mine === generation;
  syncForm();
  const w = windowBounds(state);
  const filters = filterParams(state);
  const cur: Params = { ...filters, ...w.current };
  try {
    showStatus('loading…');
    // First paint: the totals, the chart and the session trees (two queries); then the
    // previous window (the change figures), the project list, tags and the open session.
    const first = firstPaintQueries(state);
    const [main, list] = await Promise.all([api.summary(first.summary), api.sessions(first.sessions)]);
    if (!live()) return;
    if (!document.body.dataset.painted) performance.mark('relayburn:data');
    renderTotals(main, undefined);
    renderDaily(stack(main, w.firstDay, w.lastDay));
    renderSessions(list, openSession);
    for (const r of list)
      for (const row of [r, ...r.descendants]) for (const k of Object.keys(row.tags)) tagKeys.add(k);
    for (const t of state.tags) tagKeys.add(t.slice(0, t.indexOf('=')));
    syncSelectors(undefined);
    if (!document.body.dataset.painted) {
      document.body.dataset.painted = '1';
      performance.mark('relayburn:first-paint');
    }
    const key = state.tagKey || [...tagKeys].sort()[0] || '';
    const [prev, projects, harnesses, tags, detail] = await Promise.all([
      w.previous
        ? api.summary({ ...filters, ...w.previous, groupBy: 'harness' })
        : Promise.resolve(undefined),
      api.summary({ ...cur, project: undefined, groupBy: 'project' }),
      api.summary({ ...cur, harness: undefined, groupBy: 'harness' }),
      key ? api.summary({ ...cur, groupBy: `tag:${key}` }) : Promise.resolve(undefined),
      state.session ? api.session(state.session) : Promise.resolve(undefined),
    ]);
    if (!live()) return;
    if (prev) renderTotals(main, prev);
    syncSelectors({ projects, harnesses });
    renderTagBars(tags, key);
    if (state.session && detail !== undefined)
      renderSession(detail, state.session, openSession, closeSession);
    else byId('session').hidden = true;
    showStatus('');
    document.body.dataset.ready = String(mine);
    startLive();
  } catch (err) {
    if (!live()) return;
    showStatus(
      err instanceof ApiError ? `The server said: ${err.message}` : `Could not load: ${String(err)}`,
      true,
    );
    document.body.dataset.ready = String(mine);
  }
}

/** The form shows the state. */
function syncForm(): void {
  field<HTMLSelectElement>('window').value = state.window;
  field<HTMLInputElement>('from').value = state.from;
  field<HTMLInputElement>('to').value = state.to;
  form.classList.toggle('show-custom', state.window === 'custom');
  field<HTMLInputElement>('tag').value = state.tags.join(', ');
}

/** Sets a filter's options to "all" plus the groups the data has; `undefined` keeps its list. */
function syncFilter(name: string, groups: Summary | undefined, value: string): void {
  const select = field<HTMLSelectElement>(name);
  setOptions(
    select,
    groups
      ? [['', 'all'], ...groups.groups.map((g) => [g.key, g.key] as [string, string])]
      : [...select.options].map((o) => [o.value, o.text] as [string, string]),
    value,
  );
}

/** Options that depend on the data: harnesses, projects, stacking dimensions, tag keys. */
/** Harnesses and projects come after the first paint (`undefined` keeps the lists). */
function syncSelectors(lists: { projects?: Summary; harnesses?: Summary } | undefined): void {
  syncFilter('harness', lists?.harnesses, state.harness);
  syncFilter('project', lists?.projects, state.project);
  const keys = [...tagKeys].sort();
  const dims: Array<[string, string]> = [
    ['model', 'model'],
    ['harness', 'harness'],
    ['project', 'project'],
    ['provider', 'provider'],
    ...(source.local ? [] : ([['device', 'device']] as Array<[string, string]>)),
    ...keys.map((k) => [`tag:${k}`, `tag ${k}`] as [string, string]),
  ];
  setOptions(byId<HTMLSelectElement>('by'), dims, state.by);
  setOptions(
    byId<HTMLSelectElement>('tagkey'),
    keys.map((k) => [k, k]),
    state.tagKey || keys[0] || '',
  );
}

function update(patch: Partial<State>): void {
  state = { ...state, ...patch };
  history.pushState(null, '', writeState(state));
  void load();
}

function openSession(id: string): void {
  update({ session: id });
  byId('session').scrollIntoView?.({ block: 'start' });
}

function closeSession(): void {
  update({ session: '' });
}

form.addEventListener('change', () => {
  const tags = field<HTMLInputElement>('tag')
    .value.split(',')
    .map((t) => t.trim())
    .filter((t) => t.includes('='));
  update({
    window: field<HTMLSelectElement>('window').value,
    from: field<HTMLInputElement>('from').value,
    to: field<HTMLInputElement>('to').value,
    harness: field<HTMLSelectElement>('harness').value,
    project: field<HTMLSelectElement>('project').value,
    tags,
  });
});
form.addEventListener('submit', (e) => e.preventDefault());
byId<HTMLSelectElement>('by').addEventListener('change', (e) =>
  update({ by: (e.target as HTMLSelectElement).value }),
);
byId<HTMLSelectElement>('tagkey').addEventListener('change', (e) =>
  update({ tagKey: (e.target as HTMLSelectElement).value }),
);
window.addEventListener('popstate', () => {
  state = readState();
  void load();
});

// Team server: a read token, asked once and kept in this browser.
onUnauthorized(
  () =>
    new Promise<void>((resolve) => {
      const dialog = byId<HTMLDialogElement>('token-dialog');
      const tokenForm = byId<HTMLFormElement>('token-form');
      tokenForm.addEventListener(
        'submit',
        () => {
          saveToken((tokenForm.elements.namedItem('token') as HTMLInputElement).value);
          resolve();
        },
        { once: true },
      );
      if (!dialog.open) dialog.showModal();
    }),
);

let liveStarted = false;
/** Reloads when the ledger changes: events from `burn dashboard`, else a poll every minute. */
function startLive(): void {
  if (liveStarted) return;
  liveStarted = true;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const soon = () => {
    clearTimeout(timer);
    timer = setTimeout(() => void load(), 300);
  };
  if (source.local && typeof EventSource === 'function') {
    const events = new EventSource('v1/events');
    events.addEventListener('change', soon);
  } else {
    setInterval(() => void load(), 60_000);
  }
}

void load();
