import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import initSqlJs from 'sql.js';
import { describe, expect, it } from 'vitest';
import { tempHome } from './helpers/home.js';
import { repoRoot } from './helpers/paths.js';
import { esm as sdk } from './helpers/sdk.js';

/** Writes a stamp from a separate process, so this process opens the ledger fresh afterwards. */
function stampInChild(ledgerHome: string, sessionId: string): void {
  const code = `require('@relayburn/sdk').writeStamp({ sessionId: ${JSON.stringify(sessionId)}, enrichment: { k: 'v' }, ledgerHome: ${JSON.stringify(ledgerHome)} }).catch((e) => { console.error(e.message); process.exit(1); });`;
  const r = spawnSync(process.execPath, ['-e', code], { cwd: repoRoot, encoding: 'utf8' });
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
}

/**
 * Writes a ledger as a future relayburn would: a `schema_version` table holding `version`,
 * made with a separate SQLite (sql.js, WASM) so this test does not depend on our own writer.
 */
async function writeFutureLedger(ledgerPath: string, version: number): Promise<void> {
  const SQL = await initSqlJs();
  const db = new SQL.Database();
  db.run('CREATE TABLE schema_version (version INTEGER NOT NULL) STRICT');
  db.run('INSERT INTO schema_version (version) VALUES (?)', [version]);
  db.run('CREATE TABLE future_things (id INTEGER PRIMARY KEY, payload TEXT)');
  db.run("INSERT INTO future_things (payload) VALUES ('kept as is')");
  writeFileSync(ledgerPath, Buffer.from(db.export()));
  db.close();
}

describe('ledger file', () => {
  it('reopens an existing ledger written by another process', async () => {
    const ledgerHome = tempHome();
    stampInChild(ledgerHome, 'first');
    stampInChild(ledgerHome, 'second');
    const listed = await sdk.stamps({ ledgerHome });
    expect(listed.map((s) => s.sessionId)).toEqual(['first', 'second']);
    const status = await sdk.status({ ledgerHome });
    expect(status.ledgerPath).toBe(join(ledgerHome, 'ledger.sqlite'));
    expect(status.schemaVersion).toBeGreaterThanOrEqual(1);
    expect(status.ledgerBytes).toBeGreaterThan(0);
  });

  it('refuses a ledger from a newer schema with SCHEMA_TOO_NEW and leaves it untouched', async () => {
    const ledgerHome = tempHome();
    const ledgerPath = join(ledgerHome, 'ledger.sqlite');
    const { schemaVersion } = await sdk.status({ ledgerHome: tempHome() });
    await writeFutureLedger(ledgerPath, schemaVersion + 1);
    const before = readFileSync(ledgerPath);

    const err = await sdk
      .writeStamp({ sessionId: 'new', enrichment: { k: 'v' }, ledgerHome })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(sdk.BurnError);
    expect(err).toMatchObject({ code: 'SCHEMA_TOO_NEW', path: ledgerPath });
    await expect(sdk.status({ ledgerHome })).rejects.toMatchObject({ code: 'SCHEMA_TOO_NEW' });
    expect(readFileSync(ledgerPath).equals(before)).toBe(true);
    expect(existsSync(`${ledgerPath}-wal`)).toBe(false);
  });

  it('reports a file that is not a ledger as LEDGER_CORRUPT', async () => {
    const ledgerHome = tempHome();
    writeFileSync(
      join(ledgerHome, 'ledger.sqlite'),
      'definitely not a sqlite database, just some text bytes\n'.repeat(20),
    );
    await expect(sdk.status({ ledgerHome })).rejects.toMatchObject({ code: 'LEDGER_CORRUPT' });
  });
});
