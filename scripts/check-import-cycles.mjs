#!/usr/bin/env node
// Fails when the modules of crates/relayburn-core import each other in a circle.
//
// Reads every `.rs` file under the crate's src/, builds the module tree from the file layout
// (`a.rs` or `a/mod.rs` is module `a`), and collects each file's references to other modules:
// `use crate::…` / `use super::…` trees and inline `crate::…` / `super::…` paths. Then, for every
// module M, it draws a graph between M's direct children: child a → child b when a file in a's
// subtree names something in b's subtree. A module's own items (its mod.rs) are a hub its
// children may use, so references to an ancestor never count. Any circle in any of these graphs
// is reported and the script exits 1.
//
// Run: node scripts/check-import-cycles.mjs   (part of `npm run lint`)
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../crates/relayburn-core/src', import.meta.url));

function walk(dir) {
  const out = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...walk(p));
    else if (name.endsWith('.rs')) out.push(p);
  }
  return out;
}

/** Module path of a file: src/lib.rs → [], src/a/mod.rs → [a], src/a/b.rs → [a, b]. */
function modulePath(file) {
  const parts = relative(root, file).split(sep);
  const last = parts.pop().replace(/\.rs$/, '');
  if (last !== 'mod' && last !== 'lib') parts.push(last);
  return parts;
}

// Test code (tests.rs, *_tests.rs and inline `#[cfg(test)] mod … {}` blocks, which sit at the
// end of their files) uses the whole crate to set up cases and is not part of the layering.
const isTestFile = (f) => /(^|[/_])tests\.rs$/.test(f);
const files = walk(root);
const sources = files.filter((f) => !isTestFile(f));
const modules = new Set(files.map((f) => modulePath(f).join('::')));

/** Removes comments and string literals, so paths in docs and messages are not read. */
function stripNoise(src) {
  return src
    .replace(/#\[cfg\(test\)\]\s*mod\s+\w+\s*\{[\s\S]*$/, '')
    .replace(/\/\*[\s\S]*?\*\//g, '')
    .replace(/\/\/.*$/gm, '')
    .replace(/r#*"[\s\S]*?"#*/g, '""')
    .replace(/"(?:[^"\\]|\\.)*"/g, '""');
}

/** Expands a use tree (`a::{b, c::{d, self}}`) into its paths. */
function expandTree(text) {
  text = text.replace(/\s+/g, '');
  const out = [];
  const rec = (prefix, t) => {
    const brace = t.indexOf('{');
    if (brace < 0) {
      out.push(prefix + t.replace(/\bas\w+$/, ''));
      return;
    }
    const head = t.slice(0, brace);
    const body = t.slice(brace + 1, t.lastIndexOf('}'));
    let depth = 0;
    let start = 0;
    for (let i = 0; i <= body.length; i++) {
      const c = body[i];
      if (c === '{') depth++;
      else if (c === '}') depth--;
      else if ((c === ',' && depth === 0) || i === body.length) {
        const item = body.slice(start, i);
        if (item) rec(prefix + head, item);
        start = i + 1;
      }
    }
  };
  rec('', text);
  return out;
}

/** Resolves a path seen in the file of module `self` to the deepest known module, or null. */
function resolve(self, path) {
  const segs = path.split('::').filter((s) => s && s !== 'self' && s !== '*');
  let base;
  if (segs[0] === 'crate') {
    base = [];
    segs.shift();
  } else if (segs[0] === 'super') {
    base = [...self];
    while (segs[0] === 'super') {
      base.pop();
      segs.shift();
    }
  } else {
    return null; // std, extern crates, or the file's own child modules
  }
  let best = base;
  for (let i = 1; i <= segs.length; i++) {
    const cand = [...base, ...segs.slice(0, i)];
    if (modules.has(cand.join('::'))) best = cand;
  }
  return best;
}

// Every reference: [from module, to module].
const refs = [];
for (const file of sources) {
  const self = modulePath(file);
  const src = stripNoise(readFileSync(file, 'utf8'));
  const paths = [];
  for (const m of src.matchAll(/\buse\s+((?:crate|super)\b[^;]*);/g)) paths.push(...expandTree(m[1]));
  for (const m of src.matchAll(/\b(?:crate|super)(?:::\w+)+/g)) paths.push(m[0]);
  for (const p of paths) {
    const to = resolve(self, p);
    if (to) refs.push([self, to, relative(root, file)]);
  }
}

const isPrefix = (a, b) => a.length <= b.length && a.every((s, i) => s === b[i]);
const circles = [];
for (const m of modules) {
  const parent = m ? m.split('::') : [];
  const edges = new Map(); // child → Map(child → example file)
  for (const [from, to, file] of refs) {
    if (!isPrefix(parent, from) || !isPrefix(parent, to)) continue;
    if (from.length <= parent.length || to.length <= parent.length) continue;
    const a = from[parent.length];
    const b = to[parent.length];
    if (a === b) continue;
    if (!edges.has(a)) edges.set(a, new Map());
    if (!edges.get(a).has(b)) edges.get(a).set(b, file);
  }
  // Depth-first search for back edges.
  const state = new Map();
  const stack = [];
  const visit = (n) => {
    state.set(n, 1);
    stack.push(n);
    for (const next of edges.get(n)?.keys() ?? []) {
      if (state.get(next) === 1) {
        const loop = stack.slice(stack.indexOf(next)).concat(next);
        const where = loop
          .slice(0, -1)
          .map((x, i) => `${x} → ${loop[i + 1]} (${edges.get(x).get(loop[i + 1])})`);
        circles.push(`${m || 'crate'}: ${loop.join(' → ')}\n    ${where.join('\n    ')}`);
      } else if (!state.has(next)) visit(next);
    }
    stack.pop();
    state.set(n, 2);
  };
  for (const n of edges.keys()) if (!state.has(n)) visit(n);
}

if (circles.length > 0) {
  console.error(`import circles in crates/relayburn-core (${circles.length}):`);
  for (const c of circles) console.error(`  ${c}`);
  process.exit(1);
}
console.log(`crates/relayburn-core: ${modules.size} modules, no import circles`);
