/**
 * Analyses: where the tokens went. Every rule (the attribution model, unread cache writes,
 * compaction savings, the ratios) is in the core (`relayburn-core/src/analysis/`); this
 * module validates early and documents.
 */
import { callNative } from './native.js';
import type { Harness, LedgerOptions, Totals, UnpricedModel, WeekStart } from './types.js';
import { parseOptions } from './validate.js';

/**
 * The turns an analysis looks at: the same filters as {@link summary} (a `session` counts its
 * tree, `tags` are folded and inherited down trees).
 *
 * @example
 * ```ts
 * import { type AnalysisFilter, hotspots } from '@relayburn/sdk';
 * const f: AnalysisFilter = { since: '7d', tags: { persona: 'reviewer' } };
 * await hotspots({ ...f, by: 'file' });
 * ```
 */
export interface AnalysisFilter extends LedgerOptions {
  /** Inclusive lower bound, same forms as `summary`'s (`7d`, a date, `today`, an ISO instant). */
  since?: string | undefined;
  /** Exclusive upper bound, same forms. */
  until?: string | undefined;
  harness?: Harness | undefined;
  /** A session and its tree (subagents, forks, continuations). */
  session?: string | undefined;
  /** With `session`: `false` for its own turns only (default `true`). */
  descendants?: boolean | undefined;
  project?: string | undefined;
  /** Folded tags that must all match. */
  tags?: Record<string, string> | undefined;
  /** IANA zone of calendar bounds (`today`, dates). Default UTC. */
  timezone?: string | undefined;
  weekStart?: WeekStart | undefined;
}

/**
 * What {@link hotspots} ranks: `tool` names, `file` targets of file tools (read, edit,
 * write, patch), shell `command`s, or `subagent` sessions.
 *
 * @example
 * ```ts
 * import { type HotspotBy, hotspots } from '@relayburn/sdk';
 * const by: HotspotBy = 'command';
 * await hotspots({ by });
 * ```
 */
export type HotspotBy = 'tool' | 'file' | 'command' | 'subagent';

/**
 * Options of {@link hotspots}.
 *
 * @example
 * ```ts
 * import { type HotspotsOptions, hotspots } from '@relayburn/sdk';
 * const o: HotspotsOptions = { since: '24h', by: 'file', limit: 10 };
 * await hotspots(o);
 * ```
 */
export interface HotspotsOptions extends AnalysisFilter {
  /** A model, however spelled (as `summary`'s `model`). */
  model?: string | undefined;
  /** Default `tool`. */
  by?: HotspotBy | undefined;
  /** Rows returned (1–10000, default 20). */
  limit?: number | undefined;
}

/**
 * One row of {@link hotspots}: the tokens and dollars a tool, file, command or subagent
 * caused. `tokens` = `freshTokens + cacheReadTokens + outputTokens`.
 *
 * @example
 * ```ts
 * import { type HotspotRow, hotspots } from '@relayburn/sdk';
 * const rows: HotspotRow[] = (await hotspots({ by: 'tool' })).rows;
 * for (const r of rows) console.log(r.key, r.calls, r.tokens, r.costUsd);
 * ```
 */
export interface HotspotRow {
  key: string;
  /** Tool calls made in the window (subagents: the session's turns). */
  calls: number;
  /** Bytes of the tool results first paid for in the window (subagents: 0). */
  resultBytes: number;
  tokens: number;
  /** Attributed prompt tokens paid as new input or cache writes. */
  freshTokens: number;
  /** Attributed prompt tokens paid as cache reads by later turns. */
  cacheReadTokens: number;
  /** Subagents only: their output. */
  outputTokens: number;
  costUsd: number;
}

/**
 * What {@link hotspots} returns (also `burn hotspots --json`).
 *
 * @example
 * ```ts
 * import { type Hotspots, hotspots } from '@relayburn/sdk';
 * const h: Hotspots = await hotspots({ since: '7d' });
 * console.log(`${h.attributedCostUsd} of ${h.totals.costUsd} USD attributed`);
 * ```
 */
export interface Hotspots {
  by: HotspotBy;
  /** The window's totals: what `summary` gives for the same filter. */
  totals: Totals;
  /** Sum over every row, also those past `limit`: never more than `totals`. */
  attributedTokens: number;
  attributedCostUsd: number;
  /** Costliest first. */
  rows: HotspotRow[];
  unpricedModels: UnpricedModel[];
}

/**
 * Options of {@link overhead}.
 *
 * @example
 * ```ts
 * import { type OverheadOptions, overhead } from '@relayburn/sdk';
 * const o: OverheadOptions = { since: '7d', limit: 5 };
 * await overhead(o);
 * ```
 */
export interface OverheadOptions extends AnalysisFilter {
  model?: string | undefined;
  /** Sessions returned (1–10000, default 20). */
  limit?: number | undefined;
}

/**
 * Overhead figures: re-reading context (cache reads) vs new work (input, output, cache
 * writes); cache writes no later turn read within their lifetime (5 minutes or 1 hour); and
 * the context compactions kept out of later turns (estimated, priced as cache reads).
 *
 * @example
 * ```ts
 * import { type OverheadFigures, overhead } from '@relayburn/sdk';
 * const t: OverheadFigures = (await overhead()).totals;
 * console.log(t.cacheReadCostUsd / t.costUsd, 'of the spend re-read context');
 * ```
 */
export interface OverheadFigures {
  turns: number;
  totalTokens: number;
  costUsd: number;
  cacheReadTokens: number;
  cacheReadCostUsd: number;
  newTokens: number;
  newCostUsd: number;
  cacheWriteTokens: number;
  cacheWriteCostUsd: number;
  unreadCacheWriteTokens: number;
  unreadCacheWriteCostUsd: number;
  compactions: number;
  compactionSavedTokens: number;
  compactionSavedUsd: number;
}

/**
 * One session's {@link OverheadFigures} (its own turns).
 *
 * @example
 * ```ts
 * import { type OverheadSession, overhead } from '@relayburn/sdk';
 * const worst: OverheadSession | undefined = (await overhead({ limit: 1 })).sessions[0];
 * ```
 */
export interface OverheadSession extends OverheadFigures {
  harness: Harness;
  sessionId: string;
}

/**
 * What {@link overhead} returns (also `burn overhead --json`).
 *
 * @example
 * ```ts
 * import { type Overhead, overhead } from '@relayburn/sdk';
 * const o: Overhead = await overhead({ since: '24h' });
 * for (const s of o.sessions) console.log(s.sessionId, s.unreadCacheWriteCostUsd);
 * ```
 */
export interface Overhead {
  /** Every session's figures added up (also those past `limit`). */
  totals: OverheadFigures;
  /** The window's totals, as `summary` gives them. */
  window: Totals;
  /** Costliest first. */
  sessions: OverheadSession[];
  unpricedModels: UnpricedModel[];
}

/**
 * Options of {@link compare}.
 *
 * @example
 * ```ts
 * import { type CompareOptions, compare } from '@relayburn/sdk';
 * const o: CompareOptions = { models: ['claude-sonnet-4-5', 'gpt-5-codex'], since: '30d' };
 * await compare(o);
 * ```
 */
export interface CompareOptions extends AnalysisFilter {
  /** Models to compare, however spelled (at most 50); default every model with turns. */
  models?: string[] | undefined;
}

/**
 * One model in {@link compare}: its totals and ratios. A ratio is absent when there is
 * nothing to divide by (no turns, no output, no tool calls).
 *
 * @example
 * ```ts
 * import { type CompareRow, compare } from '@relayburn/sdk';
 * const rows: CompareRow[] = (await compare()).rows;
 * for (const r of rows) console.log(r.model, r.costPerTurn, r.cacheHitRatio);
 * ```
 */
export interface CompareRow extends Totals {
  /** The model key (as `summary` groups models). */
  model: string;
  /** False when the price table does not know the model (its cost counts 0). */
  priced: boolean;
  toolCalls: number;
  costPerTurn?: number | undefined;
  costPer1kOutputTokens?: number | undefined;
  /** Cache reads over all prompt tokens (input, cache reads and writes). */
  cacheHitRatio?: number | undefined;
  outputTokensPerTurn?: number | undefined;
  /** All tokens of the model's turns over its tool calls. */
  tokensPerToolCall?: number | undefined;
}

/**
 * What {@link compare} returns (also `burn compare --json`).
 *
 * @example
 * ```ts
 * import { type Compare, compare } from '@relayburn/sdk';
 * const c: Compare = await compare({ since: '7d' });
 * console.log(c.rows.length, 'models', c.totals.costUsd);
 * ```
 */
export interface Compare {
  /** The requested models in their order (each even without turns), else every model with turns, costliest first. */
  rows: CompareRow[];
  totals: Totals;
}

/**
 * Tokens and dollars attributed to what caused them: tools, files, shell commands or
 * subagents. A tool result's bytes (≈ 4 per token) are paid as new prompt tokens by the next
 * turn and as cache reads by every later turn of the session until a compaction; each turn
 * pays at most what it used (see ARCHITECTURE.md, "Analyses", for the model and its limits).
 * Subagents are attributed their own turns. The rows never add up to more than `totals`.
 *
 * @example
 * ```ts
 * import { hotspots } from '@relayburn/sdk';
 * const { rows } = await hotspots({ since: '7d', by: 'file', limit: 5 });
 * for (const r of rows) console.log(r.key, r.tokens, r.costUsd);
 * ```
 */
export async function hotspots(options: HotspotsOptions = {}): Promise<Hotspots> {
  const o = parseOptions('hotspots', 'hotspotsSchema', options);
  const h = await callNative('hotspots', (b) => b.hotspots(o));
  return { ...h, by: h.by as HotspotBy };
}

/**
 * Per session: spend on re-reading context versus new work, cache writes never read again,
 * and compactions with what they saved.
 *
 * @example
 * ```ts
 * import { overhead } from '@relayburn/sdk';
 * const { totals, sessions } = await overhead({ since: '7d' });
 * console.log(totals.unreadCacheWriteCostUsd, sessions[0]?.sessionId);
 * ```
 */
export async function overhead(options: OverheadOptions = {}): Promise<Overhead> {
  const o = parseOptions('overhead', 'overheadSchema', options);
  const r = await callNative('overhead', (b) => b.overhead(o));
  return { ...r, sessions: r.sessions.map((s) => ({ ...s, harness: s.harness as Harness })) };
}

/**
 * Models side by side over the same filter: cost per turn and per thousand output tokens,
 * cache hit ratio, output per turn and tokens per tool call.
 *
 * @example
 * ```ts
 * import { compare } from '@relayburn/sdk';
 * const { rows } = await compare({ models: ['claude-sonnet-4-5', 'claude-haiku-4-5'], since: '30d' });
 * for (const r of rows) console.log(r.model, r.costPerTurn);
 * ```
 */
export async function compare(options: CompareOptions = {}): Promise<Compare> {
  const o = parseOptions('compare', 'compareSchema', options);
  return callNative('compare', (b) => b.compare(o));
}
