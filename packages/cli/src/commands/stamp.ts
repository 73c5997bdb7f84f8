import { writeStamp } from '@relayburn/sdk';
import { type Command, str } from '../command.js';
import { type Output, printFields, printJson } from '../output.js';
import { parsePairs, UsageError } from '../usage.js';

const stampHelp = `Usage: burn stamp --session <id> [--message <id>] [--ts <iso>] key=value...

Label a session (or one message) so its spend can be queried by label.
Labels apply to turns already ingested and to turns ingested later.

Options:
  --session <id>   session id to label (e.g. the id given to claude --session-id)
  --message <id>   message id to label
  --ts <iso>       when the labels take effect (ISO-8601 with offset; default now)

Examples:
  burn stamp --session 3f2a9c1e-7d4b-4e8a-9c1f-2b7d4e8a9c1f spawner=pear persona=reviewer
  burn stamp --session 3f2a... workflowId=wf-42 --json`;

export const stampCommand: Command = {
  name: 'stamp',
  summary: 'label a session or message (burn stamp --session <id> k=v...)',
  help: stampHelp,
  flags: {
    session: { type: 'string' },
    message: { type: 'string' },
    ts: { type: 'string' },
  },
  async run(ctx) {
    await runStamp(
      {
        session: str(ctx, 'session'),
        message: str(ctx, 'message'),
        ts: str(ctx, 'ts'),
        pairs: ctx.args,
        ledgerHome: ctx.ledgerHome,
      },
      ctx.out,
    );
    return 0;
  },
};

export interface StampArgs {
  session?: string | undefined;
  message?: string | undefined;
  ts?: string | undefined;
  pairs: string[];
  ledgerHome?: string | undefined;
}

export async function runStamp(args: StampArgs, out: Output): Promise<void> {
  if (args.session === undefined && args.message === undefined) {
    throw new UsageError('stamp needs --session <id> or --message <id>');
  }
  if (args.pairs.length === 0) throw new UsageError('stamp needs at least one key=value label');
  const enrichment = parsePairs(args.pairs, 'a label');
  const receipt = await writeStamp({
    sessionId: args.session,
    messageId: args.message,
    enrichment,
    ts: args.ts,
    ledgerHome: args.ledgerHome,
  });
  if (out.json) {
    printJson(receipt);
    return;
  }
  const target = args.session !== undefined ? `session ${args.session}` : `message ${args.message}`;
  printFields([
    ['stamped', target],
    [
      'labels',
      Object.entries(enrichment)
        .map(([k, v]) => `${k}=${v}`)
        .join(' '),
    ],
    ['ts', receipt.ts],
    ['id', receipt.id],
  ]);
}
