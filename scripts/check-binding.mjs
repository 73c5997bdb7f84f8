#!/usr/bin/env node
// Guards the generated binding files: they must match what a fresh `napi build` produced
// (committed and current), and the raw types must never contain `bigint`.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
let failed = false;

const dts = readFileSync(join(root, 'binding.d.ts'), 'utf8');
if (/\bbigint\b/i.test(dts)) {
  console.error('binding.d.ts mentions bigint: use i64/u32/f64 at the napi boundary, never u64/usize');
  failed = true;
}

try {
  execFileSync('git', ['diff', '--exit-code', '--', 'binding.cjs', 'binding.d.ts'], {
    cwd: root,
    stdio: 'inherit',
  });
} catch {
  console.error('binding.cjs / binding.d.ts changed after a rebuild: run `npm run build` and commit them');
  failed = true;
}
process.exit(failed ? 1 : 0);
