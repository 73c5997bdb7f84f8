// A real PostgreSQL for the team-server tests: `RELAYBURN_TEST_DATABASE_URL` when set (each
// test file gets a fresh database in it), else a throwaway cluster made with the system's
// `initdb`/`pg_ctl` (Debian's `postgresql` package), run as the `postgres` user when the tests
// run as root, on a free port, removed afterwards. Never skipped: a missing PostgreSQL fails.
import { execFileSync, spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

export interface TestDatabase {
  url: string;
  stop(): Promise<void>;
}

function binDir(): string {
  const r = spawnSync('pg_config', ['--bindir'], { encoding: 'utf8' });
  const candidates = [
    ...(process.env.PGBIN ? [process.env.PGBIN] : []),
    ...(r.status === 0 ? [r.stdout.trim()] : []),
    ...(existsSync('/usr/lib/postgresql')
      ? readdirSync('/usr/lib/postgresql')
          .sort((a, b) => Number(b) - Number(a))
          .map((v) => `/usr/lib/postgresql/${v}/bin`)
      : []),
  ];
  const exe = process.platform === 'win32' ? '.exe' : '';
  const dir = candidates.find(
    (d) => existsSync(join(d, `initdb${exe}`)) && existsSync(join(d, `pg_ctl${exe}`)),
  );
  if (!dir)
    throw new Error(
      'no PostgreSQL server binaries (initdb, pg_ctl): install postgresql or set RELAYBURN_TEST_DATABASE_URL',
    );
  return dir;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => resolve(typeof a === 'object' && a ? a.port : 0));
    });
  });
}

async function freshDatabase(base: string): Promise<TestDatabase> {
  const name = `relayburn_test_${process.pid}_${Math.floor(Math.random() * 1e9)}`;
  const admin = new pg.Client({ connectionString: base });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const u = new URL(base);
  u.pathname = `/${name}`;
  return {
    url: u.toString(),
    async stop() {
      const c = new pg.Client({ connectionString: base });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}

/** Starts (or connects to) a PostgreSQL and returns a fresh, empty database. */
export async function startPostgres(): Promise<TestDatabase> {
  const given = process.env.RELAYBURN_TEST_DATABASE_URL;
  if (given) return freshDatabase(given);
  const bin = binDir();
  const dir = mkdtempSync(join(tmpdir(), 'relayburn-pg-'));
  const asRoot = process.getuid?.() === 0;
  const run = (cmd: string, args: string[]) => {
    const full = join(bin, cmd);
    const [file, argv] = asRoot ? ['runuser', ['-u', 'postgres', '--', full, ...args]] : [full, args];
    execFileSync(file, argv, { stdio: ['ignore', 'pipe', 'pipe'], cwd: dir });
  };
  if (asRoot)
    chownSync(
      dir,
      Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' })),
      Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' })),
    );
  const data = join(dir, 'data');
  run('initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync', '-E', 'UTF8', '--locale', 'C']);
  const port = await freePort();
  run('pg_ctl', [
    '-D',
    data,
    '-l',
    join(dir, 'log'),
    '-w',
    '-t',
    '60',
    'start',
    '-o',
    `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200`,
  ]);
  const base = `postgres://postgres@127.0.0.1:${port}/postgres`;
  return {
    url: base,
    async stop() {
      try {
        run('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}
