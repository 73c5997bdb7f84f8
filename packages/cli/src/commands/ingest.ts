import { readFileSync } from 'node:fs';
import {
  type ContentMode,
  type IngestProgress,
  type IngestReport,
  ingest,
  push,
  watch,
} from '@relayburn/sdk';
import { bool, type Command, str } from '../command.js';
import { formatBytes, formatCount, type Output, printJson, visible } from '../output.js';
import { isTerminal, writeOut } from '../stdout.js';
import { UsageError } from '../usage.js';
import { printPush } from './push.js';

const ingestHelp = `Usage: burn ingest [--watch [--push]] [--json] [--quiet] [--hook claude] [--content-mode <mode>]

Read new session-log bytes (Claude Code, Codex CLI, OpenCode, Gemini CLI, Qwen Code, Pi,
Copilot CLI, Kimi, Grok Build, Droid, Goose, Crush, Amp, Kilo CLI, Cline, Roo Code, Kilo Code)
into the ledger. Only changed files are read, from where the last run stopped; safe to run
beside other burn processes. Droid, Goose and Crush keep running totals: a changed total
replaces the stored one.

Options:
  --watch         keep going: ingest again whenever the logs change (Ctrl-C stops)
  --push          with --watch: push to the team server after each pass that changed
                  something (server and token as for 'burn push')
  --hook claude   read a Claude Code hook payload ({"session_id", "transcript_path"}) from
                  stdin and ingest just that transcript (fast path for Stop/SubagentStop hooks)
  --quiet         print nothing unless something went wrong
  --json          print the ingest report as JSON
  --content-mode full|hash-only|off
                  what the content store keeps of the conversation read now (default:
                  $RELAYBURN_CONTENT_STORE, else content.mode in config.json, else full)

Where logs are found:
  Claude Code   $CLAUDE_CONFIG_DIR (comma-separated dirs holding projects/), else
                ~/.config/claude and ~/.claude
  Codex CLI     $CODEX_HOME (comma-separated), else ~/.codex
  OpenCode      $OPENCODE_DATA_DIR, else $XDG_DATA_HOME/opencode, else ~/.local/share/opencode
  Gemini CLI    $GEMINI_CLI_HOME/.gemini, else ~/.gemini (tmp/*/chats/)
  Qwen Code     $QWEN_RUNTIME_DIR, else ~/.qwen (projects/*/chats/)
  Pi            $PI_CODING_AGENT_DIR, else ~/.pi/agent (sessions/*/)
  Copilot CLI   $COPILOT_HOME, else ~/.copilot (session-store.db, session-state/)
  Kimi          $KIMI_SHARE_DIR, else ~/.kimi; $KIMI_CODE_HOME, else ~/.kimi-code
  Grok Build    $GROK_HOME (comma-separated), else ~/.grok
  Droid         $DROID_SESSIONS_DIR (comma-separated), else ~/.factory/sessions
  Goose         $GOOSE_PATH_ROOT, else Goose's data dir (~/.local/share/goose)
  Crush         projects.json in $CRUSH_GLOBAL_DATA, else $XDG_DATA_HOME/crush, else
                ~/.local/share/crush
  Amp           $AMP_DATA_DIR (comma-separated), else $XDG_DATA_HOME/amp, else ~/.local/share/amp
                (threads/T-*.json)
  Kilo CLI      $KILO_DATA_DIR (comma-separated), else $XDG_DATA_HOME/kilo, else ~/.local/share/kilo
                (kilo.db, opened read-only)
  Cline, Roo Code, Kilo Code
                $CLINE_DATA_DIR, $ROO_CODE_DATA_DIR, $KILO_CODE_DATA_DIR (comma-separated), else the
                VS Code user dirs (Code, Code - Insiders, ~/.vscode-server; Linux, macOS, Windows):
                globalStorage/<extension id>/tasks/<task>/ui_messages.json

Examples:
  burn ingest
  burn ingest --watch
  burn ingest --watch --push
  burn ingest --json
  echo '{"session_id":"…","transcript_path":"/home/me/.claude/projects/p/….jsonl"}' | burn ingest --hook claude`;

export const ingestCommand: Command = {
  name: 'ingest',
  summary: 'read new session-log bytes into the ledger (--watch to keep going)',
  help: ingestHelp,
  flags: {
    watch: { type: 'boolean' },
    push: { type: 'boolean' },
    hook: { type: 'string' },
    quiet: { type: 'boolean', short: 'q' },
    'content-mode': { type: 'string' },
  },
  async run(ctx) {
    if (ctx.args.length > 0) throw new UsageError(`ingest takes no arguments, got '${ctx.args[0]}'`);
    await runIngest(
      {
        watch: bool(ctx, 'watch'),
        push: bool(ctx, 'push'),
        hook: str(ctx, 'hook'),
        quiet: bool(ctx, 'quiet'),
        contentMode: str(ctx, 'content-mode'),
        ledgerHome: ctx.ledgerHome,
      },
      ctx.out,
    );
    return 0;
  },
};

export interface IngestArgs {
  watch: boolean;
  push?: boolean | undefined;
  hook?: string | undefined;
  quiet: boolean;
  contentMode?: string | undefined;
  ledgerHome?: string | undefined;
}

export async function runIngest(args: IngestArgs, out: Output): Promise<void> {
  if (args.push && !args.watch) throw new UsageError('--push needs --watch (or run burn push)');
  if (args.watch) {
    if (args.hook !== undefined) throw new UsageError('--watch and --hook cannot be combined');
    await runWatch(args, out);
    return;
  }
  let sessionFile: string | undefined;
  if (args.hook !== undefined) {
    if (args.hook !== 'claude') throw new UsageError(`--hook supports 'claude', got '${args.hook}'`);
    sessionFile = readHookPayload();
  }
  const bar = !out.json && !args.quiet ? progressBar() : undefined;
  let report: IngestReport;
  try {
    report = await ingest({
      sessionFile,
      ledgerHome: args.ledgerHome,
      onProgress: bar?.update,
      ...contentMode(args),
    });
  } finally {
    bar?.done();
  }
  printReport(report, args.quiet, out);
}

/** `--content-mode` as an option (the SDK validates the value). */
function contentMode(args: IngestArgs): { contentMode?: ContentMode } {
  return args.contentMode === undefined ? {} : { contentMode: args.contentMode as ContentMode };
}

/** Watches until SIGINT/SIGTERM, printing one line (or one JSON object) per pass that changed something. */
async function runWatch(args: IngestArgs, out: Output): Promise<void> {
  const ac = new AbortController();
  const stop = () => ac.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  if (!out.json && !args.quiet) process.stderr.write('watching for new session-log bytes (Ctrl-C stops)\n');
  // Pushes run one after another, each after the pass that triggered it.
  let pushes: Promise<void> = Promise.resolve();
  try {
    await watch({
      ledgerHome: args.ledgerHome,
      signal: ac.signal,
      ...contentMode(args),
      onReport: (r) => {
        if (out.json) process.stdout.write(`${JSON.stringify(r)}\n`);
        else printReport(r, args.quiet, out);
        if (args.push) pushes = pushes.then(() => pushAfterPass(args, out));
      },
    });
    await pushes;
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
}

/** One push after a watch pass; a failure is reported and the next pass tries again. */
async function pushAfterPass(args: IngestArgs, out: Output): Promise<void> {
  try {
    const r = await push({ ledgerHome: args.ledgerHome });
    if (out.json) process.stdout.write(`${JSON.stringify({ push: r })}\n`);
    else if (!args.quiet && r.batches > 0) printPush(r, out);
  } catch (err) {
    process.stderr.write(`burn: push: ${(err as Error).message}\n`);
  }
}

export function printReport(report: IngestReport, quiet: boolean, out: Output): void {
  if (out.json) {
    printJson(report);
    return;
  }
  for (const e of report.errors) {
    process.stderr.write(
      visible(`burn: ${e.file}${e.line !== undefined ? `:${e.line}` : ''}: ${e.message}`) + '\n',
    );
  }
  if (quiet) return;
  const parts = [
    `${formatCount(report.filesChanged)} of ${formatCount(report.filesScanned)} files changed`,
    `${formatBytes(report.bytesRead)} read`,
    `${formatCount(report.turnsAdded)} turns added`,
  ];
  if (report.turnsUpdated) parts.push(`${formatCount(report.turnsUpdated)} updated`);
  if (report.sessionsAdded) parts.push(`${formatCount(report.sessionsAdded)} new sessions`);
  if (report.linesSkipped) parts.push(`${formatCount(report.linesSkipped)} bad lines skipped`);
  writeOut(`ingested: ${parts.join(', ')} (${report.durationMs} ms)\n`);
}

/** Reads `{"session_id", "transcript_path"}` from stdin (a Claude Code hook payload). */
function readHookPayload(): string {
  let text: string;
  try {
    text = readFileSync(0, 'utf8');
  } catch {
    throw new UsageError('--hook claude expects the hook payload JSON on stdin');
  }
  let payload: unknown;
  try {
    payload = JSON.parse(text);
  } catch {
    throw new UsageError('--hook claude: stdin is not JSON');
  }
  const path = (payload as { transcript_path?: unknown } | null)?.transcript_path;
  if (typeof path !== 'string' || path.trim() === '') {
    throw new UsageError('--hook claude: the payload has no transcript_path');
  }
  return path;
}

/**
 * A one-line progress bar on stderr, redrawn at most every 100 ms by ingest. Only on a
 * terminal: `undefined` otherwise, so logs and pipes never get carriage returns.
 */
export function progressBar(): { update: (p: IngestProgress) => void; done: () => void } | undefined {
  if (!isTerminal(2)) return undefined;
  let drawn = false;
  return {
    update(p) {
      const frac = p.bytesTotal > 0 ? Math.min(1, p.bytesRead / p.bytesTotal) : 1;
      const width = 30;
      const filled = Math.round(frac * width);
      process.stderr.write(
        `\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${Math.round(frac * 100)}%  ${p.filesDone}/${p.filesTotal} files  ${formatBytes(p.bytesRead)}`,
      );
      drawn = true;
    },
    done() {
      if (drawn) process.stderr.write('\r\u001b[2K');
    },
  };
}
