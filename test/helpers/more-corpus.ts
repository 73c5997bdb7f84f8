// The Copilot CLI, Kimi and Grok logs of the corpus kit (bench/corpus/copilot-kimi-grok.mjs),
// written into `out` from a seeded generator.
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { repoRoot } from './paths.js';

/** Exact per-harness totals (`byHarness`) and file counts (`files`) the generator wrote. */
export interface MoreTally {
  byHarness: Record<string, Record<string, number>>;
  files: Record<string, number>;
}

const kit = (name: string) => import(pathToFileURL(join(repoRoot, 'bench', 'corpus', name)).href);

export async function generateMore(out: string, seed: number, sessions: number): Promise<MoreTally> {
  const { generateMoreHarnesses } = (await kit('copilot-kimi-grok.mjs')) as {
    generateMoreHarnesses: (r: unknown, out: string, sessions: number) => Promise<MoreTally>;
  };
  const { makeRandom } = (await kit('claude.mjs')) as { makeRandom: (seed: number) => unknown };
  return generateMoreHarnesses(makeRandom(seed), out, sessions);
}
