// The process-wide Sys. Created on first use so importing the BPF layer costs nothing; tests may
// swap in a fake. A Bun FFI backend would be chosen here.

import type { Sys } from './sys.ts';
import { createKoffiSys } from './sys-koffi.ts';

let current: Sys | undefined;

export function defaultSys(): Sys {
  current ??= createKoffiSys();
  return current;
}

/** Replaces the process-wide Sys (tests install a fake); returns the previous one. */
export function setDefaultSys(sys: Sys | undefined): Sys | undefined {
  const prev = current;
  current = sys;
  return prev;
}
