#!/usr/bin/env node
// Builds the napi addon from source and stages it for the workspace:
//   1. `napi build` compiles crates/relayburn-node and (re)generates the committed loader
//      `binding.cjs` and types `binding.d.ts` at the repository root;
//   2. the loader, its types and the `.node` binary are copied into packages/sdk/native/, where
//      the SDK facade loads them (the `.node` is never published from there: see `files`);
//   3. the native status line (crates/relayburn-statusline) is built with the same profile and
//      copied there too, where the CLI's `relayburn-statusline` finds it in a checkout.
// Usage: node scripts/build-native.mjs [--release]
//   (RELAYBURN_BUILD=release in the environment also selects the release profile, so that
//   `npm install` and `npm test` build and test the optimized addon, as CI does).
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const release = process.argv.includes('--release') || process.env.RELAYBURN_BUILD === 'release';
const napi = join(root, 'node_modules', '@napi-rs', 'cli', 'dist', 'cli.js');

const args = [
  napi,
  'build',
  '--platform',
  '--manifest-path',
  'crates/relayburn-node/Cargo.toml',
  '--package-json-path',
  'packages/sdk/package.json',
  '--js',
  'binding.cjs',
  '--dts',
  'binding.d.ts',
  '--output-dir',
  '.',
];
if (release) args.push('--release');
execFileSync(process.execPath, args, { cwd: root, stdio: 'inherit' });

const native = join(root, 'packages', 'sdk', 'native');
mkdirSync(native, { recursive: true });
for (const file of readdirSync(root)) {
  if (file === 'binding.cjs' || file === 'binding.d.ts' || /^relayburn\..+\.node$/.test(file)) {
    copyFileSync(join(root, file), join(native, file));
  }
}
const exe = process.platform === 'win32' ? 'relayburn-statusline.exe' : 'relayburn-statusline';
execFileSync('cargo', ['build', '-p', 'relayburn-statusline', ...(release ? ['--release'] : [])], {
  cwd: root,
  stdio: 'inherit',
});
const targetDir = process.env.CARGO_TARGET_DIR ?? join(root, 'target');
copyFileSync(join(targetDir, release ? 'release' : 'debug', exe), join(native, exe));
// The shipped price table (embedded in the core) is also readable from the package:
// require('@relayburn/sdk/prices.json').
copyFileSync(join(root, 'crates', 'relayburn-core', 'data', 'prices.json'), join(native, 'prices.json'));
console.log(`staged native binding (${release ? 'release' : 'debug'}) in packages/sdk/native`);
