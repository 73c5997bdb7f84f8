// Child process for the crash and concurrency tests: one ingest pass through the public
// CommonJS entry, printing each progress report as a JSON line so the parent can kill it at
// a chosen point, then the final report.
// Usage: node ingest-child.cjs <ledgerHome> <root> [harness] [rebuild]
//   (harness defaults to claude-code; `rebuild` runs rebuildState instead of ingest)
const { ingest, rebuildState } = require('@relayburn/sdk');

const [ledgerHome, root, harness = 'claude-code', mode] = process.argv.slice(2);
(mode === 'rebuild' ? rebuildState : ingest)({
  ledgerHome,
  roots: { [harness]: [root] },
  onProgress: (p) => process.stdout.write(`${JSON.stringify({ progress: p })}\n`),
})
  .then((report) => process.stdout.write(`${JSON.stringify({ report })}\n`))
  .catch((err) => {
    process.stderr.write(`${err.code ?? ''} ${err.message}\n`);
    process.exit(1);
  });
