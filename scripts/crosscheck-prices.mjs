#!/usr/bin/env node
// Cross-checks every rate and long-context tier of crates/relayburn-core/data/prices.json
// against @pydantic/genai-prices (an independent catalog on npm). A maintainer tool: the package
// is unpacked outside the repository, never a dependency.
//
//   npm pack @pydantic/genai-prices@0.1.8 --pack-destination /tmp && tar xzf /tmp/pydantic-genai-prices-0.1.8.tgz -C /tmp
//   node scripts/crosscheck-prices.mjs --genai /tmp/package
//
// Prints one line per model; exits 1 when a model differs (or is missing) and the table's
// `unverified` list does not name it.
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({ options: { genai: { type: 'string' } } });
if (!values.genai) {
  process.stderr.write(
    'usage: node scripts/crosscheck-prices.mjs --genai <unpacked @pydantic/genai-prices>\n',
  );
  process.exit(2);
}
const { calcPrice } = await import(pathToFileURL(resolve(values.genai, 'dist', 'index.js')).href);
const table = JSON.parse(readFileSync(join(root, 'crates', 'relayburn-core', 'data', 'prices.json'), 'utf8'));

const base = (v) => (v && typeof v === 'object' ? v.base : v);
const tier = (v) => (v && typeof v === 'object' ? v.tiers?.[0] : undefined);
let failed = 0;
for (const [key, m] of Object.entries(table.models)) {
  const r = calcPrice({ input_tokens: 1 }, key, { providerId: m.provider });
  const issues = [];
  const eff = { cacheRead: m.cacheRead ?? m.input, cacheWrite5m: m.cacheWrite5m ?? m.input };
  eff.cacheWrite1h = m.cacheWrite1h ?? eff.cacheWrite5m;
  const cmp = (name, mine, theirs) => {
    if (theirs !== undefined && Math.abs(mine - theirs) > 1e-9) issues.push(`${name} ${mine} vs ${theirs}`);
  };
  if (!r) issues.push('not in genai-prices');
  else {
    const p = r.model_price;
    cmp('input', m.input, base(p.input_mtok));
    cmp('output', m.output, base(p.output_mtok));
    cmp('cacheRead', eff.cacheRead, base(p.cache_read_mtok));
    cmp('cacheWrite5m', eff.cacheWrite5m, base(p.cache_write_mtok));
    cmp('cacheWrite1h', eff.cacheWrite1h, base(p.cache_write_1h_mtok));
    const theirs = tier(p.input_mtok);
    const mine = m.tiers?.[0];
    if (!theirs !== !mine) issues.push(`tier ${JSON.stringify(mine)} vs ${JSON.stringify(theirs)}`);
    if (theirs && mine) {
      // genai-prices writes OpenAI's "above 272k" as start 271999 or 272000.
      if (Math.abs(theirs.start - mine.above) > 1) issues.push(`tier above ${mine.above} vs ${theirs.start}`);
      cmp('tier input', mine.input, theirs.price);
      cmp('tier output', mine.output ?? m.output, tier(p.output_mtok)?.price);
      cmp('tier cacheRead', mine.cacheRead, tier(p.cache_read_mtok)?.price);
      cmp('tier cacheWrite5m', mine.cacheWrite5m, tier(p.cache_write_mtok)?.price);
      cmp('tier cacheWrite1h', mine.cacheWrite1h, tier(p.cache_write_1h_mtok)?.price);
    }
  }
  const known = (table.unverified ?? []).some((u) => u.includes(key));
  if (issues.length && !known) failed++;
  const status = issues.length ? (known ? 'known' : 'DIFF ') : 'ok   ';
  console.log(
    `${status} ${key}${r ? ` (genai-prices ${r.model.id})` : ''}${issues.length ? `: ${issues.join('; ')}` : ''}`,
  );
}
console.log(
  failed ? `${failed} models differ and are not listed as unverified` : 'every difference is listed',
);
process.exit(failed ? 1 : 0);
