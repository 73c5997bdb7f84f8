#!/usr/bin/env node
// Refreshes crates/relayburn-core/data/prices.json (the price table embedded in the core and
// shipped in @relayburn/sdk) from LiteLLM's public catalog. Run by a maintainer when a network
// is available, then review the diff and commit; never run in CI or at run time.
//
// Usage: node scripts/refresh-prices.mjs [--url <catalog> | --file <local copy>] [--add <model>]... [--dry-run]
//
// Entries already in the table are updated (input, output, cache read, 5-minute and 1-hour
// cache writes, the >200k long-context tier). `--add <model>` adds a model by its catalog
// key. First-party models in the catalog that the table lacks are listed, not added.
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const DEFAULT_URL =
  'https://raw.githubusercontent.com/BerriAI/litellm/main/model_prices_and_context_window.json';
const FIRST_PARTY = new Set(['anthropic', 'openai', 'gemini', 'vertex_ai-language-models']);
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const tablePath = join(root, 'crates', 'relayburn-core', 'data', 'prices.json');

const { values } = parseArgs({
  options: {
    url: { type: 'string', default: DEFAULT_URL },
    file: { type: 'string' },
    add: { type: 'string', multiple: true, default: [] },
    'dry-run': { type: 'boolean', default: false },
  },
});

function fail(message) {
  process.stderr.write(`refresh-prices: ${message}\nThe price table was not changed.\n`);
  process.exit(1);
}

let catalog;
if (values.file) {
  try {
    catalog = JSON.parse(readFileSync(values.file, 'utf8'));
  } catch (err) {
    fail(`cannot read ${values.file}: ${err.message}`);
  }
} else
  try {
    const res = await fetch(values.url, { signal: AbortSignal.timeout(30_000) });
    if (!res.ok) fail(`GET ${values.url} answered ${res.status} ${res.statusText}`);
    catalog = await res.json();
  } catch (err) {
    fail(`cannot fetch ${values.url} (${err?.cause?.code ?? err?.message ?? err}); is a network available?`);
  }
if (typeof catalog !== 'object' || catalog === null) fail('the catalog is not a JSON object');

// Per-token USD → per-million USD, without float noise.
const perM = (v) => (typeof v === 'number' ? Math.round(v * 1e6 * 1e6) / 1e6 : undefined);

/** The catalog entry for a table key: the bare key, or a provider-prefixed one. */
function find(key) {
  for (const k of [key, `anthropic/${key}`, `openai/${key}`, `gemini/${key}`]) {
    const e = catalog[k];
    if (e && typeof e.input_cost_per_token === 'number') return e;
  }
  return undefined;
}

function entryFrom(e, old = {}) {
  const provider =
    { anthropic: 'anthropic', openai: 'openai', gemini: 'google', 'vertex_ai-language-models': 'google' }[
      e.litellm_provider
    ] ?? old.provider;
  const out = { ...(provider ? { provider } : {}), input: perM(e.input_cost_per_token) };
  out.output = perM(e.output_cost_per_token);
  const cacheRead = perM(e.cache_read_input_token_cost);
  if (cacheRead !== undefined) out.cacheRead = cacheRead;
  const w5 = perM(e.cache_creation_input_token_cost);
  if (w5 !== undefined) out.cacheWrite5m = w5;
  const w1 = perM(e.cache_creation_input_token_cost_above_1hr);
  if (w1 !== undefined) out.cacheWrite1h = w1;
  else if (old.cacheWrite1h !== undefined) out.cacheWrite1h = old.cacheWrite1h;
  const tierIn = perM(e.input_cost_per_token_above_200k_tokens);
  if (tierIn !== undefined) {
    const tier = { above: 200000, input: tierIn };
    const o = perM(e.output_cost_per_token_above_200k_tokens);
    if (o !== undefined) tier.output = o;
    const cr = perM(e.cache_read_input_token_cost_above_200k_tokens);
    if (cr !== undefined) tier.cacheRead = cr;
    const cw = perM(e.cache_creation_input_token_cost_above_200k_tokens);
    if (cw !== undefined) tier.cacheWrite5m = cw;
    const cw1 = perM(e.cache_creation_input_token_cost_above_1hr_above_200k_tokens);
    if (cw1 !== undefined) tier.cacheWrite1h = cw1;
    else if (old.tiers?.[0]?.cacheWrite1h !== undefined) tier.cacheWrite1h = old.tiers[0].cacheWrite1h;
    out.tiers = [tier];
  } else if (old.tiers) {
    out.tiers = old.tiers;
  }
  return out;
}

const table = JSON.parse(readFileSync(tablePath, 'utf8'));
const changes = [];
for (const [key, old] of Object.entries(table.models)) {
  const e = find(key);
  if (!e) {
    changes.push(`  kept   ${key} (not in the catalog)`);
    continue;
  }
  const next = entryFrom(e, old);
  if (JSON.stringify(next) !== JSON.stringify(old)) {
    changes.push(`  update ${key}: ${JSON.stringify(old)} → ${JSON.stringify(next)}`);
    table.models[key] = next;
  }
}
for (const key of values.add) {
  const e = catalog[key];
  if (!e || typeof e.input_cost_per_token !== 'number') fail(`--add ${key}: no priced entry in the catalog`);
  const name = key.slice(key.lastIndexOf('/') + 1);
  table.models[name] = entryFrom(e);
  changes.push(`  add    ${name}`);
}
const missing = Object.entries(catalog)
  .filter(([k, e]) => FIRST_PARTY.has(e?.litellm_provider) && e.mode === 'chat' && !k.includes('/'))
  .map(([k]) => k)
  .filter((k) => !/-\d{8}$|-\d{4}-\d{2}-\d{2}$|@/.test(k) && !(k in table.models));
table.updated = new Date().toISOString().slice(0, 10);
table.source = `LiteLLM model_prices_and_context_window.json (${values.url}), refreshed with scripts/refresh-prices.mjs; hand-curated model list.`;
console.log(changes.length ? changes.join('\n') : '  no price changed');
if (missing.length)
  console.log(`first-party models not in the table (add with --add): ${missing.join(', ')}`);
if (values['dry-run']) console.log('dry run: nothing written');
else {
  writeFileSync(tablePath, `${JSON.stringify(table, null, 2)}\n`);
  console.log(`wrote ${tablePath}; review the diff, run the tests, and commit`);
}
