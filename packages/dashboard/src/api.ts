/**
 * The page's only data source: the JSON API (`/v1/summary`, `/v1/sessions`, `/v1/session/:id`)
 * on the page's own origin. `burn dashboard` answers it from the local ledger, relayburn-server
 * from the team ledger (with a bearer token, kept in localStorage once entered).
 */
import type { SessionDetail, SessionRow, Summary } from '@relayburn/sdk';

const TOKEN_KEY = 'relayburn.token';

/** Query-string parameters, named like the SDK options; arrays repeat the parameter. */
export type Params = Record<string, string | string[] | undefined>;

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** What the page learns from the responses: which server it talks to. */
export const source = { local: false, known: false };

let askToken: (() => Promise<void>) | undefined;

/** Sets how the page asks for a token when the API answers 401. */
export function onUnauthorized(ask: () => Promise<void>): void {
  askToken = ask;
}

export function saveToken(token: string): void {
  localStorage.setItem(TOKEN_KEY, token.trim());
}

function query(params: Params): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v === undefined || v === '') continue;
    for (const one of Array.isArray(v) ? v : [v]) q.append(k, one);
  }
  const s = q.toString();
  return s ? `?${s}` : '';
}

function send(url: string): Promise<Response> {
  const token = localStorage.getItem(TOKEN_KEY);
  return fetch(url, { headers: token ? { authorization: `Bearer ${token}` } : {} });
}

/**
 * Requests started by `boot.js` before this script loaded, by URL: shared through a global
 * because the two scripts are bundled apart. Each is taken once.
 */
type Early = Map<string, Promise<Response>>;
const early = (): Early => {
  const g = globalThis as { relayburnEarly?: Early };
  g.relayburnEarly ??= new Map();
  return g.relayburnEarly;
};

/** Starts a request now; `get` with the same path and parameters takes its answer. */
export function prefetch(path: string, params: Params): void {
  const url = `v1/${path}${query(params)}`;
  const started = send(url);
  // A network error is reported by `get` when it takes the response, not as unhandled here.
  started.catch(() => {});
  early().set(url, started);
}

async function get<T>(path: string, params: Params = {}): Promise<T> {
  const url = `v1/${path}${query(params)}`;
  for (let attempt = 0; ; attempt++) {
    const started = attempt === 0 ? early().get(url) : undefined;
    early().delete(url);
    const res = await (started ?? send(url));
    // `burn dashboard` says so; relayburn-server does not (it has devices and no live events).
    source.local = res.headers.get('x-relayburn-source') === 'local';
    source.known = true;
    if (res.status === 401 && askToken && attempt < 3) {
      await askToken();
      continue;
    }
    const body = await res.json().catch(() => null);
    if (!res.ok) {
      const message = body && typeof body.message === 'string' ? body.message : res.statusText;
      throw new ApiError(res.status, message);
    }
    return body as T;
  }
}

export const api = {
  summary: (p: Params) => get<Summary>('summary', p),
  sessions: (p: Params) => get<SessionRow[]>('sessions', p),
  session: async (id: string): Promise<SessionDetail | null> => {
    try {
      return await get<SessionDetail | null>(`session/${encodeURIComponent(id)}`);
    } catch (err) {
      if (err instanceof ApiError && err.status === 404) return null;
      throw err;
    }
  },
};
