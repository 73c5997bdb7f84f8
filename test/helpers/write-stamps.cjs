// Child process for the concurrency test: writes N stamps into one ledger through the
// public CommonJS entry, a few at a time, and reports failures on stderr.
// Usage: node write-stamps.cjs <ledgerHome> <writerId> <count>
const { writeStamp } = require('@relayburn/sdk');

async function main() {
  const [ledgerHome, writer, countArg] = process.argv.slice(2);
  const count = Number(countArg);
  const inFlight = 4;
  let next = 0;
  async function worker() {
    while (next < count) {
      const i = next++;
      await writeStamp({ sessionId: `w${writer}-s${i}`, enrichment: { writer, i: String(i) }, ledgerHome });
    }
  }
  await Promise.all(Array.from({ length: inFlight }, worker));
}

main().catch((err) => {
  process.stderr.write(`${err.code ?? ''} ${err.message}\n`);
  process.exit(1);
});
