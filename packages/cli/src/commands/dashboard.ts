import { spawn } from 'node:child_process';
import { status } from '@relayburn/sdk';
import { bool, type Command, str } from '../command.js';
import { printJson } from '../output.js';
import { UsageError } from '../usage.js';

const dashboardHelp = `Usage: burn dashboard [--port <n>] [--host <addr>] [--open] [--json]

Serves a read-only web page over the ledger: spend per day stacked by model, harness,
project or a tag, the window's totals against the previous window, top session trees,
one session's turns, tools and subagents, spend by tag, unpriced models. Filters live in
the page's URL, so a view can be shared. The page refreshes when the ledger changes (run
'burn ingest --watch' beside it). Ctrl-C stops it.

The page calls a JSON API on the same port (GET /v1/summary, /v1/sessions,
/v1/session/<id>; query parameters named like the SDK options), the same as
relayburn-server's.

Options:
  --port <n>     port to listen on (default: a free one)
  --host <addr>  address to listen on (default 127.0.0.1; the page has no login,
                 so anyone who can reach the address can read your ledger)
  --open         open the page in the default browser
  --json         print {url} as JSON instead of a line

Examples:
  burn dashboard
  burn dashboard --port 8377 --open`;

/** Opens `url` in the desktop's browser; a missing opener is not an error (the URL is printed). */
function openBrowser(url: string): void {
  const [cmd, args] =
    process.platform === 'darwin'
      ? ['open', [url]]
      : process.platform === 'win32'
        ? ['cmd', ['/c', 'start', '', url]]
        : ['xdg-open', [url]];
  const child = spawn(cmd, args, { stdio: 'ignore', detached: true });
  child.on('error', () => process.stderr.write(`burn: could not open a browser; visit ${url}\n`));
  child.unref();
}

export const dashboardCommand: Command = {
  name: 'dashboard',
  summary: 'a web page over the ledger: spend per day, sessions, tags',
  help: dashboardHelp,
  flags: {
    port: { type: 'string' },
    host: { type: 'string' },
    open: { type: 'boolean' },
  },
  async run(ctx) {
    if (ctx.args.length > 0) throw new UsageError(`dashboard takes no arguments, got '${ctx.args[0]}'`);
    const portText = str(ctx, 'port') ?? '0';
    const port = /^\d{1,5}$/.test(portText) ? Number(portText) : Number.NaN;
    if (!(port >= 0 && port <= 65535)) throw new UsageError(`--port must be 0 to 65535, got '${portText}'`);
    const host = str(ctx, 'host') ?? '127.0.0.1';
    if (host.trim() === '') throw new UsageError('--host must not be empty');
    const { assets, contentSecurityPolicy, securityHeaders } =
      require('@relayburn/dashboard') as typeof import('@relayburn/dashboard');
    const { createDashboard } = await import('../dashboard/server.js');
    const { ledgerPath } = await status(ctx.ledgerHome === undefined ? {} : { ledgerHome: ctx.ledgerHome });
    const dash = createDashboard({
      assets: assets(),
      csp: contentSecurityPolicy(),
      security: securityHeaders,
      ledgerHome: ctx.ledgerHome,
      ledgerPath,
      hosts: [host],
    });
    await new Promise<void>((resolve, reject) => {
      dash.server.once('error', reject);
      dash.server.listen(port, host, () => resolve());
    }).catch((err: NodeJS.ErrnoException) => {
      throw new UsageError(`cannot listen on ${host}:${port}: ${err.code ?? err.message}`);
    });
    const address = dash.server.address();
    const bound = typeof address === 'object' && address ? address.port : port;
    const url = `http://${host.includes(':') ? `[${host}]` : host}:${bound}/`;
    if (ctx.out.json) printJson({ url });
    else process.stdout.write(`burn dashboard: ${url}  (Ctrl-C to stop)\n`);
    if (bool(ctx, 'open')) openBrowser(url);
    await new Promise<void>((resolve) => {
      const stop = () => {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
        void dash.close().then(resolve);
      };
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
    });
    return 0;
  },
};
