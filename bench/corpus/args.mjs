// The command line of the kit's scripts: `--out DIR`, `--seed N` and `--quiet` for each, plus
// its own numeric and boolean flags; a bad value prints the usage line and exits 2.
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

/**
 * Parses `process.argv` for `script`. `numbers` maps each numeric flag to `{ default, ok, hint }`
 * (`ok` checks the value; `hint` shows beside it in the usage line); `booleans` names the other
 * switches; `outRequired` makes `--out` mandatory. Returns numbers as numbers.
 */
export function corpusArgs(script, numbers, { booleans = [], outRequired = false } = {}) {
  const spec = { ...numbers, seed: { default: 1, ok: Number.isInteger } };
  const options = { out: { type: 'string' }, quiet: { type: 'boolean', default: false } };
  for (const [name, n] of Object.entries(spec))
    options[name] = { type: 'string', default: String(n.default) };
  for (const name of booleans) options[name] = { type: 'boolean', default: false };
  const usage = () => {
    const flags = Object.entries(spec).map(
      ([k, n]) => `[--${k} ${n.default}${n.hint ? ` (${n.hint})` : ''}]`,
    );
    const extra = booleans.map((b) => `[--${b}]`);
    const out = outRequired ? '--out DIR' : '[--out DIR]';
    console.error(`usage: node bench/corpus/${script} ${[out, ...flags, ...extra, '[--quiet]'].join(' ')}`);
    process.exit(2);
  };
  let values;
  try {
    ({ values } = parseArgs({ options }));
  } catch {
    usage();
  }
  if (outRequired && !values.out) usage();
  for (const [name, n] of Object.entries(spec)) {
    const v = Number(values[name]);
    if (!Number.isFinite(v) || !n.ok(v)) usage();
    values[name] = v;
  }
  return values;
}

/** Whether the module at `url` is the script node was started with. */
export const isMain = (url) => Boolean(process.argv[1]) && fileURLToPath(url) === process.argv[1];
