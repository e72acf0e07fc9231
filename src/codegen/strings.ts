// String values: literals written as immediates, equality compared up to the first NUL.

import { JmpOp, ja, jmpImm, jmpReg, load, Reg, storeImm } from '../bpf/insn.ts';
import type { Expr } from '../lang/ast.ts';
import { sizeOf } from '../sema/types.ts';
import { emitMem } from './aggregates.ts';
import type { Emitter } from './emitter.ts';
import type { MemLoc } from './frame.ts';

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
    em.addr(a, Reg.R1);
    const n = Math.min(bytes.length + 1, otherSize);
    for (let i = 0; i < n; i++) {
      em.emit(load(1, Reg.R3, Reg.R1, i), jmpImm(JmpOp.JNE, Reg.R3, bytes[i] ?? 0, differ));
    }
    // A literal longer than the other side's capacity can never be equal.
    if (bytes.length + 1 > otherSize) em.emit(ja(differ));
  } else {
    const a = emitMem(em, left);
    const b = emitMem(em, right);
    const n = Math.min(sizeOf(em.typeOf(left)), sizeOf(em.typeOf(right)));
    em.addr(a, Reg.R1);
    em.addr(b, Reg.R2);
    for (let i = 0; i < n; i++) {
      em.emit(
        load(1, Reg.R3, Reg.R1, i),
        load(1, Reg.R4, Reg.R2, i),
        jmpReg(JmpOp.JNE, Reg.R3, Reg.R4, differ),
        jmpImm(JmpOp.JEQ, Reg.R3, 0, equal),
      );
    }
  }
  em.place(equal);
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

/** Writes a literal's bytes and NUL padding as immediates: `size` bytes, whole words, at loc. */
export function storeStringLiteral(em: Emitter, loc: MemLoc, value: string, size: number): void {
  const bytes = Buffer.from(value, 'latin1');
  const padded = Math.ceil((bytes.length + 1) / 8) * 8;
  const buf = Buffer.alloc(Math.max(padded, 8));
  bytes.copy(buf);
  const words = Math.ceil(size / 8);
  for (let i = 0; i < words && i * 8 < buf.length; i++) {
    const lo = buf.readInt32LE(i * 8);
    const hi = buf.readInt32LE(i * 8 + 4);
    if (loc.base === 'stack') {
      em.emit(storeImm(4, Reg.FP, loc.off + i * 8, lo), storeImm(4, Reg.FP, loc.off + i * 8 + 4, hi));
    } else {
      em.addr(loc, Reg.R1);
      em.emit(storeImm(4, Reg.R1, i * 8, lo), storeImm(4, Reg.R1, i * 8 + 4, hi));
    }
  }
}
