/**
 * A summary's groups in the SDK's shape: `key` is the dimension values joined by `' · '` (the
 * core's join), `keys` lists them when grouped by several dimensions, and the order is the
 * core's: time dimensions in time order, then by cost, tokens and keys.
 */
export const KEY_JOIN = ' · ';
const TIME_DIMS = new Set(['day', 'week', 'month']);

// The core compares keys as UTF-8 bytes; JavaScript's `<` compares UTF-16 units.
const cmp = (a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b));

function cmpKeys(a, b) {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const c = cmp(a[i], b[i]);
    if (c) return c;
  }
  return a.length - b.length;
}

/**
 * @param {string[]} dims the `groupBy` dimensions, in order
 * @param {Map<string, { keys: string[], totals: any }>} groups totals per combination of keys
 * @param {(usd: number) => number} roundUsd the summary's rounding of a cost
 */
export function shapeGroups(dims, groups, roundUsd) {
  const time = dims.flatMap((d, i) => (TIME_DIMS.has(d) ? [i] : []));
  const list = [...groups.values()].filter(
    ({ totals: t }) => t.turns !== 0 || t.totalTokens !== 0 || t.costUsd !== 0,
  );
  for (const g of list) g.totals.costUsd = roundUsd(g.totals.costUsd);
  list.sort(
    (a, b) =>
      time.reduce((o, i) => o || cmp(a.keys[i], b.keys[i]), 0) ||
      b.totals.costUsd - a.totals.costUsd ||
      b.totals.totalTokens - a.totals.totalTokens ||
      cmpKeys(a.keys, b.keys),
  );
  return list.map(({ keys, totals }) => ({
    key: keys.join(KEY_JOIN),
    ...totals,
    ...(dims.length > 1 ? { keys } : {}),
  }));
}
