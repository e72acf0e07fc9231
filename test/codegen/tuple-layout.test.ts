// Tuples laid out as bpftrace 0.26 lays them out put text at odd offsets (strings align to 1):
// the code writes them there in stores no wider than each offset's alignment, since the
// verifier refuses misaligned stack accesses; integers go in with their own width.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { disasm } from '../../src/bpf/disasm.ts';
import { alignedPieces } from '../../src/codegen/bulk-memory.ts';
import { compiledInsns } from '../builtins/run-script.ts';

/** Stack stores of the program: [width in bytes, frame offset]. */
function stackStores(script: string): [number, number][] {
  const out: [number, number][] = [];
  for (const line of disasm(compiledInsns(script)[0] ?? []).split('\n')) {
    const m = /\*\(u(8|16|32|64) \*\)\(r10 (-\d+)\) =/.exec(line);
    if (m) out.push([Number(m[1]) / 8, Number(m[2])]);
  }
  return out;
}

test('alignedPieces: widest stores each aligned to its own width', () => {
  assert.deepEqual(alignedPieces(1, 7), [
    [0, 1],
    [1, 2],
    [3, 4],
  ]);
  // Frame offsets are negative: -22 is 2-aligned, not 4.
  assert.deepEqual(alignedPieces(-23, 5, 4), [
    [0, 1],
    [1, 2],
    [3, 2],
  ]);
  assert.deepEqual(alignedPieces(8, 12), [
    [0, 8],
    [8, 4],
  ]);
});

test('a string after an int8 in a tuple is written with aligned narrow stores', () => {
  const stores = stackStores('BEGIN { $t = ((int8)1, "abcdef"); @m = $t; }');
  assert.ok(stores.length > 0);
  for (const [w, off] of stores) assert.equal(Math.abs(off % w), 0, `store of ${w} bytes at ${off}`);
  // The int8 itself is one byte.
  assert.ok(stores.some(([w]) => w === 1));
});

test('map values keep their integer size: an int16 value is read back as 2 bytes', () => {
  const text = disasm(compiledInsns('BEGIN { @a = (int16)-3; $b = @a; }')[0] ?? []);
  assert.match(text, /= \*\(u16 \*\)\(r0 \+0\)/);
  assert.match(text, /s>>= 48/);
});
