// strcap(), default_str_length() and memcmp(): sizes of string-like values and a byte
// comparison of any two values, as bpftrace 0.26's stdlib defines them (strings.bt,
// internal.bt). Sizes are known when compiling except for a pointer's, which is its strlen().

import { AluOp, alu64Imm, alu64Reg, ja, movImm, Reg } from '../bpf/insn.ts';
import type { Emitter } from '../codegen/emitter.ts';
import type { MemLoc } from '../codegen/frame.ts';
import { compareLoop } from '../codegen/strings.ts';
import type { Expr } from '../lang/ast.ts';
import { storageType } from '../sema/promotion.ts';
import { alignUp, INT32, INT64, isScalarType, sizeOf, typeName, UINT64 } from '../sema/types.ts';
import { stringLikeProblem } from './comptime.ts';
import { strlen } from './string-fns.ts';
import type { Builtin } from './types.ts';

/** default_str_length(): the capacity str() gives a string, max_strlen. */
export const defaultStrLength: Builtin = {
  name: 'default_str_length',
  ident: false,
  func: true,
  minArgs: 0,
  maxArgs: 0,
  check(call, cx) {
    cx.callConstants.set(call.id, BigInt(cx.config.maxStrlen));
    return UINT64;
  },
  emit: (_call, em) => ({ kind: 'imm', value: BigInt(em.config.maxStrlen) }),
};

/** strcap(s): a string's or char array's capacity; for a char pointer, the length it points to. */
export const strcap: Builtin = {
  name: 'strcap',
  ident: false,
  func: true,
  minArgs: 1,
  maxArgs: 1,
  check(call, cx) {
    const t = cx.check(call.args[0] as Expr);
    const problem = stringLikeProblem(t);
    if (problem) cx.diags.error(call.span, problem);
    else if (t.kind === 'string') cx.callConstants.set(call.id, BigInt(t.size));
    else if (t.kind === 'array') cx.callConstants.set(call.id, BigInt(t.len));
    return INT64;
  },
  emit(call, em) {
    const v = em.sema.callConstants.get(call.id);
    if (typeof v === 'bigint') return { kind: 'imm', value: v };
    return strlen.emit(call, em);
  },
};

/** Where a value's bytes are: memory values as they are, scalars stored first. */
function bytesOf(em: Emitter, e: Expr): MemLoc {
  const t = em.typeOf(e);
  if (!isScalarType(t)) return em.mem(e);
  const st = storageType(t);
  const loc = em.allocMem(alignUp(Math.max(sizeOf(st), 1), 8));
  em.storeInto(loc, st, e);
  return loc;
}

/**
 * memcmp(left, right, count): 0 when the first `count` bytes agree, else the difference of
 * the first differing bytes (as signed chars), like bpftrace's __memcmp.
 */
export const memcmp: Builtin = {
  name: 'memcmp',
  ident: false,
  func: true,
  minArgs: 3,
  maxArgs: 3,
  check(call, cx) {
    const [l, r, n] = call.args as [Expr, Expr, Expr];
    const lt = cx.check(l);
    const rt = cx.check(r);
    cx.check(n);
    const count = cx.constant(n);
    if (typeof count !== 'bigint' || count < 0n) {
      cx.diags.error(n.span, 'memcmp() expects a non-negative integer count known when compiling');
      return INT32;
    }
    const room = Math.min(sizeOf(storageType(lt)), sizeOf(storageType(rt)));
    if (count > BigInt(room)) {
      cx.diags.error(
        n.span,
        `memcmp() count ${count} is larger than its arguments (${typeName(lt)} and ${typeName(rt)}: ${room} bytes to compare)`,
      );
    }
    cx.callConstants.set(call.id, count);
    return INT32;
  },
  emit(call, em) {
    const [l, r] = call.args as [Expr, Expr];
    const count = Number(em.sema.callConstants.get(call.id) ?? 0n);
    const a = bytesOf(em, l);
    const b = bytesOf(em, r);
    if (count === 0) return { kind: 'imm', value: 0n };
    const same = em.label();
    const diff = em.label();
    const end = em.label();
    compareLoop(em, a, b, count, same, diff, false);
    em.place(same);
    em.emit(movImm(Reg.R0, 0), ja(end));
    em.place(diff);
    // The bytes as C's (signed) chars.
    em.emit(
      alu64Imm(AluOp.LSH, Reg.R3, 56),
      alu64Imm(AluOp.ARSH, Reg.R3, 56),
      alu64Imm(AluOp.LSH, Reg.R5, 56),
      alu64Imm(AluOp.ARSH, Reg.R5, 56),
      alu64Reg(AluOp.MOV, Reg.R0, Reg.R3),
      alu64Reg(AluOp.SUB, Reg.R0, Reg.R5),
    );
    em.place(end);
    return { kind: 'temp', temp: em.tempFromReg(Reg.R0) };
  },
};
