// What each target of the SDK's `napi.targets` is, written out independently of napi-rs, so the
// package checks catch a wrong field whoever wrote it: the npm package suffix, its `os`/`cpu`/
// `libc`, the binary format and CPU of its `.node`; and how this Linux x64 machine builds it.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..');
export const sdkPackageJson = join(repoRoot, 'packages', 'sdk', 'package.json');

/**
 * @typedef {object} Tool
 * @property {string} name  what is looked for
 * @property {string} install  the command that installs it on Debian/Ubuntu
 *
 * @typedef {object} Target
 * @property {string} triple  as in `napi.targets`
 * @property {string} platform  the package suffix and the `.node` file's middle name
 * @property {string} os  package.json `os`
 * @property {string} cpu  package.json `cpu`
 * @property {string | undefined} libc  package.json `libc` (Linux only)
 * @property {'elf' | 'macho' | 'pe'} format
 * @property {'x86_64' | 'aarch64'} arch
 * @property {string} buildTriple  what is compiled here (differs for Windows: see below)
 * @property {'host' | 'gcc' | 'zig'} via  plain cargo, cargo with a cross gcc, or cargo-zigbuild
 *   (`napi build -x`, which sets zig as C compiler, archiver and linker itself)
 * @property {Record<string, string>} env  linker, C compiler and archiver for the bundled SQLite
 * @property {string[]} commands  programs the build needs on PATH (beside cargo)
 */

const gcc = (triple, prefix) => {
  const key = triple.replace(/-/g, '_');
  return {
    [`CARGO_TARGET_${key.toUpperCase()}_LINKER`]: `${prefix}gcc`,
    [`CC_${key}`]: `${prefix}gcc`,
    [`AR_${key}`]: `${prefix}ar`,
  };
};

/** @type {Record<string, Omit<Target, 'triple'>>} */
const TARGETS = {
  'x86_64-unknown-linux-gnu': {
    platform: 'linux-x64-gnu',
    os: 'linux',
    cpu: 'x64',
    libc: 'glibc',
    format: 'elf',
    arch: 'x86_64',
    buildTriple: 'x86_64-unknown-linux-gnu',
    via: 'host',
    env: {},
    commands: ['cc'],
  },
  'aarch64-unknown-linux-gnu': {
    platform: 'linux-arm64-gnu',
    os: 'linux',
    cpu: 'arm64',
    libc: 'glibc',
    format: 'elf',
    arch: 'aarch64',
    buildTriple: 'aarch64-unknown-linux-gnu',
    via: 'gcc',
    env: gcc('aarch64-unknown-linux-gnu', 'aarch64-linux-gnu-'),
    commands: ['aarch64-linux-gnu-gcc'],
  },
  'x86_64-unknown-linux-musl': {
    platform: 'linux-x64-musl',
    os: 'linux',
    cpu: 'x64',
    libc: 'musl',
    format: 'elf',
    arch: 'x86_64',
    buildTriple: 'x86_64-unknown-linux-musl',
    // zig, as the release does: the addon, a shared library, links libgcc_s for unwinding,
    // which Debian's musl-gcc does not have for musl; cargo-zigbuild links zig's libunwind.
    via: 'zig',
    env: {},
    commands: ['zig', 'cargo-zigbuild'],
  },
  'x86_64-apple-darwin': {
    platform: 'darwin-x64',
    os: 'darwin',
    cpu: 'x64',
    libc: undefined,
    format: 'macho',
    arch: 'x86_64',
    buildTriple: 'x86_64-apple-darwin',
    via: 'zig',
    env: {},
    commands: ['zig', 'cargo-zigbuild'],
  },
  'aarch64-apple-darwin': {
    platform: 'darwin-arm64',
    os: 'darwin',
    cpu: 'arm64',
    libc: undefined,
    format: 'macho',
    arch: 'aarch64',
    buildTriple: 'aarch64-apple-darwin',
    via: 'zig',
    env: {},
    commands: ['zig', 'cargo-zigbuild'],
  },
  // Released from a Windows runner with MSVC; checked here through the GNU target (mingw-w64),
  // which compiles the same Rust and C and yields the same kind of PE DLL.
  'x86_64-pc-windows-msvc': {
    platform: 'win32-x64-msvc',
    os: 'win32',
    cpu: 'x64',
    libc: undefined,
    format: 'pe',
    arch: 'x86_64',
    buildTriple: 'x86_64-pc-windows-gnu',
    via: 'gcc',
    env: gcc('x86_64-pc-windows-gnu', 'x86_64-w64-mingw32-'),
    commands: ['x86_64-w64-mingw32-gcc'],
  },
};

/** How to get each program a build needs, on Debian/Ubuntu (what `.ci/run` installs). */
export const INSTALL = {
  cc: 'apt-get install gcc',
  'aarch64-linux-gnu-gcc': 'apt-get install gcc-aarch64-linux-gnu',
  'x86_64-w64-mingw32-gcc': 'apt-get install mingw-w64',
  zig: 'pip install ziglang==0.17.1',
  'cargo-zigbuild': 'pip install cargo-zigbuild==0.24.1',
  'qemu-aarch64-static': 'apt-get install qemu-user-static',
};

/** @returns {{ name: string, version: string, targets: Target[] }} the SDK and its napi targets */
export function sdkTargets() {
  const pkg = JSON.parse(readFileSync(sdkPackageJson, 'utf8'));
  const targets = (pkg.napi?.targets ?? []).map((triple) => {
    const t = TARGETS[triple];
    if (!t) {
      throw new Error(`napi target ${triple} is not described in scripts/platform-targets.mjs: add it there`);
    }
    return { triple, ...t };
  });
  return { name: pkg.name, version: pkg.version, binaryName: pkg.napi?.binaryName, targets };
}

/** The native status line's file name in a target's package (crates/relayburn-statusline). */
export function statuslineFile(t) {
  return t.os === 'win32' ? 'relayburn-statusline.exe' : 'relayburn-statusline';
}
