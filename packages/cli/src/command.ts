/**
 * The shape of one `burn` command. `main.ts` dispatches through the table in
 * `commands/index.ts`: adding a command is one module exporting a `Command` and one line there.
 */
import type { Output } from './output.js';

/** A flag as `node:util` `parseArgs` takes it. */
export interface FlagSpec {
  type: 'string' | 'boolean';
  short?: string;
  multiple?: boolean;
}

/** What a command's `run` gets: its flags (global ones included), positionals and output. */
export interface Context {
  /** Parsed flags; only the command's own and the global ones can be present. */
  flags: Record<string, string | boolean | string[] | undefined>;
  /** Positionals after the command name (for `state rebuild`, after both words). */
  args: string[];
  out: Output;
  /** `--ledger-home`, if given (else the SDK uses `RELAYBURN_HOME`, then `~/.relayburn`). */
  ledgerHome: string | undefined;
}

export interface Command {
  /** One or two words: `summary`, `state rebuild`. */
  name: string;
  /** One line for `burn --help`. */
  summary: string;
  /** Full help: usage, description, options and at least one example. */
  help: string;
  /** Flags besides the global ones. */
  flags?: Record<string, FlagSpec>;
  /** Runs the command; a returned number is the exit code (default 0). */
  run(ctx: Context): Promise<number | undefined>;
}

/** Reads a string flag. */
export function str(ctx: Context, name: string): string | undefined {
  const v = ctx.flags[name];
  return typeof v === 'string' ? v : undefined;
}

/** Reads a boolean flag. */
export function bool(ctx: Context, name: string): boolean {
  return ctx.flags[name] === true;
}

/** Reads a repeatable string flag. */
export function list(ctx: Context, name: string): string[] | undefined {
  const v = ctx.flags[name];
  return Array.isArray(v) ? v : undefined;
}
