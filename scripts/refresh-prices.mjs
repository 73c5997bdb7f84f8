#!/usr/bin/env node
// Refreshes crates/relayburn-core/data/prices.json (the price table embedded in the core and
// shipped in @relayburn/sdk) from LiteLLM's model_prices_and_context_window.json. Run by a
// maintainer, then review the diff and commit; never run in CI or at run time.
//
// Usage: node scripts/refresh-prices.mjs [--url <catalog> | --from <local copy>] [--label <text>]
//                                        [--add <catalog key>]... [--dry-run]
//
// Offline: the catalog ships inside the litellm wheel on PyPI as
// litellm/model_prices_and_context_window_backup.json (`pip download litellm --no-deps`, unzip)
// and can be passed with `--from <file> --label "litellm <version> wheel"`.
//
// For every entry already in the table, the catalog entry is found by the table key: the bare
// key, `anthropic/…`, `openai/…`, `gemini/…`, or a dated first-party id (`<key>-20250514`,
// `<key>-2025-04-14`); for Claude models without a first-party entry (LiteLLM drops retired
// ones), the base-region Bedrock id (`anthropic.<key>-<date>-v1:0`, list price). Never Vertex or
// regional Bedrock ids for base prices: those are priced differently (Vertex Gemini, +10%
// regional Bedrock endpoints).
//
// Field mapping (catalog USD per token → table USD per million):
//   input_cost_per_token                          → input
//   output_cost_per_token                         → output (reasoning is billed as output)
//   cache_read_input_token_cost                   → cacheRead
//   cache_creation_input_token_cost               → cacheWrite5m
//   cache_creation_input_token_cost_above_1hr     → cacheWrite1h
//   *_above_200k_tokens / *_above_272k_tokens     → tiers [{above: 200000 | 272000, …}]
//     (cache_creation_…_above_1hr_above_200k_tokens → the tier's cacheWrite1h)
// Long-context tiers are taken from the catalog only: a tier the catalog does not list is
// dropped (shown in the diff). For Claude models whose first-party entry has no tier, the
// Bedrock/Vertex entries of the same model are consulted (LiteLLM keeps the retired 1M-context
// beta tier of Sonnet 4/4.5 only there). Rates the catalog lacks (cacheWrite1h of older models,
// entries missing from the catalog) are kept as they are and reported.
//
// First-party chat models in the catalog that the table lacks are listed, not added; add one
// with `--add <catalog key>` after checking it against the vendor's page.
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const DEFAULT_URL =
  'https://raw.githubusercontent.com/BerriAI/litellm/main/model_prices_and_context_window.json';
const PROVIDERS = {
  anthropic: 'anthropic',
  openai: 'openai',
  gemini: 'google',
  'vertex_ai-language-models': 'google',
};
const THRESHOLDS = [200000, 272000];
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const tablePath = join(root, 'crates', 'relayburn-core', 'data', 'prices.json');

const { values } = parseArgs({
  options: {
    url: { type: 'string', default: DEFAULT_URL },
    from: { type: 'string' },
    file: { type: 'string' }, // older name of --from
    label: { type: 'string' },
    add: { type: 'string', multiple: true, default: [] },
    'dry-run': { type: 'boolean', default: false },
  },
});
const from = values.from ?? values.file;

function fail(message) {
  process.stderr.write(`refresh-prices: ${message}\nThe price table was not changed.\n`);
  process.exit(1);
}

let catalog;
if (from) {
  try {
    catalog = JSON.parse(readFileSync(from, 'utf8'));
  } catch (err) {
    fail(`cannot read ${from}: ${err.message}`);
  }
} else
  try {
    const res = await fetch(values.url, { signal: AbortSignal.timeout(30_000) });
    if (!res.ok) fail(`GET ${values.url} answered ${res.status} ${res.statusText}`);
    catalog = await res.json();
  } catch (err) {
    fail(
      `cannot fetch ${values.url} (${err?.cause?.code ?? err?.message ?? err}); is a network available? ` +
        'Offline, pass a local copy with --from <file>.',
    );
  }
if (typeof catalog !== 'object' || catalog === null || Array.isArray(catalog))
  fail('the catalog is not a JSON object');

// Per-token USD → per-million USD, without float noise.
const perM = (v) => (typeof v === 'number' ? Math.round(v * 1e6 * 1e6) / 1e6 : undefined);
const priced = (e) => e && typeof e === 'object' && typeof e.input_cost_per_token === 'number';
const reEscape = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const DATED = /-(\d{8}|\d{4}-\d{2}-\d{2})$/;

/** First-party catalog entry for a table key: [catalog key, entry] or undefined. */
function firstParty(key) {
  for (const k of [key, `anthropic/${key}`, `openai/${key}`, `gemini/${key}`])
    if (priced(catalog[k])) return [k, catalog[k]];
  const dated = new RegExp(`^(?:anthropic/|openai/|gemini/)?${reEscape(key)}-(\\d{8}|\\d{4}-\\d{2}-\\d{2})$`);
  const hits = Object.keys(catalog)
    .filter((k) => dated.test(k) && priced(catalog[k]) && PROVIDERS[catalog[k].litellm_provider])
    .sort();
  return hits.length ? [hits[hits.length - 1], catalog[hits[hits.length - 1]]] : undefined;
}

/** Same-model Claude entries on Bedrock (base region, list price) and Vertex. */
function cloudClaude(key) {
  if (!key.startsWith('claude')) return [];
  const bedrock = new RegExp(`^anthropic\\.${reEscape(key)}(-\\d{8})?-v\\d+(:\\d+)?$`);
  const vertex = new RegExp(`^vertex_ai/${reEscape(key)}(@\\d{8})?$`);
  return (
    Object.keys(catalog)
      .filter((k) => (bedrock.test(k) || vertex.test(k)) && priced(catalog[k]))
      // Bedrock before Vertex; the newest dated id first.
      .sort(
        (a, b) =>
          Number(a.startsWith('vertex_ai/')) - Number(b.startsWith('vertex_ai/')) || b.localeCompare(a),
      )
      .map((k) => [k, catalog[k]])
  );
}

function hasTier(e) {
  return THRESHOLDS.some((t) => typeof e[`input_cost_per_token_above_${t / 1000}k_tokens`] === 'number');
}

function tiersOf(e, base) {
  const tiers = [];
  for (const above of THRESHOLDS) {
    const s = `above_${above / 1000}k_tokens`;
    const input = perM(e[`input_cost_per_token_${s}`]);
    if (input === undefined) continue;
    const tier = { above, input };
    const output = perM(e[`output_cost_per_token_${s}`]);
    if (output !== undefined) tier.output = output;
    const cacheRead = perM(e[`cache_read_input_token_cost_${s}`]);
    if (cacheRead !== undefined) tier.cacheRead = cacheRead;
    // A tier's cache-write rate only means something where the base has one.
    if (base.cacheWrite5m !== undefined) {
      const w5 = perM(e[`cache_creation_input_token_cost_${s}`]);
      if (w5 !== undefined) tier.cacheWrite5m = w5;
    }
    if (base.cacheWrite1h !== undefined) {
      const w1 = perM(e[`cache_creation_input_token_cost_above_1hr_${s}`]);
      if (w1 !== undefined) tier.cacheWrite1h = w1;
    }
    tiers.push(tier);
  }
  return tiers;
}

/** The table entry for `key` from the catalog, with notes on what was not in it. */
function entryFor(key, old = {}) {
  const fp = firstParty(key);
  const clouds = cloudClaude(key);
  const bedrockBase = clouds.find(([k]) => !k.startsWith('vertex_ai/'));
  const [src, e] = fp ?? bedrockBase ?? [];
  if (!e) return undefined;
  const notes = [];
  const provider = PROVIDERS[e.litellm_provider] ?? (key.startsWith('claude') ? 'anthropic' : old.provider);
  const out = { ...(provider ? { provider } : {}), input: perM(e.input_cost_per_token) };
  out.output = perM(e.output_cost_per_token);
  const cacheRead = perM(e.cache_read_input_token_cost);
  if (cacheRead !== undefined) out.cacheRead = cacheRead;
  const w5 = perM(e.cache_creation_input_token_cost);
  if (w5 !== undefined) out.cacheWrite5m = w5;
  const w1 = perM(e.cache_creation_input_token_cost_above_1hr);
  if (w1 !== undefined) out.cacheWrite1h = w1;
  else if (old.cacheWrite1h !== undefined) {
    out.cacheWrite1h = old.cacheWrite1h;
    notes.push('cacheWrite1h kept (not in the catalog)');
  }
  for (const f of ['cacheRead', 'cacheWrite5m'])
    if (out[f] === undefined && old[f] !== undefined) {
      out[f] = old[f];
      notes.push(`${f} kept (not in the catalog)`);
    }
  let tierSrc = hasTier(e) ? [src, e] : undefined;
  if (!tierSrc) tierSrc = clouds.find(([, c]) => hasTier(c));
  if (tierSrc) {
    const tiers = tiersOf(tierSrc[1], out);
    for (const t of tiers) {
      const was = old.tiers?.find((o) => o.above === t.above)?.cacheWrite1h;
      if (t.cacheWrite1h === undefined && out.cacheWrite1h !== undefined && was !== undefined) {
        t.cacheWrite1h = was;
        notes.push(`tier ${t.above} cacheWrite1h kept (not in the catalog)`);
      }
    }
    if (tiers.length) out.tiers = tiers;
    if (tierSrc[0] !== src) notes.push(`tiers from ${tierSrc[0]}`);
  }
  return { entry: out, src, notes };
}

const table = JSON.parse(readFileSync(tablePath, 'utf8'));
const changes = [];
for (const [key, old] of Object.entries(table.models)) {
  const found = entryFor(key, old);
  if (!found) {
    changes.push(`  kept   ${key} (not in the catalog)`);
    continue;
  }
  const { entry, src, notes } = found;
  const how = [src === key ? '' : `from ${src}`, ...notes].filter(Boolean).join('; ');
  if (JSON.stringify(entry) !== JSON.stringify(old)) {
    changes.push(
      `  update ${key}${how ? ` (${how})` : ''}:\n      ${JSON.stringify(old)}\n    → ${JSON.stringify(entry)}`,
    );
    table.models[key] = entry;
  } else if (how) changes.push(`  same   ${key} (${how})`);
}
for (const key of values.add) {
  if (!priced(catalog[key])) fail(`--add ${key}: no priced entry in the catalog`);
  const name = key.slice(key.lastIndexOf('/') + 1).replace(DATED, '');
  const found = entryFor(name) ?? { entry: entryFor(key)?.entry, notes: [] };
  if (!found.entry) fail(`--add ${key}: cannot map the entry`);
  table.models[name] = found.entry;
  changes.push(`  add    ${name}: ${JSON.stringify(found.entry)}`);
}
const known = new Set([...Object.keys(table.models), ...Object.keys(table.aliases ?? {})]);
const missing = Object.entries(catalog)
  .filter(([, e]) => PROVIDERS[e?.litellm_provider] && e.mode === 'chat' && priced(e))
  .map(([k]) => k.slice(k.lastIndexOf('/') + 1))
  .filter((k, i, all) => all.indexOf(k) === i && !DATED.test(k) && !k.includes('@') && !known.has(k))
  // Preview ids the core folds into a known model (`gemini-2.5-flash-preview-09-2025`).
  .filter((k) => !known.has(k.replace(/-(\d{2}-\d{4}|\d{2}-\d{2})$/, '').replace(/-preview$/, '')));
table.updated = new Date().toISOString().slice(0, 10);
table.source =
  `LiteLLM model_prices_and_context_window.json (${values.label ?? from ?? values.url}), ` +
  `refreshed ${table.updated} with scripts/refresh-prices.mjs; hand-curated model list.`;
console.log(changes.length ? changes.join('\n') : '  no price changed');
if (missing.length)
  console.log(`first-party models not in the table (add with --add): ${missing.join(', ')}`);
if (values['dry-run']) console.log('dry run: nothing written');
else {
  writeFileSync(tablePath, `${JSON.stringify(table, null, 2)}\n`);
  console.log(
    `wrote ${tablePath}; review the diff against the vendors' pages, update 'sources' and 'unverified', run the tests, and commit`,
  );
}
