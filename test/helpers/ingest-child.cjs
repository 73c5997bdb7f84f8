// Child process for the Codex crash test: ingests a Codex home through the public CommonJS
// entry and prints a line on every progress report (each follows a commit), so the parent
// can kill it midway. Usage: node ingest-child.cjs <ledgerHome> <codexHome>
const { ingest } = require('@relayburn/sdk');

const [ledgerHome, codexHome] = process.argv.slice(2);
ingest({
  ledgerHome,
  roots: { codex: [codexHome] },
  onProgress: (p) => {
    if (p.bytesRead > 0) process.stdout.write(`${p.filesDone}/${p.filesTotal}\n`);
  },
}).catch((err) => {
  process.stderr.write(`${err.code ?? ''} ${err.message}\n`);
  process.exit(1);
});
