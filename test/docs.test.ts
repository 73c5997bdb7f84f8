// Documentation stays complete: every value the SDK exports carries TSDoc with an `@example`
// in the published declarations, the SDK's README (its reference, what npm shows) documents every
// SDK function, and the root README every CLI command.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { burn } from './helpers/cli.js';
import { repoRoot, sdkDir } from './helpers/paths.js';
import { esm } from './helpers/sdk.js';

const dist = join(sdkDir, 'dist');
const declarations = readdirSync(dist)
  .filter((f) => f.endsWith('.d.ts') && f !== 'native.d.ts')
  .map((f) => readFileSync(join(dist, f), 'utf8'))
  .join('\n');
const exported = Object.keys(esm).filter((k) => k !== 'default' && k !== '__esModule');
const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');
const sdkReadme = readFileSync(join(sdkDir, 'README.md'), 'utf8');
/** Type-only exports, from `export type { … }` and `type X` in the published index.d.ts. */
const index = readFileSync(join(dist, 'index.d.ts'), 'utf8');
const exportedTypes = [
  ...[...index.matchAll(/export type \{([^}]*)\}/g)].flatMap((m) => (m[1] ?? '').split(',')),
  ...[...index.matchAll(/\btype (\w+)\b(?! =)/g)].map((m) => m[1] ?? ''),
]
  .map((n) => n.trim())
  .filter((n) => /^[A-Z]\w*$/.test(n));

/** The TSDoc block right before `export declare … name`, if any. */
function docOf(name: string): string | undefined {
  const re = new RegExp(
    `/\\*\\*((?:(?!\\*/)[\\s\\S])*)\\*/\\s*export (?:declare )?(?:function|const|class|type|interface) ${name}\\b`,
  );
  return re.exec(declarations)?.[1];
}

describe('documentation', () => {
  it.each(exported)('%s has TSDoc with an @example in the published .d.ts', (name) => {
    const doc = docOf(name);
    expect(doc, `no TSDoc before the declaration of ${name}`).toBeDefined();
    expect(doc).toContain('@example');
    expect(doc).toContain("from '@relayburn/sdk'");
  });

  it('finds the type exports', () => {
    expect(exportedTypes).toEqual(expect.arrayContaining(['Summary', 'IngestReport', 'BurnErrorCode']));
  });

  it.each(exportedTypes)('type %s has TSDoc with an @example in the published .d.ts', (name) => {
    const doc = docOf(name);
    expect(doc, `no TSDoc before the declaration of ${name}`).toBeDefined();
    expect(doc).toContain('@example');
    expect(doc).toContain("from '@relayburn/sdk'");
  });

  it.each(
    exported.filter((n) => /^[a-z]/.test(n) && typeof (esm as Record<string, unknown>)[n] === 'function'),
  )('the SDK README documents %s', (name) => {
    expect(sdkReadme).toContain(`\`${name}(`);
  });

  it('README lists every CLI command', () => {
    const help = burn(['--help']).stdout;
    const commands =
      help
        .split('Commands:\n')[1]
        ?.split('\n\n')[0]
        ?.split('\n')
        .map((l) => l.trim().split(/\s{2,}/)[0] ?? '') ?? [];
    expect(commands.length).toBeGreaterThan(5);
    for (const c of commands) expect(readme, `burn ${c}`).toContain(`burn ${c}`);
  });

  it('burn --help suggests burn demo in its first lines', () => {
    const head = burn(['--help']).stdout.split('\n').slice(0, 3).join('\n');
    expect(head).toContain('burn demo');
  });

  // Every reference in code, tests and docs must lead somewhere in this repository: no design
  // documents, format notes, issue numbers or branch names that a contributor cannot open.
  // The pattern is assembled from pieces so this file does not match itself.
  it('no tracked file refers to documents, issues or branches outside the repository', () => {
    const pattern = [
      ['DESIGN', ' \u00a7'].join(''),
      ['harness', '-formats'].join(''),
      ['issue', ' [0-9]+'].join(''),
      ['on this', ' branch'].join(''),
      ['wip', '-[a-z]+'].join(''),
      ['the owner', "'s"].join(''),
    ].join('|');
    let hits = '';
    try {
      hits = execFileSync('git', ['grep', '--untracked', '-nE', pattern, '--', ':!CHANGELOG.md'], {
        cwd: repoRoot,
        encoding: 'utf8',
      });
    } catch (err) {
      // git grep exits 1 when nothing matches.
      if ((err as { status?: number }).status !== 1) throw err;
    }
    expect(hits, 'references to documents outside the repository').toBe('');
  });
});
