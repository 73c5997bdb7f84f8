#!/usr/bin/env node
// Checks the per-platform npm packages made by scripts/build-targets.mjs (or by the release
// workflow) before anyone installs them:
//   - each package.json: name, version, `os`/`cpu`/`libc`, `main` and `files` for its target;
//   - its `.node`: format (ELF, Mach-O, PE), CPU, a shared library, ELF libc (glibc or musl),
//     no MinGW runtime DLL or node import on Windows, a valid code signature on arm64 macOS, and
//     `napi_register_module_v1` exported (what Node calls);
//   - its native status line (`relayburn-statusline`, `.exe` on Windows): listed in `files`, an
//     executable of the same format and CPU, the same libc (or static, for musl), no MinGW
//     runtime DLL, signed on arm64 macOS;
//   - `npm pack --dry-run`: the binaries and package.json (+ README.md), nothing else;
//   - the SDK's `optionalDependencies` (as `napi prepublish` wrote them) name every package at
//     the SDK's version.
// Usage: node scripts/check-platform-packages.mjs <dir> [--only <platform>]…
//   <dir> holds package.json (the SDK's, with its napi config) and npm/<platform>/.
// Exits 1 and names every problem found.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { readBinary } from './native-binary.mjs';
import { sdkTargets, statuslineFile } from './platform-targets.mjs';

const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const REGISTER = 'napi_register_module_v1';
// MinGW's runtime DLLs are not on a user's Windows machine: the addon must not import them.
const MINGW_RUNTIME = /^(libgcc_s_.*|libwinpthread-\d+|libstdc\+\+-\d+)\.dll$/i;
const FORMAT_NAMES = { elf: 'ELF', macho: 'Mach-O', pe: 'PE' };

function same(a, b) {
  return JSON.stringify(a) === JSON.stringify(b);
}

function checkManifest(dir, t, sdk, problems) {
  const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  const want = {
    name: `${sdk.name}-${t.platform}`,
    version: sdk.version,
    os: [t.os],
    cpu: [t.cpu],
    libc: t.libc ? [t.libc] : undefined,
    main: `${sdk.binaryName}.${t.platform}.node`,
  };
  for (const [field, value] of Object.entries(want)) {
    if (!same(pkg[field], value)) {
      problems.push(
        `package.json ${field} is ${JSON.stringify(pkg[field])}, expected ${JSON.stringify(value)}`,
      );
    }
  }
  for (const file of [want.main, statuslineFile(t)]) {
    if (!Array.isArray(pkg.files) || !pkg.files.includes(file)) {
      problems.push(`package.json files ${JSON.stringify(pkg.files)} does not list ${file}`);
    }
  }
  return want.main;
}

function checkBinary(file, t, problems) {
  let info;
  try {
    info = readBinary(readFileSync(file));
  } catch (e) {
    problems.push(`${file}: ${e instanceof Error ? e.message : String(e)}`);
    return undefined;
  }
  if (info.format !== t.format) {
    problems.push(`binary is ${FORMAT_NAMES[info.format]}, expected ${FORMAT_NAMES[t.format]}`);
  }
  if (info.arch !== t.arch) problems.push(`binary is for ${info.arch}, expected ${t.arch}`);
  if (!info.sharedLibrary) problems.push('binary is not a shared library');
  if (t.format === 'elf' && info.libc !== t.libc) {
    problems.push(
      `binary links ${info.libc ?? 'no known libc'} (${info.needed.join(', ')}), expected ${t.libc}`,
    );
  }
  if (t.format === 'pe') {
    const runtime = info.needed.filter((d) => MINGW_RUNTIME.test(d));
    if (runtime.length) problems.push(`binary imports MinGW runtime DLLs: ${runtime.join(', ')}`);
    // Node-API comes from the process that loads the addon (node.exe, or Electron's binary).
    const node = info.needed.filter((d) => /^(lib)?node\.(dll|exe)$/i.test(d));
    if (node.length)
      problems.push(`binary imports ${node.join(', ')} instead of finding Node-API at load time`);
  }
  if (t.format === 'macho' && t.arch === 'aarch64' && info.codeSignature !== 'valid') {
    // macOS on Apple silicon kills a process that maps unsigned or altered arm64 code.
    problems.push(`binary's code signature is ${info.codeSignature === 'none' ? 'missing' : 'broken'}`);
  }
  if (!info.exports.includes(REGISTER)) problems.push(`binary does not export ${REGISTER}`);
  const detail = [
    `${FORMAT_NAMES[info.format]} ${info.arch}`,
    info.libc ? `${info.libc}${info.glibcVersion ? ` ≥ ${info.glibcVersion}` : ''}` : undefined,
    info.codeSignature === 'valid' ? 'signed' : undefined,
    info.exports.includes(REGISTER) ? REGISTER : undefined,
  ];
  return detail.filter(Boolean).join(', ');
}

function checkExecutable(file, t, problems) {
  const name = statuslineFile(t);
  let info;
  try {
    info = readBinary(readFileSync(file));
  } catch (e) {
    problems.push(`${name}: ${e instanceof Error ? e.message : String(e)}`);
    return;
  }
  if (info.format !== t.format) {
    problems.push(`${name} is ${FORMAT_NAMES[info.format]}, expected ${FORMAT_NAMES[t.format]}`);
  }
  if (info.arch !== t.arch) problems.push(`${name} is for ${info.arch}, expected ${t.arch}`);
  if (!info.executable) problems.push(`${name} is not an executable`);
  // A static musl program links no libc at all; anything it does link must be musl.
  const staticOk = t.libc === 'musl' && info.needed.length === 0 && info.interpreter === undefined;
  if (t.format === 'elf' && info.libc !== t.libc && !staticOk) {
    problems.push(
      `${name} links ${info.libc ?? 'no known libc'} (${info.needed.join(', ')}), expected ${t.libc}`,
    );
  }
  if (t.format === 'pe') {
    const runtime = info.needed.filter((d) => MINGW_RUNTIME.test(d));
    if (runtime.length) problems.push(`${name} imports MinGW runtime DLLs: ${runtime.join(', ')}`);
  }
  if (t.format === 'macho' && t.arch === 'aarch64' && info.codeSignature !== 'valid') {
    problems.push(`${name}'s code signature is ${info.codeSignature === 'none' ? 'missing' : 'broken'}`);
  }
}

function checkPack(dir, main, problems, t) {
  const out = JSON.parse(
    execFileSync(npm, ['pack', '--dry-run', '--json', '--ignore-scripts'], {
      cwd: dir,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    }),
  );
  const files = (out[0]?.files ?? []).map((f) => f.path).sort();
  const exe = statuslineFile(t);
  const extra = files.filter((f) => f !== main && f !== exe && f !== 'package.json' && f !== 'README.md');
  if (!files.includes(main)) problems.push(`npm pack leaves out ${main}`);
  if (!files.includes(exe)) problems.push(`npm pack leaves out ${exe}`);
  if (extra.length) problems.push(`npm pack ships more than the binary: ${extra.join(', ')}`);
  return files.length;
}

function checkOptionalDependencies(root, sdk, targets, problems) {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  const deps = pkg.optionalDependencies ?? {};
  const want = Object.fromEntries(targets.map((t) => [`${sdk.name}-${t.platform}`, sdk.version]));
  for (const [name, version] of Object.entries(want)) {
    if (deps[name] !== version) {
      problems.push(
        `the SDK's optionalDependencies have ${name}@${deps[name] ?? '(missing)'}, expected ${version}`,
      );
    }
  }
  for (const name of Object.keys(deps)) {
    if (!(name in want)) problems.push(`the SDK's optionalDependencies name ${name}, which is no target`);
  }
}

function main(argv) {
  const only = [];
  let root;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--only') only.push(argv[++i] ?? '');
    else if (root === undefined) root = resolve(argv[i] ?? '');
    else throw new Error(`unexpected argument ${argv[i]}`);
  }
  if (!root) throw new Error('usage: check-platform-packages.mjs <dir> [--only <platform>]…');

  // Expected values come from the repository's SDK and the target table, never from the files
  // under check; the targets checked are those the scratch package.json was built for.
  const sdk = sdkTargets();
  const built = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).napi?.targets ?? [];
  const targets = sdk.targets.filter((t) => built.includes(t.triple));
  let failed = 0;
  for (const t of targets) {
    if (only.length && !only.includes(t.platform)) continue;
    const dir = join(root, 'npm', t.platform);
    const problems = [];
    let summary = '';
    if (!existsSync(join(dir, 'package.json'))) {
      problems.push(`no package at ${dir}`);
    } else {
      const main = checkManifest(dir, t, sdk, problems);
      const file = join(dir, main);
      if (existsSync(file)) {
        summary = checkBinary(file, t, problems) ?? '';
        const exe = join(dir, statuslineFile(t));
        if (existsSync(exe)) {
          checkExecutable(exe, t, problems);
          summary += `; ${statuslineFile(t)}`;
        } else {
          problems.push(`no executable ${statuslineFile(t)}`);
        }
        summary += `; npm pack: ${checkPack(dir, main, problems, t)} files`;
      } else {
        problems.push(`no binary ${main}`);
      }
    }
    if (problems.length === 0) {
      console.log(`ok   ${sdk.name}-${t.platform}: ${summary}`);
    } else {
      failed++;
      for (const p of problems) console.error(`FAIL ${sdk.name}-${t.platform}: ${p}`);
    }
  }
  const depProblems = [];
  checkOptionalDependencies(root, sdk, targets, depProblems);
  for (const p of depProblems) console.error(`FAIL ${p}`);
  if (depProblems.length === 0) {
    console.log(`ok   the SDK's optionalDependencies name all ${targets.length} packages`);
  }
  if (targets.length < sdk.targets.length) {
    console.log(`note: ${targets.length} of the ${sdk.targets.length} napi targets were built and checked`);
  }
  return failed > 0 || depProblems.length > 0 ? 1 : 0;
}

try {
  process.exitCode = main(process.argv.slice(2));
} catch (e) {
  console.error(`check-platform-packages: ${e instanceof Error ? e.message : String(e)}`);
  process.exitCode = 1;
}
