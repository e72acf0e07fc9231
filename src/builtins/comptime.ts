// Builtins decided while compiling (bpftrace 0.26's stdlib meta.bt/strings.bt): the type
// predicates is_str/is_ptr/is_array/is_integer/is_unsigned_integer/is_literal, static_assert,
// fail and assert_str. They emit no code beyond a constant; `if comptime` (sema) uses their
// values to keep only one branch.

import type { Call, Expr } from '../lang/ast.ts';
import { formatPrintf } from '../runtime/printf/format.ts';
import { parseFormat } from '../runtime/printf/format-string.ts';
import type { Value } from '../runtime/value.ts';
import { BOOL, type Type, VOID } from '../sema/types.ts';
import { NONE } from './gen-util.ts';
import type { Builtin, CheckCx } from './types.ts';

function predicate(name: string, test: (t: Type, e: Expr, cx: CheckCx) => boolean): Builtin {
  return {
    name,
    ident: false,
    func: true,
    minArgs: 1,
    maxArgs: 1,
    check(call, cx) {
      const e = call.args[0] as Expr;
      cx.callConstants.set(call.id, test(cx.check(e), e, cx));
      return BOOL;
    },
    emit: (call, em) => ({ kind: 'imm', value: em.sema.callConstants.get(call.id) === true ? 1n : 0n }),
  };
}

export const isStr = predicate('is_str', (t) => t.kind === 'string');
export const isPtr = predicate('is_ptr', (t) => t.kind === 'pointer');
export const isArray = predicate('is_array', (t) => t.kind === 'array');
export const isInteger = predicate('is_integer', (t) => t.kind === 'int');
export const isUnsignedInteger = predicate('is_unsigned_integer', (t) => t.kind === 'int' && !t.signed);
/** A literal as bpftrace sees one after folding: numbers, strings, bools, positional params. */
export const isLiteral = predicate(
  'is_literal',
  (_t, e, cx) => e.kind === 'BoolLit' || cx.literalInt(e) !== null || cx.literalString(e) !== null,
);

/** A compile-time value as printf formats it. */
function constArg(v: bigint | boolean | string): Value {
  if (typeof v === 'string') return { kind: 'str', value: v };
  if (typeof v === 'boolean') return { kind: 'bool', value: v };
  return { kind: 'int', value: v, signed: true, size: 8 };
}

/** fail(fmt, args...): a compile error wherever it is left after `if comptime` pruning. */
export const fail: Builtin = {
  name: 'fail',
  ident: false,
  func: true,
  minArgs: 1,
  maxArgs: 64,
  check(call, cx) {
    const [f, ...rest] = call.args as [Expr, ...Expr[]];
    for (const a of call.args) cx.check(a);
    const fmt = cx.literalString(f);
    if (fmt === null) {
      cx.diags.error(f.span, 'fail() expects a string literal as its format');
      return VOID;
    }
    const args: Value[] = [];
    for (const a of rest) {
      const v = cx.constant(a);
      if (v === null) {
        cx.diags.error(a.span, 'fail() arguments must be known when compiling', 'pass literals, or values such as probetype');
        return VOID;
      }
      args.push(constArg(v));
    }
    cx.diags.error(call.span, formatPrintf(parseFormat(fmt), args));
    return VOID;
  },
  emit: () => NONE,
};

/** static_assert(cond, msg): fails the build when the (constant) condition is false. */
export const staticAssert: Builtin = {
  name: 'static_assert',
  ident: false,
  func: true,
  minArgs: 2,
  maxArgs: 2,
  check(call, cx) {
    const [c, m] = call.args as [Expr, Expr];
    cx.check(c);
    cx.check(m);
    const msg = cx.literalString(m);
    if (msg === null) cx.diags.error(m.span, 'static_assert() expects a string literal message');
    const v = cx.constant(c);
    if (v === null) cx.diags.error(c.span, 'static_assert() expects a condition known when compiling');
    else if (v === false || v === 0n || v === '') cx.diags.error(call.span, msg ?? 'static assertion failed');
    return VOID;
  },
  emit: () => NONE,
};

/** Why a value is not string-like (bpftrace's assert_str wording), or null when it is. */
export function stringLikeProblem(t: Type): string | null {
  const charLike = (e: Type): boolean => e.kind === 'int' && e.size === 1 && e.signed;
  switch (t.kind) {
    case 'string':
      return null;
    case 'array':
      return charLike(t.elem) ? null : 'string-like arrays must contain a char-like type';
    case 'pointer':
      return charLike(t.to) ? null : 'string-like pointers must point to a char-like type';
    default:
      return 'string-like values must be either strings, arrays or pointers';
  }
}

/** assert_str(x): a compile error unless x is a string, a char array or a char pointer. */
export const assertStr: Builtin = {
  name: 'assert_str',
  ident: false,
  func: true,
  minArgs: 1,
  maxArgs: 1,
  check(call: Call, cx) {
    const problem = stringLikeProblem(cx.check(call.args[0] as Expr));
    if (problem) cx.diags.error(call.span, problem);
    return VOID;
  },
  emit: () => NONE,
};
