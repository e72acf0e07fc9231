// Writing all of a buffer to a file descriptor before the process exits. process.stdout.write on
// a pipe is asynchronous in Node, so a large listing piped to `grep` lost its tail at exit; a
// descriptor left non-blocking answers EAGAIN while the reader catches up.

import { writeSync } from 'node:fs';

const pause = new Int32Array(new SharedArrayBuffer(4));

/** Writes every byte of `bytes` to `fd`, waiting out EAGAIN; a closed pipe ends the process. */
export function writeAllSync(fd: number, bytes: Uint8Array): void {
  let off = 0;
  while (off < bytes.length) {
    try {
      off += writeSync(fd, bytes, off);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      // The reader went away (`| head`): stop quietly, as a C tool killed by SIGPIPE does.
      if (code === 'EPIPE') process.exit(141);
      if (code !== 'EAGAIN') throw e;
      Atomics.wait(pause, 0, 0, 1);
    }
  }
}
