// The process-wide Sys. Created on first use so importing the BPF layer costs nothing; tests may
// swap in a fake. The backend follows the runtime: bun:ffi on Bun, koffi on Node.

import type { Sys } from './sys.ts';
import { createBunSys, isBun } from './sys-bun.ts';
import { createKoffiSys } from './sys-koffi.ts';

let current: Sys | undefined;

export function defaultSys(): Sys {
  // On Bun its own FFI is used (no native module to load); on Node, koffi.
  current ??= isBun() && !process.env.BPFTRACE_TS_KOFFI ? createBunSys() : createKoffiSys();
  return current;
}

/** The process-wide Sys when something has asked for it already (nothing is loaded to answer). */
export function loadedSys(): Sys | undefined {
  return current;
}

/** Replaces the process-wide Sys (tests install a fake); returns the previous one. */
export function setDefaultSys(sys: Sys | undefined): Sys | undefined {
  const prev = current;
  current = sys;
  return prev;
}
