/**
 * `@relayburn/sdk`: a local cost ledger of coding-agent sessions, with labels (stamps).
 * Every function is async, runs off the JS thread, validates its options, and rejects with a
 * {@link BurnError} carrying a stable `code`.
 */

export { pruneContent } from './content.js';
export { BURN_ERROR_CODES, BurnError, type BurnErrorCode } from './errors.js';
export { ingest, watch } from './ingest.js';
export { fingerprint, session, sessionCost, sessions, summary } from './queries.js';
export { stamps, writeStamp } from './stamps.js';
export { status } from './status.js';
export type {
  Compaction,
  ContentBlock,
  ContentMessage,
  ContentMode,
  GroupBy,
  Harness,
  IngestIssue,
  IngestOptions,
  IngestProgress,
  IngestReport,
  IngestRoots,
  LedgerOptions,
  PruneContentOptions,
  PruneContentReport,
  Relationship,
  SessionCost,
  SessionCostOptions,
  SessionDetail,
  SessionOptions,
  SessionRow,
  SessionsOptions,
  Stamp,
  StampReceipt,
  StampsOptions,
  Status,
  Summary,
  SummaryGroup,
  SummaryOptions,
  ToolCall,
  Totals,
  Turn,
  UnpricedModel,
  UserTurn,
  UserTurnBlock,
  WatchOptions,
  WriteStampOptions,
} from './types.js';
