import { callNative } from './native.js';
import {
  ledgerOptionsSchema,
  sessionCostSchema,
  sessionSchema,
  sessionsSchema,
  summarySchema,
} from './schemas.js';
import type {
  ContentMessage,
  Harness,
  LedgerOptions,
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
  const o = parseOptions('summary', summarySchema, options);
  return callNative('summary', (b) => b.summary(o));
}

/**
 * Sessions with activity in the window, newest first (default limit 50).
 *
 * @example
 * ```ts
 * import { sessions } from '@relayburn/sdk';
 * for (const s of await sessions({ since: '24h', limit: 10 })) console.log(s.sessionId, s.title, s.totalTokens);
 * ```
 */
export async function sessions(options: SessionsOptions = {}): Promise<SessionRow[]> {
  const o = parseOptions('sessions', sessionsSchema, options);
  const rows = await callNative('sessions', (b) => b.sessions(o));
  return rows.map(asSessionRow);
}

/**
 * One session in detail: its turns (with tool calls), user turns, compactions and child
 * sessions (subagents, forks, continuations), and with `includeContent: true` its stored
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
  const o = parseOptions('session', sessionSchema, options);
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
 * Cost and token totals of one session.
 *
 * @example
 * ```ts
 * import { sessionCost } from '@relayburn/sdk';
 * const { totals } = await sessionCost({ sessionId: '3f2a9c1e-…' });
 * console.log(totals.costUsd);
 * ```
 */
export async function sessionCost(options: SessionCostOptions): Promise<SessionCost> {
  const o = parseOptions('sessionCost', sessionCostSchema, options);
  return callNative('sessionCost', (b) => b.sessionCost(o));
}

/**
 * A cheap token that changes whenever a query's answer could (new turns, stamps, a price
 * change). Compare it with the last one to skip recomputing a dashboard.
 *
 * @example
 * ```ts
 * import { fingerprint } from '@relayburn/sdk';
 * const before = await fingerprint();
 * // … later
 * if ((await fingerprint()) !== before) refresh();
 * ```
 */
export async function fingerprint(options: LedgerOptions = {}): Promise<string> {
  const o = parseOptions('fingerprint', ledgerOptionsSchema, options);
  return callNative('fingerprint', (b) => b.fingerprint(o));
}

/** Narrows the binding's string enums to the public unions (the core writes only those). */
function asSessionRow<T extends { harness: string; relationship: string }>(
  row: T,
): Omit<T, 'harness' | 'relationship'> & { harness: Harness; relationship: Relationship } {
  return { ...row, harness: row.harness as Harness, relationship: row.relationship as Relationship };
}
