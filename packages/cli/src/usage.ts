import { visible } from './output.js';

/** A mistake in how `burn` was called: printed as one line, exit code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/**
 * Parses `k=v` words into an object; a word without `=` or with an empty key is a usage error.
 * Keys are data: `__proto__` or `constructor` become own properties like any other key.
 */
export function parsePairs(words: readonly string[], what: string): Record<string, string> {
  const pairs = new Map<string, string>();
  for (const word of words) {
    const eq = word.indexOf('=');
    if (eq <= 0) throw new UsageError(`expected ${what} as key=value, got '${visible(word)}'`);
    pairs.set(word.slice(0, eq), word.slice(eq + 1));
  }
  return Object.fromEntries(pairs);
}

/**
 * Tag filters from `--tag k=v` (repeatable) and `--tags k=v[,k=v]` (the form launchers
 * document). A later pair for the same key replaces an earlier one.
 */
export function parseTagFlags(
  tag: readonly string[] | undefined,
  tags: readonly string[] | undefined,
): Record<string, string> | undefined {
  const words = [...(tag ?? []), ...(tags ?? []).flatMap((t) => t.split(','))].filter((w) => w.length > 0);
  if (words.length === 0) return undefined;
  return parsePairs(words, '--tag');
}
