// A sweep (`ingest()` over a whole store) after each kind of change, through the public
// package. The store's directories are dated an hour back before each pass that follows a
// change, so their listings are the ones kept in the ledger (a directory changed moments ago
// is listed again on every pass): what is under test is that a kept listing never hides a
// change.
import { appendFileSync, mkdirSync, renameSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { assistant, claudeStore, userText } from './helpers/claude-log.js';
import { tempHome } from './helpers/home.js';
import { ingestChild } from './helpers/ingest-process.js';
import { entryPoints } from './helpers/sdk.js';

/** Dates paths an hour back: settled directories, idle files. */
function settle(...paths: string[]): void {
  const t = new Date(Date.now() - 3_600_000);
  for (const p of paths) utimesSync(p, t, t);
}

function turn(session: string, msg: string, output: number): string {
  return assistant({ session, msg, req: `req_${msg}`, usage: { input: 1, output } });
}

describe.each(entryPoints)('sweep via %s', (_name, sdk) => {
  it('picks up appends, new files in listed directories, deletions, renames and rewrites', async () => {
    const ledgerHome = tempHome();
    const store = claudeStore();
    const projects = join(store.root, 'projects');
    const subagents = join(store.dir, 's1', 'subagents');
    mkdirSync(subagents, { recursive: true });
    const s1 = store.write('s1', userText('s1', 'u1', 'hi'), turn('s1', 'm1', 10));
    const agentA = join(subagents, 'agent-a.jsonl');
    writeFileSync(agentA, turn('s1', 'a1', 5));
    const allDirs = () => [projects, store.dir, join(store.dir, 's1'), subagents];
    const sweep = async () => {
      const report = await sdk.ingest({ roots: { 'claude-code': [store.root] }, ledgerHome });
      expect(report.errors).toEqual([]);
      return report;
    };
    const outputTokens = async () => (await sdk.summary({ ledgerHome })).totals.outputTokens;

    settle(...allDirs(), s1, agentA);
    expect(await sweep()).toMatchObject({ filesScanned: 2, filesChanged: 2, turnsAdded: 2 });
    // Nothing changed: every listing comes from the ledger, every file is unchanged.
    expect(await sweep()).toMatchObject({ filesScanned: 2, filesChanged: 0, bytesRead: 0, turnsAdded: 0 });

    // An append does not change the directory's stamp: the file's own stat finds it.
    appendFileSync(s1, turn('s1', 'm2', 20));
    settle(s1);
    expect(await sweep()).toMatchObject({ filesChanged: 1, turnsAdded: 1 });

    // A new session file and a new subagent transcript in directories listed before.
    const s2 = store.write('s2', turn('s2', 'm3', 30));
    const agentB = join(subagents, 'agent-b.jsonl');
    writeFileSync(agentB, turn('s1', 'a2', 7));
    settle(s2, agentB);
    expect(await sweep()).toMatchObject({ filesScanned: 4, filesChanged: 2, turnsAdded: 2 });
    expect(await outputTokens()).toBe(10 + 5 + 20 + 30 + 7);

    // Listed again once settled, then a file is deleted: no error, its turns stay.
    settle(...allDirs());
    await sweep();
    rmSync(agentB);
    settle(...allDirs());
    expect(await sweep()).toMatchObject({ filesScanned: 3, filesChanged: 0, turnsAdded: 0 });
    expect(await outputTokens()).toBe(72);

    // A renamed file is read under its new name; its turns are the same turns.
    renameSync(s2, store.file('s3'));
    settle(...allDirs());
    expect(await sweep()).toMatchObject({ filesScanned: 3, filesChanged: 1, turnsAdded: 0 });
    expect(await outputTokens()).toBe(72);

    // Rewritten shorter (truncated, then a new turn): read again from the start.
    writeFileSync(s1, turn('s1', 'm4', 40));
    settle(s1, ...allDirs());
    expect(await sweep()).toMatchObject({ filesChanged: 1, turnsAdded: 1 });
    expect(await outputTokens()).toBe(72 + 40);

    // A new session directory (with its subagents) under a listed project directory.
    const s4Agents = join(store.dir, 's4', 'subagents');
    mkdirSync(s4Agents, { recursive: true });
    writeFileSync(join(s4Agents, 'agent-c.jsonl'), turn('s4', 'a3', 9));
    settle(join(s4Agents, 'agent-c.jsonl'));
    expect(await sweep()).toMatchObject({ filesScanned: 4, filesChanged: 1, turnsAdded: 1 });
    expect(await outputTokens()).toBe(72 + 40 + 9);
  });
  it('repeated sweeps in one process stay right while another process appends and ingests', async () => {
    const ledgerHome = tempHome();
    const store = claudeStore();
    const roots = { 'claude-code': [store.root] };
    const dirs = [join(store.root, 'projects'), store.dir];
    const sweep = () => sdk.ingest({ roots, ledgerHome });
    const outputTokens = async () => (await sdk.summary({ ledgerHome })).totals.outputTokens;
    const inChild = async () => {
      const r = await ingestChild(ledgerHome, store.root, 'claude-code').done;
      expect(r.code, r.stderr).toBe(0);
      return r.report;
    };
    const then = new Date(Date.now() - 3_600_000);
    const original = turn('s1', 'm1', 10);
    const s1 = store.write('s1', original);
    utimesSync(s1, then, then);
    settle(...dirs);
    expect(await sweep()).toMatchObject({ filesChanged: 1, turnsAdded: 1 });
    // Twice with nothing new: the second pass reuses what the first read from the ledger.
    expect(await sweep()).toMatchObject({ filesScanned: 1, filesChanged: 0 });
    expect(await sweep()).toMatchObject({ filesScanned: 1, filesChanged: 0 });

    // Another process appends and ingests: nothing is left for this one, and nothing counted twice.
    appendFileSync(s1, turn('s1', 'm2', 20));
    expect(await inChild()).toMatchObject({ filesChanged: 1, turnsAdded: 1 });
    expect(await sweep()).toMatchObject({ filesChanged: 0, turnsAdded: 0 });
    expect(await sweep()).toMatchObject({ filesChanged: 0, turnsAdded: 0 });
    expect(await outputTokens()).toBe(30);

    // Another process only appends: this one finds the turn.
    appendFileSync(s1, turn('s1', 'm3', 40));
    expect(await sweep()).toMatchObject({ filesChanged: 1, turnsAdded: 1 });
    expect(await sweep()).toMatchObject({ filesChanged: 0 });

    // The file is rewritten to its first size and time with another turn, after another process
    // ingested its longer form: only the ledger (its cursor is past the end) says the file must be
    // read again, since the file's stat equals what this process saw two passes ago.
    writeFileSync(s1, original);
    utimesSync(s1, then, then);
    expect(await sweep()).toMatchObject({ filesChanged: 1 });
    expect(await sweep()).toMatchObject({ filesChanged: 0 });
    writeFileSync(s1, `${original}${turn('s1', 'm4', 80)}`);
    expect(await inChild()).toMatchObject({ filesChanged: 1, turnsAdded: 1 });
    writeFileSync(s1, original.replace('"m1"', '"m9"'));
    utimesSync(s1, then, then);
    expect(await sweep()).toMatchObject({ filesChanged: 1, turnsAdded: 1 });
    expect(await outputTokens()).toBe(10 + 20 + 40 + 80 + 10);
  });
});
