import { spawnSync } from 'node:child_process';
import { cliMain, repoRoot } from './paths.js';

export interface CliResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs the built `burn` CLI as a subprocess, with `env` added to a clean copy of ours and
 * `input` (if any) on its stdin. `TZ` is pinned to UTC (the CLI groups by the local zone)
 * unless `env` sets it; `TZ: undefined` leaves it unset (the system zone).
 */
export function burn(
  args: string[],
  env: Record<string, string | undefined> = {},
  input?: string,
): CliResult {
  const r = spawnSync(process.execPath, [cliMain, ...args], {
    cwd: repoRoot,
    encoding: 'utf8',
    input,
    env: { ...process.env, NO_COLOR: '1', TZ: 'UTC', ...env },
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}
