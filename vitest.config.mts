import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Real processes, real SQLite files: give slow CI machines room.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    server: {
      deps: {
        // Load the workspace packages as Node does (CJS + ESM wrapper), not through Vite;
        // TypeScript sources a test imports directly (the CLI's formatters) go through Vite.
        external: [/\/packages\/(sdk|cli)\/(?!src\/)/],
      },
    },
  },
});
