// The totals a generated corpus expects per harness (or session): turns and each token class,
// as the SDK's summary reports them.

const CLASSES = ['input', 'output', 'reasoning', 'cacheRead', 'cacheWrite5m', 'cacheWrite1h'];

/** Empty totals. */
export const zero = () => ({
  turns: 0,
  input: 0,
  output: 0,
  reasoning: 0,
  cacheRead: 0,
  cacheWrite5m: 0,
  cacheWrite1h: 0,
});

/** Adds `turns` turns of usage `u` (missing classes count 0) to `t`. */
export function add(t, u, turns = 1) {
  t.turns += turns;
  for (const k of CLASSES) t[k] += u[k] ?? 0;
}
