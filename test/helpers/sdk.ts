// Both public entry points of @relayburn/sdk, loaded exactly as users load them.
import { createRequire } from 'node:module';
import * as esm from '@relayburn/sdk';

const require = createRequire(import.meta.url);
export const cjs = require('@relayburn/sdk') as typeof esm;
export { esm };

/** `[name, module]` pairs for `describe.each`. */
export const entryPoints = [
  ['esm', esm],
  ['cjs', cjs],
] as const;

export type Sdk = typeof esm;
