/**
 * `@relayburn/sdk`: a local cost ledger of coding-agent sessions, with labels (stamps).
 * Every function (but `harnessKeys`, a constant list) is async, runs off the JS thread,
 * validates its options, and rejects with a {@link BurnError} carrying a stable `code`.
 */

export {
  type AnalysisFilter,
  type Compare,
  type CompareOptions,
  type CompareRow,
  compare,
  type HotspotBy,
  type HotspotRow,
  type Hotspots,
  type HotspotsOptions,
  hotspots,
  type Overhead,
  type OverheadFigures,
  type OverheadOptions,
  type OverheadSession,
  overhead,
} from './analysis.js';
export {
  type Budget,
  type BudgetFilter,
  type BudgetPeriod,
  type BudgetState,
  type BudgetStatus,
  type BudgetStatusOptions,
  budgetStatus,
  budgets,
  type RemoveBudgetOptions,
  type RemoveBudgetResult,
  removeBudget,
  type SetBudgetOptions,
  setBudget,
} from './budgets.js';
export { pruneContent } from './content.js';
export { BURN_ERROR_CODES, BurnError, type BurnErrorCode } from './errors.js';
export { harnessKeys } from './harnesses.js';
export { ingest, rebuildState, watch } from './ingest.js';
export { push, timeWindow } from './push.js';
export { fingerprint, session, sessionCost, sessions, summary } from './queries.js';
export { exportStamps, importStamps, stamps, writePendingStamp, writeStamp } from './stamps.js';
export { status } from './status.js';
export { type StatuslineOptions, statusline } from './statusline.js';
export type {
  Compaction,
  ContentBlock,
  ContentMessage,
  ContentMode,
  ExportStampsResult,
  FingerprintOptions,
  GroupBy,
  Harness,
  HarnessCount,
  ImportStampsResult,
  IngestIssue,
  IngestOptions,
  IngestProgress,
  IngestReport,
  IngestRoots,
  LedgerOptions,
  PendingStampReceipt,
  PruneContentOptions,
  PruneContentReport,
  PushOptions,
  PushProgress,
  PushReport,
  RebuildReport,
  RebuildStateOptions,
  Relationship,
  ResetReport,
  SessionCost,
  SessionCostOptions,
  SessionDetail,
  SessionOptions,
  SessionRow,
  SessionsOptions,
  Stamp,
  StampReceipt,
  StampsFileOptions,
  StampsOptions,
  Status,
  Summary,
  SummaryGroup,
  SummaryOptions,
  TimeWindow,
  TimeWindowOptions,
  ToolCall,
  Totals,
  Turn,
  UnpricedModel,
  UserTurn,
  UserTurnBlock,
  WatchOptions,
  WeekStart,
  WritePendingStampOptions,
  WriteStampOptions,
} from './types.js';
