'use strict';
// Install step of @relayburn/cli (the pattern of esbuild's installer): replaces the Node shim
// bin/relayburn-statusline with this platform's native executable, so Claude Code's status
// line starts no Node. npm's bin link points at that file, so the command name stays the same.
// Skipped on Windows (npm's .cmd shims run the file with node) and in a checkout (the shim is
// a tracked file there). Never fails the install: the shim works on its own.
const { chmodSync, copyFileSync, existsSync, renameSync, rmSync } = require('node:fs');
const { join } = require('node:path');
const { nativeStatusline } = require('./native-statusline.js');

function optimize() {
  if (process.platform === 'win32' || existsSync(join(__dirname, 'src'))) return;
  const exe = nativeStatusline();
  if (!exe) return;
  const shim = join(__dirname, 'bin', 'relayburn-statusline');
  const temp = `${shim}.${process.pid}.tmp`;
  try {
    copyFileSync(exe, temp);
    chmodSync(temp, 0o755);
    renameSync(temp, shim);
  } catch {
    rmSync(temp, { force: true });
  }
}

try {
  optimize();
} catch {
  // the shim stays
}
