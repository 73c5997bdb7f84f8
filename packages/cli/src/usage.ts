/** A mistake in how `burn` was called: printed as one line, exit code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** Parses `k=v` words into an object; a word without `=` or with an empty key is a usage error. */
export function parsePairs(words: readonly string[], what: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const word of words) {
    const eq = word.indexOf('=');
    if (eq <= 0) throw new UsageError(`expected ${what} as key=value, got '${word}'`);
    out[word.slice(0, eq)] = word.slice(eq + 1);
  }
  return out;
}
