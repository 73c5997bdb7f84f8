/**
 * `burn`: the relayburn command line. It only parses arguments, calls the public
 * `@relayburn/sdk` API and formats results. Commands come from the table in
 * `commands/index.ts`. Errors print as one `burn: …` line (with a hint where one helps):
 * exit 2 for usage mistakes (bad flags, invalid options), 1 for runtime failures.
 */
import { parseArgs } from 'node:util';
import type { BurnError } from '@relayburn/sdk';
import type { Command, FlagSpec } from './command.js';
import { type Output, printWith, visible } from './output.js';
import { isTerminal, onStreamBuilt, writeOut } from './stdout.js';
import { UsageError } from './usage.js';
import { isVersionOnly, VERSION } from './version.js';

// Loaded on first use, not at start-up (start-up near a bare Node): `burn --version` needs neither the command
// table nor the SDK, and a command named first loads only its own module (`quickCommand`). In the
// bundle (scripts/bundle.mjs) these are lazily evaluated modules.
const commandTable = () => require('./commands/index.js') as typeof import('./commands/index.js');
let table: readonly Command[] | undefined;
function commands(): readonly Command[] {
  table ??= commandTable().allCommands();
  return table;
}
const sdk = () => require('@relayburn/sdk') as typeof import('@relayburn/sdk');

const GLOBAL_FLAGS: Record<string, FlagSpec> = {
  'ledger-home': { type: 'string' },
  json: { type: 'boolean' },
  'no-color': { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean', short: 'v' },
};

function mainHelp(): string {
  const width = Math.max(...commands().map((c) => c.name.length));
  const list = commands()
    .map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`)
    .join('\n');
  return `burn — what your coding agents cost
New here? Try \`burn demo\`: sample sessions in a temporary ledger, and their summary.

Usage: burn <command> [options]

Commands:
${list}

Global options:
  --ledger-home <dir>   ledger directory (default $RELAYBURN_HOME, else ~/.relayburn)
  --json                machine-readable output (every command)
  --no-color            no ANSI colors (also NO_COLOR=1; colors only on a terminal)
  -h, --help            help for burn or a command
  -v, --version         print the version

Environment:
  RELAYBURN_HOME        ledger directory (default ~/.relayburn)
  CLAUDE_CONFIG_DIR     Claude Code config dirs, comma-separated (default ~/.config/claude, ~/.claude)
  CODEX_HOME            Codex CLI homes, comma-separated (default ~/.codex)
  OPENCODE_DATA_DIR     OpenCode data dir (default $XDG_DATA_HOME/opencode, ~/.local/share/opencode)
  GEMINI_CLI_HOME       Gemini CLI home holding .gemini (default ~)
  QWEN_RUNTIME_DIR      Qwen Code data dir (default ~/.qwen)
  PI_CODING_AGENT_DIR   Pi agent dir (default ~/.pi/agent)
  COPILOT_HOME          GitHub Copilot CLI home (default ~/.copilot)
  KIMI_SHARE_DIR        Kimi CLI home (default ~/.kimi); KIMI_CODE_HOME: Kimi Code's (~/.kimi-code)
  GROK_HOME             Grok Build homes, comma-separated (default ~/.grok)
  DROID_SESSIONS_DIR    Factory Droid session dirs, comma-separated (default ~/.factory/sessions)
  GOOSE_PATH_ROOT       Goose root (default Goose's data dir, ~/.local/share/goose)
  CRUSH_GLOBAL_DATA     Crush data dir holding projects.json (default $XDG_DATA_HOME/crush)
  AMP_DATA_DIR          Amp data dirs, comma-separated (default $XDG_DATA_HOME/amp, ~/.local/share/amp)
  KILO_DATA_DIR         Kilo CLI data dirs, comma-separated (default $XDG_DATA_HOME/kilo, ~/.local/share/kilo)
  CLINE_DATA_DIR, ROO_CODE_DATA_DIR, KILO_CODE_DATA_DIR
                        VS Code user dirs for Cline, Roo Code, Kilo Code (default: VS Code, Insiders, Server)
  NO_COLOR              disable colors

Examples:
  burn demo                               # see it work on bundled sample sessions
  burn ingest && burn summary --since 7d
  burn summary --tag persona=reviewer --by model

Run 'burn <command> --help' for a command's options and examples.`;
}

/** `node:util` parseArgs errors, shortened to one line in burn's words. */
function parseArgsMessage(err: unknown, command: string | undefined, argv: readonly string[]): string {
  const message = err instanceof Error ? err.message : String(err);
  const option = /'(--?[^' ]+)/.exec(message)?.[1] ?? '';
  if (/^Unknown option/.test(message))
    return `unknown option '${visible(option)}'${command ? ` for '${command}'` : ''}`;
  if (/argument is ambiguous/.test(message)) {
    // `--since -5d`: the value starts with '-', so parseArgs took it for an option.
    const at = argv.findIndex((a) => a === option || (option.length === 2 && a.startsWith(option)));
    const value = at >= 0 ? argv[at + 1] : undefined;
    if (value !== undefined) {
      const relative = /^-\d+(m|min|h|d|w|mo)$/.test(value)
        ? `; relative times count back from now without a sign: ${option} ${value.slice(1)}`
        : `; pass it as ${option}=${visible(value)} if you mean it`;
      return `option '${option}' got '${visible(value)}', which starts with '-'${relative}`;
    }
  }
  if (/argument is ambiguous|argument missing/.test(message)) return `option '${option}' needs a value`;
  if (/does not take an argument/.test(message)) return `option '${option}' takes no value`;
  return message.split('\n')[0] ?? message;
}

/** Finds the command named by the first one or two positionals. */
function lookup(positionals: readonly string[]): { command: Command; rest: string[] } | undefined {
  const two = positionals.slice(0, 2).join(' ');
  const byTwo = commands().find((c) => c.name === two);
  if (byTwo) return { command: byTwo, rest: positionals.slice(2) };
  const byOne = commands().find((c) => c.name === positionals[0]);
  if (byOne) return { command: byOne, rest: positionals.slice(1) };
  return undefined;
}

/** The first line under `Examples:` in a command's help. */
function firstExample(help: string): string | undefined {
  const lines = help.split('\n');
  const at = lines.indexOf('Examples:');
  return at >= 0 ? lines[at + 1] : undefined;
}

/** Subcommands of a group word (`state` → `state rebuild`). */
function groupOf(word: string): Command[] {
  return commands().filter((c) => c.name.startsWith(`${word} `));
}

function allFlags(): Record<string, FlagSpec> {
  const options: Record<string, FlagSpec> = { ...GLOBAL_FLAGS };
  for (const c of commands()) Object.assign(options, c.flags);
  return options;
}

type Values = Record<string, string | boolean | string[] | undefined>;

function parse(argv: readonly string[], options: Record<string, FlagSpec>, strict: boolean) {
  return parseArgs({ args: [...argv], options, allowPositionals: true, strict }) as {
    values: Values;
    positionals: string[];
  };
}

/**
 * The command named by the first one or two words of `argv`, found without loading the other
 * commands' modules (Node would evaluate each, and the built-ins they import). It gives what the
 * general path would: its first, lenient parse sees the same leading words (nothing before them
 * can take them as a value), so it picks the same command and then parses the same strict way.
 * Help, `--version`, a flag the command does not know or positionals naming another command
 * take the general path, so answers and messages stay the same.
 */
function quickCommand(
  argv: readonly string[],
): { command: Command; values: Values; rest: string[] } | undefined {
  const { COMMAND_LOADERS, loadCommand } = commandTable();
  const names = new Set(COMMAND_LOADERS.map(([n]) => n));
  const name = [argv.slice(0, 2).join(' '), argv[0] ?? ''].find((n) => names.has(n));
  const command = name === undefined ? undefined : loadCommand(name);
  if (!command) return undefined;
  try {
    const { values, positionals } = parse(argv, { ...GLOBAL_FLAGS, ...command.flags }, true);
    if (values.help || values.version) return undefined;
    const two = positionals.slice(0, 2).join(' ');
    const named = names.has(two) ? two : positionals[0];
    if (named !== command.name) return undefined;
    return { command, values, rest: positionals.slice(command.name.split(' ').length) };
  } catch {
    return undefined;
  }
}

export async function main(argv: readonly string[]): Promise<number> {
  if (isVersionOnly(argv)) {
    writeOut(`${VERSION}\n`);
    return 0;
  }
  const quick = quickCommand(argv);
  if (quick) return run(quick.command, quick.values, quick.rest);
  // First find the command (a lenient parse that knows every flag's type), then parse
  // strictly with only the global flags and that command's own.
  let values: Values;
  let positionals: string[];
  try {
    ({ positionals } = parse(argv, allFlags(), false));
    const pre = lookup(positionals[0] === 'help' ? positionals.slice(1) : positionals);
    ({ values, positionals } = parse(argv, { ...GLOBAL_FLAGS, ...pre?.command.flags }, true));
  } catch (err) {
    const pre = lookup(parse(argv, allFlags(), false).positionals);
    return usage(parseArgsMessage(err, pre?.command.name, argv), pre?.command.name);
  }
  if (values.version) {
    process.stdout.write(`${VERSION}\n`);
    return 0;
  }
  // `burn help <command>` is `burn <command> --help`.
  if (positionals[0] === 'help') {
    positionals = positionals.slice(1);
    values.help = true;
  }
  if (positionals.length === 0) {
    process.stdout.write(`${mainHelp()}\n`);
    return values.help ? 0 : 2;
  }
  const found = lookup(positionals);
  if (!found) {
    const word = positionals[0] ?? '';
    const group = groupOf(word);
    if (group.length > 0) {
      const names = group.map((c) => `'burn ${c.name}'`).join(', ');
      if (values.help && positionals.length === 1) {
        const width = Math.max(...group.map((c) => c.name.length));
        process.stdout.write(`Usage: burn ${word} <command>\n\nCommands:\n`);
        for (const c of group) process.stdout.write(`  ${c.name.padEnd(width)}  ${c.summary}\n`);
        const examples = group.map((c) => firstExample(c.help)).filter((e) => e !== undefined);
        if (examples.length > 0) process.stdout.write(`\nExamples:\n${examples.join('\n')}\n`);
        process.stdout.write(`\nRun 'burn ${word} <command> --help' for its options and more examples.\n`);
        return 0;
      }
      const sub = positionals[1];
      return usage(
        sub === undefined
          ? `'${word}' needs a subcommand: ${names}`
          : `unknown command '${word} ${sub}'; try ${names}`,
        word,
      );
    }
    return usage(`unknown command '${word}'`);
  }
  const { command, rest } = found;
  if (values.help) {
    process.stdout.write(`${command.help}\n`);
    return 0;
  }
  return run(command, values, rest);
}

/** Runs a command with its parsed flags and positional arguments. */
async function run(command: Command, values: Values, rest: string[]): Promise<number> {
  const out: Output = {
    json: values.json === true,
    color: values['no-color'] !== true && !process.env.NO_COLOR && isTerminal(1),
  };
  const ledgerHome = typeof values['ledger-home'] === 'string' ? values['ledger-home'] : undefined;
  try {
    return (await command.run({ flags: values, args: rest, out, ledgerHome })) ?? 0;
  } catch (err) {
    return failure(err, command.name);
  }
}

/** One `burn: …` line on stderr; exit 2 for usage mistakes and invalid options, else 1. */
function failure(err: unknown, command: string): number {
  if (err instanceof UsageError) return usage(err.message, command);
  if (err instanceof sdk().BurnError) {
    if (err.code === 'INVALID_ARGUMENT') return usage(asFlag(err, command), command);
    const hint = hintFor(err);
    process.stderr.write(
      `burn: ${visible(withoutFunction(err.message))}${hint ? ` (hint: ${visible(hint)})` : ''}\n`,
    );
    return 1;
  }
  process.stderr.write(
    `burn: unexpected error: ${visible(err instanceof Error ? err.message : String(err))} (hint: this is a bug; please report it)\n`,
  );
  return 1;
}

/** SDK option names as the CLI spells them. */
const FLAG_OF_FIELD: Record<string, string> = {
  groupBy: '--by',
  sessionId: '--session',
  messageId: '--message',
  session: '--session',
  since: '--since',
  until: '--until',
  harness: '--harness',
  model: '--model',
  project: '--project',
  timezone: '--timezone',
  weekStart: '--week-start',
  limit: '--limit',
  ts: '--ts',
  tags: '--tag',
  enrichment: 'label',
  ledgerHome: '--ledger-home',
  contentMode: '--content-mode',
  olderThanDays: '--days',
  // Budgets.
  limitUsd: '--limit',
  period: '--period',
  warn: '--warn',
  name: '<name>',
  // Analyses.
  by: '--by',
  models: '--model',
};

/** Fields whose CLI spelling depends on the command. */
const FLAG_OF_FIELD_IN: Record<string, Record<string, string>> = {
  'stamps export': { path: '--out' },
  'stamps import': { path: '<file>' },
  ingest: { sessionFile: 'transcript_path' },
};

/** The SDK's function names (its messages start with one): never shown to CLI users. */
function sdkFunctions(): Set<string> {
  return new Set(
    Object.entries(sdk())
      .filter(([, v]) => typeof v === 'function')
      .map(([k]) => k),
  );
}

/** `summary: …` → `…`: the SDK function is an implementation detail of the command. */
function withoutFunction(message: string): string {
  const m = /^(\w+): /.exec(message);
  return m?.[1] !== undefined && sdkFunctions().has(m[1]) ? message.slice(m[0].length) : message;
}

/** `summary: groupBy: must be …` → `--by: must be …` (the flag the user typed). */
function asFlag(err: BurnError, command: string): string {
  const message = visible(withoutFunction(err.message));
  if (err.field === undefined) return message;
  const head = err.field.split('.')[0] ?? '';
  const flag = FLAG_OF_FIELD_IN[command]?.[head] ?? FLAG_OF_FIELD[head];
  if (!flag) return message;
  const prefix = new RegExp(`^${err.field.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: `);
  return prefix.test(message) ? message.replace(prefix, `${flag}: `) : message;
}

/** A failed write for want of space, whatever layer reported it. */
function isDiskFull(message: string): boolean {
  return /ENOSPC|no space left|disk is full|disk full|SQLITE_FULL/i.test(message);
}

/** The hint after a runtime error's message (exported for tests). */
export function hintFor(err: Pick<BurnError, 'code' | 'message' | 'path'>): string | undefined {
  switch (err.code) {
    case 'SCHEMA_TOO_NEW':
      return 'this ledger was written by a newer relayburn; upgrade @relayburn/cli';
    case 'LEDGER_CORRUPT':
      return `move ${err.path ?? 'the ledger'} aside (or use --ledger-home) and run 'burn ingest' to re-create it from the logs`;
    case 'LEDGER_BUSY':
      return 'another process held the ledger for 30 s; retry shortly';
    case 'IO':
      if (isDiskFull(err.message))
        return `the disk is full: free some space on the device holding ${err.path ?? 'the ledger'} and retry`;
      return err.path ? `check that ${err.path} exists and is readable/writable` : undefined;
    case 'UNSUPPORTED_PLATFORM':
      return 'no prebuilt binary for this platform; build from source (npm install in the repo)';
    case 'INTERNAL':
      return 'this is a bug; please report it';
    default:
      return undefined;
  }
}

function usage(message: string, command?: string): number {
  const help = command ? `burn ${command} --help` : 'burn --help';
  process.stderr.write(`burn: ${visible(message)} (see '${help}')\n`);
  return 2;
}

/**
 * Standard output closed early (`burn … | head`: EPIPE) ends the run quietly; any other write
 * failure (a full disk, `>/dev/full`) is one `burn:` line and exit 1 — never a stack trace.
 * The handlers are attached when a stream is built (most runs print with `writeOut` alone).
 */
function guardOutput(): void {
  printWith(writeOut);
  onStreamBuilt((stream, s) =>
    s.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EPIPE' || stream === 'stderr') process.exit(0);
      const reason = err.code === 'ENOSPC' ? 'no space left on the device' : (err.code ?? err.message);
      try {
        process.stderr.write(`burn: cannot write to standard output: ${reason}\n`);
      } finally {
        process.exit(1);
      }
    }),
  );
}

/** Runs `burn` with these arguments as the process's command (dist/main.js calls it). */
export function start(argv: readonly string[]): void {
  guardOutput();
  main(argv).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      process.stderr.write(
        `burn: unexpected error: ${visible(err instanceof Error ? err.message : String(err))}\n`,
      );
      process.exitCode = 1;
    },
  );
}
