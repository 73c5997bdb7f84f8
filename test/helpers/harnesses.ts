// The harness keys as the tests expect them, stated once: status, `harnessKeys()` and the MCP
// schema are checked against this list rather than against each other.
import type { Harness } from '@relayburn/sdk';

/** Every harness key, in the order status lists them. */
export const ALL_HARNESSES = [
  'claude-code',
  'codex',
  'opencode',
  'gemini-cli',
  'qwen-code',
  'pi',
  'copilot-cli',
  'kimi-cli',
  'grok',
  'droid',
  'goose',
  'crush',
  'amp',
  'kilo',
  'cline',
  'roo-code',
  'kilo-code',
] as const satisfies readonly Harness[];

// A key the SDK's `Harness` type has but the list lacks fails the typecheck here.
type Missing = Exclude<Harness, (typeof ALL_HARNESSES)[number]>;
export const listsEveryHarness: [Missing] extends [never] ? true : Missing = true;
