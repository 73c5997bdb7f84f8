/**
 * Which time zone and week start the CLI passes to the SDK. The SDK defaults to UTC (a
 * library must not depend on its host's zone); `burn` defaults to the user's own zone, so
 * `--by day`, `--since 2026-11-30` and `--since today` follow their days. Only the default is
 * chosen here; local midnights, weeks and DST are the core's rules.
 *
 * Order: `--timezone <zone>`, `--utc`, the `TZ` variable (`:Europe/Paris` and
 * `/usr/share/zoneinfo/Europe/Paris` forms accepted; empty means UTC, as for libc), else the
 * system zone as Node's ICU resolves it (`Intl.DateTimeFormat().resolvedOptions().timeZone`),
 * else UTC. The core validates the name.
 */
import { BurnError, type WeekStart } from '@relayburn/sdk';
import { bool, type Context, type FlagSpec, str } from './command.js';
import { UsageError } from './usage.js';

export const ZONE_FLAGS: Record<string, FlagSpec> = {
  timezone: { type: 'string' },
  utc: { type: 'boolean' },
  'week-start': { type: 'string' },
};

/** Help lines for the flags above. */
export const ZONE_HELP = `  --timezone <tz>     IANA zone for days, weeks, months and dates, e.g. Europe/Paris
                      (default: your zone, from TZ or the system)
  --utc               use UTC (same as --timezone UTC)
  --week-start <day>  monday (ISO, default) or sunday`;

export interface ZoneChoice {
  timezone: string;
  /** Where the zone came from (for error messages). */
  from: '--timezone' | '--utc' | 'TZ' | 'system';
  weekStart: WeekStart | undefined;
}

export function chooseZone(ctx: Context): ZoneChoice {
  const flag = str(ctx, 'timezone');
  const utc = bool(ctx, 'utc');
  const weekStart = str(ctx, 'week-start') as WeekStart | undefined;
  if (flag !== undefined && utc) throw new UsageError('--timezone and --utc cannot be used together');
  if (flag !== undefined) return { timezone: flag, from: '--timezone', weekStart };
  if (utc) return { timezone: 'UTC', from: '--utc', weekStart };
  const env = process.env.TZ;
  if (env !== undefined) return { timezone: fromTzVariable(env), from: 'TZ', weekStart };
  const system = Intl.DateTimeFormat().resolvedOptions().timeZone;
  const known = typeof system === 'string' && system.length > 0 && system !== 'Etc/Unknown';
  return { timezone: known ? system : 'UTC', from: 'system', weekStart };
}

/** `TZ` as a zone name: `:Europe/Paris` and zoneinfo paths reduced to the name; empty is UTC. */
function fromTzVariable(value: string): string {
  let v = value.trim();
  if (v.startsWith(':')) v = v.slice(1);
  const at = v.lastIndexOf('zoneinfo/');
  if (at >= 0) v = v.slice(at + 'zoneinfo/'.length);
  return v.length === 0 ? 'UTC' : v;
}

/**
 * Runs an SDK call with the chosen zone; a zone the user did not type that the core rejects
 * becomes a usage error naming its source (the `TZ` variable or the system).
 */
export async function withZone<T>(z: ZoneChoice, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    if (err instanceof BurnError && err.field === 'timezone' && (z.from === 'TZ' || z.from === 'system')) {
      const source = z.from === 'TZ' ? `TZ=${process.env.TZ ?? ''}` : `the system time zone '${z.timezone}'`;
      throw new UsageError(`${source} is not a known IANA time zone; pass --timezone <zone> or --utc`);
    }
    throw err;
  }
}
