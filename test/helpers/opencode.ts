// Hand-written OpenCode data: a `storage/` tree of JSON documents, and an `opencode.db` with
// OpenCode's schema (session/message/part tables, documents in `data`) written with sql.js.
import { mkdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import initSqlJs from 'sql.js';
import { repoRoot } from './paths.js';

export const T0 = Date.parse('2026-03-01T10:00:00.000Z');

export interface Tokens {
  input: number;
  output: number;
  reasoning?: number;
  read?: number;
  write?: number;
}

export const tokens = (t: Tokens) => ({
  input: t.input,
  output: t.output,
  reasoning: t.reasoning ?? 0,
  cache: { read: t.read ?? 0, write: t.write ?? 0 },
});

export function assistant(id: string, sessionID: string, at: number, t: Tokens, done = true) {
  return {
    id,
    sessionID,
    role: 'assistant',
    time: done ? { created: at, completed: at + 500 } : { created: at },
    parentID: `${id}_user`,
    modelID: 'claude-sonnet-4-5',
    providerID: 'anthropic',
    mode: 'build',
    path: { cwd: '/work/app', root: '/work/app' },
    cost: 0,
    tokens: tokens(t),
    ...(done ? { finish: 'stop' } : {}),
  };
}

export function user(id: string, sessionID: string, at: number) {
  return { id, sessionID, role: 'user', time: { created: at } };
}

export function session(id: string, extra: Record<string, unknown> = {}) {
  return {
    id,
    projectID: 'proj1',
    directory: '/work/app',
    title: `Session ${id}`,
    version: '0.9.0',
    ...extra,
  };
}

/** Writes JSON (pretty, without a trailing newline, as OpenCode does) and bumps its mtime. */
export function writeDoc(path: string, doc: unknown, mtimeMs?: number): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, JSON.stringify(doc, null, 2));
  if (mtimeMs !== undefined) utimesSync(path, mtimeMs / 1000, mtimeMs / 1000);
}

/** Paths inside a `storage/` tree. */
export const tree = (root: string) => ({
  session: (id: string) => join(root, 'storage', 'session', 'proj1', `${id}.json`),
  message: (ses: string, id: string) => join(root, 'storage', 'message', ses, `${id}.json`),
  part: (msg: string, id: string) => join(root, 'storage', 'part', msg, `${id}.json`),
});

const SCHEMA = readFileSync(join(repoRoot, 'bench', 'corpus', 'opencode-schema.sql'), 'utf8');

type SqlDb = import('sql.js').Database;

/** An OpenCode database being built; `save()` writes it to `path`. */
export async function openCodeDb(path: string) {
  const SQL = await initSqlJs();
  const db: SqlDb = new SQL.Database();
  db.run(SCHEMA);
  db.run(`INSERT INTO project VALUES ('proj1', '/work/app', 'git', 'app', ${T0}, ${T0})`);
  let saves = 0;
  return {
    db,
    session(id: string, updated: number, parent?: string, title = `Session ${id}`) {
      db.run(
        `INSERT INTO session (id, project_id, parent_id, slug, directory, title, version, time_created, time_updated)
         VALUES (?, 'proj1', ?, ?, '/work/app', ?, '1.2.0', ?, ?)`,
        [id, parent ?? null, id, title, updated, updated],
      );
    },
    /** Inserts or replaces a message (the `data` column holds the document without ids). */
    message(doc: { id: string; sessionID: string; time: { created: number } }, updated: number) {
      const { id, sessionID, ...data } = doc;
      db.run(
        `INSERT INTO message (id, session_id, time_created, time_updated, data) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (id) DO UPDATE SET data = excluded.data, time_updated = excluded.time_updated`,
        [id, sessionID, doc.time.created, updated, JSON.stringify(data)],
      );
    },
    part(id: string, messageID: string, sessionID: string, data: unknown, at: number) {
      db.run('INSERT OR REPLACE INTO part VALUES (?, ?, ?, ?, ?, ?)', [
        id,
        messageID,
        sessionID,
        at,
        at,
        JSON.stringify(data),
      ]);
    },
    save() {
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, db.export());
      saves += 1;
      // Distinct mtimes even when two saves land in the same millisecond.
      const t = (T0 + saves * 1000) / 1000;
      utimesSync(path, t, t);
    },
  };
}
