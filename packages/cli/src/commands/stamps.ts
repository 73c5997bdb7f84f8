import { createReadStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { exportStamps, importStamps } from '@relayburn/sdk';
import { type Command, str } from '../command.js';
import { formatCount, type Output, printFields, printJson } from '../output.js';
import { UsageError } from '../usage.js';

const exportHelp = `Usage: burn stamps export [--out <file>]

Write every stamp (id, time, write order, labels) as JSONL, to <file> or standard output.
Stamps are the one thing the logs cannot give back: keep a copy, or carry them to another ledger.
Budgets ('burn budget') are written too, one line each after the stamps.

Options:
  --out <file>   write the export to <file> (atomically) instead of standard output

Examples:
  burn stamps export --out stamps.jsonl
  burn stamps export > stamps.jsonl`;

const importHelp = `Usage: burn stamps import <file>

Read stamps from a JSONL file made by 'burn stamps export'. Ids, times and order are kept;
stamps the ledger already has are skipped, so importing twice changes nothing. A bad line
refuses the whole file (nothing is written) and names the line.

Examples:
  burn stamps import stamps.jsonl
  burn stamps import stamps.jsonl --ledger-home /tmp/other-ledger`;

export const stampsExportCommand: Command = {
  name: 'stamps export',
  summary: 'write every stamp as JSONL (burn stamps export --out f)',
  help: exportHelp,
  flags: { out: { type: 'string' } },
  async run(ctx) {
    if (ctx.args.length > 0) throw new UsageError(`stamps export takes no arguments, got '${ctx.args[0]}'`);
    await runExport({ out: str(ctx, 'out'), ledgerHome: ctx.ledgerHome }, ctx.out);
    return 0;
  },
};

export const stampsImportCommand: Command = {
  name: 'stamps import',
  summary: 'add stamps from a JSONL export (idempotent)',
  help: importHelp,
  async run(ctx) {
    if (ctx.args.length !== 1)
      throw new UsageError('stamps import needs one file: burn stamps import <file>');
    const result = await importStamps({ path: ctx.args[0] as string, ledgerHome: ctx.ledgerHome });
    if (ctx.out.json) {
      printJson(result);
      return 0;
    }
    printFields([
      ['imported', formatCount(result.imported)],
      ['already present', formatCount(result.skipped)],
      // Budgets travel in the same file.
      ...(result.budgetsImported + result.budgetsSkipped > 0
        ? ([
            [
              'budgets imported',
              `${formatCount(result.budgetsImported)} (${formatCount(result.budgetsSkipped)} unchanged)`,
            ],
          ] as const)
        : []),
    ]);
    return 0;
  },
};

interface ExportArgs {
  out?: string | undefined;
  ledgerHome?: string | undefined;
}

async function runExport(args: ExportArgs, out: Output): Promise<void> {
  if (args.out !== undefined) {
    const result = await exportStamps({ path: args.out, ledgerHome: args.ledgerHome });
    if (out.json) {
      printJson(result);
      return;
    }
    printFields([
      [
        'exported',
        `${formatCount(result.stamps)} stamps${result.budgets > 0 ? `, ${formatCount(result.budgets)} budgets` : ''}`,
      ],
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
