// Tuples laid out as bpftrace 0.26 lays them out put text at odd offsets (strings align to 1):
// the code writes them there in stores no wider than each offset's alignment, since the
// verifier refuses misaligned stack accesses; integers go in with their own width.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { disasm } from '../../src/bpf/disasm.ts';
import { alignedPieces } from '../../src/codegen/bulk-memory.ts';
import { sizeOf, type Type, tupleLayout } from '../../src/sema/types.ts';
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

test("0.26's byte arrays (buffers, inet, usym, cgroup_path) align to 1 in tuples", () => {
  const int8: Type = { kind: 'int', size: 1, signed: true };
  const int16: Type = { kind: 'int', size: 2, signed: true };
  const int32: Type = { kind: 'int', size: 4, signed: true };
  // A buffer is its bytes after a u32 length: buf(x, 3) is 7 bytes, as 0.26's.
  assert.deepEqual(tupleLayout([int8, { kind: 'buffer', size: 3 }]), { offsets: [0, 1], size: 8 });
  assert.deepEqual(tupleLayout([int16, { kind: 'buffer', size: 4 }, int32]), { offsets: [0, 2, 12], size: 16 });
  for (const what of ['inet', 'usym', 'cgroup_path'] as const) {
    const t: Type = { kind: 'symbolic', what };
    assert.deepEqual(tupleLayout([int8, t]).offsets, [0, 1], what);
    assert.equal(tupleLayout([int8, t]).size, 1 + sizeOf(t), what);
  }
  // Ours is an 8-byte timestamp (0.26's is 16), kept 8-aligned.
  assert.deepEqual(tupleLayout([int8, { kind: 'strftime', format: '%H' }]).offsets, [0, 8]);
});

test('a buffer or inet at an odd tuple offset is built aligned and copied in with aligned stores', () => {
  for (const script of [
    'BEGIN { $t = ((int8)1, buf("abc", 3)); @m = $t; }',
    'BEGIN { @m[(int8)1, ntop(0x0100007f)] = ((int8)2, buf("ab", 2), (int16)3); }',
    'BEGIN { $t = ((int8)1, buf("abc", 3)); @e = $t.1 == buf("abc", 3); }',
  ]) {
    const text = disasm(compiledInsns(script)[0] ?? []);
    for (const m of text.matchAll(/\*\(u(8|16|32|64) \*\)\(r10 (-\d+)\)/g)) {
      const w = Number(m[1]) / 8;
      assert.equal(Math.abs(Number(m[2]) % w), 0, `${script}: access of ${w} bytes at ${m[2]}`);
    }
  }
});
