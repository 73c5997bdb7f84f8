import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ingest, status, summary, type WriteStampOptions, writeStamp } from '@relayburn/sdk';
import { bool, type Command } from '../command.js';
import { bold, formatCount, printJson } from '../output.js';
import { UsageError } from '../usage.js';
import { printSummary } from './summary.js';

/** Sample logs shipped in the package: `samples/` next to `dist/` (this code runs from the bundle, `dist/main.js`). */
export const SAMPLES_DIR = join(__dirname, '..', 'samples');

const demoHelp = `Usage: burn demo [--keep] [--json]

See relayburn work without any agent logs of your own: ingest the sample sessions shipped
with burn (a Claude Code session with a subagent, a Codex CLI rollout and an OpenCode
session, plus a few stamps) into a temporary ledger, and print what they cost by model
and by persona tag. Reads nothing from your home directory and needs no network.

Options:
  --keep                 keep the demo ledger and print where it is, to explore it with
                         other commands (--ledger-home <dir>)
  --ledger-home <dir>    put the demo ledger there (kept); it must be new or empty
  --json                 print {ledgerHome, ingest, byModel, byTag} as JSON

Examples:
  burn demo
  burn demo --keep
  burn demo --json`;

interface SampleStamp {
  sessionId: string;
  enrichment: Record<string, string>;
  ts: string;
}

export const demoCommand: Command = {
  name: 'demo',
  summary: 'ingest bundled sample sessions into a temporary ledger and show the summary',
  help: demoHelp,
  flags: { keep: { type: 'boolean' } },
  async run(ctx) {
    if (ctx.args.length > 0) throw new UsageError(`demo takes no arguments, got '${ctx.args[0]}'`);
    const keep = bool(ctx, 'keep') || ctx.ledgerHome !== undefined;
    if (ctx.ledgerHome !== undefined) {
      // Never mix sample sessions into a real ledger.
      const s = await status({ ledgerHome: ctx.ledgerHome });
      if (s.turns > 0 || s.stamps > 0) {
        throw new UsageError(
          `demo needs a new or empty --ledger-home; ${ctx.ledgerHome} already holds a ledger`,
        );
      }
    }
    const ledgerHome = ctx.ledgerHome ?? mkdtempSync(join(tmpdir(), 'relayburn-demo-'));
    try {
      const report = await ingest({
        ledgerHome,
        // Only the harnesses with samples: nothing of the user's own logs is read.
        harnesses: ['claude-code', 'codex', 'opencode'],
        roots: {
          'claude-code': [join(SAMPLES_DIR, 'claude')],
          codex: [join(SAMPLES_DIR, 'codex')],
          opencode: [join(SAMPLES_DIR, 'opencode')],
        },
      });
      const stamps = JSON.parse(readFileSync(join(SAMPLES_DIR, 'stamps.json'), 'utf8')) as SampleStamp[];
      for (const s of stamps) await writeStamp({ ...s, ledgerHome } satisfies WriteStampOptions);
      const byModel = await summary({ ledgerHome, groupBy: 'model' });
      const byTag = await summary({ ledgerHome, groupBy: 'tag:persona' });
      if (ctx.out.json) {
        printJson({ ledgerHome: keep ? ledgerHome : null, ingest: report, byModel, byTag });
        return 0;
      }
      const out = ctx.out;
      process.stdout.write(
        `${bold(out, 'relayburn demo')}: ${formatCount(report.sessionsAdded)} sample sessions ` +
          `(Claude Code with a subagent, Codex CLI, OpenCode), ${formatCount(report.turnsAdded)} API calls, ` +
          `${formatCount(stamps.length)} stamps\n\n`,
      );
      printSummary(byModel, 'model', out);
      process.stdout.write('\n');
      printSummary(byTag, 'tag:persona', out);
      process.stdout.write(
        `\nEach API call is counted once with its final usage; a stamp labels its session's whole\n` +
          `tree (the reviewer's subagent counts under reviewer).\n\n`,
      );
      if (keep) {
        process.stdout.write(
          `The demo ledger is kept in ${ledgerHome}:\n` +
            `  burn sessions --ledger-home ${ledgerHome}\n` +
            `  burn summary --by harness --ledger-home ${ledgerHome}\n\n`,
        );
      }
      process.stdout.write(
        'Your own spend:\n  burn ingest                 # read the logs of every agent relayburn knows\n' +
          '  burn summary --since 7d     # what the last week cost, by model\n',
      );
      return 0;
    } finally {
      // Best effort: on Windows the pooled SQLite connection may still hold the file open.
      if (!keep) {
        try {
          rmSync(ledgerHome, { recursive: true, force: true, maxRetries: 3 });
        } catch {
          // a leftover temporary directory is harmless
        }
      }
    }
  },
};
