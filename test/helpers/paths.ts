import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const sdkDir = join(repoRoot, 'packages', 'sdk');
export const cliDir = join(repoRoot, 'packages', 'cli');
export const dashboardDir = join(repoRoot, 'packages', 'dashboard');
export const cliMain = join(cliDir, 'dist', 'main.js');
/** The native status line as `npm run build` stages it beside the addon. */
export const nativeStatusline = join(
  sdkDir,
  'native',
  process.platform === 'win32' ? 'relayburn-statusline.exe' : 'relayburn-statusline',
);
