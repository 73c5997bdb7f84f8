import { createReadStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { exportStamps, importStamps } from '@relayburn/sdk';
import { formatCount, type Output, printFields, printJson } from '../output.js';
import { UsageError } from '../usage.js';

export const stampsHelp = `Usage: burn stamps export [--out <file>]
       burn stamps import <file>

Carry stamps (the labels you wrote; they cannot be re-derived from logs) to another ledger.
The file is JSONL, one stamp per line with its id, time and order; importing keeps them,
and skips stamps the ledger already has, so importing twice changes nothing.

Options:
  --out <file>   write the export to <file> (atomically) instead of standard output

Examples:
  burn stamps export --out stamps.jsonl
  burn stamps import stamps.jsonl --ledger-home /tmp/other-ledger`;

export interface StampsArgs {
  words: string[];
  out?: string | undefined;
  ledgerHome?: string | undefined;
}

export async function runStamps(args: StampsArgs, out: Output): Promise<void> {
  const [action, ...rest] = args.words;
  if (action === 'export') {
    if (rest.length > 0) throw new UsageError(`stamps export takes no arguments, got '${rest[0]}'`);
    await runExport(args, out);
  } else if (action === 'import') {
    if (args.out !== undefined) throw new UsageError(`option '--out' does not apply to 'stamps import'`);
    if (rest.length !== 1) throw new UsageError('stamps import needs one file: burn stamps import <file>');
    const result = await importStamps({ path: rest[0] as string, ledgerHome: args.ledgerHome });
    if (out.json) {
      printJson(result);
      return;
    }
    printFields([
      ['imported', formatCount(result.imported)],
      ['already present', formatCount(result.skipped)],
    ]);
  } else {
    throw new UsageError(
      action === undefined ? 'stamps needs export or import' : `unknown stamps action '${action}'`,
    );
  }
}

async function runExport(args: StampsArgs, out: Output): Promise<void> {
  if (args.out !== undefined) {
    const result = await exportStamps({ path: args.out, ledgerHome: args.ledgerHome });
    if (out.json) {
      printJson(result);
      return;
    }
    printFields([
      ['exported', `${formatCount(result.stamps)} stamps`],
      ['to', result.path],
    ]);
    return;
  }
  // Standard output: export to a private temporary file, then copy it out (the file format
  // is the SDK's, never re-implemented here).
  const dir = mkdtempSync(join(tmpdir(), 'burn-stamps-'));
  try {
    const { path } = await exportStamps({ path: join(dir, 'stamps.jsonl'), ledgerHome: args.ledgerHome });
    await pipeline(createReadStream(path), process.stdout, { end: false });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
