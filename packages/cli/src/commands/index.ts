/**
 * Every `burn` command, in the order `burn --help` lists them: its name and how to load its
 * module. A new command is a module exporting a `Command` plus one line here.
 *
 * Modules are required inside the loaders, so a run evaluates only the command it runs (and
 * the Node built-ins that command imports); `burn --help` and a mistyped command load them all.
 * In the bundle (scripts/bundle.mjs) each is a lazily evaluated module.
 */
import type { Command } from '../command.js';

const analysis = () => require('./analysis.js') as typeof import('./analysis.js');
const budget = () => require('./budget.js') as typeof import('./budget.js');
const stamps = () => require('./stamps.js') as typeof import('./stamps.js');
const sessions = () => require('./sessions.js') as typeof import('./sessions.js');

export const COMMAND_LOADERS: ReadonlyArray<readonly [name: string, load: () => Command]> = [
  ['ingest', () => (require('./ingest.js') as typeof import('./ingest.js')).ingestCommand],
  ['summary', () => (require('./summary.js') as typeof import('./summary.js')).summaryCommand],
  ['sessions', () => sessions().sessionsCommand],
  ['session', () => sessions().sessionCommand],
  ['stamp', () => (require('./stamp.js') as typeof import('./stamp.js')).stampCommand],
  ['stamps export', () => stamps().stampsExportCommand],
  ['stamps import', () => stamps().stampsImportCommand],
  ['content prune', () => (require('./content.js') as typeof import('./content.js')).contentPruneCommand],
  ['status', () => (require('./status.js') as typeof import('./status.js')).statusCommand],
  ['state rebuild', () => (require('./state.js') as typeof import('./state.js')).stateRebuildCommand],
  ['demo', () => (require('./demo.js') as typeof import('./demo.js')).demoCommand],
  ['push', () => (require('./push.js') as typeof import('./push.js')).pushCommand],
  // Budgets and the status line.
  ['budget set', () => budget().budgetSetCommand],
  ['budget list', () => budget().budgetListCommand],
  ['budget status', () => budget().budgetStatusCommand],
  ['budget rm', () => budget().budgetRmCommand],
  ['statusline', () => (require('./statusline.js') as typeof import('./statusline.js')).statuslineCommand],
  ['hotspots', () => analysis().hotspotsCommand],
  ['overhead', () => analysis().overheadCommand],
  ['compare', () => analysis().compareCommand],
  ['mcp', () => (require('./mcp.js') as typeof import('./mcp.js')).mcpCommand],
  ['dashboard', () => (require('./dashboard.js') as typeof import('./dashboard.js')).dashboardCommand],
];

/** The command named `name` (one or two words), its module loaded; undefined if there is none. */
export function loadCommand(name: string): Command | undefined {
  return COMMAND_LOADERS.find(([n]) => n === name)?.[1]();
}

/** Every command, every module loaded (help, and finding a command among mistyped flags). */
export function allCommands(): Command[] {
  return COMMAND_LOADERS.map(([, load]) => load());
}
