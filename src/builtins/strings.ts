// String builtins: str() reads a NUL-terminated string from kernel or user memory.

import { literalValue } from '../codegen/scalars.ts';
import type { Expr } from '../lang/ast.ts';
import { typeKindWord } from '../sema/types.ts';
import { readStr, readStrKeepingLastByte } from './gen-util.ts';
import type { Builtin } from './types.ts';

export const str: Builtin = {
  name: 'str',
  ident: false,
  func: true,
  minArgs: 1,
  maxArgs: 2,
  check(call, cx) {
    const [p, n] = call.args as [Expr, Expr | undefined];
    const t = cx.check(p);
    if (t.kind === 'string') return t;
    if (t.kind !== 'int' && t.kind !== 'pointer')
      cx.diags.error(p.span, `str() expects an integer or a pointer type as first argument (${typeKindWord(t)} provided)`);
    let size = cx.config.maxStrlen;
    if (n) {
      const lit = cx.literalInt(n);
      cx.check(n);
      if (lit !== null) size = Math.min(size, Number(lit) + 1);
    }
    // Without a length, a string filling max_strlen was cut (read one byte further, see emit).
    return !n && size < 1024 ? { kind: 'string', size, truncatable: true } : { kind: 'string', size };
  },
  emit(call, em) {
    const [p, n] = call.args as [Expr, Expr | undefined];
    const t = em.typeOf(call);
    const pt = em.typeOf(p);
    if (pt.kind === 'string') return { kind: 'mem', loc: em.mem(p, em.memDest ?? undefined) };
    const size = t.kind === 'string' ? t.size : em.config.maxStrlen;
    // The length counts the NUL, as bpftrace reads it: str(p, 5) is at most 4 characters (the
    // string type keeps n + 1 bytes, as bpftrace types it).
    const lit = n ? literalValue(em, n) : null;
    if (n && lit !== null) {
      const loc = em.memDest ?? em.allocMem(size);
      readStr(em, p, loc, Math.min(size, Math.max(1, Number(lit))), call.span, true);
      return { kind: 'mem', loc };
    }
    const loc = em.memDest ?? em.allocMem(size);
    // As 0.26 below 1024 bytes: a string that fills all `size` bytes keeps its last character
    // instead of the NUL, and prints with str_trunc_trailer.
    if (!n && size < 1024) readStrKeepingLastByte(em, p, loc, size, call.span);
    else readStr(em, p, loc, size, call.span, true, n ?? null);
    return { kind: 'mem', loc };
  },
};
