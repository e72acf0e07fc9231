import { AluOp, alu64Imm, alu64Reg, JmpOp, ja, jmpImm, movImm, neg64, Reg, type Size, storeImm } from '../bpf/insn.ts';
import type { Call, Expr, Span } from '../lang/ast.ts';
import { unreachable } from '../lang/ast.ts';
import { UserError } from '../lang/diagnostics.ts';
import { binary } from '../lang/headers.ts';
import { positionalInt } from '../sema/positional.ts';
import { INT64, isScalarType, sizeOf, type Type } from '../sema/types.ts';
import { memberOf } from './aggregates.ts';
import { boolFromCond, emitCond, isComparison } from './conditions.ts';
import type { Emitter, Operand } from './emitter.ts';
import type { Temp } from './frame.ts';
import { emitMapLookupScalar } from './maps.ts';
import { deref, fieldScalar, inMemory, readKernelScalar, runtimeHeldIndex } from './memory-reads.ts';
import { emitDivideByZeroRecord } from './runtime-errors.ts';
import { emitStmt, emitUpdate } from './statements.ts';

/** Evaluates an integer/bool/pointer expression into a temp. */
export function emitScalar(em: Emitter, e: Expr): Temp {
  switch (e.kind) {
    case 'IntegerLit':
      return em.tempConst(e.value);
    case 'BoolLit':
      return em.tempConst(e.value ? 1n : 0n);
    case 'PositionalParam':
      return em.tempConst(literalValue(em, e) ?? 0n);
    case 'PositionalCount':
      return em.tempConst(BigInt(em.sema.positional.length));
    case 'Variable': {
      const sym = em.sema.vars.get(e.id);
      const t = em.frame.newTemp();
      if (!sym) {
        setImm(em, t, 0);
        return t;
      }
      const loc = em.varLoc(sym);
      const scratch = t.reg ?? Reg.R0;
      em.loadReg(8, scratch, loc, 0);
      em.setTemp(t, scratch);
      return t;
    }
    case 'MapRef':
    case 'MapAccess':
      return emitMapLookupScalar(em, e);
    case 'Identifier': {
      const ec = em.sema.enumConsts.get(e.id);
      if (ec !== undefined) return em.tempConst(ec);
      const call: Call = { kind: 'Call', id: e.id, span: e.span, callee: e.name, calleeSpan: e.span, args: [] };
      return operandToTemp(em, em.callBuiltin(call));
    }
    case 'Call':
      return operandToTemp(em, em.callBuiltin(e));
    case 'Binary': {
      if (e.op === '&&' || e.op === '||' || isComparison(e.op)) return boolFromCond(em, e);
      // Literal arithmetic is folded as bpftrace folds it (C's signed rules: `-7 / 2` is -3),
      // whereas the same division at run time is unsigned.
      const folded = literalArith(em, e);
      if (folded !== null) return em.tempConst(folded);
      const l = emitScalar(em, e.left);
      const r = emitScalar(em, e.right);
      emitBinary(em, l, r, e.op, em.typeOf(e.left), em.typeOf(e.right), { span: e.span, divisor: literalArith(em, e.right) });
      em.free(r);
      return l;
    }
    case 'Unary': {
      if (e.op === '!') return boolFromCond(em, e);
      if (e.op === '*') return deref(em, e.operand, em.typeOf(e), e.span);
      if (e.op === '&') return variableAddress(em, e.operand);
      const folded = literalArith(em, e);
      if (folded !== null) return em.tempConst(folded);
      const v = emitScalar(em, e.operand);
      const r = em.reg(v, Reg.R0);
      if (e.op === '-') em.emit(neg64(r));
      else if (e.op === '~') em.emit(alu64Imm(AluOp.XOR, r, -1));
      em.setTemp(v, r);
      return v;
    }
    case 'Update': {
      const t = emitUpdate(em, e.target, e.op, true, e.prefix, e.span);
      return t ?? em.tempConst(0n);
    }
    case 'Ternary': {
      const taken = em.sema.comptimeIfs.get(e.id);
      if (taken !== undefined) return emitScalar(em, taken ? e.then : e.else);
      const out = em.frame.newTemp();
      const elseL = em.label();
      const end = em.label();
      emitCond(em, e.cond, elseL);
      const a = emitScalar(em, e.then);
      em.setTemp(out, em.reg(a, Reg.R0));
      em.free(a);
      em.emit(ja(end));
      em.place(elseL);
      const b = emitScalar(em, e.else);
      em.setTemp(out, em.reg(b, Reg.R0));
      em.free(b);
      em.place(end);
      return out;
    }
    case 'FieldAccess':
      return fieldScalar(em, e);
    case 'Cast': {
      const to = em.typeOf(e);
      if (em.typeOf(e.expr).kind === 'array') return arrayAsInt(em, e.expr, to);
      const from = em.typeOf(e.expr);
      const known = to.kind === 'pointer' && from.kind === 'int' && from.size < 8 ? literalArith(em, e.expr) : null;
      // An integer narrower than a pointer widens without its sign, as bpftrace's inttoptr
      // does: `(uint8 *)-1` is 0xff.
      if (known !== null && from.kind === 'int') return em.tempConst(BigInt.asUintN(from.size * 8, known));
      const v = emitScalar(em, e.expr);
      if (to.kind === 'int' && to.size < 8) {
        const r = em.reg(v, Reg.R0);
        emitExtend(em, r, to.size, to.signed);
        em.setTemp(v, r);
      } else if (to.kind === 'pointer') {
        if (from.kind === 'int' && from.size < 8) {
          const r = em.reg(v, Reg.R0);
          emitExtend(em, r, from.size, false);
          em.setTemp(v, r);
        }
      } else if (to.kind === 'bool') {
        const r = em.reg(v, Reg.R0);
        const l = em.label();
        em.emit(jmpImm(JmpOp.JEQ, r, 0, l), movImm(r, 1));
        em.place(l);
        em.setTemp(v, r);
      }
      return v;
    }
    case 'SizeofExpr': {
      const t = e.arg.kind === 'TypeExpr' ? (em.sema.types.get(e.arg.id) ?? INT64) : em.typeOf(e.arg);
      return em.tempConst(BigInt(sizeOf(t)));
    }
    case 'BlockExpr': {
      for (const s of e.stmts) emitStmt(em, s);
      return emitScalar(em, e.value);
    }
    case 'OffsetofExpr':
      return em.tempConst(BigInt(em.sema.offsets.get(e.id) ?? 0));
    case 'TupleIndex':
    case 'IndexExpr':
    case 'StringLit':
    case 'TupleExpr':
    case 'RecordExpr':
    case 'TypeofExpr': {
      const t = em.typeOf(e);
      if (e.kind === 'IndexExpr' && isScalarType(t) && (inMemory(em, e) || runtimeHeldIndex(em, e)))
        return readKernelScalar(em, e, { bitfield: null, type: t });
      if (isScalarType(t) && (e.kind === 'TupleIndex' || e.kind === 'IndexExpr')) {
        const { loc, offset } = memberOf(em, e);
        const out = em.frame.newTemp();
        const size = Math.min(8, sizeOf(t)) as Size;
        if ((loc.off + offset) % size !== 0) {
          // A usym in a tuple may sit at any offset (0.26 aligns it to 1); the stack takes only
          // aligned loads, so it is copied out first in units its offset allows.
          const tmp = em.allocMem(8);
          em.copy(tmp, { base: loc.base, off: loc.off + offset }, size);
          em.loadReg(size, Reg.R0, tmp, 0);
        } else em.loadReg(size, Reg.R0, loc, offset);
        if (t.kind === 'int' && t.size < 8) emitExtend(em, Reg.R0, t.size, t.signed);
        em.setTemp(out, Reg.R0);
        return out;
      }
      throw new UserError(`${e.kind} is not supported as a scalar value yet`);
    }
    default:
      return unreachable(e);
  }
}

/** An integer array's bytes read as one integer of the same size (`(uint32)pton(...)`). */
function arrayAsInt(em: Emitter, arr: Expr, to: Type): Temp {
  if (inMemory(em, arr)) return readKernelScalar(em, arr, { bitfield: null, type: to });
  const loc = em.mem(arr);
  const size = Math.min(8, sizeOf(to)) as Size;
  const out = em.frame.newTemp();
  em.loadReg(size, Reg.R0, loc, 0);
  if (to.kind === 'int') emitExtend(em, Reg.R0, to.size, to.signed);
  em.setTemp(out, Reg.R0);
  return out;
}

/** `&$x`: where the variable lives (the stack, or the scratch map for large values). */
function variableAddress(em: Emitter, v: Expr): Temp {
  const sym = v.kind === 'Variable' ? em.sema.vars.get(v.id) : undefined;
  if (!sym) throw new UserError('address-of operator (&) can only be used on a map or variable');
  const out = em.frame.newTemp();
  em.addr(em.varLoc(sym), Reg.R0);
  em.setTemp(out, Reg.R0);
  return out;
}

/** Sets a temp to a small constant without going through a scratch register. */
export function setImm(em: Emitter, t: Temp, v: 0 | 1): void {
  if (t.reg !== null) em.emit(movImm(t.reg, v));
  else em.emit(storeImm(8, Reg.FP, t.slot as number, v));
}

export function operandToTemp(em: Emitter, o: Operand): Temp {
  switch (o.kind) {
    case 'temp':
      return o.temp;
    case 'imm':
      return em.tempConst(o.value);
    case 'mem': {
      const t = em.frame.newTemp();
      em.loadReg(8, Reg.R0, o.loc, 0);
      em.setTemp(t, Reg.R0);
      return t;
    }
    default:
      return unreachable(o);
  }
}

/** Sign- or zero-extends the low `size` bytes of a register to 64 bits. */
export function emitExtend(em: Emitter, r: Reg, size: number, signed: boolean): void {
  if (size >= 8) return;
  const shift = 64 - size * 8;
  em.emit(alu64Imm(AluOp.LSH, r, shift), alu64Imm(signed ? AluOp.ARSH : AluOp.RSH, r, shift));
}

/** Where a binary operation is, and its right operand's value when that is a literal. */
export interface BinarySite {
  span: Span;
  divisor: bigint | null;
}

/** l = l op r, with bpftrace's signedness rules for division, modulo and shifts. */
export function emitBinary(em: Emitter, l: Temp, r: Temp, op: string, lt: Type, rt: Type, site: BinarySite): void {
  const a = em.reg(l, Reg.R1);
  const b = em.reg(r, Reg.R2);
  // C pointer arithmetic: `p + n` and `p - n` move by n elements, as in bpftrace.
  if ((op === '+' || op === '-') && lt.kind === 'pointer' && rt.kind !== 'pointer') scaleByElement(em, b, lt);
  if (op === '+' && rt.kind === 'pointer' && lt.kind !== 'pointer') scaleByElement(em, a, rt);
  const simple = SIMPLE_ALU[op];
  if (simple !== undefined) {
    em.emit(alu64Reg(simple, a, b));
    em.setTemp(l, a);
    return;
  }
  switch (op) {
    case '>>':
      em.emit(alu64Reg(lt.kind === 'int' && lt.signed ? AluOp.ARSH : AluOp.RSH, a, b));
      break;
    case '/':
    case '%':
      divideOrZeroError(em, a, b, op, site);
      break;
    default:
      throw new UserError(`operator ${op} is not supported here`);
  }
  em.setTemp(l, a);
}

/** How many bytes `p + 1` moves a pointer of type `t` (a `void *` moves by bytes, as GNU C). */
export function pointerStride(t: Type): number {
  return t.kind === 'pointer' && t.to.kind !== 'void' ? Math.max(1, sizeOf(t.to)) : 1;
}

function scaleByElement(em: Emitter, r: Reg, ptr: Type): void {
  const stride = pointerStride(ptr);
  if (stride !== 1) em.emit(alu64Imm(AluOp.MUL, r, stride));
}

/**
 * Division and modulo as bpftrace does them: unsigned whatever the operands' signs (BPF has no
 * signed division before ISA v4; sema warns about signed operands), and a divisor of 0 gives 1
 * and a runtime error record, as 0.26 (the instruction alone would give 0, or the dividend).
 */
function divideOrZeroError(em: Emitter, a: Reg, b: Reg, op: '/' | '%', site: BinarySite): void {
  const alu = op === '/' ? AluOp.DIV : AluOp.MOD;
  if (site.divisor !== null && site.divisor !== 0n) {
    em.emit(alu64Reg(alu, a, b));
    return;
  }
  const nonZero = em.label();
  const done = em.label();
  em.emit(jmpImm(JmpOp.JNE, b, 0, nonZero));
  emitDivideByZeroRecord(em, site.span);
  em.emit(movImm(a, 1), ja(done));
  em.place(nonZero);
  em.emit(alu64Reg(alu, a, b));
  em.place(done);
}

/**
 * The value of integer literal arithmetic (`-7 / 2`, `1 << 20`, `$1 * 1000` with a numeric
 * positional), folded with C's signed 64-bit rules; null when any part is not a literal.
 */
export function literalArith(em: Emitter, e: Expr): bigint | null {
  switch (e.kind) {
    case 'IntegerLit':
    case 'PositionalParam':
      return literalValue(em, e);
    case 'Unary': {
      if (e.op !== '-' && e.op !== '~') return null;
      const v = literalArith(em, e.operand);
      if (v === null) return null;
      return BigInt.asIntN(64, e.op === '-' ? -v : ~v);
    }
    case 'Binary': {
      if (e.op === '&&' || e.op === '||' || isComparison(e.op)) return null;
      const l = literalArith(em, e.left);
      const r = l === null ? null : literalArith(em, e.right);
      if (l === null || r === null) return null;
      const v = binary(e.op, BigInt.asIntN(64, l), BigInt.asIntN(64, r));
      return v === null ? null : BigInt.asIntN(64, v);
    }
    default:
      return null;
  }
}

export function literalValue(em: Emitter, e: Expr): bigint | null {
  if (e.kind === 'IntegerLit') return e.value;
  if (e.kind === 'PositionalParam') {
    const v = em.sema.positional[e.index - 1];
    return v === undefined ? 0n : positionalInt(v);
  }
  return null;
}

/** Operators that are one 64-bit ALU instruction whatever the signedness. */
const SIMPLE_ALU: Readonly<Record<string, AluOp>> = {
  '+': AluOp.ADD,
  '-': AluOp.SUB,
  '*': AluOp.MUL,
  '&': AluOp.AND,
  '|': AluOp.OR,
  '^': AluOp.XOR,
  '<<': AluOp.LSH,
};
