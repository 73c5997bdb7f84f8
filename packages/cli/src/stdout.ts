/**
 * Standard output and error without building Node's streams when a command need not: Node
 * builds process.stdout and process.stderr on first access, and for a pipe that loads `net`
 * and the stream modules, a few ms of a command's start-up. The answer of the frequent
 * commands is written with write(2) (`writeOut`), and error handlers are attached to a stream
 * only when something builds it (`onStreamBuilt`). Node-only: the dashboard page bundles
 * `output.ts`, not this module.
 */
import { fstatSync, writeSync } from 'node:fs';

/** Whether process.stdout has been built: from then on `writeOut` goes through it, in order. */
let stdoutBuilt = false;

/**
 * Calls `attach` with each standard stream as it is first built (at once if it already was,
 * or if Node defines it otherwise).
 */
export function onStreamBuilt(attach: (name: 'stdout' | 'stderr', stream: NodeJS.WriteStream) => void): void {
  for (const name of ['stdout', 'stderr'] as const) {
    const built = (stream: NodeJS.WriteStream) => {
      if (name === 'stdout') stdoutBuilt = true;
      attach(name, stream);
      return stream;
    };
    const own = Object.getOwnPropertyDescriptor(process, name);
    const get = own?.get;
    if (!own || !get || !own.configurable) {
      built(process[name]);
      continue;
    }
    Object.defineProperty(process, name, {
      ...own,
      get() {
        // Node's getter again from now on; it returns the stream it built.
        Object.defineProperty(process, name, own);
        return built(get.call(process) as NodeJS.WriteStream);
      },
    });
  }
}

/**
 * Writes `text` to standard output: with write(2) while process.stdout is not built, else
 * through it. If write(2) fails, the stream writes the rest and does what it always does: it
 * waits out a full non-blocking pipe (EAGAIN), emits EPIPE or ENOSPC (`burn` answers the
 * first with a quiet exit, the second with one line and exit 1), ignores a closed descriptor.
 */
export function writeOut(text: string): void {
  if (stdoutBuilt) {
    process.stdout.write(text);
    return;
  }
  const bytes = Buffer.from(text);
  let done = 0;
  try {
    while (done < bytes.length) done += writeSync(1, bytes, done);
  } catch {
    process.stdout.write(bytes.subarray(done));
  }
}

/**
 * `process.stdout.isTTY` or `process.stderr.isTTY` (fd 1 or 2), without building the stream
 * when the descriptor is not a character device (a pipe or a file is never a terminal).
 */
export function isTerminal(fd: 1 | 2): boolean {
  try {
    if (!fstatSync(fd).isCharacterDevice()) return false;
  } catch {
    // As the stream says.
  }
  return (fd === 1 ? process.stdout : process.stderr).isTTY === true;
}
