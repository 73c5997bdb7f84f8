/**
 * Public option and result types. Plain JSON: numbers are `number` (never `bigint`), times are
 * ISO-8601 UTC strings with milliseconds (`2026-05-21T12:00:00.000Z`).
 */

/** Every function accepts `ledgerHome` to use a ledger other than `RELAYBURN_HOME` (default `~/.relayburn`). */
export interface LedgerOptions {
  /** Directory holding `ledger.sqlite`. Overrides `RELAYBURN_HOME`. */
  ledgerHome?: string | undefined;
}

/** Options of {@link writeStamp}. At least one of `sessionId` / `messageId` is required. */
export interface WriteStampOptions extends LedgerOptions {
  /** Harness session id to label (e.g. the id passed to `claude --session-id`). */
  sessionId?: string | undefined;
  /** A single message (API response) id to label. */
  messageId?: string | undefined;
  /** Labels: at least one key; keys ≤ 128 chars; values are strings ≤ 4 KiB. */
  enrichment: Record<string, string>;
  /** When the labels take effect: an ISO-8601 instant (offsets allowed). Defaults to now. */
  ts?: string | undefined;
}

/** What {@link writeStamp} stored. */
export interface StampReceipt {
  /** Stamp id (16 hex characters). */
  id: string;
  /** The stamp's time, normalized to `YYYY-MM-DDTHH:MM:SS.mmmZ`. */
  ts: string;
}

/** Options of {@link stamps}: filter by selector, or list all. */
export interface StampsOptions extends LedgerOptions {
  sessionId?: string | undefined;
  messageId?: string | undefined;
}

/** A stored stamp. */
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

/** What {@link status} reports about the ledger. */
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
  /** Number of turns (model API responses) in the ledger. */
  turns: number;
  /** Number of sessions seen in logs. */
  sessions: number;
  /** When the last ingest finished. */
  lastIngestAt?: string;
}

/** The harnesses relayburn reads. */
export type Harness = 'claude-code' | 'codex' | 'opencode';

/**
 * Where to look for session logs, per harness. When given, exactly these roots are scanned
 * (environment variables and default locations are ignored).
 * - `claude-code`: directories holding `projects/` (like `CLAUDE_CONFIG_DIR`), or `projects/` dirs.
 * - `codex`: Codex homes (like `CODEX_HOME`, default `~/.codex`) whose `sessions/` (recursively)
 *   and `archived_sessions/` hold `*.jsonl` rollouts; a directory with neither is read as a
 *   directory of rollouts itself.
 * - `opencode`: OpenCode data directories (like `OPENCODE_DATA_DIR`; default
 *   `$XDG_DATA_HOME/opencode`, else `~/.local/share/opencode`) holding the `opencode*.db`
 *   database and/or the older `storage/` tree; a `storage/` directory itself or a database
 *   file also works. The database is opened read-only.
 */
export interface IngestRoots {
  'claude-code'?: string[] | undefined;
  codex?: string[] | undefined;
  opencode?: string[] | undefined;
}

/** Progress of a running ingest, reported to `onProgress`. */
export interface IngestProgress {
  filesTotal: number;
  filesDone: number;
  bytesTotal: number;
  bytesRead: number;
}

/** Options of {@link ingest}. */
/**
 * What the content store (`$RELAYBURN_HOME/content.sqlite`) keeps per message block (text,
 * thinking, tool input, tool result): `full` (the text, compressed), `hash-only` (SHA-256 and
 * byte length, no text) or `off` (nothing).
 */
export type ContentMode = 'full' | 'hash-only' | 'off';

export interface IngestOptions extends LedgerOptions {
  /** Only these harnesses (default: all). */
  harnesses?: Harness[] | undefined;
  /** Override discovery (see {@link IngestRoots}). */
  roots?: IngestRoots | undefined;
  /** Ingest just this one session log (the hook fast path). */
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

/** One problem met during ingest (a file that could not be read, …). Never fatal. */
export interface IngestIssue {
  file: string;
  line?: number;
  message: string;
}

/** What one {@link ingest} pass did. */
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
 * Dimensions `summary` can group by. `model` is the model id minus any provider prefix;
 * `day`/`week`/`month` are `YYYY-MM-DD` / ISO `YYYY-Www` / `YYYY-MM` in `timezone` (UTC by
 * default); `tool` splits each turn's tokens and cost evenly across its tool calls (turns
 * without tool calls form `(none)`); `tag:<key>` groups by a folded tag (`(none)` when unset).
 */
export type GroupBy =
  | 'model'
  | 'provider'
  | 'harness'
  | 'project'
  | 'branch'
  | 'session'
  | 'day'
  | 'week'
  | 'month'
  | 'tool'
  | `tag:${string}`;

/** Options of {@link summary}. */
export interface SummaryOptions extends LedgerOptions {
  /** Inclusive lower bound: ISO-8601 instant or relative (`30m`, `24h`, `7d`, `4w`, `3mo`). */
  since?: string | undefined;
  /** Exclusive upper bound, same forms as `since`. */
  until?: string | undefined;
  harness?: Harness | undefined;
  session?: string | undefined;
  /** A model as grouped: `claude-x` also matches `anthropic/claude-x`. */
  model?: string | undefined;
  project?: string | undefined;
  /** Folded tags (stamps) that must all match: `{ persona: 'reviewer' }`. */
  tags?: Record<string, string> | undefined;
  /** Default `model`. */
  groupBy?: GroupBy | undefined;
  /** IANA time zone for `day`/`week`/`month` groups (default UTC), e.g. `Europe/Paris`. */
  timezone?: string | undefined;
}

/** Token totals (and cost) of a set of turns. */
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

export interface SummaryGroup extends Totals {
  key: string;
}

/** A model with no known price, and how many turns used it. */
export interface UnpricedModel {
  model: string;
  turns: number;
}

/** What {@link summary} returns (also `burn summary --json`). */
export interface Summary {
  totals: Totals;
  groups: SummaryGroup[];
  unpricedModels: UnpricedModel[];
}

/** How a session relates to its parent. */
export type Relationship = 'root' | 'fork' | 'continuation' | 'subagent';

/** Options of {@link sessions}. */
export interface SessionsOptions extends LedgerOptions {
  since?: string | undefined;
  until?: string | undefined;
  harness?: Harness | undefined;
  project?: string | undefined;
  /** Sessions whose folded tags (stamps by session id) match all of these. */
  tags?: Record<string, string> | undefined;
  /** At most this many rows (default 50). */
  limit?: number | undefined;
}

/** One session, newest first in {@link sessions}. */
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
  /** Folded tags of the session (stamps by session id; later `ts`, then later write, wins). */
  tags: Record<string, string>;
}

/** Options of {@link session}. */
export interface SessionOptions extends LedgerOptions {
  sessionId: string;
  harness?: Harness | undefined;
  /** Also return the stored conversation {@link SessionDetail.content} (default false). */
  includeContent?: boolean | undefined;
}

/** One block of stored conversation content. */
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

/** One message of a session's stored content, in conversation order. */
export interface ContentMessage {
  role: 'user' | 'assistant';
  /** The assistant response's `message.id`, or the user row's uuid. */
  messageId: string;
  ts: string;
  blocks: ContentBlock[];
}

/** Options of {@link pruneContent}. */
export interface PruneContentOptions extends LedgerOptions {
  /** Delete content of messages older than this many days; `0` clears all, `"forever"` keeps all. */
  olderThanDays: number | 'forever';
}

/** What {@link pruneContent} deleted. */
export interface PruneContentReport {
  blocksDeleted: number;
}

export interface ToolCall {
  id: string;
  name: string;
  target?: string;
  /** First 16 hex of SHA-256 over the key-sorted JSON of the tool input. */
  argsHash: string;
}

/** One model API response: the billing unit. */
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
  costUsd: number;
  stopReason?: string;
  /** False for a response that never finished (counted with its last usage snapshot). */
  complete: boolean;
  toolCalls: ToolCall[];
}

export interface UserTurnBlock {
  kind: 'text' | 'tool_result';
  toolUseId?: string;
  bytes: number;
  approxTokens: number;
  isError?: boolean;
}

export interface UserTurn {
  uuid: string;
  ts: string;
  precedingMessageId?: string;
  blocks: UserTurnBlock[];
}

export interface Compaction {
  ts: string;
  precedingMessageId?: string;
  tokensBefore?: number;
}

/** What {@link session} returns. */
export interface SessionDetail {
  /** The session's row, as {@link sessions} lists it (counters, project, relationship…). */
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

/** Options of {@link watch}. */
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

/** Options of {@link sessionCost}. */
export interface SessionCostOptions extends LedgerOptions {
  sessionId: string;
}

/** What {@link sessionCost} returns. */
export interface SessionCost {
  sessionId: string;
  totals: Totals;
  unpricedModels: UnpricedModel[];
}
