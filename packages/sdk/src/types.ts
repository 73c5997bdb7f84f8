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
}
