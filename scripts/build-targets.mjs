#!/usr/bin/env node
// Cross-compiles the addon and the native status line (crates/relayburn-statusline) for every
// target of the SDK's `napi.targets` on this Linux x64 machine, makes the per-platform npm packages from the binaries exactly as the release does
// (`napi create-npm-dirs`, `napi artifacts`, `napi prepublish` without publishing) and checks
// them (scripts/check-platform-packages.mjs).
//
// Usage: node scripts/build-targets.mjs [--release] [--target <triple>]… [--target-dir <dir>]
//                                       [--out <dir>] [--no-check]
//   --target      a triple of `napi.targets` (repeatable; default: all of them)
//   --target-dir  cargo's target directory (default: cargo's, so host build scripts are reused)
//   --out         where the binaries and packages go (default: target/platform-packages)
//
// Toolchains are checked before anything is built; a missing one is named with the command
// that installs it. Windows is released from an MSVC runner; here it is built for the GNU target
// with mingw-w64 and stands in for the `win32-x64-msvc` package, which is checked the same way.
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { delimiter, join, resolve } from 'node:path';
import { addStatusline, statuslineArtifact } from './add-statusline.mjs';
import { writeFrameworkStubs } from './macos-stubs.mjs';
import { INSTALL, repoRoot, sdkPackageJson, sdkTargets, statuslineFile } from './platform-targets.mjs';

const napi = join(repoRoot, 'node_modules', '@napi-rs', 'cli', 'dist', 'cli.js');

function parseArgs(argv) {
  const opts = { release: false, targets: [], targetDir: undefined, out: undefined, check: true };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined || v.startsWith('--')) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === '--release') opts.release = true;
    else if (a === '--no-check') opts.check = false;
    else if (a === '--target' || a === '-t') opts.targets.push(value());
    else if (a === '--target-dir') opts.targetDir = resolve(value());
    else if (a === '--out') opts.out = resolve(value());
    else throw new Error(`unknown argument ${a}`);
  }
  return opts;
}

function onPath(command) {
  return (process.env.PATH ?? '')
    .split(delimiter)
    .some((dir) => dir !== '' && existsSync(join(dir, command)));
}

function succeeds(command, args) {
  return spawnSync(command, args, { stdio: 'ignore' }).status === 0;
}

/** Zig is found on PATH or as PyPI's `ziglang` module (cargo-zigbuild uses either). */
function haveZig() {
  return onPath('zig') || succeeds('python3', ['-m', 'ziglang', 'version']);
}

function installedRustTargets() {
  const out = spawnSync('rustup', ['target', 'list', '--installed'], { encoding: 'utf8' });
  if (out.status === 0) return new Set(out.stdout.split('\n').filter(Boolean));
  // Without rustup: a target is installed when its standard library is in the sysroot.
  const sysroot = execFileSync('rustc', ['--print', 'sysroot'], { encoding: 'utf8' }).trim();
  return {
    has: (t) => existsSync(join(sysroot, 'lib', 'rustlib', t, 'lib')),
  };
}

/** Every missing piece for these targets, each with the command that installs it. */
export function missingToolchains(targets) {
  const rust = installedRustTargets();
  const missing = [];
  for (const t of targets) {
    if (!rust.has(t.buildTriple)) {
      missing.push({
        target: t.triple,
        what: `Rust target ${t.buildTriple}`,
        install: `rustup target add ${t.buildTriple}`,
      });
    }
    for (const cmd of t.commands) {
      const found = cmd === 'zig' ? haveZig() : onPath(cmd);
      if (!found) missing.push({ target: t.triple, what: cmd, install: INSTALL[cmd] });
    }
  }
  return missing;
}

/**
 * napi-build's script for a windows-gnu target insists on linking a `libnode.dll`
 * (LIBNODE_PATH). The addon is built with napi's `dyn-symbols` for that target
 * (crates/relayburn-node/Cargo.toml), so it references nothing in it: an empty DLL satisfies
 * the script, and the package check fails if the result imports it.
 */
function libnodeStub(dir) {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'empty.c'), '');
  execFileSync('x86_64-w64-mingw32-gcc', ['-shared', '-o', join(dir, 'libnode.dll'), join(dir, 'empty.c')]);
  return { LIBNODE_PATH: dir };
}

/** The framework stubs (scripts/macos-stubs.mjs) on the linker's framework search path. */
function frameworkFlags(t, dir) {
  const key = `CARGO_TARGET_${t.buildTriple.replace(/-/g, '_').toUpperCase()}_RUSTFLAGS`;
  const own = process.env[key] ? `${process.env[key]} ` : '';
  return { [key]: `${own}-C link-arg=-F${writeFrameworkStubs(dir)}` };
}

/** What the builds of a target run with (linker, C compiler, archiver, framework stubs). */
function buildEnv(t, opts, extraEnv) {
  return {
    // A debug build of another platform is compiled to be checked, never stepped through: no
    // debug info (smaller, faster to link and pack). The host target keeps the workspace's
    // settings, so `npm run build` and this share its compiled crates.
    ...(t.via !== 'host' && !opts.release ? { CARGO_PROFILE_DEV_DEBUG: '0' } : {}),
    ...process.env,
    ...t.env,
    ...extraEnv,
  };
}

/** The native status line for `t`, with the addon's toolchain, copied into `artifacts`. */
function statuslineBuild(t, opts, artifacts, extraEnv) {
  const args = [
    t.via === 'zig' ? 'zigbuild' : 'build',
    '-p',
    'relayburn-statusline',
    '--target',
    t.buildTriple,
    ...(opts.release ? ['--release'] : []),
    ...(opts.targetDir ? ['--target-dir', opts.targetDir] : []),
  ];
  const run = spawnSync('cargo', args, { cwd: repoRoot, stdio: 'inherit', env: buildEnv(t, opts, extraEnv) });
  if (run.status !== 0) throw new Error(`build of relayburn-statusline for ${t.triple} failed`);
  const targetDir = opts.targetDir ?? process.env.CARGO_TARGET_DIR ?? join(repoRoot, 'target');
  const made = join(targetDir, t.buildTriple, opts.release ? 'release' : 'debug', statuslineFile(t));
  copyFileSync(made, join(artifacts, statuslineArtifact(t)));
}

function napiBuild(t, opts, artifacts, extraEnv) {
  const args = [
    napi,
    'build',
    '--platform',
    '--target',
    t.buildTriple,
    '--manifest-path',
    'crates/relayburn-node/Cargo.toml',
    '--package-json-path',
    'packages/sdk/package.json',
    // The committed loader and types come from the host build (scripts/build-native.mjs).
    '--no-js',
    '--dts',
    join('.types', `${t.platform}.d.ts`),
    '--output-dir',
    artifacts,
  ];
  if (t.via === 'zig') args.push('--cross-compile');
  if (opts.release) args.push('--release');
  if (opts.targetDir) args.push('--target-dir', opts.targetDir);
  const started = Date.now();
  const run = spawnSync(process.execPath, args, {
    cwd: repoRoot,
    stdio: 'inherit',
    env: buildEnv(t, opts, extraEnv),
  });
  if (run.status !== 0) throw new Error(`build of ${t.triple} (as ${t.buildTriple}) failed`);
  return (Date.now() - started) / 1000;
}

function napiCli(args, cwd) {
  execFileSync(process.execPath, [napi, ...args], { cwd, stdio: ['ignore', 'inherit', 'inherit'] });
}

export function main(argv) {
  const opts = parseArgs(argv);
  const sdk = sdkTargets();
  const unknown = opts.targets.filter((t) => !sdk.targets.some((x) => x.triple === t));
  if (unknown.length > 0) {
    throw new Error(
      `not a target of packages/sdk/package.json napi.targets: ${unknown.join(', ')} (they are: ${sdk.targets.map((t) => t.triple).join(', ')})`,
    );
  }
  const targets = opts.targets.length
    ? sdk.targets.filter((t) => opts.targets.includes(t.triple))
    : sdk.targets;

  const missing = missingToolchains(targets);
  if (missing.length > 0) {
    console.error('build:targets: missing toolchains, nothing was built:');
    for (const m of missing) console.error(`  ${m.target}: ${m.what} — install with: ${m.install}`);
    return 1;
  }

  const out = opts.out ?? join(repoRoot, 'target', 'platform-packages');
  rmSync(out, { recursive: true, force: true });
  const artifacts = join(out, 'artifacts');
  mkdirSync(artifacts, { recursive: true });

  const built = [];
  for (const t of targets) {
    console.log(`\n== ${t.triple}${t.buildTriple !== t.triple ? ` (built as ${t.buildTriple})` : ''}`);
    const extraEnv = t.buildTriple.endsWith('-windows-gnu')
      ? libnodeStub(join(out, 'libnode'))
      : t.os === 'darwin'
        ? frameworkFlags(t, join(out, 'frameworks'))
        : {};
    const started = Date.now();
    napiBuild(t, opts, artifacts, extraEnv);
    statuslineBuild(t, opts, artifacts, extraEnv);
    const seconds = (Date.now() - started) / 1000;
    const made = join(artifacts, `${sdk.binaryName}.${t.platform}.node`);
    if (t.buildTriple !== t.triple) {
      // The GNU Windows build is named win32-x64-gnu by napi; it stands in for the MSVC package.
      const gnuName = join(artifacts, `${sdk.binaryName}.${t.platform.replace(/-msvc$/, '-gnu')}.node`);
      copyFileSync(gnuName, made);
      rmSync(gnuName);
    }
    built.push({ triple: t.triple, builtAs: t.buildTriple, seconds: Math.round(seconds * 10) / 10 });
    console.log(`== ${t.triple}: ${seconds.toFixed(1)} s`);
  }
  rmSync(join(artifacts, '.types'), { recursive: true, force: true });

  // The SDK's package.json (its napi config, limited to the targets built) is the root of the
  // scratch release: napi only manages package directories under it.
  const pkg = JSON.parse(readFileSync(sdkPackageJson, 'utf8'));
  pkg.napi.targets = targets.map((t) => t.triple);
  writeFileSync(join(out, 'package.json'), `${JSON.stringify(pkg, null, 2)}\n`);
  const pj = ['--package-json-path', 'package.json', '--npm-dir', 'npm'];
  napiCli(['create-npm-dirs', ...pj], out);
  napiCli(['artifacts', ...pj, '--output-dir', 'artifacts'], out);
  addStatusline(artifacts, join(out, 'npm'));
  // What the release's `napi prepublish` writes into the SDK (its optionalDependencies), without
  // publishing anything.
  napiCli(['prepublish', ...pj, '--tag-style', 'npm', '--skip-optional-publish'], out);
  writeFileSync(
    join(out, 'build.json'),
    `${JSON.stringify({ profile: opts.release ? 'release' : 'debug', targets: built }, null, 2)}\n`,
  );
  const total = built.reduce((s, b) => s + b.seconds, 0);
  console.log(`\nbuilt ${built.length} target(s) in ${total.toFixed(1)} s; packages in ${join(out, 'npm')}`);

  if (!opts.check) return 0;
  const check = spawnSync(process.execPath, [join(repoRoot, 'scripts', 'check-platform-packages.mjs'), out], {
    stdio: 'inherit',
  });
  return check.status ?? 1;
}

try {
  process.exitCode = main(process.argv.slice(2));
} catch (e) {
  console.error(`build:targets: ${e instanceof Error ? e.message : String(e)}`);
  process.exitCode = 1;
}
