import { JmpOp, ja, jmpImm, jmpReg, Reg } from '../bpf/insn.ts';
import type { Expr } from '../lang/ast.ts';
import { UserError } from '../lang/diagnostics.ts';
import { isScalarType, type Type } from '../sema/types.ts';
import { emitAggregateEquals, isAggregate } from './aggregate-equals.ts';
import type { Emitter } from './emitter.ts';
import type { Temp } from './frame.ts';
import { emitScalar, literalValue, setImm } from './scalars.ts';
import { emitStringEquals } from './strings.ts';

/** Jumps to `falseLabel` when e is false (0); falls through otherwise. */
export function emitCond(em: Emitter, e: Expr, falseLabel: string): void {
  if (e.kind === 'Binary' && e.op === '&&') {
    emitCond(em, e.left, falseLabel);
    emitCond(em, e.right, falseLabel);
    return;
  }
  if (e.kind === 'Binary' && e.op === '||') {
    const ok = em.label();
    const tryRight = em.label();
    emitCond(em, e.left, tryRight);
    em.emit(ja(ok));
    em.place(tryRight);
    emitCond(em, e.right, falseLabel);
    em.place(ok);
    return;
  }
  if (e.kind === 'Unary' && e.op === '!') {
    const ok = em.label();
    emitCond(em, e.operand, ok);
    em.emit(ja(falseLabel));
    em.place(ok);
    return;
  }
  if (
    e.kind === 'Binary' &&
    (e.op === '==' || e.op === '!=') &&
    em.typeOf(e.left).kind === 'string' &&
    em.typeOf(e.right).kind === 'string'
  ) {
    emitStringEquals(em, e.left, e.right, e.op === '==', falseLabel);
    return;
  }
  if (e.kind === 'Binary' && (e.op === '==' || e.op === '!=') && isAggregate(em.typeOf(e.left))) {
    emitAggregateEquals(em, e.left, e.right, e.op === '==', falseLabel);
    return;
  }
  if (e.kind === 'Binary' && isComparison(e.op) && isScalarType(em.typeOf(e.left)) && isScalarType(em.typeOf(e.right))) {
    const signed = compareSigned(em.typeOf(e.left), em.typeOf(e.right));
    const inverse = invertJump(e.op, signed);
    const rk = literalValue(em, e.right);
    const l = emitScalar(em, e.left);
    if (rk !== null && rk >= -0x80000000n && rk <= 0x7fffffffn) {
      const lr = em.reg(l, Reg.R1);
      em.emit(jmpImm(inverse, lr, Number(rk), falseLabel));
      em.free(l);
      return;
    }
    const r = emitScalar(em, e.right);
    const lr = em.reg(l, Reg.R1);
    const rr = em.reg(r, Reg.R2);
    em.emit(jmpReg(inverse, lr, rr, falseLabel));
    em.free(r);
    em.free(l);
    return;
  }
  const v = emitScalar(em, e);
  const r = em.reg(v, Reg.R1);
  em.emit(jmpImm(JmpOp.JEQ, r, 0, falseLabel));
  em.free(v);
}

export function boolFromCond(em: Emitter, e: Expr): Temp {
  const t = em.frame.newTemp();
  const f = em.label();
  const end = em.label();
  emitCond(em, e, f);
  setImm(em, t, 1);
  em.emit(ja(end));
  em.place(f);
  setImm(em, t, 0);
  em.place(end);
  return t;
}

export function isComparison(op: string): boolean {
  return op === '==' || op === '!=' || op === '<' || op === '<=' || op === '>' || op === '>=';
}

export function compareSigned(a: Type, b: Type): boolean {
  const au = a.kind === 'int' && !a.signed;
  const bu = b.kind === 'int' && !b.signed;
  return !(au || bu);
}

/** The jump taken when the comparison is false. */
export function invertJump(op: string, signed: boolean): JmpOp {
  switch (op) {
    case '==':
      return JmpOp.JNE;
    case '!=':
      return JmpOp.JEQ;
    case '<':
      return signed ? JmpOp.JSGE : JmpOp.JGE;
    case '<=':
      return signed ? JmpOp.JSGT : JmpOp.JGT;
    case '>':
      return signed ? JmpOp.JSLE : JmpOp.JLE;
    case '>=':
      return signed ? JmpOp.JSLT : JmpOp.JLT;
    default:
      throw new UserError(`not a comparison: ${op}`);
  }
}
