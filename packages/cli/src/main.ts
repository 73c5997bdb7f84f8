#!/usr/bin/env node
/**
 * `burn`: the relayburn command line. It only parses arguments, calls the public
 * `@relayburn/sdk` API and formats results. Errors print as one `burn: …` line:
 * exit 2 for usage mistakes (bad flags, invalid options), 1 for runtime failures.
 */
import { parseArgs } from 'node:util';
import { BurnError } from '@relayburn/sdk';
import { contentHelp, runContent } from './commands/content.js';
import { ingestHelp, runIngest } from './commands/ingest.js';
import { runSession, runSessions, sessionHelp, sessionsHelp } from './commands/sessions.js';
import { runStamp, stampHelp } from './commands/stamp.js';
import { runStatus, statusHelp } from './commands/status.js';
import { runSummary, summaryHelp } from './commands/summary.js';
import type { Output } from './output.js';
import { UsageError } from './usage.js';

const VERSION: string = (require('../package.json') as { version: string }).version;

const mainHelp = `burn — what your coding agents cost

Usage: burn <command> [options]

Commands:
  ingest    read new session-log bytes into the ledger
  summary   token totals and cost, by model, provider, project, day, tool, tag…
  sessions  sessions, newest first
  session   one session in detail (--content: its stored conversation)
  stamp     label a session or message (burn stamp --session <id> k=v...)
  content   the content store: burn content prune --days <n|forever>
  status    where the ledger is and what it holds

Global options:
  --ledger-home <dir>   ledger directory (default $RELAYBURN_HOME, else ~/.relayburn)
  --json                machine-readable output
  --no-color            no ANSI colors (also NO_COLOR=1)
  -h, --help            help for burn or a command
  -v, --version         print the version

Run 'burn <command> --help' for a command's options and examples.`;

const HELP: Record<string, string> = {
  ingest: ingestHelp,
  summary: summaryHelp,
  sessions: sessionsHelp,
  session: sessionHelp,
  stamp: stampHelp,
  content: contentHelp,
  status: statusHelp,
};

const OPTIONS = {
  'ledger-home': { type: 'string' },
  json: { type: 'boolean' },
  'no-color': { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean', short: 'v' },
  session: { type: 'string' },
  message: { type: 'string' },
  ts: { type: 'string' },
  hook: { type: 'string' },
  watch: { type: 'boolean' },
  quiet: { type: 'boolean', short: 'q' },
  since: { type: 'string' },
  until: { type: 'string' },
  by: { type: 'string' },
  harness: { type: 'string' },
  model: { type: 'string' },
  project: { type: 'string' },
  limit: { type: 'string' },
  tag: { type: 'string', multiple: true },
  tags: { type: 'string', multiple: true },
  timezone: { type: 'string' },
  content: { type: 'boolean' },
  days: { type: 'string' },
  'content-mode': { type: 'string' },
} as const;

/** Flags each command accepts besides the global ones. */
const COMMAND_FLAGS: Record<string, readonly string[]> = {
  ingest: ['hook', 'quiet', 'watch', 'content-mode'],
  summary: ['since', 'until', 'by', 'harness', 'session', 'model', 'project', 'tag', 'tags', 'timezone'],
  sessions: ['since', 'until', 'harness', 'project', 'limit', 'tag', 'tags'],
  session: ['content'],
  stamp: ['session', 'message', 'ts'],
  content: ['days'],
  status: [],
};
const GLOBAL_FLAGS = ['ledger-home', 'json', 'no-color', 'help', 'version'];

export async function main(argv: readonly string[]): Promise<number> {
  let parsed: ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true }>>;
  try {
    parsed = parseArgs({ args: [...argv], options: OPTIONS, allowPositionals: true, strict: true });
  } catch (err) {
    return usage(err instanceof Error ? err.message : String(err));
  }
  const { values, positionals } = parsed;
  const [command, ...rest] = positionals;
  if (values.version) {
    process.stdout.write(`${VERSION}\n`);
    return 0;
  }
  if (command === undefined) {
    process.stdout.write(`${mainHelp}\n`);
    return values.help ? 0 : 2;
  }
  const allowed = COMMAND_FLAGS[command];
  if (allowed === undefined) return usage(`unknown command '${command}'`);
  if (values.help) {
    process.stdout.write(`${HELP[command]}\n`);
    return 0;
  }
  for (const flag of Object.keys(values)) {
    if (!GLOBAL_FLAGS.includes(flag) && !allowed.includes(flag)) {
      return usage(`option '--${flag}' does not apply to '${command}'`, command);
    }
  }
  const out: Output = {
    json: values.json === true,
    color: process.stdout.isTTY === true && values['no-color'] !== true && !process.env.NO_COLOR,
  };
  const ledgerHome = values['ledger-home'];
  try {
    const noArgs = () => {
      if (rest.length > 0) throw new UsageError(`${command} takes no arguments, got '${rest[0]}'`);
    };
    switch (command) {
      case 'ingest':
        noArgs();
        await runIngest(
          {
            watch: values.watch === true,
            hook: values.hook,
            quiet: values.quiet === true,
            contentMode: values['content-mode'],
            ledgerHome,
          },
          out,
        );
        break;
      case 'summary':
        noArgs();
        await runSummary({ ...values, ledgerHome }, out);
        break;
      case 'sessions':
        noArgs();
        await runSessions({ ...values, ledgerHome }, out);
        break;
      case 'session':
        if (rest.length > 1) throw new UsageError(`session takes one id, got ${rest.length}`);
        return (await runSession(rest[0], ledgerHome, out, values.content === true)) ? 0 : 1;
      case 'content':
        await runContent(rest, values.days, ledgerHome, out);
        break;
      case 'stamp':
        await runStamp(
          { session: values.session, message: values.message, ts: values.ts, pairs: rest, ledgerHome },
          out,
        );
        break;
      case 'status':
        noArgs();
        await runStatus(ledgerHome, out);
        break;
    }
    return 0;
  } catch (err) {
    if (err instanceof UsageError) return usage(err.message, command);
    if (err instanceof BurnError) {
      process.stderr.write(`burn: ${err.message}\n`);
      if (err.code === 'INVALID_ARGUMENT') return 2;
      const hint = HINTS[err.code];
      if (hint) process.stderr.write(`hint: ${hint}\n`);
      return 1;
    }
    process.stderr.write(`burn: unexpected error: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
}

const HINTS: Partial<Record<string, string>> = {
  SCHEMA_TOO_NEW: 'this ledger was written by a newer relayburn; upgrade @relayburn/cli',
  LEDGER_CORRUPT: 'move the ledger aside (or point --ledger-home elsewhere) and re-ingest',
  LEDGER_BUSY: 'another burn process is holding the ledger; retry shortly',
  UNSUPPORTED_PLATFORM: 'no prebuilt binary for this platform; build from source (npm install in the repo)',
};

function usage(message: string, command?: string): number {
  const help = command ? `burn ${command} --help` : 'burn --help';
  process.stderr.write(`burn: ${message} (see '${help}')\n`);
  return 2;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      process.stderr.write(`burn: unexpected error: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exitCode = 1;
    },
  );
}
