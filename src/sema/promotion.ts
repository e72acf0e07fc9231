// How the types of values combine, as bpftrace 0.26 types them: the type of an integer literal,
// the promotion of one slot (variable, map key or value, tuple element) assigned several types,
// and the result type of arithmetic.

import type { Expr } from '../lang/ast.ts';
import { INT64, type IntSize, type IntType, intType, type Type, typeEquals, UINT64 } from './types.ts';

/**
 * An integer as an event record or helper argument carries it: 64-bit, as a register holds it
 * (maps, variables and tuples keep an integer's own size).
 */
export function storageType(t: Type): Type {
  if (t.kind === 'int')
    return t.enumName ? { kind: 'int', size: 8, signed: t.signed, enumName: t.enumName } : { kind: 'int', size: 8, signed: t.signed };
  return t;
}

/** Merges two uses of one map/variable slot: undefined when incompatible. */
export function mergeTypes(a: Type | null, b: Type | null): Type | null | undefined {
  if (a === null || b === null) return a === b ? null : undefined;
  if (a.kind === 'int' && b.kind === 'int') {
    const merged = promoteInt(a, b);
    if (a.enumName && a.enumName === b.enumName) merged.enumName = a.enumName;
    return merged;
  }
  if (a.kind === 'bool' && b.kind === 'bool') return a;
  if (a.kind === 'string' && b.kind === 'string') return widerString(a, b);
  if (a.kind === 'tuple' && b.kind === 'tuple') {
    if (a.elems.length !== b.elems.length) return undefined;
    const elems: Type[] = [];
    for (let i = 0; i < a.elems.length; i++) {
      const m = mergeTypes(a.elems[i] as Type, b.elems[i] as Type);
      if (!m) return undefined;
      elems.push(m);
    }
    return { kind: 'tuple', elems };
  }
  if (a.kind === 'record' && b.kind === 'record' && a.fields.length === b.fields.length) {
    // The same fields in another order are the same record type (assignment goes by name).
    const fields: typeof a.fields = [];
    for (const f of a.fields) {
      const g = b.fields.find((x) => x.name === f.name);
      const merged = g ? mergeTypes(f.type, g.type) : undefined;
      if (!merged) return typeEquals(a, b) ? a : undefined;
      fields.push({ ...f, type: merged });
    }
    return { ...a, fields };
  }
  return typeEquals(a, b) ? a : undefined;
}

export function assignable(to: Type, from: Type): boolean {
  if (to.kind === 'int' && (from.kind === 'int' || from.kind === 'bool')) return true;
  if (to.kind === 'bool' && (from.kind === 'bool' || from.kind === 'int')) return true;
  if (to.kind === 'string' && from.kind === 'string') return true;
  return mergeTypes(to, from) !== undefined;
}

/** Two strings' common type: the wider size, a str() result's trailer kept. */
export function widerString(a: Extract<Type, { kind: 'string' }>, b: Extract<Type, { kind: 'string' }>): Type {
  const size = Math.max(a.size, b.size);
  return a.truncatable || b.truncatable ? { kind: 'string', size, truncatable: true } : { kind: 'string', size };
}

const LITERAL_FOLDED_OPS: ReadonlySet<string> = new Set(['+', '-', '*', '/', '%', '&', '|', '^', '<<', '>>']);

/** Whether `e` is integer literals combined by arithmetic only, which bpftrace folds before typing. */
export function literalOnly(e: Expr): boolean {
  switch (e.kind) {
    case 'IntegerLit':
      return !e.suffix;
    case 'Unary':
      return (e.op === '-' || e.op === '~') && literalOnly(e.operand);
    case 'Binary':
      return LITERAL_FOLDED_OPS.has(e.op) && literalOnly(e.left) && literalOnly(e.right);
    default:
      return false;
  }
}

/** The type of integer literal `v` (not negated): the smallest signed type, sign-flexible, as 0.26. */
export function literalIntType(v: bigint): Type {
  if (v > 0x7fffffffffffffffn) return UINT64;
  const t = signedIntTypeFor(v);
  return t.kind === 'int' ? { ...t, flexible: true } : t;
}

/** The smallest signed integer type holding `v`. */
export function signedIntTypeFor(v: bigint): Type {
  for (const size of [1, 2, 4] as const) {
    const bound = 1n << BigInt(size * 8 - 1);
    if (v >= -bound && v < bound) return intType(size, true);
  }
  return INT64;
}

/**
 * Where two integer types meet (a slot assigned both, a ternary's branches): the smaller type
 * holding both, as bpftrace 0.26's get_promoted_int. A sign-flexible side takes the other's
 * sign; otherwise a signed side wider than the unsigned one holds it, else the signed type of
 * twice the width, int64 at most (where a uint64 no longer fits).
 */
export function promoteInt(a: IntType, b: IntType): IntType {
  const flexible = a.flexible && b.flexible;
  const make = (size: number, signed: boolean, flex?: true): IntType =>
    flex ? { kind: 'int', size: size as IntSize, signed, flexible: true } : { kind: 'int', size: size as IntSize, signed };
  if (a.signed === b.signed) return make(Math.max(a.size, b.size), a.signed, flexible);
  if (a.flexible || b.flexible) return make(Math.max(a.size, b.size), (!a.flexible && a.signed) || (!b.flexible && b.signed), flexible);
  if (a.signed && a.size > b.size) return make(a.size, true);
  if (b.signed && b.size > a.size) return make(b.size, true);
  return make(Math.min(8, Math.max(a.size, b.size) * 2), true);
}

/**
 * An arithmetic operation's type, as bpftrace 0.26: 64-bit, unsigned only when both sides are
 * (a sign-flexible literal takes the other side's sign) and the operation is not `-`.
 */
export function arithResult(a: Type, b: Type, op: string): Type {
  const fa = a.kind === 'int' && a.flexible === true;
  const fb = b.kind === 'int' && b.flexible === true;
  let as = a.kind === 'int' && a.signed;
  let bs = b.kind === 'int' && b.signed;
  if (fa && !fb) as = bs;
  else if (fb && !fa) bs = as;
  return as || bs || op === '-' ? INT64 : UINT64;
}
