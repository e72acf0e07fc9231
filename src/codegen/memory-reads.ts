// Reads from kernel or user memory: struct members, dereferences, array elements and
// stack-passed arguments, addressed first and read with one probe_read at the end.

import { AluOp, alu64Imm, alu64Reg, JmpOp, ja, jmpImm, movImm, Reg, type Size } from '../bpf/insn.ts';
import type { Expr, Span } from '../lang/ast.ts';
import { UserError } from '../lang/diagnostics.ts';
import { isScalarType, sizeOf, type Type } from '../sema/types.ts';
import { memberOf } from './aggregates.ts';
import { argField, argScalar, stackArgAddr } from './context-args.ts';
import type { Emitter } from './emitter.ts';
import type { MemLoc, Temp } from './frame.ts';
import { emitArrayBoundsCheck, emitArrayBoundsRecord } from './runtime-errors.ts';
import { emitExtend, emitScalar, literalArith } from './scalars.ts';

export function deref(em: Emitter, ptrExpr: Expr, t: Type, site: Span): Temp {
  const p = emitScalar(em, ptrExpr);
  const slot = em.allocMem(8);
  const size = (t.kind === 'int' ? t.size : 8) as Size;
  const pt = em.typeOf(ptrExpr);
  // A pointer read from user memory (an element of a user struct's array) points there too.
  probeRead(em, slot, size, p, (pt.kind === 'pointer' && pt.user) || userChain(em, ptrExpr), site);
  const out = em.frame.newTemp();
  em.loadReg(size, Reg.R0, slot, 0);
  if (t.kind === 'int') emitExtend(em, Reg.R0, t.size, t.signed);
  em.setTemp(out, Reg.R0);
  return out;
}

/** args.field for probes whose context holds typed fields at fixed offsets. */
export function fieldScalar(em: Emitter, e: Extract<Expr, { kind: 'FieldAccess' }>): Temp {
  const kf = em.sema.fields.get(e.id);
  if (kf) return readKernelScalar(em, e, kf);
  const f = argField(em, e);
  if (f) return argScalar(em, f, e.span);
  const t = em.typeOf(e);
  if (isScalarType(t)) {
    const { loc, offset } = memberOf(em, e);
    const out = em.frame.newTemp();
    // Read at the field's own width: a record packs bools and small integers unaligned.
    const size = Math.min(8, Math.max(1, sizeOf(t))) as Size;
    em.loadReg(size, Reg.R0, loc, offset);
    if (t.kind === 'int' && t.size < 8) emitExtend(em, Reg.R0, t.size, t.signed);
    em.setTemp(out, Reg.R0);
    return out;
  }
  throw new UserError(`field access .${e.field} is not supported here yet`);
}

/**
 * Address, in kernel memory, of a struct member or of what a struct pointer points to, for
 * chained accesses (`curtask->mm->owner`, `args.file->f_path.dentry`): offsets are added, and
 * only the final member is read.
 */
export function kernelAddr(em: Emitter, e: Expr): Temp {
  const stackArg = argField(em, e);
  if (stackArg?.onStack) return stackArgAddr(em, stackArg);
  if (e.kind === 'FieldAccess') {
    const kf = em.sema.fields.get(e.id);
    if (kf) {
      const bt = em.typeOf(e.base);
      const base = bt.kind === 'pointer' ? emitScalar(em, e.base) : kernelAddr(em, e.base);
      if (kf.offset !== 0) {
        const r = em.reg(base, Reg.R0);
        em.emit(alu64Imm(AluOp.ADD, r, kf.offset));
        em.setTemp(base, r);
      }
      return base;
    }
  }
  if (e.kind === 'Unary' && e.op === '*') return emitScalar(em, e.operand);
  if (e.kind === 'IndexExpr' && (inMemory(em, e) || heldIndexable(em, e.base))) return elementAddr(em, e);
  if (inBpfMemory(em, e)) {
    // A struct held by a variable or map (`$s = *p; $s.m`): its members are read from our own
    // copy, whose address is on the BPF stack or in a map value.
    const out = em.frame.newTemp();
    em.addr(em.mem(e), Reg.R0);
    em.setTemp(out, Reg.R0);
    return out;
  }
  return emitScalar(em, e);
}

/**
 * An aggregate that lives in the program's memory (a variable, a map value, a member or element
 * of one), not behind a pointer: a struct read whole (`$s = *p; $s.m`), an array or string
 * indexed at run time (`$w[$i]`).
 */
function inBpfMemory(em: Emitter, e: Expr): boolean {
  const k = em.typeOf(e).kind;
  return (k === 'struct' || k === 'array' || k === 'string') && heldChain(em, e);
}

/**
 * Whether the object `e` names is in the program's memory: a value, or a member or element of
 * one (`$w[1].t.b`), rather than something reached through a pointer or the probe's context.
 */
function heldChain(em: Emitter, e: Expr): boolean {
  if (em.typeOf(e).kind === 'pointer') return false;
  switch (e.kind) {
    case 'FieldAccess':
      if (em.sema.fields.has(e.id)) return em.typeOf(e.base).kind !== 'pointer' && heldChain(em, e.base);
      return argField(em, e) === null && heldChain(em, e.base);
    case 'IndexExpr':
      return em.typeOf(e.base).kind !== 'pointer' && heldChain(em, e.base);
    case 'Identifier':
      return e.name !== 'args';
    default:
      return !inMemory(em, e);
  }
}

/** An array or string held by the program (not in kernel or user memory) that `[]` indexes. */
export function heldIndexable(em: Emitter, base: Expr): boolean {
  const k = em.typeOf(base).kind;
  return (k === 'array' || k === 'string') && inBpfMemory(em, base);
}

/** `$a[$i]`: an element of a held array or string at an index known only at run time. */
export function runtimeHeldIndex(em: Emitter, e: Extract<Expr, { kind: 'IndexExpr' }>): boolean {
  return literalArith(em, e.index) === null && heldIndexable(em, e.base);
}

/**
 * Address of an array element or of what a pointer indexes. A run-time index into an array is
 * checked as bpftrace does (a warning, then the element is read anyway). Into the program's own
 * memory the verifier wants the index bounded: past the end the address is 0 instead, so the
 * read that follows fails and yields zeros.
 */
function elementAddr(em: Emitter, e: Extract<Expr, { kind: 'IndexExpr' }>): Temp {
  const bt = em.typeOf(e.base);
  const held = heldChain(em, e);
  const base = bt.kind === 'pointer' ? emitScalar(em, e.base) : kernelAddr(em, e.base);
  const es = elemSize(em, bt);
  const lit = literalArith(em, e.index);
  if (lit !== null) {
    const off = Number(lit) * es;
    if (off !== 0) {
      const r = em.reg(base, Reg.R0);
      em.emit(alu64Imm(AluOp.ADD, r, off));
      em.setTemp(base, r);
    }
    return base;
  }
  const i = emitScalar(em, e.index);
  const len = bt.kind === 'array' ? bt.len : bt.kind === 'string' ? bt.size : 0;
  if (held) {
    const inside = em.label();
    const done = em.label();
    em.emit(jmpImm(JmpOp.JLE, em.reg(i, Reg.R1), len - 1, inside));
    if (bt.kind === 'array') emitArrayBoundsRecord(em, e.span);
    em.setTemp(base, zeroReg(em));
    em.emit(ja(done));
    em.place(inside);
    addScaled(em, base, i, es);
    em.place(done);
  } else {
    if (bt.kind === 'array') emitArrayBoundsCheck(em, em.reg(i, Reg.R1), len, e.span);
    addScaled(em, base, i, es);
  }
  em.free(i);
  return base;
}

function zeroReg(em: Emitter): Reg {
  em.emit(movImm(Reg.R0, 0));
  return Reg.R0;
}

/** base += index * stride. */
function addScaled(em: Emitter, base: Temp, i: Temp, stride: number): void {
  const ri = em.reg(i, Reg.R1);
  if (stride !== 1) em.emit(alu64Imm(AluOp.MUL, ri, stride));
  em.setTemp(i, ri);
  const rb = em.reg(base, Reg.R0);
  em.emit(alu64Reg(AluOp.ADD, rb, em.reg(i, Reg.R1)));
  em.setTemp(base, rb);
}

/**
 * Whether `e` names an object in kernel or user memory that is addressed rather than already
 * read: a struct member, what a pointer points to, an element of such an array or of a
 * pointer (`args.n->vals[1]`, `$p[2]`). Its value is read with one probe_read at the end.
 */
export function inMemory(em: Emitter, e: Expr): boolean {
  if (argField(em, e)?.onStack) return true;
  if (e.kind === 'FieldAccess') return em.sema.fields.has(e.id);
  if (e.kind === 'Unary' && e.op === '*') return em.typeOf(e.operand).kind === 'pointer';
  if (e.kind === 'IndexExpr') {
    const bt = em.typeOf(e.base);
    if (bt.kind === 'pointer') return true;
    return (bt.kind === 'array' || bt.kind === 'string') && inMemory(em, e.base);
  }
  return false;
}

/** Bytes between elements of what `t` indexes (arrays, char arrays, pointers). */
export function elemSize(_em: Emitter, t: Type): number {
  if (t.kind === 'array') return sizeOf(t.elem);
  // void pointers index u64s, as the type checker types their elements.
  if (t.kind === 'pointer') return t.to.kind === 'void' ? 8 : Math.max(1, sizeOf(t.to));
  return 1;
}

/** Whether a member access chain starts from a user-space pointer (uprobe casts). */
export function userChain(em: Emitter, e: Expr): boolean {
  if (argField(em, e)?.onStack) return true;
  if (e.kind === 'FieldAccess' && em.sema.fields.has(e.id)) {
    // Pointers found in user memory point into user memory too.
    const bt = em.typeOf(e.base);
    return (bt.kind === 'pointer' && bt.user) || userChain(em, e.base);
  }
  if (e.kind === 'Unary' && e.op === '*') {
    const t = em.typeOf(e.operand);
    return t.kind === 'pointer' && t.user;
  }
  if (e.kind === 'IndexExpr') {
    const bt = em.typeOf(e.base);
    return bt.kind === 'pointer' ? bt.user : userChain(em, e.base);
  }
  return false;
}

/** A bitfield's read width and position, or null for a plain scalar. */
export type ScalarRead = { bitfield: { bits: number; shift: number; readSize: 1 | 2 | 4 | 8 } | null; type: Type };

/** Reads a scalar struct member (integer, pointer, bitfield) with bpf_probe_read_kernel. */
export function readKernelScalar(em: Emitter, e: Expr, kf: ScalarRead): Temp {
  return readScalarAt(em, kernelAddr(em, e), userChain(em, e), kf, e.span);
}

/** Reads a scalar at the address in `addr` (freed here), from user or kernel memory. */
export function readScalarAt(em: Emitter, addr: Temp, user: boolean, kf: ScalarRead, site: Span): Temp {
  const t = kf.type;
  const size = (kf.bitfield ? kf.bitfield.readSize : Math.min(8, Math.max(1, sizeOf(t)))) as Size;
  const slot = em.allocMem(8);
  em.zero(slot, 8);
  probeRead(em, slot, size, addr, user, site);
  const out = em.frame.newTemp();
  const r = out.reg ?? Reg.R0;
  em.loadReg(size, r, slot, 0);
  if (kf.bitfield) {
    const { bits, shift } = kf.bitfield;
    if (shift) em.emit(alu64Imm(AluOp.RSH, r, shift));
    if (bits < 32) em.emit(alu64Imm(AluOp.AND, r, (1 << bits) - 1));
    else if (bits < 64) em.emit(alu64Imm(AluOp.LSH, r, 64 - bits), alu64Imm(AluOp.RSH, r, 64 - bits));
  } else if (t.kind === 'int') emitExtend(em, r, t.size, t.signed);
  em.setTemp(out, r);
  return out;
}

/** Reads a string/array/struct member (or pointed-to object, or element) into memory. */
export function readKernelMem(em: Emitter, e: Expr, dst: MemLoc, size: number): void {
  probeRead(em, dst, size, kernelAddr(em, e), userChain(em, e), e.span);
}

/**
 * `size` bytes from the address in `addr` (freed here) into `dst`, from user or kernel
 * memory; a failure is reported at `site` when the warning level checks probe reads.
 */
export function probeRead(em: Emitter, dst: MemLoc, size: number, addr: Temp, user: boolean, site: Span): void {
  em.callHelper(
    user ? 'probe_read_user' : 'probe_read_kernel',
    [
      { kind: 'addr', loc: dst },
      { kind: 'imm', value: BigInt(size) },
      { kind: 'temp', temp: addr },
    ],
    true,
    site,
  );
  em.free(addr);
}
