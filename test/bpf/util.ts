// Shared test helpers: fd-leak checking and small BPF programs built from insn.ts constructors.

import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import type { TestContext } from 'node:test';
import { defaultSys } from '../../src/bpf/default-sys.ts';

export function fdCount(): number {
  return readdirSync('/proc/self/fd').length;
}

/**
 * Wraps a test body: every fd it opens must be closed by the time it returns. The Sys backend is
 * initialised first so loading koffi is not counted.
 */
export function noLeak(fn: (t: TestContext) => void | Promise<void>): (t: TestContext) => Promise<void> {
  return async (t) => {
    defaultSys().pageSize();
    const before = fdCount();
    await fn(t);
    assert.equal(fdCount(), before, 'the test leaked file descriptors');
  };
}

export function u32(n: number): Uint8Array {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, n, true);
  return b;
}

export function u64(n: bigint | number): Uint8Array {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setBigUint64(0, BigInt(n), true);
  return b;
}

export function readU64(b: Uint8Array, at = 0): bigint {
  return new DataView(b.buffer, b.byteOffset, b.byteLength).getBigUint64(at, true);
}

export function readU32(b: Uint8Array, at = 0): number {
  return new DataView(b.buffer, b.byteOffset, b.byteLength).getUint32(at, true);
}

/** Polls `cond` until true or `ms` pass. */
export async function waitFor(cond: () => boolean, ms = 3000): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (cond()) return true;
    await new Promise((r) => setTimeout(r, 10));
  }
  return cond();
}
