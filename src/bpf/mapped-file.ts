// A whole file mapped read-only: its pages are read in when touched, not copied up front. Worth
// it for a large file of which a run reads a little (the stored vmlinux BTF index: ~7 MiB, of
// which naming a few functions touches a few dozen pages); copying it all costs ~0.1 s on an
// emulated CPU.

import { closeSync, fstatSync, openSync, readFileSync } from 'node:fs';
import { MAP_PRIVATE, PROT_READ } from './constants.ts';
import { loadedSys } from './default-sys.ts';

/**
 * The file's bytes, mapped for the rest of the process; null when that can't be done: the FFI
 * is not up yet (loading it costs more than reading), an empty file, or an error. The file
 * must not be truncated while mapped (replace it by renaming another over it).
 */
export function mapWholeFile(path: string): Uint8Array | null {
  const sys = loadedSys();
  if (!sys) return null;
  let fd = -1;
  try {
    fd = openSync(path, 'r');
    const size = fstatSync(fd).size;
    if (size === 0) return null;
    const addr = sys.mmap(size, PROT_READ, MAP_PRIVATE, fd, 0);
    if (addr < 0n) return null;
    return new Uint8Array(sys.view(addr, size));
  } catch {
    return null;
  } finally {
    // The mapping keeps its own reference to the file.
    if (fd >= 0) closeSync(fd);
  }
}

/** The file's bytes, mapped when that can be done, else read. */
export function mapOrRead(path: string): Uint8Array {
  return mapWholeFile(path) ?? readFileSync(path);
}
