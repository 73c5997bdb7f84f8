/**
 * Loads a CommonJS file as `require` would, compiled with a V8 code cache kept beside it, so that
 * a run deserializes the bytecode of the functions an earlier run compiled instead of parsing
 * and compiling them again (Node 20 has no compile cache of its own; `module.enableCompileCache`
 * arrived in Node 22).
 *
 * The cache file, `<file>.<node version>-<arch>.cache`, holds the exact source it was made from
 * followed by V8's data, and is used only when that source equals the file's bytes (V8's own
 * check compares only the source length, besides its version and flags, which it does check). A
 * missing, stale or rejected cache is replaced when the process exits (written to a temporary
 * file, then renamed). Where the directory cannot be written and no cache is there, the file is
 * simply required (compiling through `vm` without a cache costs more). Only the package's own
 * directory is used: no file another user could plant.
 */
import fs = require('node:fs');
import Module = require('node:module');
import path = require('node:path');
import vm = require('node:vm');

export function requireCached(file: string, parent: NodeJS.Module): unknown {
  const source = fs.readFileSync(file);
  const cacheFile = `${file}.${process.version}-${process.arch}.cache`;
  let cachedData: Buffer | undefined;
  try {
    const cached = fs.readFileSync(cacheFile);
    if (cached.length > source.length && cached.subarray(0, source.length).equals(source)) {
      cachedData = cached.subarray(source.length);
    }
  } catch {
    // No cache yet.
  }
  // No cache, and none can be written (a read-only install): Node's own loading costs less.
  if (cachedData === undefined && !writable(path.dirname(file))) return parent.require(file);
  const script = new vm.Script(Module.wrap(source.toString('utf8')), { filename: file, cachedData });
  if (cachedData === undefined || script.cachedDataRejected === true) {
    process.once('exit', () => save(cacheFile, source, script));
  }
  const m = new Module(file, parent);
  m.filename = file;
  require.cache[file] = m;
  const wrapper = script.runInThisContext() as (...args: unknown[]) => void;
  wrapper.call(m.exports, m.exports, Module.createRequire(file), m, file, path.dirname(file));
  m.loaded = true;
  return m.exports;
}

function writable(dir: string): boolean {
  try {
    fs.accessSync(dir, fs.constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * Writes the source and V8's data of `script` (with what this run compiled) to `cacheFile`. The
 * temporary file is created first: where it cannot be, V8 serializes nothing.
 */
function save(cacheFile: string, source: Buffer, script: vm.Script): void {
  const temp = `${cacheFile}.${process.pid}.tmp`;
  let fd: number;
  try {
    fd = fs.openSync(temp, 'wx', 0o644);
  } catch {
    return;
  }
  try {
    fs.writeFileSync(fd, Buffer.concat([source, script.createCachedData()]));
    fs.closeSync(fd);
    fs.renameSync(temp, cacheFile);
  } catch {
    try {
      fs.closeSync(fd);
    } catch {
      // Already closed.
    }
    fs.rmSync(temp, { force: true });
  }
}
