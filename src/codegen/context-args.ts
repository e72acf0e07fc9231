// The probe's typed context fields (`args.x` of tracepoints, fentry, uprobes with DWARF):
// loaded from the context at a fixed offset, or read from the user stack for stack-passed
// arguments. `args` as a whole value is a record of all of them.

import { AluOp, alu64Imm, alu64Reg, load, movReg, Reg, type Size } from '../bpf/insn.ts';
import { PT_REGS_SP } from '../builtins/task.ts';
import type { Expr, Span } from '../lang/ast.ts';
import { UserError } from '../lang/diagnostics.ts';
import type { ArgField } from '../probes/provider.ts';
import { isScalarType, sizeOf, type Type, tupleLayout, typeName } from '../sema/types.ts';
import type { Emitter } from './emitter.ts';
import type { MemLoc, Temp } from './frame.ts';
import { probeRead, readScalarAt } from './memory-reads.ts';
import { emitExtend } from './scalars.ts';
import { storeTemp } from './statements.ts';

/** The context field an `args.name` expression reads, if it is one. */
export function argField(em: Emitter, e: Expr): ArgField | null {
  if (e.kind !== 'FieldAccess' || e.base.kind !== 'Identifier' || e.base.name !== 'args') return null;
  return em.context.args?.find((a) => a.name === e.field) ?? null;
}

/** A stack-passed argument of a user function: the stack pointer at entry + its offset. */
export function stackArgAddr(em: Emitter, f: ArgField): Temp {
  const out = em.frame.newTemp();
  const r = out.reg ?? Reg.R0;
  em.emit(load(8, r, Reg.R6, PT_REGS_SP), alu64Imm(AluOp.ADD, r, f.offset));
  em.setTemp(out, r);
  return out;
}

/** A scalar field's value; a failed read of a stack-passed one is reported at `site`. */
export function argScalar(em: Emitter, f: ArgField, site: Span): Temp {
  if (f.onStack) return readScalarAt(em, stackArgAddr(em, f), true, { bitfield: null, type: f.type }, site);
  const out = em.frame.newTemp();
  const size = (f.type.kind === 'int' ? f.type.size : 8) as Size;
  const r = out.reg ?? Reg.R0;
  em.emit(load(size, r, Reg.R6, f.offset));
  if (f.type.kind === 'int') emitExtend(em, r, f.type.size, f.type.signed);
  em.setTemp(out, r);
  return out;
}

/**
 * A stack-passed field (a struct by value, read from the user stack) or a string field, as
 * type `t`, into loc.
 */
export function argIntoMem(em: Emitter, f: ArgField, t: Type, loc: MemLoc, site: Span): void {
  if (f.onStack) {
    probeRead(em, loc, sizeOf(t), stackArgAddr(em, f), true, site);
    return;
  }
  if (t.kind === 'array' && !f.dataLoc) {
    // An array inside the tracepoint's record (`__u8 saddr[4]`): its bytes, as they are.
    em.emit(movReg(Reg.R3, Reg.R6), alu64Imm(AluOp.ADD, Reg.R3, f.offset));
    const src = em.tempFromReg(Reg.R3);
    probeRead(em, loc, sizeOf(t), src, false, site);
    return;
  }
  if (t.kind !== 'string') {
    throw new UserError(`args.${f.name} of type ${typeName(t)} is not supported here yet`, [
      `name the fields you need instead (args.${f.name})`,
    ]);
  }
  // Tracepoint strings: __data_loc (u32: len << 16 | offset) or an inline char array.
  if (f.dataLoc) {
    em.emit(load(4, Reg.R3, Reg.R6, f.offset), alu64Imm(AluOp.AND, Reg.R3, 0xffff), alu64Reg(AluOp.ADD, Reg.R3, Reg.R6));
  } else {
    em.emit(movReg(Reg.R3, Reg.R6), alu64Imm(AluOp.ADD, Reg.R3, f.offset));
  }
  const tmp = em.tempFromReg(Reg.R3);
  em.callHelper(
    'probe_read_kernel_str',
    [
      { kind: 'addr', loc },
      { kind: 'imm', value: BigInt(t.size) },
      { kind: 'temp', temp: tmp },
    ],
    true,
  );
  em.free(tmp);
}

/**
 * `args` as a whole value (print(args), @m = args): every context field into a record, each
 * with its own type. A failed read is reported at `site`, the `args` expression.
 */
export function argsRecord(em: Emitter, t: Type, loc: MemLoc, site: Span): MemLoc {
  const fields = em.context.args ?? [];
  if (t.kind !== 'record') return loc;
  const lay = tupleLayout(t.fields.map((f) => f.type));
  em.zero(loc, lay.size);
  fields.forEach((f, i) => {
    const sub: MemLoc = { base: loc.base, off: loc.off + (lay.offsets[i] ?? 0) };
    if (isScalarType(f.type)) storeTemp(em, sub, f.type, argScalar(em, f, site));
    else argIntoMem(em, f, f.type, sub, site);
  });
  return loc;
}
