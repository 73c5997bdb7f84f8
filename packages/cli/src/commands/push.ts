import { type PushReport, push } from '@relayburn/sdk';
import { type Command, str } from '../command.js';
import { formatCount, type Output, printJson } from '../output.js';
import { UsageError } from '../usage.js';

const pushHelp = `Usage: burn push [--server <url>] [--token <t>] [--projects name|full|hash|none] [--json]

Send this ledger's new and changed turns, sessions and stamps to a team server
(relayburn-server), in order, in batches the server acknowledges. An interrupted push
resumes where it stopped; pushing again sends nothing new. Network errors and busy
servers are retried with backoff.

Nothing you or a model wrote is sent: no content, prompts, titles, tool calls or
arguments. Projects are sent as their last path segment unless --projects (or
push.projects in config.json) says full, hash or none.

Options:
  --server <url>    the team server (else $RELAYBURN_SERVER, else push.server in config.json)
  --token <t>       this device's token (else $RELAYBURN_TOKEN, else push.token)
  --projects <m>    name (default), full, hash or none
  --json            print the push report as JSON

Examples:
  burn push --server https://burn.example.com --token rbt_…
  RELAYBURN_SERVER=https://burn.example.com RELAYBURN_TOKEN=rbt_… burn push
  burn ingest --watch --push`;

export const pushCommand: Command = {
  name: 'push',
  summary: 'send new turns, sessions and stamps to a team server',
  help: pushHelp,
  flags: {
    server: { type: 'string' },
    token: { type: 'string' },
    projects: { type: 'string' },
  },
  async run(ctx) {
    if (ctx.args.length > 0) throw new UsageError(`push takes no arguments, got '${ctx.args[0]}'`);
    const report = await push({
      server: str(ctx, 'server'),
      token: str(ctx, 'token'),
      projects: str(ctx, 'projects') as 'name' | 'full' | 'hash' | 'none' | undefined,
      ledgerHome: ctx.ledgerHome,
    });
    printPush(report, ctx.out);
    return 0;
  },
};

export function printPush(r: PushReport, out: Output): void {
  if (out.json) {
    printJson(r);
    return;
  }
  process.stdout.write(
    r.batches === 0
      ? `${r.server}: nothing new to push\n`
      : `${r.server}: pushed ${formatCount(r.turns)} turns, ${formatCount(r.sessions)} sessions, ${formatCount(r.stamps)} stamps in ${r.batches} batch${r.batches === 1 ? '' : 'es'} (${(r.durationMs / 1000).toFixed(1)} s)\n`,
  );
}
