import { callNative } from './native.js';
import type {
  ContentMessage,
  FingerprintOptions,
  Harness,
  Relationship,
  SessionCost,
  SessionCostOptions,
  SessionDetail,
  SessionOptions,
  SessionRow,
  SessionsOptions,
  Summary,
  SummaryOptions,
} from './types.js';
import { parseOptions } from './validate.js';

/**
 * Token totals and cost of the turns matching the filters, grouped by one dimension
 * (default `model`). Each API call is counted once, with its final usage; costs use the
 * shipped price table and `$RELAYBURN_HOME/prices.json`, at query time. Models without a
 * price cost 0 and are listed in `unpricedModels`.
 *
 * @example
 * ```ts
 * import { summary } from '@relayburn/sdk';
 * const { totals, groups } = await summary({ since: '7d', tags: { persona: 'reviewer' }, groupBy: 'model' });
 * for (const g of groups) console.log(g.key, g.costUsd);
 * ```
 */
export async function summary(options: SummaryOptions = {}): Promise<Summary> {
  const o = parseOptions('summary', 'summarySchema', options);
  return callNative('summary', (b) => b.summary(o));
}

/**
 * Session trees with activity in the window, newest first (default limit 50): one row per
 * tree root with the whole tree's totals, the root's `own` totals, `descendantCount` and the
 * `descendants` themselves (see {@link SessionRow} for the tree rule). A tree is listed when
 * any of its sessions matches the filters. `flat: true` lists every session with its own
 * totals instead.
 *
 * @example
 * ```ts
 * import { sessions } from '@relayburn/sdk';
 * for (const s of await sessions({ since: '24h', limit: 10 })) console.log(s.sessionId, s.costUsd, s.descendantCount);
 * ```
 */
export async function sessions(options: SessionsOptions = {}): Promise<SessionRow[]> {
  const o = parseOptions('sessions', 'sessionsSchema', options);
  const rows = await callNative('sessions', (b) => b.sessions(o));
  return rows.map(asSessionRow);
}

/**
 * One session in detail: its turns (with tool calls), user turns, compactions and child
 * sessions (subagents, forks, continuations), its row as a tree row (totals with its
 * descendants, `own`, `descendants`), and with `includeContent: true` its stored
 * conversation (`content`, in order). Resolves `null` for an unknown session.
 *
 * @example
 * ```ts
 * import { session } from '@relayburn/sdk';
 * const s = await session({ sessionId: '3f2a9c1e-…' });
 * if (s) console.log(s.turns.length, 'turns', s.children.length, 'subagents');
 * ```
 */
export async function session(options: SessionOptions): Promise<SessionDetail | null> {
  const o = parseOptions('session', 'sessionSchema', options);
  const d = await callNative('session', (b) => b.session(o));
  if (!d) return null;
  return {
    session: asSessionRow(d.session),
    turns: d.turns,
    userTurns: d.userTurns.map((u) => ({
      ...u,
      blocks: u.blocks.map((b) => ({ ...b, kind: b.kind as 'text' | 'tool_result' })),
    })),
    compactions: d.compactions,
    children: d.children.map((c) => ({
      sessionId: c.sessionId,
      relationship: c.relationship as Relationship,
    })),
    ...(d.content ? { content: d.content as ContentMessage[] } : {}),
  };
}

/**
 * Cost and token totals of one session and every session below it in its tree (subagents,
 * forks, continuations); `descendants: false` for its own turns only.
 *
 * @example
 * ```ts
 * import { sessionCost } from '@relayburn/sdk';
 * const { totals } = await sessionCost({ sessionId: '3f2a9c1e-…' });
 * console.log(totals.costUsd);
 * ```
 */
export async function sessionCost(options: SessionCostOptions): Promise<SessionCost> {
  const o = parseOptions('sessionCost', 'sessionCostSchema', options);
  return callNative('sessionCost', (b) => b.sessionCost(o));
}

/**
 * A cheap token that changes whenever a query's answer could (new turns, stamps, a price
 * change). Compare it with the last one to skip recomputing a dashboard. With `sessionId`, a
 * token of that session's cost (its tree's, unless `descendants: false`): it changes only
 * when that cost could.
 *
 * @example
 * ```ts
 * import { fingerprint } from '@relayburn/sdk';
 * const before = await fingerprint();
 * // … later
 * if ((await fingerprint()) !== before) refresh();
 * ```
 */
export async function fingerprint(options: FingerprintOptions = {}): Promise<string> {
  const o = parseOptions('fingerprint', 'fingerprintSchema', options);
  return callNative('fingerprint', (b) => b.fingerprint(o));
}

interface NativeRow {
  harness: string;
  relationship: string;
  descendants: NativeRow[];
}

/** Narrows the binding's string enums to the public unions (the core writes only those). */
function asSessionRow<T extends NativeRow>(row: T): SessionRow {
  return {
    ...(row as unknown as SessionRow),
    harness: row.harness as Harness,
    relationship: row.relationship as Relationship,
    descendants: row.descendants.map(asSessionRow),
  };
}
