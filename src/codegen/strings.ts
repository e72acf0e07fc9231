// String values: literals written as immediates, equality compared up to the first NUL. Short
// compares are unrolled; past COMPARE_UNROLL_MAX bytes (a large max_strlen) they are bounded
// loops with a known trip count (kernel 5.3+), so code size does not grow with the string size:
// a word at a time where both buffers are word-aligned, else a byte at a time. Each loop is laid
// out so that the way out is the fall-through and the way round is the jump, which keeps the
// verifier's stack of pending branches short.

import {
  AluOp,
  alu64Imm,
  alu64Reg,
  type Insn,
  JmpOp,
  ja,
  jmpImm,
  jmpReg,
  load,
  loadConst,
  movImm,
  movReg,
  neg64,
  Reg,
  storeImm,
} from '../bpf/insn.ts';
import type { Expr } from '../lang/ast.ts';
import { sizeOf } from '../sema/types.ts';
import { emitMem } from './aggregates.ts';
import { alignedPieces } from './bulk-memory.ts';
import type { Emitter } from './emitter.ts';
import type { MemLoc } from './frame.ts';

/** Compares up to this many bytes of two strings unrolled: the default max_strlen (64). */
export const COMPARE_UNROLL_MAX = 64;

/**
 * String (in)equality, byte by byte up to the first NUL. A literal side is compared as
 * immediates (`comm == "cat"` is four byte compares), never copied to memory.
 */
export function emitStringEquals(em: Emitter, left: Expr, right: Expr, wantEqual: boolean, falseLabel: string): void {
  const lit = right.kind === 'StringLit' ? right : left.kind === 'StringLit' ? left : null;
  const other = lit === right ? left : right;
  const equal = em.label();
  const differ = em.label();
  if (lit) {
    const a = emitMem(em, other);
    const bytes = Buffer.from(lit.value, 'latin1');
    const otherSize = sizeOf(em.typeOf(other));
    compareWithLiteral(em, a, bytes, otherSize, differ);
    // A literal longer than the other side's capacity can never be equal.
    if (bytes.length + 1 > otherSize) em.emit(ja(differ));
  } else {
    const a = emitMem(em, left);
    const b = emitMem(em, right);
    compareStringsAt(em, a, b, Math.min(sizeOf(em.typeOf(left)), sizeOf(em.typeOf(right))), equal, differ);
  }
  em.place(equal);
  branchOnEquality(em, differ, wantEqual, falseLabel);
}

/**
 * After a comparison that falls through when equal and jumps to `differ` otherwise: continue
 * only when equality is what was asked (`==`) or not (`!=`), else go to `falseLabel`.
 */
export function branchOnEquality(em: Emitter, differ: string, wantEqual: boolean, falseLabel: string): void {
  if (wantEqual) {
    const end = em.label();
    em.emit(ja(end));
    em.place(differ);
    em.emit(ja(falseLabel));
    em.place(end);
  } else {
    em.emit(ja(falseLabel));
    em.place(differ);
  }
}

/** Two strings in memory, compared for `n` bytes or up to a common NUL: to `same` or `differ`. */
export function compareStringsAt(em: Emitter, a: MemLoc, b: MemLoc, n: number, same: string, differ: string): void {
  if (n <= COMPARE_UNROLL_MAX) compareUnrolled(em, a, b, n, same, differ);
  else if (a.off % 8 === 0 && b.off % 8 === 0) compareWords(em, a, b, n, same, differ);
  // Word loads must be aligned on the stack.
  else compareLoop(em, a, b, n, same, differ);
}

/** Writes a literal's bytes and NUL padding as immediates: `size` bytes, whole words, at loc. */
export function storeStringLiteral(em: Emitter, loc: MemLoc, value: string, size: number): void {
  const bytes = Buffer.from(value, 'latin1');
  const padded = Math.ceil((bytes.length + 1) / 8) * 8;
  const buf = Buffer.alloc(Math.max(padded, 8));
  bytes.copy(buf);
  // On the 8-byte grid the literal goes in whole words (its NUL padding included); off it (in a
  // tuple, where text aligns to 1) in stores no wider than each offset allows, within `size`.
  const n = loc.off % 8 === 0 ? Math.min(buf.length, Math.ceil(size / 8) * 8) : Math.min(buf.length, size);
  if (loc.base !== 'stack') em.addr(loc, Reg.R1);
  const base = loc.base === 'stack' ? Reg.FP : Reg.R1;
  const at = loc.base === 'stack' ? loc.off : 0;
  for (const [off, w] of alignedPieces(loc.off, n, 4)) {
    const v = w === 4 ? buf.readInt32LE(off) : w === 2 ? buf.readInt16LE(off) : buf.readInt8(off);
    em.emit(storeImm(w, base, at + off, v));
  }
}

/** Two strings compared byte by byte, unrolled: to `differ`, to `same` at a common NUL, else falls through. */
function compareUnrolled(em: Emitter, a: MemLoc, b: MemLoc, n: number, same: string, differ: string): void {
  em.addr(a, Reg.R1);
  em.addr(b, Reg.R2);
  compareBytes(em, n, same, differ);
}

/** Unrolled byte compares of the `n` bytes at r1 and r2. */
function compareBytes(em: Emitter, n: number, same: string, differ: string): void {
  for (let i = 0; i < n; i++) {
    em.emit(
      load(1, Reg.R3, Reg.R1, i),
      load(1, Reg.R4, Reg.R2, i),
      jmpReg(JmpOp.JNE, Reg.R3, Reg.R4, differ),
      jmpImm(JmpOp.JEQ, Reg.R3, 0, same),
    );
  }
}

/** Byte compares against immediates; falls through when equal, jumps to `differ` otherwise. */
export function compareWithLiteral(em: Emitter, loc: MemLoc, lit: Buffer, count: number, differ: string): void {
  em.addr(loc, Reg.R1);
  // Past the literal's NUL nothing more is compared: both strings have ended.
  const n = Math.min(count, lit.length + 1);
  for (let i = 0; i < n; i++) em.emit(load(1, Reg.R3, Reg.R1, i), jmpImm(JmpOp.JNE, Reg.R3, lit[i] ?? 0, differ));
}

/**
 * Compares two buffers for `count` bytes, or (strings) up to a common NUL; falls through to
 * `same`. At `differ`, r3 and r5 hold the first differing bytes (zero-extended).
 */
export function compareLoop(em: Emitter, a: MemLoc, b: MemLoc, count: number, same: string, differ: string, untilNul = true): void {
  const top = em.label();
  const eq = em.label();
  const more = em.label();
  em.addr(a, Reg.R1);
  em.addr(b, Reg.R2);
  em.emit(movImm(Reg.R4, count));
  em.place(top);
  em.emit(load(1, Reg.R3, Reg.R1, 0), load(1, Reg.R5, Reg.R2, 0));
  if (untilNul) {
    em.emit(jmpReg(JmpOp.JEQ, Reg.R3, Reg.R5, eq), ja(differ));
    em.place(eq);
    em.emit(jmpImm(JmpOp.JNE, Reg.R3, 0, more), ja(same));
    em.place(more);
  } else em.emit(jmpReg(JmpOp.JNE, Reg.R3, Reg.R5, differ));
  em.emit(
    alu64Imm(AluOp.ADD, Reg.R1, 1),
    alu64Imm(AluOp.ADD, Reg.R2, 1),
    alu64Imm(AluOp.ADD, Reg.R4, -1),
    jmpImm(JmpOp.JNE, Reg.R4, 0, top),
  );
}

/** Word constants of the has-a-zero-byte test: (x - LOW) & ~x & HIGH is non-zero iff x has a NUL byte. */
const LOW_BITS = 0x0101010101010101n;
const HIGH_BITS = 0x8080808080808080n;

/** dst = (word - LOW) & ~word & HIGH: the high bit of each NUL byte of `word` (exact up to the first); clobbers word and k. */
function zeroByteFlags(dst: Reg, word: Reg, k: Reg): Insn[] {
  return [
    loadConst(k, LOW_BITS),
    movReg(dst, word),
    alu64Reg(AluOp.SUB, dst, k),
    alu64Imm(AluOp.XOR, word, -1),
    alu64Reg(AluOp.AND, dst, word),
    loadConst(k, HIGH_BITS),
    alu64Reg(AluOp.AND, dst, k),
  ];
}

/**
 * Compares two word-aligned buffers for `n` bytes or up to a common NUL, eight bytes a round:
 * equal words holding a NUL end the strings (to `same`); in the first unequal word, a NUL
 * before the first difference still makes them equal (garbage after a common NUL). The tail
 * past the last whole word is compared byte by byte; falls through to `same`.
 */
function compareWords(em: Emitter, a: MemLoc, b: MemLoc, n: number, same: string, differ: string): void {
  const words = Math.floor(n / 8);
  const top = em.label();
  const eq = em.label();
  const next = em.label();
  const mismatch = em.label();
  const tail = em.label();
  em.addr(a, Reg.R1);
  em.addr(b, Reg.R2);
  em.emit(movImm(Reg.R0, words));
  em.place(top);
  em.emit(load(8, Reg.R3, Reg.R1, 0), load(8, Reg.R4, Reg.R2, 0), jmpReg(JmpOp.JEQ, Reg.R3, Reg.R4, eq), ja(mismatch));
  em.place(eq);
  // Equal words: r4 is free for the constants.
  em.emit(...zeroByteFlags(Reg.R5, Reg.R3, Reg.R4), jmpImm(JmpOp.JEQ, Reg.R5, 0, next), ja(same));
  em.place(next);
  em.emit(
    alu64Imm(AluOp.ADD, Reg.R1, 8),
    alu64Imm(AluOp.ADD, Reg.R2, 8),
    alu64Imm(AluOp.ADD, Reg.R0, -1),
    jmpImm(JmpOp.JNE, Reg.R0, 0, top),
    ja(tail),
  );
  em.place(mismatch);
  // Unequal words (r3, r4): equal strings only when a's first NUL comes before the first
  // differing byte. Little-endian, so both are lowest set bits: of the difference, and of the
  // zero-byte flags (exact for the first NUL). Computed without branches on r1/r2, so the
  // verifier prunes this block after one round.
  em.emit(
    alu64Reg(AluOp.XOR, Reg.R4, Reg.R3),
    movReg(Reg.R5, Reg.R4),
    neg64(Reg.R5),
    alu64Reg(AluOp.AND, Reg.R4, Reg.R5),
    ...zeroByteFlags(Reg.R0, Reg.R3, Reg.R5),
    jmpImm(JmpOp.JEQ, Reg.R0, 0, differ),
    movReg(Reg.R5, Reg.R0),
    neg64(Reg.R5),
    alu64Reg(AluOp.AND, Reg.R0, Reg.R5),
    jmpReg(JmpOp.JLT, Reg.R0, Reg.R4, same),
    ja(differ),
  );
  em.place(tail);
  // r1/r2 point just past the whole words.
  compareBytes(em, n - words * 8, same, differ);
}
