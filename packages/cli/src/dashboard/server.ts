/**
 * The HTTP side of `burn dashboard` (Node's `http`): the page's static files, the JSON API
 * (each endpoint one SDK call, its result sent as JSON) and `/v1/events`, server-sent
 * events when the ledger file changes. Read-only: GET only.
 */
import { statSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { BurnError, session, sessions, summary } from '@relayburn/sdk';
import { optionsFrom } from './params.js';

export interface DashboardOptions {
  /** The page's files by URL path (`@relayburn/dashboard`'s `assets()`). */
  assets: ReadonlyMap<string, { body: Buffer; type: string }>;
  /** The page's `Content-Security-Policy` (`@relayburn/dashboard`'s `contentSecurityPolicy()`). */
  csp: string;
  /** Headers every answer carries (`@relayburn/dashboard`'s `securityHeaders`). */
  security: Readonly<Record<string, string>>;
  ledgerHome: string | undefined;
  /** `ledger.sqlite`: watched for changes. */
  ledgerPath: string;
  /** How often the ledger file is checked for changes, in ms. */
  pollMs?: number;
  /**
   * Host names the page may be asked by (the bound host, and the loopback names): a request
   * for any other name is refused, so a web page that rebinds its DNS name to this machine
   * cannot read the ledger.
   */
  hosts: readonly string[];
}

/** HTTP status of an SDK error: the caller's mistake is 400, anything else 500. */
function statusOf(err: unknown): number {
  return err instanceof BurnError && err.code === 'INVALID_ARGUMENT' ? 400 : 500;
}

/**
 * Sends `body` as JSON. With `since` (when the request was taken up, `performance.now()`), a
 * `Server-Timing` header says where its time went: the SDK call and the JSON text (the page's
 * Resource Timing shows them beside the network times).
 */
function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  since?: number,
  sdkDone?: number,
): void {
  const text = JSON.stringify(body);
  const timing =
    since === undefined || sdkDone === undefined
      ? {}
      : {
          'server-timing': `sdk;dur=${(sdkDone - since).toFixed(1)}, json;dur=${(performance.now() - sdkDone).toFixed(1)}`,
        };
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'cache-control': 'no-store',
    'x-relayburn-source': 'local',
    ...timing,
  });
  res.end(text);
}

function sendError(res: ServerResponse, err: unknown): void {
  const e = err instanceof BurnError ? err : undefined;
  sendJson(res, statusOf(err), {
    code: e?.code ?? 'INTERNAL',
    message: err instanceof Error ? err.message : String(err),
    ...(e?.field ? { field: e.field } : {}),
  });
}

export interface Dashboard {
  server: Server;
  /** Stops watching, ends the event streams and closes the server. */
  close(): Promise<void>;
}

export function createDashboard(o: DashboardOptions): Dashboard {
  const assets = o.assets;
  const lh = o.ledgerHome === undefined ? {} : { ledgerHome: o.ledgerHome };
  const streams = new Set<ServerResponse>();
  const hosts = new Set([
    'localhost',
    '127.0.0.1',
    '[::1]',
    ...o.hosts.map((h) => (h.includes(':') ? `[${h}]` : h)),
  ]);
  const hostAllowed = (header: string | undefined) => {
    if (header === undefined) return false;
    const name = header.startsWith('[') ? header.slice(0, header.indexOf(']') + 1) : header.split(':')[0];
    return name !== undefined && hosts.has(name.toLowerCase());
  };

  const api = async (path: string, query: URLSearchParams, res: ServerResponse) => {
    const since = performance.now();
    if (path === '/v1/summary') {
      const result = await summary({ ...optionsFrom('summary', query), ...lh });
      return sendJson(res, 200, result, since, performance.now());
    }
    if (path === '/v1/sessions') {
      const result = await sessions({ ...optionsFrom('sessions', query), ...lh });
      return sendJson(res, 200, result, since, performance.now());
    }
    if (path.startsWith('/v1/session/')) {
      const id = decodeURIComponent(path.slice('/v1/session/'.length));
      const extra = [...query.keys()][0];
      if (extra !== undefined)
        throw new BurnError('INVALID_ARGUMENT', `${extra}: unknown parameter`, { field: extra });
      const detail = await session({ sessionId: id, ...lh });
      if (detail === null)
        return sendJson(res, 404, {
          code: 'NOT_FOUND',
          message: `no session '${id}' in the ledger`,
        });
      return sendJson(res, 200, detail, since, performance.now());
    }
    return sendJson(res, 404, { code: 'NOT_FOUND', message: `no endpoint ${path}` });
  };

  const events = (req: IncomingMessage, res: ServerResponse) => {
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      connection: 'keep-alive',
      'x-relayburn-source': 'local',
    });
    res.write('retry: 2000\n\n');
    streams.add(res);
    req.on('close', () => streams.delete(res));
  };

  const server = createServer((req, res) => {
    // Every answer (page, API, events, errors): `writeHead` adds its own headers to these.
    for (const [name, value] of Object.entries(o.security)) res.setHeader(name, value);
    const url = new URL(req.url ?? '/', 'http://dashboard');
    if (!hostAllowed(req.headers.host)) {
      return sendJson(res, 403, { code: 'FORBIDDEN', message: 'unexpected Host header' });
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('allow', 'GET, HEAD');
      return sendJson(res, 405, {
        code: 'METHOD_NOT_ALLOWED',
        message: 'the dashboard is read-only',
      });
    }
    if (url.pathname === '/v1/events') return events(req, res);
    if (url.pathname.startsWith('/v1/')) {
      api(url.pathname, url.searchParams, res).catch((err) => sendError(res, err));
      return;
    }
    const file = assets.get(url.pathname);
    if (!file) return sendJson(res, 404, { code: 'NOT_FOUND', message: `no file ${url.pathname}` });
    res.writeHead(200, {
      'content-security-policy': o.csp,
      'content-type': file.type,
      'cache-control': 'no-cache',
    });
    res.end(req.method === 'HEAD' ? undefined : file.body);
  });

  // The ledger changes when its file or write-ahead log changes (size or mtime).
  const stamp = () =>
    ['', '-wal']
      .map((suffix) => {
        try {
          const s = statSync(`${o.ledgerPath}${suffix}`);
          return `${s.size}:${s.mtimeMs}`;
        } catch {
          return '-';
        }
      })
      .join('|');
  let last = stamp();
  const poll = setInterval(() => {
    const now = stamp();
    if (now === last) return;
    last = now;
    for (const s of streams)
      s.write(`event: change\ndata: ${JSON.stringify({ at: new Date().toISOString() })}\n\n`);
  }, o.pollMs ?? 1000);
  poll.unref();
  // A comment now and then keeps proxies from closing idle streams.
  const ping = setInterval(() => {
    for (const s of streams) s.write(': ping\n\n');
  }, 25_000);
  ping.unref();

  return {
    server,
    close: () =>
      new Promise<void>((resolve) => {
        clearInterval(poll);
        clearInterval(ping);
        for (const s of streams) s.end();
        streams.clear();
        server.close(() => resolve());
        server.closeAllConnections?.();
      }),
  };
}
