import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { burn } from './helpers/cli.js';
import { ALL_HARNESSES } from './helpers/harnesses.js';
import { tempHome } from './helpers/home.js';
import { repoRoot } from './helpers/paths.js';
import { esm as sdk } from './helpers/sdk.js';

const version = (
  JSON.parse(readFileSync(join(repoRoot, 'packages', 'cli', 'package.json'), 'utf8')) as { version: string }
).version;

describe('burn CLI', () => {
  it('prints help and version', () => {
    const help = burn(['--help']);
    expect(help.status).toBe(0);
    expect(help.stdout).toContain('Usage: burn <command>');
    expect(help.stdout).toContain('stamp');
    const stampHelp = burn(['stamp', '--help']);
    expect(stampHelp.status).toBe(0);
    expect(stampHelp.stdout).toContain('Examples:');
    expect(burn(['--version']).stdout.trim()).toBe(version);
  });

  it('the help of every command taking --harness names every harness key', () => {
    for (const command of [['summary'], ['hotspots'], ['budget', 'set']]) {
      // Help text wraps lines: compare the words.
      const words = burn([...command, '--help']).stdout.split(/[\s,()]+/);
      for (const key of ALL_HARNESSES)
        expect([command.join(' '), words]).toEqual([command.join(' '), expect.arrayContaining([key])]);
    }
  });

  it('stamps a session and reads it back through the SDK', async () => {
    const home = tempHome();
    const r = burn([
      'stamp',
      '--session',
      'cli-1',
      'spawner=pear',
      'persona=reviewer',
      '--ledger-home',
      home,
    ]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('session cli-1');
    const [stamp] = await sdk.stamps({ ledgerHome: home });
    expect(stamp).toMatchObject({ sessionId: 'cli-1', enrichment: { spawner: 'pear', persona: 'reviewer' } });
  });

  it('--json output parses, for stamp and status', () => {
    const home = tempHome();
    const stamp = burn(['stamp', '--json', '--session', 's', '--ts', '2026-05-21T14:00:00+02:00', 'k=v'], {
      RELAYBURN_HOME: home,
    });
    expect(stamp.status).toBe(0);
    expect(JSON.parse(stamp.stdout)).toMatchObject({ ts: '2026-05-21T12:00:00.000Z' });
    const status = burn(['status', '--json'], { RELAYBURN_HOME: home });
    expect(status.status).toBe(0);
    expect(JSON.parse(status.stdout)).toMatchObject({ ledgerHome: home, stamps: 1 });
  });

  it('prints status for people', () => {
    const home = tempHome();
    const r = burn(['status', '--ledger-home', home]);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/ledger home\s+/);
    expect(r.stdout).toMatch(/stamps\s+0/);
  });

  const usageErrors: Array<[string, string[]]> = [
    ['unknown flag', ['status', '--bogus']],
    ['unknown command', ['frobnicate']],
    ['flag of another command', ['status', '--session', 'x']],
    ['stamp without selector', ['stamp', 'k=v']],
    ['stamp without labels', ['stamp', '--session', 's']],
    ['label without =', ['stamp', '--session', 's', 'novalue']],
    ['invalid ts', ['stamp', '--session', 's', '--ts', 'soon', 'k=v']],
    ['blank session', ['stamp', '--session', ' ', 'k=v']],
  ];
  it.each(usageErrors)('%s → exit 2 with one burn: line', (_case, args) => {
    const r = burn([...args, '--ledger-home', tempHome()]);
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^burn: /);
  });

  it('a broken ledger is a runtime error: exit 1, a clear line and a hint, no stack', async () => {
    const home = tempHome();
    const { writeFileSync } = await import('node:fs');
    writeFileSync(join(home, 'ledger.sqlite'), 'not a database '.repeat(40));
    const r = burn(['status', '--ledger-home', home]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^burn: .*corrupt/);
    expect(r.stderr).toContain('hint:');
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});
