/** `burn`'s version, and the one invocation answered with it before anything else is loaded. */
export const VERSION: string = (require('../package.json') as { version: string }).version;

/** `burn --version` or `burn -v` alone: the one answer that needs no parsing (the parse gives the same). */
export function isVersionOnly(argv: readonly string[]): boolean {
  return argv.length === 1 && (argv[0] === '--version' || argv[0] === '-v');
}
