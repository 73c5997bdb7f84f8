import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defineConfig } from 'vitest/config';

// A test that names no ledger home uses this one, never the machine's own `~/.relayburn`.
const defaultHome = mkdtempSync(join(tmpdir(), 'relayburn-vitest-home-'));

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Real processes, real SQLite files: give slow CI machines room.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    env: { RELAYBURN_HOME: defaultHome },
    server: {
      deps: {
        // Load the workspace packages as Node does (CJS + ESM wrapper), not through Vite;
        // TypeScript sources a test imports directly (the CLI's formatters) go through Vite.
        external: [/\/packages\/(sdk|cli)\/(?!src\/)/],
      },
    },
  },
});
