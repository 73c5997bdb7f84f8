// The proof that `npm i @relayburn/sdk @relayburn/cli` works: pack the SDK, this platform's
// binary package and the CLI exactly as the release workflow does, install them into an empty
// project, call the API from ESM and CJS, and run `burn demo` from the installed CLI.
import { execFileSync } from 'node:child_process';
import {
  copyFileSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { basename, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempHome } from './helpers/home.js';
import { cliDir, dashboardDir, nativeStatusline, repoRoot, sdkDir } from './helpers/paths.js';

const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

function run(cmd: string, args: string[], cwd: string): string {
  return execFileSync(cmd, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

function packInto(dir: string, pkgDir: string): string {
  const out = JSON.parse(run(npm, ['pack', '--json', '--pack-destination', dir], pkgDir)) as Array<{
    filename: string;
    files: Array<{ path: string }>;
  }>;
  const first = out[0];
  if (!first) throw new Error(`npm pack printed nothing for ${pkgDir}`);
  return join(dir, first.filename);
}

describe('npm package', () => {
  it('the SDK tarball ships the loader and JS but no .node binary', () => {
    const out = JSON.parse(run(npm, ['pack', '--dry-run', '--json'], sdkDir)) as Array<{
      files: Array<{ path: string }>;
    }>;
    const files = (out[0]?.files ?? []).map((f) => f.path);
    expect(files).toEqual(
      expect.arrayContaining([
        'dist/index.js',
        'dist/index.mjs',
        'dist/index.d.ts',
        'native/binding.cjs',
        'native/prices.json',
      ]),
    );
    expect(files.filter((f) => f.endsWith('.node'))).toEqual([]);
    // One bundled file (scripts/bundle.mjs) beside the ESM entry; zod's schemas are inside it.
    expect(files.filter((f) => /\.m?js$/.test(f) && f.startsWith('dist/')).sort()).toEqual([
      'dist/index.js',
      'dist/index.mjs',
    ]);
  });

  it('the CLI tarball ships its JS and the demo samples', () => {
    const out = JSON.parse(run(npm, ['pack', '--dry-run', '--json'], cliDir)) as Array<{
      files: Array<{ path: string }>;
    }>;
    const files = (out[0]?.files ?? []).map((f) => f.path);
    expect(files).toEqual(
      expect.arrayContaining([
        'dist/main.js',
        'samples/stamps.json',
        'bin/relayburn-statusline',
        'install.js',
        'native-statusline.js',
      ]),
    );
    // The entry and the bundled CLI (scripts/bundle.mjs): no per-module output, no code cache.
    expect(files.filter((f) => f.startsWith('dist/')).sort()).toEqual(['dist/cli.js', 'dist/main.js']);
    expect(files.filter((f) => f.startsWith('samples/claude/')).length).toBeGreaterThanOrEqual(2);
    expect(files.some((f) => f.startsWith('samples/codex/sessions/'))).toBe(true);
    expect(files.some((f) => f.startsWith('samples/opencode/storage/message/'))).toBe(true);
    expect(files.filter((f) => f.startsWith('src/') || f.endsWith('.ts'))).toEqual([]);
  });

  it('installs from tarballs into an empty project and works from ESM and CJS', () => {
    const work = tempHome('pack');
    const tarballs = join(work, 'tarballs');
    mkdirSync(tarballs);

    // This platform's binary package, as `napi create-npm-dirs` + `napi artifacts` make it.
    const node = readdirSync(join(sdkDir, 'native')).find((f) => f.endsWith('.node'));
    expect(node, 'a built .node in packages/sdk/native').toBeDefined();
    const platform = (node as string).replace(/^relayburn\./, '').replace(/\.node$/, '');
    // create-npm-dirs only writes inside the workspace: use target/ (git-ignored) and clean up.
    const npmDir = join(repoRoot, 'target', `npm-pack-test-${process.pid}`);
    run(
      process.execPath,
      [
        join(repoRoot, 'node_modules', '@napi-rs', 'cli', 'dist', 'cli.js'),
        'create-npm-dirs',
        '--package-json-path',
        'packages/sdk/package.json',
        '--npm-dir',
        npmDir,
      ],
      repoRoot,
    );
    const platformDir = join(npmDir, platform);
    copyFileSync(join(sdkDir, 'native', node as string), join(platformDir, node as string));
    // The native status line beside it, listed in `files` (as scripts/add-statusline.mjs does).
    const exe = basename(nativeStatusline);
    copyFileSync(nativeStatusline, join(platformDir, exe));
    const manifest = JSON.parse(readFileSync(join(platformDir, 'package.json'), 'utf8')) as {
      files: string[];
    };
    writeFileSync(
      join(platformDir, 'package.json'),
      JSON.stringify({ ...manifest, files: [...manifest.files, exe] }, null, 2),
    );
    const platformTgz = packInto(tarballs, platformDir);
    rmSync(npmDir, { recursive: true, force: true });
    const sdkTgz = packInto(tarballs, sdkDir);
    const cliTgz = packInto(tarballs, cliDir);
    const dashboardTgz = packInto(tarballs, dashboardDir);

    const project = join(work, 'project');
    mkdirSync(project);
    writeFileSync(
      join(project, 'package.json'),
      JSON.stringify({ name: 'consumer', version: '1.0.0', private: true }),
    );
    run(
      npm,
      ['install', '--no-audit', '--no-fund', '--prefer-offline', platformTgz, sdkTgz, cliTgz, dashboardTgz],
      project,
    );

    const ledgerHome = join(work, 'ledger');
    writeFileSync(
      join(project, 'esm.mjs'),
      `import { writeStamp, stamps } from '@relayburn/sdk';
const r = await writeStamp({ sessionId: 'from-esm', enrichment: { via: 'esm' }, ledgerHome: process.argv[2] });
console.log(JSON.stringify({ r, n: (await stamps({ ledgerHome: process.argv[2] })).length }));`,
    );
    writeFileSync(
      join(project, 'cjs.cjs'),
      `const { writeStamp, stamps } = require('@relayburn/sdk');
writeStamp({ sessionId: 'from-cjs', enrichment: { via: 'cjs' }, ledgerHome: process.argv[2] })
  .then(async (r) => console.log(JSON.stringify({ r, n: (await stamps({ ledgerHome: process.argv[2] })).length })));`,
    );
    const esm = JSON.parse(run(process.execPath, ['esm.mjs', ledgerHome], project)) as {
      r: { id: string };
      n: number;
    };
    const cjs = JSON.parse(run(process.execPath, ['cjs.cjs', ledgerHome], project)) as {
      r: { id: string };
      n: number;
    };
    expect(esm.r.id).toMatch(/^[0-9a-f]{16}$/);
    expect(esm.n).toBe(1);
    expect(cjs.n).toBe(2);
    // The binary came from the platform package, not from the workspace.
    expect(readdirSync(join(project, 'node_modules', '@relayburn')).sort()).toEqual(
      ['cli', 'dashboard', 'sdk', `sdk-${platform}`].sort(),
    );
    expect(
      readdirSync(join(project, 'node_modules', '@relayburn', 'sdk', 'native')).some((f) =>
        f.endsWith('.node'),
      ),
    ).toBe(false);

    // `burn demo` from the installed package, on a machine with nothing in HOME and no network
    // (only local tarballs were installed): the samples ship in the CLI's `files`.
    const emptyHome = join(work, 'empty-home');
    mkdirSync(emptyHome);
    // Through the `bin` link npm made (on Windows a .cmd shim, which needs a shell: run main.js).
    const [cmd, args] =
      process.platform === 'win32'
        ? [
            process.execPath,
            [join(project, 'node_modules', '@relayburn', 'cli', 'dist', 'main.js'), 'demo', '--json'],
          ]
        : [join(project, 'node_modules', '.bin', 'burn'), ['demo', '--json']];
    const demo = execFileSync(cmd, args, {
      cwd: project,
      encoding: 'utf8',
      env: { PATH: process.env.PATH, HOME: emptyHome, USERPROFILE: emptyHome, NO_COLOR: '1' },
    });
    const shown = JSON.parse(demo) as { byModel: { totals: { turns: number; totalTokens: number } } };
    expect(shown.byModel.totals).toMatchObject({ turns: 12, totalTokens: 162_874 });
    expect(readdirSync(emptyHome)).toEqual([]);

    // `relayburn-statusline` (the command README puts in Claude Code's settings.json): the
    // install step replaced the CLI's Node shim with the platform package's native executable,
    // which prints what the installed `burn statusline` prints.
    const payload = JSON.stringify({ session_id: 'none-yet', cwd: project });
    const statusEnv = { PATH: process.env.PATH, HOME: emptyHome, TZ: 'UTC', RELAYBURN_HOME: ledgerHome };
    const bin = join(project, 'node_modules', '.bin', 'relayburn-statusline');
    if (process.platform !== 'win32') {
      const head = readFileSync(realpathSync(bin)).subarray(0, 4);
      expect(head.equals(Buffer.from('\x7fELF', 'latin1')) || head.readUInt32LE(0) === 0xfeedfacf).toBe(true);
      const viaBin = execFileSync(bin, ['--json'], {
        cwd: project,
        encoding: 'utf8',
        input: payload,
        env: statusEnv,
      });
      const viaBurn = execFileSync(join(project, 'node_modules', '.bin', 'burn'), ['statusline', '--json'], {
        cwd: project,
        encoding: 'utf8',
        input: payload,
        env: statusEnv,
      });
      expect(JSON.parse(viaBin)).toMatchObject({ sessionCostUsd: 0, budgets: [] });
      expect(viaBin).toBe(viaBurn);
      // README's settings.json snippet, run as Claude Code runs it (a shell command line), with
      // the installed bins on PATH as a global install puts them.
      const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');
      const snippet = /```json\n(\{\s*"statusLine"[\s\S]*?)```/.exec(readme)?.[1];
      const command = (JSON.parse(snippet ?? '{}') as { statusLine?: { command?: string } }).statusLine
        ?.command;
      expect(command).toBe('relayburn-statusline');
      const line = execFileSync('/bin/sh', ['-c', command as string], {
        cwd: emptyHome,
        encoding: 'utf8',
        input: payload,
        env: { ...statusEnv, PATH: `${join(project, 'node_modules', '.bin')}:${process.env.PATH}` },
      });
      expect(line).toBe('$0.00 session · $0.00 today\n');
    }

    // The dashboard page ships built in its package, where the installed CLI finds it.
    const assets = execFileSync(
      process.execPath,
      [
        '-e',
        "console.log(require('fs').readdirSync(require('@relayburn/dashboard').assetsDir).sort().join(' '))",
      ],
      { cwd: project, encoding: 'utf8' },
    );
    expect(assets.trim()).toBe('app.css app.js index.html');
  }, 300_000); // npm pack and install of four packages: minutes on a loaded 2-core machine
});
