// The per-platform npm packages that `npm run build:targets` cross-compiles and packs
// (.ci/run builds all of them before the tests): the package check passes on them, refuses
// copies made wrong in one way each, and the arm64 glibc package loads in an arm64 Node.
// Each package holds the addon and the native status line (crates/relayburn-statusline).
import { spawnSync } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempHome } from './helpers/home.js';
import { repoRoot, sdkDir } from './helpers/paths.js';

const built = join(repoRoot, 'target', 'platform-packages');
const haveBuild = existsSync(join(built, 'build.json'));
const napiTargets = (
  JSON.parse(readFileSync(join(sdkDir, 'package.json'), 'utf8')) as { napi: { targets: string[] } }
).napi.targets;

function script(name: string, args: string[]) {
  const r = spawnSync(process.execPath, [join(repoRoot, 'scripts', name), ...args], {
    encoding: 'utf8',
    timeout: 300_000,
  });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

type Json = Record<string, unknown>;
const readJson = (file: string) => JSON.parse(readFileSync(file, 'utf8')) as Json;
const writeJson = (file: string, value: unknown) => writeFileSync(file, JSON.stringify(value, null, 2));

/** The `.node` file of a package directory. */
function binaryOf(dir: string): string {
  const name = readdirSync(dir).find((f) => f.endsWith('.node'));
  if (!name) throw new Error(`no .node in ${dir}`);
  return join(dir, name);
}

/** Every occurrence of `from` in the file replaced by `to` (same length). */
function patchBytes(file: string, from: string, to: string) {
  const buf = readFileSync(file);
  let n = 0;
  for (let at = buf.indexOf(from); at >= 0; at = buf.indexOf(from, at + 1)) {
    buf.write(to, at, 'latin1');
    n++;
  }
  expect(n, `${from} in ${file}`).toBeGreaterThan(0);
  writeFileSync(file, buf);
}

interface Fault {
  name: string;
  platform: string;
  /** `pkg`: the copied package; `root`: the copy's root (its package.json is the SDK's). */
  spoil: (pkg: string, root: string) => void;
  expected: RegExp;
}

const faults: Fault[] = [
  {
    name: 'a wrong cpu field',
    platform: 'linux-arm64-gnu',
    spoil: (pkg) =>
      writeJson(join(pkg, 'package.json'), { ...readJson(join(pkg, 'package.json')), cpu: ['x64'] }),
    expected: /package\.json cpu is \["x64"\], expected \["arm64"\]/,
  },
  {
    name: 'no libc field on the musl package',
    platform: 'linux-x64-musl',
    spoil: (pkg) => {
      const { libc: _, ...rest } = readJson(join(pkg, 'package.json'));
      writeJson(join(pkg, 'package.json'), rest);
    },
    expected: /package\.json libc is undefined, expected \["musl"\]/,
  },
  {
    name: 'a wrong os field',
    platform: 'darwin-x64',
    spoil: (pkg) =>
      writeJson(join(pkg, 'package.json'), { ...readJson(join(pkg, 'package.json')), os: ['linux'] }),
    expected: /package\.json os is \["linux"\], expected \["darwin"\]/,
  },
  {
    name: 'a version other than the SDK',
    platform: 'win32-x64-msvc',
    spoil: (pkg) =>
      writeJson(join(pkg, 'package.json'), { ...readJson(join(pkg, 'package.json')), version: '0.0.1' }),
    expected: /package\.json version is "0\.0\.1"/,
  },
  {
    name: 'a glibc binary in the musl package',
    platform: 'linux-x64-musl',
    spoil: (pkg) => copyFileSync(binaryOf(join(built, 'npm', 'linux-x64-gnu')), binaryOf(pkg)),
    expected: /binary links glibc .*expected musl/,
  },
  {
    name: 'an x64 Mach-O in the darwin-arm64 package',
    platform: 'darwin-arm64',
    spoil: (pkg) => copyFileSync(binaryOf(join(built, 'npm', 'darwin-x64')), binaryOf(pkg)),
    expected: /binary is for x86_64, expected aarch64/,
  },
  {
    name: 'an ELF binary in the Windows package',
    platform: 'win32-x64-msvc',
    spoil: (pkg) => copyFileSync(binaryOf(join(built, 'npm', 'linux-x64-gnu')), binaryOf(pkg)),
    expected: /binary is ELF, expected PE/,
  },
  {
    name: 'a PE for another machine',
    platform: 'win32-x64-msvc',
    spoil: (pkg) => {
      const file = binaryOf(pkg);
      const buf = readFileSync(file);
      buf.writeUInt16LE(0xaa64, buf.readUInt32LE(0x3c) + 4);
      writeFileSync(file, buf);
    },
    expected: /binary is for aarch64, expected x86_64/,
  },
  ...['linux-arm64-gnu', 'darwin-arm64', 'win32-x64-msvc'].map((platform) => ({
    name: `no napi_register_module_v1 (${platform})`,
    platform,
    spoil: (pkg: string) => patchBytes(binaryOf(pkg), 'napi_register_module_v1', 'napi_register_module_v0'),
    expected: /binary does not export napi_register_module_v1/,
  })),
  {
    name: 'a byte changed in signed arm64 macOS code',
    platform: 'darwin-arm64',
    spoil: (pkg) => {
      const file = binaryOf(pkg);
      const buf = readFileSync(file);
      const at = Math.floor(buf.length / 3);
      buf[at] = (buf[at] ?? 0) ^ 0xff;
      writeFileSync(file, buf);
    },
    expected: /binary's code signature is broken/,
  },
  {
    name: 'a text file instead of a binary',
    platform: 'linux-arm64-gnu',
    spoil: (pkg) => writeFileSync(binaryOf(pkg), 'not a binary\n'),
    expected: /not an ELF, 64-bit Mach-O or PE file/,
  },
  {
    name: 'a second file in the tarball',
    platform: 'darwin-arm64',
    spoil: (pkg) => {
      const manifest = readJson(join(pkg, 'package.json'));
      writeFileSync(join(pkg, 'build.log'), 'compiled\n');
      writeJson(join(pkg, 'package.json'), {
        ...manifest,
        files: [...(manifest.files as string[]), 'build.log'],
      });
    },
    expected: /npm pack ships more than the binary: build\.log/,
  },
  {
    name: 'the addon in place of the native status line',
    platform: 'linux-arm64-gnu',
    spoil: (pkg) => copyFileSync(binaryOf(pkg), join(pkg, 'relayburn-statusline')),
    expected: /relayburn-statusline is not an executable/,
  },
  {
    name: 'a glibc status line in the musl package',
    platform: 'linux-x64-musl',
    spoil: (pkg) =>
      copyFileSync(
        join(built, 'npm', 'linux-x64-gnu', 'relayburn-statusline'),
        join(pkg, 'relayburn-statusline'),
      ),
    expected: /relayburn-statusline links glibc .*expected musl/,
  },
  {
    name: 'no native status line listed in files',
    platform: 'win32-x64-msvc',
    spoil: (pkg) => {
      const manifest = readJson(join(pkg, 'package.json'));
      writeJson(join(pkg, 'package.json'), {
        ...manifest,
        files: (manifest.files as string[]).filter((f) => f !== 'relayburn-statusline.exe'),
      });
    },
    expected: /does not list relayburn-statusline\.exe/,
  },
  {
    name: 'an optionalDependency of the SDK missing',
    platform: 'linux-x64-gnu',
    spoil: (_pkg, root) => {
      const sdk = readJson(join(root, 'package.json'));
      const { '@relayburn/sdk-darwin-x64': _, ...deps } = sdk.optionalDependencies as Json;
      writeJson(join(root, 'package.json'), { ...sdk, optionalDependencies: deps });
    },
    expected: /optionalDependencies have @relayburn\/sdk-darwin-x64@\(missing\), expected 0\.1\.0/,
  },
];

// Built by CI (.ci/run); elsewhere after `npm run build:targets`.
describe.runIf(haveBuild || process.env.CI)('platform packages', () => {
  it('every napi target was built and its package passes the check', () => {
    expect(existsSync(join(built, 'build.json')), 'run npm run build:targets').toBe(true);
    const info = readJson(join(built, 'build.json')) as { targets: Array<{ triple: string }> };
    expect(info.targets.map((t) => t.triple).sort()).toEqual([...napiTargets].sort());
    const r = script('check-platform-packages.mjs', [built]);
    expect(r.out).not.toContain('FAIL');
    expect(r.status).toBe(0);
    for (const dir of readdirSync(join(built, 'npm'))) expect(r.out).toContain(`ok   @relayburn/sdk-${dir}:`);
    expect(readdirSync(join(built, 'npm')).length).toBe(napiTargets.length);
    expect(r.out).toContain(`optionalDependencies name all ${napiTargets.length} packages`);
  }, 300_000); // six `npm pack` runs, one of a 57 MB debug binary

  it.each(faults)('the check refuses $name', ({ platform, spoil, expected }) => {
    // A copy of the SDK manifest and of the one package, spoiled; the original passes (above).
    const root = tempHome('platform-pkg');
    copyFileSync(join(built, 'package.json'), join(root, 'package.json'));
    const pkg = join(root, 'npm', platform);
    cpSync(join(built, 'npm', platform), pkg, { recursive: true });
    spoil(pkg, root);
    const r = script('check-platform-packages.mjs', [root, '--only', platform]);
    expect(r.out).toMatch(expected);
    expect(r.status).toBe(1);
  });

  it('the arm64 glibc package loads in an arm64 Node (qemu) and answers as this machine', () => {
    const r = script('load-arm64.mjs', [built]);
    expect(r.out).toContain('ok   the arm64 glibc package loads');
    expect(r.status).toBe(0);
  }, 300_000); // Node under emulation
});
