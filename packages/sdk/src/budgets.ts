/**
 * Budgets: named spending limits per calendar period over a filter (tags, harness, project),
 * stored in the ledger. Every rule (validation, periods, spend, states) is in the core
 * (`relayburn-core/src/budget/`); this module validates early and documents.
 */
import { callNative } from './native.js';
import type { Harness, LedgerOptions, WeekStart } from './types.js';
import { parseOptions } from './validate.js';

/**
 * A budget's period: the current local day, week (from `weekStart`) or calendar month, in the
 * `timezone` given to {@link budgetStatus} (UTC by default, like `summary`).
 *
 * @example
 * ```ts
 * import { type BudgetPeriod, setBudget } from '@relayburn/sdk';
 * const period: BudgetPeriod = 'month';
 * await setBudget({ name: 'team', limitUsd: 500, period });
 * ```
 */
export type BudgetPeriod = 'day' | 'week' | 'month';

/**
 * `ok`; `warn` once the spend reaches `warn × limitUsd`; `over` once it reaches the limit.
 *
 * @example
 * ```ts
 * import { type BudgetState, budgetStatus } from '@relayburn/sdk';
 * const states: BudgetState[] = (await budgetStatus()).map((b) => b.state);
 * ```
 */
export type BudgetState = 'ok' | 'warn' | 'over';

/**
 * Which turns a budget counts; all given parts must match. `tags` match folded stamps exactly
 * as `summary({ tags })` does (a subagent of a stamped session counts with its tree).
 *
 * @example
 * ```ts
 * import { type BudgetFilter, budgets } from '@relayburn/sdk';
 * const filters: BudgetFilter[] = (await budgets()).map((b) => b.filter);
 * ```
 */
export interface BudgetFilter {
  tags: Record<string, string>;
  harness?: Harness | undefined;
  project?: string | undefined;
}

/**
 * Options of {@link setBudget}.
 *
 * @example
 * ```ts
 * import { type SetBudgetOptions, setBudget } from '@relayburn/sdk';
 * const o: SetBudgetOptions = { name: 'reviewers', limitUsd: 200, period: 'month', tags: { persona: 'reviewer' }, warn: 0.8 };
 * await setBudget(o);
 * ```
 */
export interface SetBudgetOptions extends LedgerOptions {
  /** Unique name (1–128 characters, no control characters); setting it again replaces it. */
  name: string;
  /** The limit in US dollars per period: a positive number (at most 1e12). */
  limitUsd: number;
  period: BudgetPeriod;
  /** Count only turns whose folded tags all match. */
  tags?: Record<string, string> | undefined;
  /** Count only this harness's turns. */
  harness?: Harness | undefined;
  /** Count only this project's (working directory's) turns. */
  project?: string | undefined;
  /** Fraction of the limit (0 < warn ≤ 1) at which the state turns `warn`. Default 0.8. */
  warn?: number | undefined;
}

/**
 * A stored budget.
 *
 * @example
 * ```ts
 * import { type Budget, budgets } from '@relayburn/sdk';
 * const list: Budget[] = await budgets();
 * for (const b of list) console.log(b.name, b.limitUsd, b.period, b.filter.tags);
 * ```
 */
export interface Budget {
  name: string;
  limitUsd: number;
  period: BudgetPeriod;
  warn: number;
  filter: BudgetFilter;
  /** ISO-8601 UTC. */
  createdAt: string;
  /** ISO-8601 UTC; export/import keeps the newer version of a name by this time. */
  updatedAt: string;
}

/**
 * Options of {@link removeBudget}.
 *
 * @example
 * ```ts
 * import { type RemoveBudgetOptions, removeBudget } from '@relayburn/sdk';
 * const o: RemoveBudgetOptions = { name: 'reviewers' };
 * await removeBudget(o);
 * ```
 */
export interface RemoveBudgetOptions extends LedgerOptions {
  name: string;
}

/**
 * What {@link removeBudget} did.
 *
 * @example
 * ```ts
 * import { type RemoveBudgetResult, removeBudget } from '@relayburn/sdk';
 * const r: RemoveBudgetResult = await removeBudget({ name: 'old' });
 * if (!r.removed) console.log('no such budget');
 * ```
 */
export interface RemoveBudgetResult {
  /** False when no budget had that name. */
  removed: boolean;
}

/**
 * Options of {@link budgetStatus}. Without `tags`, every budget is reported. With `tags` (the
 * labels a launcher is about to stamp), only the budgets such a session would count against:
 * those whose tag filter is contained in `tags` (budgets without tags always are). `harness`
 * and `project` likewise leave out budgets filtered on another harness or project.
 *
 * @example
 * ```ts
 * import { type BudgetStatusOptions, budgetStatus } from '@relayburn/sdk';
 * const o: BudgetStatusOptions = { tags: { persona: 'reviewer' }, harness: 'claude-code', timezone: 'Europe/Paris' };
 * await budgetStatus(o);
 * ```
 */
export interface BudgetStatusOptions extends LedgerOptions {
  tags?: Record<string, string> | undefined;
  harness?: Harness | undefined;
  project?: string | undefined;
  /** IANA zone of the periods (local midnight, week and month starts). Default UTC. */
  timezone?: string | undefined;
  /** First day of a `week` period: `monday` (ISO, default) or `sunday`. */
  weekStart?: WeekStart | undefined;
}

/**
 * One budget's spend in its current period. `spentUsd` is `summary(...).totals.costUsd` over
 * the budget's filter and `[periodStart, periodEnd)`.
 *
 * @example
 * ```ts
 * import { type BudgetStatus, budgetStatus } from '@relayburn/sdk';
 * const over: BudgetStatus[] = (await budgetStatus()).filter((b) => b.state === 'over');
 * ```
 */
export interface BudgetStatus {
  name: string;
  limitUsd: number;
  spentUsd: number;
  /** `spentUsd / limitUsd` (above 1 when over). */
  fraction: number;
  period: BudgetPeriod;
  /** First instant of the current period, ISO-8601 UTC. */
  periodStart: string;
  /** First instant after it, ISO-8601 UTC. */
  periodEnd: string;
  state: BudgetState;
  warn: number;
  filter: BudgetFilter;
}

type RawFilter = { tags: Record<string, string>; harness?: string | undefined; project?: string | undefined };

function asFilter(f: RawFilter): BudgetFilter {
  const out: BudgetFilter = { tags: f.tags };
  if (f.harness != null) out.harness = f.harness as Harness;
  if (f.project != null) out.project = f.project;
  return out;
}

function asBudget(b: {
  name: string;
  limitUsd: number;
  period: string;
  warn: number;
  filter: RawFilter;
  createdAt: string;
  updatedAt: string;
}): Budget {
  return { ...b, period: b.period as BudgetPeriod, filter: asFilter(b.filter) };
}

/**
 * Stores a budget: a limit in US dollars per day, week or month over the turns matching a
 * filter. A budget of the same name is replaced (its `createdAt` kept). Budgets live in the
 * ledger: a rebuild keeps them and {@link exportStamps} / {@link importStamps} carry them.
 *
 * @example
 * ```ts
 * import { setBudget } from '@relayburn/sdk';
 * await setBudget({ name: 'reviewers', limitUsd: 200, period: 'month', tags: { persona: 'reviewer' } });
 * ```
 */
export async function setBudget(options: SetBudgetOptions): Promise<Budget> {
  const o = parseOptions('setBudget', 'setBudgetSchema', options);
  return asBudget(await callNative('setBudget', (b) => b.setBudget(o)));
}

/**
 * Deletes a budget by name; `removed` is false when there was none.
 *
 * @example
 * ```ts
 * import { removeBudget } from '@relayburn/sdk';
 * const { removed } = await removeBudget({ name: 'reviewers' });
 * ```
 */
export async function removeBudget(options: RemoveBudgetOptions): Promise<RemoveBudgetResult> {
  const o = parseOptions('removeBudget', 'removeBudgetSchema', options);
  return callNative('removeBudget', (b) => b.removeBudget(o));
}

/**
 * Every budget, by name.
 *
 * @example
 * ```ts
 * import { budgets } from '@relayburn/sdk';
 * for (const b of await budgets()) console.log(`${b.name}: $${b.limitUsd}/${b.period}`);
 * ```
 */
export async function budgets(options: LedgerOptions = {}): Promise<Budget[]> {
  const o = parseOptions('budgets', 'ledgerOptionsSchema', options);
  return (await callNative('budgets', (b) => b.budgets(o))).map(asBudget);
}

/**
 * The state of each budget in its current period (by name): spend, fraction of the limit and
 * `ok` / `warn` / `over`. A launcher passes the labels it is about to stamp to learn which
 * budgets the next session would count against, and can refuse or downgrade the spawn.
 *
 * @example
 * ```ts
 * import { budgetStatus, writeStamp } from '@relayburn/sdk';
 * const tags = { persona: 'reviewer' };
 * const over = (await budgetStatus({ tags })).filter((b) => b.state === 'over');
 * if (over.length > 0) throw new Error(`budget ${over[0]?.name} is spent`);
 * await writeStamp({ sessionId: crypto.randomUUID(), enrichment: tags });
 * ```
 */
export async function budgetStatus(options: BudgetStatusOptions = {}): Promise<BudgetStatus[]> {
  const o = parseOptions('budgetStatus', 'budgetStatusSchema', options);
  const rows = await callNative('budgetStatus', (b) => b.budgetStatus(o));
  return rows.map((r) => ({
    ...r,
    period: r.period as BudgetPeriod,
    state: r.state as BudgetState,
    filter: asFilter(r.filter),
  }));
}
