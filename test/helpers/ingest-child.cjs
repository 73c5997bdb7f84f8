// Child process for the crash test: ingests an OpenCode root through the public CommonJS
// entry and prints "progress" each time a batch has been committed (the parent kills it).
// Usage: node ingest-child.cjs <ledgerHome> <opencodeRoot>
const { ingest } = require('@relayburn/sdk');

const [ledgerHome, root] = process.argv.slice(2);
ingest({
  roots: { opencode: [root] },
  ledgerHome,
  onProgress: (p) => {
    if (p.bytesRead > 0) process.stdout.write('progress\n');
  },
}).catch((err) => {
  process.stderr.write(`${err.code ?? ''} ${err.message}\n`);
  process.exit(1);
});
