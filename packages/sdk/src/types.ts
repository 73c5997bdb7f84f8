/**
 * Public option and result types. Plain JSON: numbers are `number` (never `bigint`), times are
 * ISO-8601 UTC strings with milliseconds (`2026-05-21T12:00:00.000Z`).
 */

/**
 * Every function accepts `ledgerHome` to use a ledger other than `RELAYBURN_HOME` (default `~/.relayburn`).
 *
 * @example
 * ```ts
 * import { status, type LedgerOptions } from '@relayburn/sdk';
 * const scratch: LedgerOptions = { ledgerHome: '/tmp/burn-scratch' };
 * await status(scratch);
 * ```
 */
export interface LedgerOptions {
  /** Directory holding `ledger.sqlite`. Overrides `RELAYBURN_HOME`. */
  ledgerHome?: string | undefined;
}

/**
 * Options of {@link writeStamp}. At least one of `sessionId` / `messageId` is required.
 *
 * @example
 * ```ts
 * import { type WriteStampOptions, writeStamp } from '@relayburn/sdk';
 * const o: WriteStampOptions = { sessionId: 'f3a…', enrichment: { persona: 'reviewer' }, ts: '2026-05-21T14:00:00+02:00' };
 * await writeStamp(o);
 * ```
 */
export interface WriteStampOptions extends LedgerOptions {
  /** Harness session id to label (e.g. the id passed to `claude --session-id`). */
  sessionId?: string | undefined;
  /** A single message (API response) id to label. */
  messageId?: string | undefined;
  /** Labels: at least one key; keys ≤ 128 chars; values are strings ≤ 4 KiB; ≤ 64 KiB in all. */
  enrichment: Record<string, string>;
  /** When the labels take effect: an ISO-8601 instant (offsets allowed). Defaults to now. */
  ts?: string | undefined;
}

/**
 * What {@link writeStamp} stored.
 *
 * @example
 * ```ts
 * import { writeStamp } from '@relayburn/sdk';
 * const { id, ts } = await writeStamp({ sessionId: 'f3a…', enrichment: { k: 'v' } }); // ts: '2026-05-21T12:00:00.000Z'
 * ```
 */
export interface StampReceipt {
  /** Stamp id (16 hex characters). */
  id: string;
  /** The stamp's time, normalized to `YYYY-MM-DDTHH:MM:SS.mmmZ`. */
  ts: string;
}

/**
 * Options of {@link stamps}: filter by selector, or list all.
 *
 * @example
 * ```ts
 * import { stamps } from '@relayburn/sdk';
 * const forOne = await stamps({ sessionId: 'f3a…' });
 * ```
 */
export interface StampsOptions extends LedgerOptions {
  sessionId?: string | undefined;
  messageId?: string | undefined;
}

/**
 * A stored stamp.
 *
 * @example
 * ```ts
 * import { type Stamp, stamps } from '@relayburn/sdk';
 * const all: Stamp[] = await stamps();
 * for (const s of all) console.log(s.seq, s.ts, s.sessionId, s.enrichment);
 * ```
 */
export interface Stamp {
  id: string;
  sessionId?: string;
  messageId?: string;
  enrichment: Record<string, string>;
  /** `YYYY-MM-DDTHH:MM:SS.mmmZ` */
  ts: string;
  /** Write sequence: orders stamps that share a `ts` (later wins when folding). */
  seq: number;
}

/**
 * Options of {@link writePendingStamp}: labels for the next new session of `harness` started in
 * `cwd`, for launchers that cannot choose the session id (Codex, OpenCode).
 *
 * @example
 * ```ts
 * import { type WritePendingStampOptions, writePendingStamp } from '@relayburn/sdk';
 * const o: WritePendingStampOptions = { harness: 'codex', cwd: process.cwd(), enrichment: { spawner: 'pear' } };
 * await writePendingStamp(o); // then spawn `codex` in that directory
 * ```
 */
export interface WritePendingStampOptions extends LedgerOptions {
  /** The harness about to be spawned. */
  harness: Harness;
  /** The directory it is spawned in (made absolute, symlinks resolved); must exist. */
  cwd: string;
  /** Labels, with the rules of {@link WriteStampOptions.enrichment}. */
  enrichment: Record<string, string>;
  /**
   * An ISO-8601 instant taken just before spawning (default now). Only a session whose first
   * event is at or after it (2 s of clock slack) can claim the stamp; the stamp's labels
   * take effect at this instant.
   */
  spawnStartTs?: string | undefined;
  /** The launcher's process id (recorded with the stamp). */
  spawnerPid?: number | undefined;
  /** A directory the session's log will be written in (e.g. a Codex home): narrows the match. */
  sessionDirHint?: string | undefined;
}

/**
 * What {@link writePendingStamp} stored.
 *
 * @example
 * ```ts
 * import { type PendingStampReceipt, writePendingStamp } from '@relayburn/sdk';
 * const r: PendingStampReceipt = await writePendingStamp({ harness: 'opencode', cwd: '.', enrichment: { persona: 'reviewer' } });
 * console.log(`claimable until ${r.expiresAt}`);
 * ```
 */
export interface PendingStampReceipt {
  /** Pending stamp id; the session stamp made when a session claims it has the same id. */
  id: string;
  /** When it expires unclaimed: 24 h after `spawnStartTs` (`YYYY-MM-DDTHH:MM:SS.mmmZ`). */
  expiresAt: string;
}

/**
 * Options of {@link exportStamps} and {@link importStamps}.
 *
 * @example
 * ```ts
 * import { exportStamps, type StampsFileOptions } from '@relayburn/sdk';
 * const o: StampsFileOptions = { path: 'stamps.jsonl' };
 * await exportStamps(o);
 * ```
 */
export interface StampsFileOptions extends LedgerOptions {
  /** The JSONL file (relative paths are resolved against the current directory). */
  path: string;
}

/**
 * What {@link exportStamps} wrote.
 *
 * @example
 * ```ts
 * import { type ExportStampsResult, exportStamps } from '@relayburn/sdk';
 * const r: ExportStampsResult = await exportStamps({ path: 'stamps.jsonl' });
 * console.log(`${r.stamps} stamps in ${r.path}`);
 * ```
 */
export interface ExportStampsResult {
  /** Absolute path of the file written. */
  path: string;
  /** Number of stamps (lines) written. */
  stamps: number;
  /** Number of budgets written (one line each, after the stamps). */
  budgets: number;
}

/**
 * What {@link importStamps} did.
 *
 * @example
 * ```ts
 * import { type ImportStampsResult, importStamps } from '@relayburn/sdk';
 * const r: ImportStampsResult = await importStamps({ path: 'stamps.jsonl', ledgerHome: '/mnt/new' });
 * console.log(`${r.imported} added, ${r.skipped} already there`);
 * ```
 */
export interface ImportStampsResult {
  /** Stamps added to the ledger. */
  imported: number;
  /** Stamps whose id the ledger already had (left unchanged). */
  skipped: number;
  /** Budgets added, or replaced because the file's version is newer (`updatedAt`). */
  budgetsImported: number;
  /** Budgets the ledger already had in that version or a newer one (left unchanged). */
  budgetsSkipped: number;
}

/**
 * What {@link status} reports about the ledger.
 *
 * @example
 * ```ts
 * import { status } from '@relayburn/sdk';
 * const { ledgerPath, schemaVersion, turns, stamps, lastIngestAt } = await status();
 * ```
 */
export interface Status {
  /** The resolved ledger home directory. */
  ledgerHome: string;
  /** Path of `ledger.sqlite`. */
  ledgerPath: string;
  /** Schema version of the ledger. */
  schemaVersion: number;
  /** Bytes on disk (database + write-ahead log). */
  ledgerBytes: number;
  /** Number of stamps stored. */
  stamps: number;
  /**
   * Pending stamps waiting for their session (an expired one is counted until the next
   * ingest removes it).
   */
  pendingStamps: number;
  /** Number of turns (model API responses) in the ledger. */
  turns: number;
  /** Number of sessions seen in logs. */
  sessions: number;
  /** Sessions and turns per harness, every harness relayburn reads (zeros included). */
  harnesses: HarnessCount[];
  /**
   * When the last ingest finished (a pass that found nothing new is not recorded if another
   * writer held the ledger at that moment: it does not wait for it).
   */
  lastIngestAt?: string;
}

/**
 * One harness's share of the ledger, in {@link Status}.
 *
 * @example
 * ```ts
 * import { status } from '@relayburn/sdk';
 * for (const h of (await status()).harnesses) console.log(h.harness, h.sessions, h.turns);
 * ```
 */
export interface HarnessCount {
  harness: Harness;
  sessions: number;
  turns: number;
}

/**
 * The harnesses relayburn reads.
 *
 * @example
 * ```ts
 * import { type Harness, summary } from '@relayburn/sdk';
 * const harness: Harness = 'codex';
 * await summary({ harness, groupBy: 'model' });
 * ```
 */
export type Harness =
  | 'claude-code'
  | 'codex'
  | 'opencode'
  | 'gemini-cli'
  | 'qwen-code'
  | 'pi'
  | 'copilot-cli'
  | 'kimi-cli'
  | 'grok'
  | 'droid'
  | 'goose'
  | 'crush'
  | 'amp'
  | 'kilo'
  | 'cline'
  | 'roo-code'
  | 'kilo-code';

/**
 * Where to look for session logs, per harness. When given, exactly these roots are scanned
 * (environment variables and default locations are ignored); a leading `~/` is the home
 * directory, in these roots and in the environment variables alike.
 * - `claude-code`: directories holding `projects/` (like `CLAUDE_CONFIG_DIR`), or `projects/` dirs.
 * - `codex`: Codex homes (like `CODEX_HOME`, default `~/.codex`) whose `sessions/` (recursively)
 * and `archived_sessions/` hold `*.jsonl` rollouts; nothing else of a home is read (a home with
 * neither holds no rollouts).
 * - `opencode`: OpenCode data directories (like `OPENCODE_DATA_DIR`; default
 * `$XDG_DATA_HOME/opencode`, else `~/.local/share/opencode`) holding the `opencode*.db`
 * database and/or the older `storage/` tree; a `storage/` directory itself or a database
 * file also works. The database is opened read-only.
 * - `gemini-cli`: Gemini CLI dirs (default `~/.gemini`; `GEMINI_CLI_HOME` names a home holding
 * `.gemini`, and a root may be either) whose `tmp/<project>/chats/` hold the chats.
 * - `qwen-code`: Qwen Code dirs (like `QWEN_RUNTIME_DIR`, default `~/.qwen`) whose
 * `projects/<project>/chats/` hold the chats.
 * - `pi`: Pi agent dirs (like `PI_CODING_AGENT_DIR`, default `~/.pi/agent`) whose
 * `sessions/<project>/` hold the sessions.
 * - `copilot-cli`: Copilot CLI homes (like `COPILOT_HOME`, default `~/.copilot`): their
 * `session-store.db` (opened read-only) and `session-state/<session>/events.jsonl`.
 * - `kimi-cli`: Kimi CLI homes (like `KIMI_SHARE_DIR`, default `~/.kimi`) or Kimi Code homes
 * (like `KIMI_CODE_HOME`, default `~/.kimi-code`); the `wire.jsonl` files under `sessions/`.
 * - `grok`: Grok Build homes (like `GROK_HOME`, comma-separated, default `~/.grok`); the
 * `updates.jsonl` files under `sessions/`.
 * - `droid`: Factory Droid session directories (like `DROID_SESSIONS_DIR`, default
 * `~/.factory/sessions`), searched for `<session>.settings.json` files (read with their
 * `<session>.jsonl` transcripts); a settings file itself also works.
 * - `goose`: Goose data directories (like `GOOSE_PATH_ROOT`; default Goose's own data dir, e.g.
 * `~/.local/share/goose`) holding `sessions/sessions.db`, or the database file. Read-only.
 * - `crush`: Crush data directories holding `projects.json` (like `CRUSH_GLOBAL_DATA`; default
 * `$XDG_DATA_HOME/crush`, else `~/.local/share/crush`), whose projects' `crush.db` files are
 * read (read-only); a `crush.db` file itself also works.
 * - `amp`: Amp data directories (like `AMP_DATA_DIR`; default `$XDG_DATA_HOME/amp`, else
 * `~/.local/share/amp`) holding `threads/T-*.json`, or a `threads/` directory itself.
 * - `kilo`: Kilo CLI data directories (like `KILO_DATA_DIR`; default `$XDG_DATA_HOME/kilo`, else
 * `~/.local/share/kilo`) holding `kilo*.db`, or a database file; opened read-only.
 * - `cline`, `roo-code`, `kilo-code`: VS Code user directories (like `CLINE_DATA_DIR`,
 * `ROO_CODE_DATA_DIR`, `KILO_CODE_DATA_DIR`; default: VS Code, Insiders and VS Code Server on
 * Linux, macOS and Windows) whose `globalStorage/<extension id>/tasks/` hold the tasks, or the
 * extension's own storage directory (holding `tasks/`).
 *
 * @example
 * ```ts
 * import { ingest } from '@relayburn/sdk';
 * await ingest({ roots: { 'claude-code': ['/mnt/backup/.claude'], codex: ['/mnt/backup/.codex'] } });
 * ```
 */
export type IngestRoots = { [H in Harness]?: string[] | undefined };

/**
 * Progress of a running ingest, reported to `onProgress`.
 *
 * @example
 * ```ts
 * import { ingest } from '@relayburn/sdk';
 * await ingest({ onProgress: (p) => console.log(`${p.filesDone}/${p.filesTotal} files, ${p.bytesRead}/${p.bytesTotal} bytes`) });
 * ```
 */
export interface IngestProgress {
  filesTotal: number;
  filesDone: number;
  bytesTotal: number;
  bytesRead: number;
}

/**
 * What the content store (`$RELAYBURN_HOME/content.sqlite`) keeps per message block (text,
 * thinking, tool input, tool result): `full` (the text, compressed), `hash-only` (SHA-256 and
 * byte length, no text) or `off` (nothing).
 *
 * @example
 * ```ts
 * import { type ContentMode, ingest } from '@relayburn/sdk';
 * const contentMode: ContentMode = 'hash-only';
 * await ingest({ contentMode });
 * ```
 */
export type ContentMode = 'full' | 'hash-only' | 'off';

/**
 * Options of {@link ingest}.
 *
 * @example
 * ```ts
 * import { ingest } from '@relayburn/sdk';
 * await ingest({ harnesses: ['claude-code'], sessionFile: '/home/me/.claude/projects/p/3f2a….jsonl' });
 * ```
 */
export interface IngestOptions extends LedgerOptions {
  /** Only these harnesses (default: all). */
  harnesses?: Harness[] | undefined;
  /** Override discovery (see {@link IngestRoots}). */
  roots?: IngestRoots | undefined;
  /** Ingest just this one session log (the hook fast path); a Claude Code session file brings its subagent transcripts along. */
  sessionFile?: string | undefined;
  /**
   * What the content store keeps of the conversation read in this pass (see
   * {@link ContentMode}). Default: `RELAYBURN_CONTENT_STORE`, else `content.mode` in
   * `$RELAYBURN_HOME/config.json`, else `full`.
   */
  contentMode?: ContentMode | undefined;
  /** Called from time to time during long runs. */
  onProgress?: ((progress: IngestProgress) => void) | undefined;
  /** Abort a running ingest; what was committed stays committed. */
  signal?: AbortSignal | undefined;
}

/**
 * One problem met during ingest (a file that could not be read, …). Never fatal.
 *
 * @example
 * ```ts
 * import { ingest } from '@relayburn/sdk';
 * for (const e of (await ingest()).errors) console.warn(`${e.file}:${e.line ?? ''} ${e.message}`);
 * ```
 */
export interface IngestIssue {
  file: string;
  line?: number;
  message: string;
}

/**
 * What one {@link ingest} pass did.
 *
 * @example
 * ```ts
 * import { ingest } from '@relayburn/sdk';
 * const r = await ingest();
 * console.log(`${r.filesChanged}/${r.filesScanned} files, +${r.turnsAdded} turns, ${r.linesSkipped} bad lines`);
 * ```
 */
export interface IngestReport {
  filesScanned: number;
  filesChanged: number;
  bytesRead: number;
  turnsAdded: number;
  turnsUpdated: number;
  userTurnsAdded: number;
  compactionsAdded: number;
  sessionsAdded: number;
  pendingStampsApplied: number;
  linesSkipped: number;
  errors: IngestIssue[];
  durationMs: number;
}

/**
 * Dimensions `summary` can group by. `model` is the normalized model, one group however the
 * harness or cloud spelled it (`jp.anthropic.claude-haiku-4-5-20251001-v1:0`,
 * `claude-haiku-4-5@20251001` and `anthropic/claude-haiku-4.5` are all `claude-haiku-4-5`: the
 * price table's name for it, else the id without provider, region, version and date parts);
 * `modelRaw` is the id exactly as the harness wrote it; `provider` is where the turn was served
 * (`bedrock`, `vertex`, a router such as `openrouter`, else the harness's provider); `day`/`week`/`month` are `YYYY-MM-DD` / ISO `YYYY-Www` / `YYYY-MM` in `timezone` (UTC by
 * default; with `weekStart: 'sunday'` a week's key is its Sunday, `YYYY-MM-DD`); `tool` splits each turn's tokens and cost evenly across its tool calls (turns
 * without tool calls form `(none)`); `tag:<key>` groups by a folded tag (`(none)` when unset);
 * `session` is each session's own turns, `root` puts every turn under the root session of its
 * tree (see {@link SessionRow}).
 *
 * @example
 * ```ts
 * import { type GroupBy, summary } from '@relayburn/sdk';
 * const by: GroupBy = 'tag:persona';
 * const { groups } = await summary({ groupBy: by, since: '30d' });
 * ```
 */
export type GroupBy =
  | 'model'
  | 'modelRaw'
  | 'provider'
  | 'harness'
  | 'project'
  | 'branch'
  | 'session'
  | 'root'
  | 'day'
  | 'week'
  | 'month'
  | 'tool'
  | `tag:${string}`;

/**
 * Options of {@link summary}.
 *
 * @example
 * ```ts
 * import { summary } from '@relayburn/sdk';
 * await summary({ since: '2026-05-01T00:00:00Z', until: '1d', harness: 'claude-code', groupBy: 'day', timezone: 'Europe/Paris' });
 * await summary({ since: 'this-month', groupBy: 'week', timezone: 'America/Los_Angeles', weekStart: 'sunday' });
 * ```
 */
export interface SummaryOptions extends LedgerOptions {
  /**
   * Inclusive lower bound: an ISO-8601 instant, relative (`30m`, `24h`, `7d`, `4w`, `3mo`:
   * durations before now), or a calendar value in `timezone`: a date (`2026-11-30`), `today`,
   * `yesterday`, `this-week`, `this-month` (from the first instant of that period).
   */
  since?: string | undefined;
  /**
   * Exclusive upper bound, same forms as `since`; a date or calendar name includes its whole
   * period (`{ since: 'yesterday', until: 'yesterday' }` is all of yesterday).
   */
  until?: string | undefined;
  harness?: Harness | undefined;
  /** A session and its whole tree below it (subagents, forks, continuations: see {@link SessionRow}). */
  session?: string | undefined;
  /** With `session`: `false` counts that session's own turns only (default `true`). */
  descendants?: boolean | undefined;
  /**
   * A model, matched as grouped: every spelling with the same normalized model matches
   * (`claude-haiku-4-5-20251001` also matches `anthropic/claude-haiku-4.5`, Bedrock and Vertex ids).
   */
  model?: string | undefined;
  project?: string | undefined;
  /** Folded tags (stamps) that must all match: `{ persona: 'reviewer' }`. */
  tags?: Record<string, string> | undefined;
  /**
   * Default `model`. Several dimensions (`['day', 'model']`, at most 3, `tool` only alone)
   * give a group per combination, each with its `keys`.
   */
  groupBy?: GroupBy | GroupBy[] | undefined;
  /**
   * IANA time zone for `day`/`week`/`month` groups and calendar bounds, e.g. `Europe/Paris`.
   * Default UTC: the SDK never reads the host's zone (`TZ`); the result says which applied.
   */
  timezone?: string | undefined;
  /** First day of a `week` group and of `this-week`: `monday` (ISO, default) or `sunday`. */
  weekStart?: WeekStart | undefined;
}

/**
 * The first day of a week: `monday` (ISO, the default) or `sunday`.
 *
 * @example
 * ```ts
 * import { type WeekStart, summary } from '@relayburn/sdk';
 * const weekStart: WeekStart = 'sunday';
 * await summary({ groupBy: 'week', weekStart });
 * ```
 */
export type WeekStart = 'monday' | 'sunday';

/**
 * Token totals (and cost) of a set of turns.
 *
 * @example
 * ```ts
 * import { summary } from '@relayburn/sdk';
 * const { totals } = await summary({ since: '7d' });
 * console.log(totals.totalTokens, totals.costUsd.toFixed(2));
 * ```
 */
export interface Totals {
  turns: number;
  /** Input tokens, excluding cached input. */
  inputTokens: number;
  /** Output tokens, including reasoning. */
  outputTokens: number;
  /** Reasoning tokens (already inside `outputTokens`). */
  reasoningTokens: number;
  cacheReadTokens: number;
  cacheWrite5mTokens: number;
  cacheWrite1hTokens: number;
  /** input + output + cacheRead + cacheWrite5m + cacheWrite1h. */
  totalTokens: number;
  /** US dollars at list prices (see the price table); unpriced models count 0. */
  costUsd: number;
}

/**
 * One group of a {@link Summary}: its key (a model, a day, a tag value, `(none)`…) and its totals.
 *
 * @example
 * ```ts
 * import { summary } from '@relayburn/sdk';
 * for (const g of (await summary({ groupBy: 'model' })).groups) console.log(g.key, g.turns, g.costUsd);
 * ```
 */
export interface SummaryGroup extends Totals {
  key: string;
  /**
   * Grouped by several dimensions: the key per dimension, in `groupBy` order (`key` is them
   * joined by `' · '`). Groups are then in time order for time dimensions, else by cost.
   */
  keys?: string[];
}

/**
 * A model with no known price, and how many turns used it. Those turns cost what their harness
 * reported for them where it writes a cost (Pi, Copilot, Cline…), else 0.
 *
 * @example
 * ```ts
 * import { summary } from '@relayburn/sdk';
 * for (const m of (await summary()).unpricedModels) console.warn(`${m.model}: ${m.turns} turns not priced`);
 * ```
 */
export interface UnpricedModel {
  model: string;
  turns: number;
}

/**
 * What {@link summary} returns (also `burn summary --json`).
 *
 * @example
 * ```ts
 * import { type Summary, summary } from '@relayburn/sdk';
 * const s: Summary = await summary({ groupBy: 'harness' });
 * ```
 */
export interface Summary {
  totals: Totals;
  groups: SummaryGroup[];
  unpricedModels: UnpricedModel[];
  /** The IANA zone day/week/month keys and calendar bounds used: `UTC` unless `timezone` was given. */
  timezone: string;
}

/**
 * How a session relates to its parent.
 *
 * @example
 * ```ts
 * import { sessions } from '@relayburn/sdk';
 * const subagents = (await sessions()).filter((s) => s.relationship === 'subagent');
 * ```
 */
export type Relationship = 'root' | 'fork' | 'continuation' | 'subagent';

/**
 * Options of {@link sessions}.
 *
 * @example
 * ```ts
 * import { sessions } from '@relayburn/sdk';
 * await sessions({ since: '24h', harness: 'codex', tags: { spawner: 'pear' }, limit: 20 });
 * ```
 */
export interface SessionsOptions extends LedgerOptions {
  since?: string | undefined;
  until?: string | undefined;
  harness?: Harness | undefined;
  project?: string | undefined;
  /** Sessions whose folded tags (stamps by session id, inherited down trees) match all of these. */
  tags?: Record<string, string> | undefined;
  /** At most this many rows (trees, or sessions when `flat`; default 50). */
  limit?: number | undefined;
  /** IANA zone of calendar bounds (`since: 'today'`, dates); default UTC. */
  timezone?: string | undefined;
  /** First day of `this-week`: `monday` (default) or `sunday`. */
  weekStart?: WeekStart | undefined;
  /** One row per session, each with its own totals, instead of one per tree (default `false`). */
  flat?: boolean | undefined;
}

/**
 * One session, newest first in {@link sessions}.
 *
 * **Session trees.** Every session has at most one parent (a subagent's is the session that
 * spawned it; a fork's or a continuation's the session it came from — across harnesses too),
 * so sessions form trees. A session's cost is its tree's: {@link summary} with `session`,
 * {@link sessionCost} and {@link fingerprint} count the session and all its descendants unless
 * `descendants: false`; {@link sessions} lists one row per tree root with the whole tree's
 * totals (`own` is the root's own, `descendants` every session below it) unless `flat: true`.
 * Tags inherit down the tree: a session carries each stamp key of its nearest ancestor that
 * has one, unless it has its own (own stamps fold as usual: later `ts`, then later write,
 * wins). Pending stamps, once claimed, are inherited the same way; message stamps stay on
 * their message. Inheritance is computed at query time, so a stamp written after ingest
 * applies at once, to subagents ingested later too.
 *
 * @example
 * ```ts
 * import { sessions } from '@relayburn/sdk';
 * for (const s of await sessions({ limit: 5 })) console.log(s.sessionId, s.costUsd, s.own.costUsd, s.descendantCount);
 * ```
 */
export interface SessionRow extends Totals {
  harness: Harness;
  sessionId: string;
  project?: string;
  branch?: string;
  /** First user prompt, shortened. */
  title?: string;
  firstTs?: string;
  lastTs?: string;
  models: string[];
  relationship: Relationship;
  parentSessionId?: string;
  /**
   * Folded tags of the session (stamps by session id; later `ts`, then later write, wins),
   * with the keys it inherits from its ancestors.
   */
  tags: Record<string, string>;
  /** The session's own totals; the row's own fields are its tree's in a tree row. */
  own: Totals;
  /** Number of sessions below this one in its tree. */
  descendantCount: number;
  /**
   * Tree rows ({@link sessions} without `flat`, {@link SessionDetail.session}): every session
   * below this one, each with its own totals, depth first (children by first activity; follow
   * `parentSessionId`). Empty otherwise.
   */
  descendants: SessionRow[];
}

/**
 * Options of {@link session}.
 *
 * @example
 * ```ts
 * import { session } from '@relayburn/sdk';
 * await session({ sessionId: 'f3a…', harness: 'claude-code' });
 * ```
 */
export interface SessionOptions extends LedgerOptions {
  sessionId: string;
  harness?: Harness | undefined;
  /** Also return the stored conversation {@link SessionDetail.content} (default false). */
  includeContent?: boolean | undefined;
}

/**
 * One block of stored conversation content.
 *
 * @example
 * ```ts
 * import { type ContentBlock, session } from '@relayburn/sdk';
 * const d = await session({ sessionId: '3f2a…', includeContent: true });
 * const blocks: ContentBlock[] = d?.content?.flatMap((m) => m.blocks) ?? [];
 * ```
 */
export interface ContentBlock {
  kind: 'text' | 'thinking' | 'tool_use' | 'tool_result';
  /**
   * The text (a tool input is its JSON; a tool result its string, or its JSON when it is not
   * a string). Absent for blocks stored in `hash-only` mode.
   */
  text?: string;
  /** `tool_use`: the tool's name. */
  toolName?: string;
  /** `tool_use` / `tool_result`: the tool call id. */
  toolUseId?: string;
  /** `tool_result`: the tool reported an error. */
  isError?: true;
  /** UTF-8 length of the text. */
  bytes: number;
  /** SHA-256 of the text, lowercase hex. */
  hash: string;
}

/**
 * One message of a session's stored content, in conversation order.
 *
 * @example
 * ```ts
 * import { type ContentMessage, session } from '@relayburn/sdk';
 * const d = await session({ sessionId: '3f2a…', includeContent: true });
 * for (const m of d?.content ?? ([] as ContentMessage[])) console.log(m.role, m.ts, m.blocks.length);
 * ```
 */
export interface ContentMessage {
  role: 'user' | 'assistant';
  /** The assistant response's `message.id`, or the user row's uuid. */
  messageId: string;
  ts: string;
  blocks: ContentBlock[];
}

/**
 * Options of {@link pruneContent}.
 *
 * @example
 * ```ts
 * import { type PruneContentOptions, pruneContent } from '@relayburn/sdk';
 * const o: PruneContentOptions = { olderThanDays: 30 };
 * await pruneContent(o);
 * ```
 */
export interface PruneContentOptions extends LedgerOptions {
  /** Delete content of messages older than this many days; `0` clears all, `"forever"` keeps all. */
  olderThanDays: number | 'forever';
}

/**
 * What {@link pruneContent} deleted.
 *
 * @example
 * ```ts
 * import { type PruneContentReport, pruneContent } from '@relayburn/sdk';
 * const r: PruneContentReport = await pruneContent({ olderThanDays: 0 });
 * console.log(`${r.blocksDeleted} blocks deleted`);
 * ```
 */
export interface PruneContentReport {
  blocksDeleted: number;
}

/**
 * A tool call a turn made: `name`, the `target` it acted on (a file, a command…) when known, and `argsHash` (a hash of its key-sorted input).
 *
 * @example
 * ```ts
 * import { session } from '@relayburn/sdk';
 * const d = await session({ sessionId: 'f3a…' });
 * const edits = d?.turns.flatMap((t) => t.toolCalls).filter((c) => c.name === 'Edit');
 * ```
 */
export interface ToolCall {
  id: string;
  name: string;
  target?: string;
  /** First 16 hex of SHA-256 over the key-sorted JSON of the tool input. */
  argsHash: string;
}

/**
 * One model API response: the billing unit.
 *
 * @example
 * ```ts
 * import { session } from '@relayburn/sdk';
 * const d = await session({ sessionId: 'f3a…' });
 * for (const t of d?.turns ?? []) console.log(t.ts, t.model, t.outputTokens, t.costUsd);
 * ```
 */
export interface Turn {
  messageId: string;
  requestId?: string;
  ts: string;
  model: string;
  inputTokens: number;
  outputTokens: number;
  reasoningTokens: number;
  cacheReadTokens: number;
  cacheWrite5mTokens: number;
  cacheWrite1hTokens: number;
  /** Priced from the price table; for a model it cannot price, the harness's own cost (else 0). */
  costUsd: number;
  stopReason?: string;
  /** False for a response that never finished (counted with its last usage snapshot). */
  complete: boolean;
  toolCalls: ToolCall[];
  /** The cost the harness itself wrote for this call (USD), for harnesses that write one. */
  reportedCostUsd?: number;
}

/**
 * One block of a user turn: prompt text or a tool result, with its size (`bytes`, `approxTokens`).
 *
 * @example
 * ```ts
 * import { session } from '@relayburn/sdk';
 * const d = await session({ sessionId: 'f3a…' });
 * const resultBytes = d?.userTurns.flatMap((u) => u.blocks).filter((b) => b.kind === 'tool_result').reduce((n, b) => n + b.bytes, 0);
 * ```
 */
export interface UserTurnBlock {
  kind: 'text' | 'tool_result';
  toolUseId?: string;
  bytes: number;
  approxTokens: number;
  isError?: boolean;
}

/**
 * One user row of a session (a prompt, or tool results sent back), with its blocks.
 *
 * @example
 * ```ts
 * import { session } from '@relayburn/sdk';
 * const d = await session({ sessionId: 'f3a…' });
 * console.log(d?.userTurns.length, 'user turns');
 * ```
 */
export interface UserTurn {
  uuid: string;
  ts: string;
  precedingMessageId?: string;
  blocks: UserTurnBlock[];
}

/**
 * A context compaction in a session: when, and how many tokens the context held before it (when known).
 *
 * @example
 * ```ts
 * import { session } from '@relayburn/sdk';
 * const d = await session({ sessionId: 'f3a…' });
 * for (const c of d?.compactions ?? []) console.log(c.ts, c.tokensBefore);
 * ```
 */
export interface Compaction {
  ts: string;
  precedingMessageId?: string;
  tokensBefore?: number;
}

/**
 * What {@link session} returns.
 *
 * @example
 * ```ts
 * import { session } from '@relayburn/sdk';
 * const d = await session({ sessionId: 'f3a…' });
 * if (d) console.log(d.session.costUsd, d.turns.length, d.children.map((c) => c.sessionId));
 * ```
 */
export interface SessionDetail {
  /**
   * The session's row as a tree row: totals of the session and its descendants, `own`, and
   * `descendants` (the tree below it).
   */
  session: SessionRow;
  /** Its turns in time order. */
  turns: Turn[];
  userTurns: UserTurn[];
  compactions: Compaction[];
  /** Sessions whose parent is this one (subagents, forks, continuations). */
  children: Array<{ sessionId: string; relationship: Relationship }>;
  /**
   * With `includeContent: true`: the stored conversation in order (empty when none is
   * stored: content off, pruned, or never captured). Absent otherwise.
   */
  content?: ContentMessage[];
}

/**
 * Options of {@link watch}.
 *
 * @example
 * ```ts
 * import { watch } from '@relayburn/sdk';
 * const ac = new AbortController();
 * await watch({ harnesses: ['claude-code'], signal: ac.signal, onReport: (r) => console.log(r.turnsAdded) });
 * ```
 */
export interface WatchOptions extends LedgerOptions {
  harnesses?: Harness[] | undefined;
  roots?: IngestRoots | undefined;
  /** As in {@link IngestOptions.contentMode}, for every pass. */
  contentMode?: ContentMode | undefined;
  /** Called after the first pass and after every pass that changed something. */
  onReport?: ((report: IngestReport) => void) | undefined;
  /** Stops the watch; the returned promise then resolves. */
  signal?: AbortSignal | undefined;
}

/**
 * Options of {@link sessionCost}.
 *
 * @example
 * ```ts
 * import { sessionCost } from '@relayburn/sdk';
 * await sessionCost({ sessionId: 'f3a…' });
 * ```
 */
export interface SessionCostOptions extends LedgerOptions {
  sessionId: string;
  /** `false`: the session's own turns only (default `true`: with its descendants). */
  descendants?: boolean | undefined;
}

/**
 * Options of {@link fingerprint}.
 *
 * @example
 * ```ts
 * import { fingerprint } from '@relayburn/sdk';
 * await fingerprint({ sessionId: 'f3a…' });
 * ```
 */
export interface FingerprintOptions extends LedgerOptions {
  /** A token of this session's cost only (with its descendants unless `descendants: false`). */
  sessionId?: string | undefined;
  /** With `sessionId`: `false` leaves out its descendants (default `true`). */
  descendants?: boolean | undefined;
}

/**
 * What {@link sessionCost} returns.
 *
 * @example
 * ```ts
 * import { sessionCost } from '@relayburn/sdk';
 * const { totals, unpricedModels } = await sessionCost({ sessionId: 'f3a…' });
 * ```
 */
export interface SessionCost {
  sessionId: string;
  totals: Totals;
  unpricedModels: UnpricedModel[];
}

/**
 * Options of {@link rebuildState}: those of {@link ingest} minus `sessionFile`.
 *
 * @example
 * ```ts
 * import { rebuildState } from '@relayburn/sdk';
 * await rebuildState({ harnesses: ['codex'], onProgress: (p) => console.log(p.bytesRead) });
 * ```
 */
export interface RebuildStateOptions extends LedgerOptions {
  /** Only reset and re-read these harnesses (default: all). */
  harnesses?: Harness[] | undefined;
  /** Override discovery (see {@link IngestRoots}). */
  roots?: IngestRoots | undefined;
  /** Called from time to time while the logs are read again. */
  onProgress?: ((progress: IngestProgress) => void) | undefined;
  /**
   * Abort the re-read. The reset has committed by then: the ledger holds what was re-read so
   * far, consistently, and the next {@link ingest} completes it.
   */
  signal?: AbortSignal | undefined;
}

/**
 * Derived rows a {@link rebuildState} deleted before reading the logs again.
 *
 * @example
 * ```ts
 * import { rebuildState } from '@relayburn/sdk';
 * const { removed } = await rebuildState();
 * console.log(`${removed.turns} turns, ${removed.sessions} sessions re-derived`);
 * ```
 */
export interface ResetReport {
  turns: number;
  userTurns: number;
  compactions: number;
  sessions: number;
  cursors: number;
}

/**
 * What {@link rebuildState} did.
 *
 * @example
 * ```ts
 * import { rebuildState } from '@relayburn/sdk';
 * const { removed, ingest } = await rebuildState();
 * console.log(removed.turns, '→', ingest.turnsAdded);
 * ```
 */
export interface RebuildReport {
  removed: ResetReport;
  /** The pass that read the logs again. */
  ingest: IngestReport;
}

/**
 * Options of {@link push}.
 *
 * @example
 * ```ts
 * import { type PushOptions, push } from '@relayburn/sdk';
 * const o: PushOptions = { server: 'https://burn.example.com', token: 'rbt_…', projects: 'hash' };
 * await push(o);
 * ```
 */
export interface PushOptions extends LedgerOptions {
  /** The team server's URL (else `RELAYBURN_SERVER`, else `push.server` in `config.json`). */
  server?: string | undefined;
  /** A device token from `relayburn-server token create` (else `RELAYBURN_TOKEN`, else `push.token`). */
  token?: string | undefined;
  /** How projects are sent: `name` (last path segment, default), `full`, `hash` or `none`. */
  projects?: 'name' | 'full' | 'hash' | 'none' | undefined;
  /** Rows per batch, 1–5000 (default 5000). */
  batchSize?: number | undefined;
  /** Retries of a batch after a network error, 429 or 5xx (default 6, backoff up to 30 s). */
  retries?: number | undefined;
  /** Called after each acknowledged batch. */
  onProgress?: ((progress: PushProgress) => void) | undefined;
  /** Stops between batches (a batch in flight is abandoned, and sent again next time). */
  signal?: AbortSignal | undefined;
}

/**
 * What {@link push} sent (rows acknowledged by the server).
 *
 * @example
 * ```ts
 * import { type PushReport, push } from '@relayburn/sdk';
 * const r: PushReport = await push();
 * console.log(r.turns, r.durationMs);
 * ```
 */
export interface PushReport {
  /** The server's URL, normalized. */
  server: string;
  batches: number;
  turns: number;
  sessions: number;
  stamps: number;
  durationMs: number;
}

/**
 * Progress of {@link push}: the report so far and the changes still to send.
 *
 * @example
 * ```ts
 * import { push } from '@relayburn/sdk';
 * await push({ onProgress: (p) => console.log(`${p.turns} sent, ${p.pending} to go`) });
 * ```
 */
export interface PushProgress extends PushReport {
  pending: number;
}

/**
 * Options of {@link timeWindow}: the window fields of {@link SummaryOptions}.
 *
 * @example
 * ```ts
 * import { type TimeWindowOptions, timeWindow } from '@relayburn/sdk';
 * const o: TimeWindowOptions = { since: '7d' };
 * await timeWindow(o);
 * ```
 */
export interface TimeWindowOptions {
  since?: string | undefined;
  until?: string | undefined;
  timezone?: string | undefined;
  weekStart?: WeekStart | undefined;
}

/**
 * A resolved window: epoch-ms bounds (absent when open) and the canonical zone name.
 *
 * @example
 * ```ts
 * import { type TimeWindow, timeWindow } from '@relayburn/sdk';
 * const w: TimeWindow = await timeWindow({ since: 'today', timezone: 'Asia/Tokyo' });
 * ```
 */
export interface TimeWindow {
  sinceMs?: number;
  untilMs?: number;
  timezone: string;
}
