'use strict';
// Where the native status line (`relayburn-statusline`, built from crates/relayburn-statusline)
// is: in this platform's binary package of @relayburn/sdk (installed beside the SDK as its
// optional dependency, next to the `.node`), else in a checkout's packages/sdk/native/.
const { existsSync } = require('node:fs');
const { createRequire } = require('node:module');
const { dirname, join } = require('node:path');

const EXE = process.platform === 'win32' ? 'relayburn-statusline.exe' : 'relayburn-statusline';

/** The platform package suffixes that can serve this machine (npm installs the one whose libc fits). */
function platforms() {
  const { platform, arch } = process;
  if (platform === 'linux' && arch === 'x64') return ['linux-x64-gnu', 'linux-x64-musl'];
  if (platform === 'linux' && arch === 'arm64') return ['linux-arm64-gnu'];
  if (platform === 'darwin') return [`darwin-${arch}`];
  if (platform === 'win32' && arch === 'x64') return ['win32-x64-msvc'];
  return [];
}

/** The absolute path of the native executable, or undefined when this platform has none. */
function nativeStatusline() {
  let sdkJson;
  try {
    sdkJson = require.resolve('@relayburn/sdk/package.json');
  } catch {
    return undefined;
  }
  const fromSdk = createRequire(sdkJson);
  for (const p of platforms()) {
    try {
      const file = join(dirname(fromSdk.resolve(`@relayburn/sdk-${p}/package.json`)), EXE);
      if (existsSync(file)) return file;
    } catch {
      // not installed
    }
  }
  const local = join(dirname(sdkJson), 'native', EXE);
  return existsSync(local) ? local : undefined;
}

module.exports = { nativeStatusline };
