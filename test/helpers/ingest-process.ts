// Runs one ingest in a child process (test/helpers/ingest-child.cjs) and hands each progress
// report to the caller, so crash tests can SIGKILL it at a chosen point.
import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import type { Harness, IngestProgress, IngestReport } from '@relayburn/sdk';
import { repoRoot } from './paths.js';

export interface ChildResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
  /** The final report, when the ingest finished. */
  report?: IngestReport;
}

export interface ChildRun {
  child: ChildProcess;
  done: Promise<ChildResult>;
}

/** How a child runs: see [`ingestChild`]. */
export interface ChildOptions {
  /** Sees each progress report. */
  onProgress?: (p: IngestProgress, child: ChildProcess) => void;
  mode?: 'ingest' | 'rebuild';
  /** A fraction of the bytes, between 0 and 1 (`RELAYBURN_TEST_PAUSE_AT`). */
  pauseAt?: number;
  /** The pass is bulk from this many bytes instead of 64 MB (`RELAYBURN_TEST_BULK_BYTES`). */
  bulkBytes?: number;
}

/**
 * Starts `ingest({roots: {[harness]: [root]}})` (or `rebuildState`, same options) in a child.
 * With `pauseAt` the child commits when it reaches that fraction of the bytes, reports, and then
 * commits nothing more for a minute (the core's `RELAYBURN_TEST_PAUSE_AT` hook): a kill on a
 * report with `bytesRead >= pauseAt * bytesTotal` lands at that known state on a debug or a
 * release build alike ([`killMidway`]).
 */
export function ingestChild(
  ledgerHome: string,
  root: string,
  harness: Harness,
  { onProgress, mode = 'ingest', pauseAt, bulkBytes }: ChildOptions = {},
): ChildRun {
  const env = { ...process.env };
  if (pauseAt === undefined) delete env.RELAYBURN_TEST_PAUSE_AT;
  else env.RELAYBURN_TEST_PAUSE_AT = String(pauseAt);
  if (bulkBytes === undefined) delete env.RELAYBURN_TEST_BULK_BYTES;
  else env.RELAYBURN_TEST_BULK_BYTES = String(bulkBytes);
  const child = spawn(
    process.execPath,
    [join(repoRoot, 'test', 'helpers', 'ingest-child.cjs'), ledgerHome, root, harness, mode],
    { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'], env },
  );
  let stderr = '';
  let buf = '';
  let report: IngestReport | undefined;
  child.stderr?.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  child.stdout?.on('data', (d: Buffer) => {
    buf += d.toString();
    let nl = buf.indexOf('\n');
    while (nl >= 0) {
      const msg = JSON.parse(buf.slice(0, nl)) as { progress?: IngestProgress; report?: IngestReport };
      if (msg.progress) onProgress?.(msg.progress, child);
      if (msg.report) report = msg.report;
      buf = buf.slice(nl + 1);
      nl = buf.indexOf('\n');
    }
  });
  const done = new Promise<ChildResult>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stderr, ...(report ? { report } : {}) }));
  });
  return { child, done };
}

/** Runs an ingest in a child and SIGKILLs it at the first report that follows a commit. */
export async function killAfterFirstCommit(ledgerHome: string, root: string, harness: Harness) {
  const run = ingestChild(ledgerHome, root, harness, {
    onProgress: (p, child) => {
      if (p.bytesRead > 0) child.kill('SIGKILL');
    },
  });
  return run.done;
}

/**
 * Runs a pass (`mode`, default an ingest) in a child that pauses right after the commit reaching
 * `fraction` of the bytes, and SIGKILLs it on that report: the kill lands at that known state
 * whatever the build's speed.
 */
export function killMidway(
  ledgerHome: string,
  root: string,
  harness: Harness,
  fraction: number,
  options: Pick<ChildOptions, 'mode' | 'bulkBytes'> = {},
): Promise<ChildResult> {
  let killed = false;
  return ingestChild(ledgerHome, root, harness, {
    ...options,
    pauseAt: fraction,
    onProgress: (p, child) => {
      if (!killed && p.bytesRead >= fraction * p.bytesTotal && p.bytesRead < p.bytesTotal) {
        killed = true;
        child.kill('SIGKILL');
      }
    },
  }).done;
}
