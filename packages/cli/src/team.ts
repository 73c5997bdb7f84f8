/**
 * Team queries: `burn summary|sessions --server <url> --token <t>` ask a relayburn-server
 * (GET /v1/summary, /v1/sessions, whose query parameters are the SDK's option names) and print
 * the answer exactly as local results are printed.
 */
import { BurnError } from '@relayburn/sdk';

export interface TeamTarget {
  server: string;
  token: string;
}

/** `--server`/`--token` (else `RELAYBURN_TOKEN`), or undefined for a local query. */
export function teamTarget(server: string | undefined, token: string | undefined): TeamTarget | undefined {
  if (server === undefined) {
    if (token !== undefined)
      throw new BurnError('INVALID_ARGUMENT', '--token needs --server <url>', { field: 'server' });
    return undefined;
  }
  const t = token ?? process.env.RELAYBURN_TOKEN;
  if (!t)
    throw new BurnError('INVALID_ARGUMENT', '--server needs --token <t> (or RELAYBURN_TOKEN)', {
      field: 'token',
    });
  if (!/^https?:\/\/\S+$/.test(server))
    throw new BurnError('INVALID_ARGUMENT', `--server must be an http:// or https:// URL, got '${server}'`, {
      field: 'server',
    });
  return { server: server.replace(/\/+$/, ''), token: t };
}

type Param = string | number | boolean | undefined | string[] | Record<string, string>;

/** GETs `path` with options as query parameters; `tags` become repeated `tag=k=v`. */
export async function teamGet<T>(
  target: TeamTarget,
  path: string,
  options: Record<string, Param>,
): Promise<T> {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(options)) {
    if (v === undefined) continue;
    if (k === 'tags' && typeof v === 'object' && !Array.isArray(v)) {
      for (const [tk, tv] of Object.entries(v)) q.append('tag', `${tk}=${tv}`);
    } else if (Array.isArray(v)) for (const x of v) q.append(k, x);
    else q.append(k, String(v));
  }
  const url = `${target.server}${path}${q.size ? `?${q}` : ''}`;
  let res: Response;
  try {
    res = await fetch(url, { headers: { authorization: `Bearer ${target.token}` } });
  } catch (err) {
    throw new BurnError('SERVER', `cannot reach ${target.server}: ${(err as Error).message}`, { cause: err });
  }
  const text = await res.text();
  if (!res.ok) {
    let message = text;
    try {
      const j = JSON.parse(text) as { message?: string };
      if (j.message) message = j.message;
    } catch {}
    throw new BurnError(
      res.status === 400 ? 'INVALID_ARGUMENT' : 'SERVER',
      `${target.server}: ${res.status}: ${message}`,
    );
  }
  return JSON.parse(text) as T;
}
