/**
 * Every `burn` command, in the order `burn --help` lists them. A new command is a module
 * exporting a `Command` plus one line here.
 */
import type { Command } from '../command.js';
import { compareCommand, hotspotsCommand, overheadCommand } from './analysis.js';
import { budgetListCommand, budgetRmCommand, budgetSetCommand, budgetStatusCommand } from './budget.js';
import { contentPruneCommand } from './content.js';
import { dashboardCommand } from './dashboard.js';
import { demoCommand } from './demo.js';
import { ingestCommand } from './ingest.js';
import { mcpCommand } from './mcp.js';
import { pushCommand } from './push.js';
import { sessionCommand, sessionsCommand } from './sessions.js';
import { stampCommand } from './stamp.js';
import { stampsExportCommand, stampsImportCommand } from './stamps.js';
import { stateRebuildCommand } from './state.js';
import { statusCommand } from './status.js';
import { statuslineCommand } from './statusline.js';
import { summaryCommand } from './summary.js';

export const COMMANDS: readonly Command[] = [
  ingestCommand,
  summaryCommand,
  sessionsCommand,
  sessionCommand,
  stampCommand,
  stampsExportCommand,
  stampsImportCommand,
  contentPruneCommand,
  statusCommand,
  stateRebuildCommand,
  demoCommand,
  pushCommand,
  // Budgets and the status line.
  budgetSetCommand,
  budgetListCommand,
  budgetStatusCommand,
  budgetRmCommand,
  statuslineCommand,
  hotspotsCommand,
  overheadCommand,
  compareCommand,
  mcpCommand,
  dashboardCommand,
];
