// `==` and `!=` on tuples, records, integer arrays and buf() values: equal when every member is,
// compared by its type (integers by value, whatever their width; strings up to their NUL;
// buffers by length, then their bytes up to it; nested ones member by member), never by raw
// bytes, which would see padding and bytes past a NUL or a buffer's end.

import { AluOp, alu64Imm, alu64Reg, JmpOp, jmpImm, jmpReg, load, Reg, type Size } from '../bpf/insn.ts';
import type { Expr } from '../lang/ast.ts';
import { UserError } from '../lang/diagnostics.ts';
import { BUF_HEADER, isScalarType, sizeOf, type Type, tupleLayout } from '../sema/types.ts';
import { emitMem } from './aggregates.ts';
import { offsetAlign } from './bulk-memory.ts';
import type { Emitter } from './emitter.ts';
import type { MemLoc } from './frame.ts';
import { emitExtend } from './scalars.ts';
import { branchOnEquality, compareStringsAt } from './strings.ts';

/** Whether `==` compares values of this type member by member. */
export function isAggregate(t: Type): boolean {
  return (
    t.kind === 'tuple' || t.kind === 'record' || t.kind === 'array' || t.kind === 'buffer' || (t.kind === 'symbolic' && !isScalarType(t))
  );
}

const at = (loc: MemLoc, off: number): MemLoc => ({ base: loc.base, off: loc.off + off });

function loadInt(em: Emitter, reg: Reg, loc: MemLoc, t: Type): void {
  const size = sizeOf(t);
  em.addr(loc, reg);
  em.emit(load(size as Size, reg, reg, 0));
  if (t.kind === 'int') emitExtend(em, reg, size, t.signed);
}

/** Compares the values at a (type at) and b (type bt); jumps to `differ` when they differ. */
function compareValues(em: Emitter, a: MemLoc, aType: Type, b: MemLoc, bType: Type, differ: string): void {
  switch (aType.kind) {
    case 'int':
    case 'bool':
    case 'pointer':
      loadInt(em, Reg.R3, a, aType);
      loadInt(em, Reg.R4, b, bType);
      em.emit(jmpReg(JmpOp.JNE, Reg.R3, Reg.R4, differ));
      return;
    case 'string': {
      const same = em.label();
      compareStringsAt(em, a, b, Math.min(sizeOf(aType), sizeOf(bType)), same, differ);
      em.place(same);
      return;
    }
    case 'tuple': {
      if (bType.kind !== 'tuple') break;
      const la = tupleLayout(aType.elems);
      const lb = tupleLayout(bType.elems);
      aType.elems.forEach((t, i) => {
        compareValues(em, at(a, la.offsets[i] ?? 0), t, at(b, lb.offsets[i] ?? 0), bType.elems[i] as Type, differ);
      });
      return;
    }
    case 'record': {
      if (bType.kind !== 'record') break;
      const la = tupleLayout(aType.fields.map((f) => f.type));
      const lb = tupleLayout(bType.fields.map((f) => f.type));
      aType.fields.forEach((f, i) => {
        // Records built in another order hold the same fields elsewhere: match them by name.
        const j = bType.fields.findIndex((g) => g.name === f.name);
        const g = bType.fields[j];
        if (!g) throw new UserError(`record field ${f.name} is missing on one side of the comparison`);
        compareValues(em, at(a, la.offsets[i] ?? 0), f.type, at(b, lb.offsets[j] ?? 0), g.type, differ);
      });
      return;
    }
    case 'array': {
      if (bType.kind !== 'array') break;
      const sa = sizeOf(aType.elem);
      const sb = sizeOf(bType.elem);
      for (let i = 0; i < aType.len; i++) compareValues(em, at(a, i * sa), aType.elem, at(b, i * sb), bType.elem, differ);
      return;
    }
    case 'buffer':
      if (bType.kind !== 'buffer') break;
      compareBuffers(em, a, b, Math.min(aType.size, bType.size), differ);
      return;
    case 'symbolic':
      if (bType.kind !== 'symbolic' || bType.what !== aType.what) break;
      if (isScalarType(aType)) {
        loadInt(em, Reg.R3, a, aType);
        loadInt(em, Reg.R4, b, bType);
        em.emit(jmpReg(JmpOp.JNE, Reg.R3, Reg.R4, differ));
        return;
      }
      // In memory (usym, inet, mac, cgroup_path), at any alignment inside a tuple: byte by byte.
      em.addr(a, Reg.R1);
      em.addr(b, Reg.R2);
      for (let i = 0; i < sizeOf(aType); i++) {
        em.emit(load(1, Reg.R4, Reg.R1, i), load(1, Reg.R5, Reg.R2, i), jmpReg(JmpOp.JNE, Reg.R4, Reg.R5, differ));
      }
      return;
    default:
      break;
  }
  throw new UserError(`values of type ${aType.kind} can not be compared here`);
}

/** Two buf() values ({u32 length, bytes}): the same length, then the same bytes up to it. */
function compareBuffers(em: Emitter, a: MemLoc, b: MemLoc, capacity: number, differ: string): void {
  em.addr(a, Reg.R1);
  em.addr(b, Reg.R2);
  loadLength(em, Reg.R3, Reg.R1, offsetAlign(a.off));
  loadLength(em, Reg.R4, Reg.R2, offsetAlign(b.off));
  em.emit(jmpReg(JmpOp.JNE, Reg.R3, Reg.R4, differ));
  const same = em.label();
  for (let i = 0; i < capacity; i++) {
    em.emit(
      jmpImm(JmpOp.JLE, Reg.R3, i, same),
      load(1, Reg.R4, Reg.R1, BUF_HEADER + i),
      load(1, Reg.R5, Reg.R2, BUF_HEADER + i),
      jmpReg(JmpOp.JNE, Reg.R4, Reg.R5, differ),
    );
  }
  em.place(same);
}

/**
 * A buffer's u32 length into `dst` (r5 is scratch): a buffer inside a tuple may sit at any
 * offset (0.26 aligns it to 1), where the stack takes only loads as narrow as the offset allows.
 */
function loadLength(em: Emitter, dst: Reg, addr: Reg, align: 1 | 2 | 4 | 8): void {
  if (align >= BUF_HEADER) {
    em.emit(load(BUF_HEADER, dst, addr, 0));
    return;
  }
  const w = align as 1 | 2;
  em.emit(load(w, dst, addr, 0));
  for (let i = w; i < BUF_HEADER; i += w) {
    em.emit(load(w, Reg.R5, addr, i), alu64Imm(AluOp.LSH, Reg.R5, i * 8), alu64Reg(AluOp.OR, dst, Reg.R5));
  }
}

/** Jumps to `falseLabel` unless the two aggregates are equal (`==`) or differ (`!=`). */
export function emitAggregateEquals(em: Emitter, left: Expr, right: Expr, wantEqual: boolean, falseLabel: string): void {
  const a = emitMem(em, left);
  const b = emitMem(em, right);
  const differ = em.label();
  compareValues(em, a, em.typeOf(left), b, em.typeOf(right), differ);
  branchOnEquality(em, differ, wantEqual, falseLabel);
}
