// Bulk memory in BPF-visible memory (stack, scratch map, map values): copies and zeroing of
// strings, tuples and keys. Up to COPY_UNROLL_MAX bytes they are unrolled word moves; larger
// ones (long strings with a big max_strlen) are bounded loops with a known trip count
// (kernel 5.3+) moving a BLOCK of bytes per round, so code size does not grow with max_strlen
// while the loop overhead stays small next to the moves. The loops count down in r0.

import { AluOp, alu64Imm, JmpOp, jmpImm, load, movImm, movReg, Reg, store, storeImm } from '../bpf/insn.ts';
import type { Emitter } from './emitter.ts';
import type { MemLoc } from './frame.ts';

/** Copies and zeroes up to this many bytes unrolled (one or two instructions per 8 bytes). */
export const COPY_UNROLL_MAX = 256;
/** Bytes a loop round moves (eight words). */
const BLOCK = 64;

/**
 * Stores `size` bytes of zeros at loc: on the 8-byte grid whole words (an allocation's padding
 * included, so all of it reads as initialised); off it (a string inside a tuple), exactly the
 * bytes, each store no wider than the offset's alignment, as the verifier requires on the stack.
 */
export function zeroMem(em: Emitter, loc: MemLoc, size: number): void {
  if (loc.off % 8 !== 0) {
    // Narrow stores up to the grid, whole words (maybe a loop) on it, narrow stores after.
    const head = Math.min(size, (8 - (loc.off % 8)) % 8);
    const mid = Math.floor((size - head) / 8) * 8;
    zeroPieces(em, loc, 0, head);
    if (mid > 0) zeroMem(em, { base: loc.base, off: loc.off + head }, mid);
    zeroPieces(em, loc, head + mid, size - head - mid);
    return;
  }
  const words = Math.ceil(size / 8);
  if (size > COPY_UNROLL_MAX) {
    const blocks = Math.floor((words * 8) / BLOCK);
    const top = em.label();
    em.addr(loc, Reg.R1);
    em.emit(movImm(Reg.R0, blocks));
    em.place(top);
    for (let i = 0; i < BLOCK; i += 8) em.emit(storeImm(8, Reg.R1, i, 0));
    em.emit(alu64Imm(AluOp.ADD, Reg.R1, BLOCK), alu64Imm(AluOp.ADD, Reg.R0, -1), jmpImm(JmpOp.JNE, Reg.R0, 0, top));
    // r1 now points just past the blocks.
    for (let i = 0; i < words * 8 - blocks * BLOCK; i += 8) em.emit(storeImm(8, Reg.R1, i, 0));
    return;
  }
  if (loc.base === 'stack') {
    for (let i = 0; i < words; i++) em.emit(storeImm(8, Reg.FP, loc.off + i * 8, 0));
    return;
  }
  em.addr(loc, Reg.R1);
  for (let i = 0; i < words; i++) em.emit(storeImm(8, Reg.R1, i * 8, 0));
}

/**
 * Copies from an address in `srcReg` to one in `dstReg` (verifier-visible memory on both sides):
 * whole words, then the tail. Past COPY_UNROLL_MAX bytes whole blocks are copied by a bounded
 * loop on r4/r5, leaving both address registers as they were.
 */
export function copyMem(em: Emitter, dstReg: Reg, srcReg: Reg, size: number, align: 1 | 2 | 4 | 8 = 8): void {
  let i = 0;
  if (align < 8) {
    // An element inside an array (`$rows[1]` of an int[2][3]) may sit off the 8-byte grid, where
    // the verifier refuses wider stack accesses: move it in units of its alignment.
    for (; i + align <= size; i += align) em.emit(load(align, Reg.R3, srcReg, i), store(align, dstReg, i, Reg.R3));
  }
  if (size > COPY_UNROLL_MAX && align === 8) {
    const blocks = Math.floor(size / BLOCK);
    const top = em.label();
    em.emit(movReg(Reg.R4, srcReg), movReg(Reg.R5, dstReg), movImm(Reg.R0, blocks));
    em.place(top);
    for (let w = 0; w < BLOCK; w += 8) em.emit(load(8, Reg.R3, Reg.R4, w), store(8, Reg.R5, w, Reg.R3));
    em.emit(
      alu64Imm(AluOp.ADD, Reg.R4, BLOCK),
      alu64Imm(AluOp.ADD, Reg.R5, BLOCK),
      alu64Imm(AluOp.ADD, Reg.R0, -1),
      jmpImm(JmpOp.JNE, Reg.R0, 0, top),
    );
    i = blocks * BLOCK;
  }
  for (; i + 8 <= size; i += 8) em.emit(load(8, Reg.R3, srcReg, i), store(8, dstReg, i, Reg.R3));
  for (const s of [4, 2, 1] as const) {
    if (i + s <= size) {
      em.emit(load(s, Reg.R3, srcReg, i), store(s, dstReg, i, Reg.R3));
      i += s;
    }
  }
}

/** Zeros `len` bytes at `from` past loc, in stores each aligned to its own width. */
function zeroPieces(em: Emitter, loc: MemLoc, from: number, len: number): void {
  if (len <= 0) return;
  const base = loc.base === 'stack' ? Reg.FP : Reg.R1;
  const at = loc.base === 'stack' ? loc.off + from : 0;
  if (loc.base !== 'stack') em.addr(loc, Reg.R1, from);
  for (const [off, w] of alignedPieces(loc.off + from, len)) em.emit(storeImm(w, base, at + off, 0));
}

/** The alignment (up to 8) an offset from an 8-aligned base guarantees. */
export function offsetAlign(off: number): 1 | 2 | 4 | 8 {
  return Math.min(8, (off | 8) & -(off | 8)) as 1 | 2 | 4 | 8;
}

/**
 * Splits `size` bytes starting at offset `start` into [offset from start, width] pieces, each as
 * wide as possible (up to `max`) while aligned to its own width.
 */
export function alignedPieces(start: number, size: number, max: 1 | 2 | 4 | 8 = 8): [number, 1 | 2 | 4 | 8][] {
  const out: [number, 1 | 2 | 4 | 8][] = [];
  let i = 0;
  while (i < size) {
    let w: 1 | 2 | 4 | 8 = max;
    while (w > 1 && ((start + i) % w !== 0 || i + w > size)) w = (w / 2) as 1 | 2 | 4;
    out.push([i, w]);
    i += w;
  }
  return out;
}
