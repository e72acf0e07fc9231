// How many pages the output buffers get in all (the ring buffer; the perf buffers behind
// skboutput(), shared out between the CPUs), as bpftrace 0.26 decides it.

import { readFileSync } from 'node:fs';

const PAGE_SIZE = 4096;

/**
 * perf_rb_pages when set; otherwise the memory available, within 256 KiB..~16 MiB, as the closest
 * power of two in pages. A burst of events then waits in the buffer instead of being lost while
 * user space formats the ones before it.
 */
export function outputBufferPages(perfRbPages: number): number {
  if (perfRbPages > 0) return perfRbPages;
  dynamicPages ??= pagesForMemory();
  return dynamicPages;
}

/** Computed once a run: the ring and the perf buffers are sized from the same reading. */
let dynamicPages: number | undefined;

function pagesForMemory(): number {
  let availableKb = 16544;
  try {
    const m = /^MemAvailable:\s+(\d+) kB$/m.exec(readFileSync('/proc/meminfo', 'latin1'));
    if (m) availableKb = Number(m[1]);
  } catch {
    // keep the ceiling
  }
  const pages = (Math.max(Math.min(availableKb, 16544), 256) * 1024) / PAGE_SIZE;
  const low = 2 ** Math.floor(Math.log2(pages));
  return pages - low <= low * 2 - pages ? low : low * 2;
}
