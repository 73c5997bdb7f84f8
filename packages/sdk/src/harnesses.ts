import { callNativeSync } from './native.js';
import type { Harness } from './types.js';

/**
 * Every harness key relayburn reads, in the order `status` lists them: the core's own list,
 * for tools that offer the keys as choices (an MCP schema, a menu) without restating them.
 *
 * @example
 * ```ts
 * import { harnessKeys } from '@relayburn/sdk';
 * console.log(harnessKeys().join(', ')); // claude-code, codex, opencode, …
 * ```
 */
export function harnessKeys(): Harness[] {
  return callNativeSync('harnessKeys', (b) => b.harnessKeys()) as Harness[];
}
