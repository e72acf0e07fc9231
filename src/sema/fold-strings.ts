// String expressions bpftrace settles at compile time, before types are checked: `str()` of a
// literal or of a positional parameter (`str($1)`, `str($1 + 2)`, `str(42)`, `str("abc", 2)`)
// and a literal string plus a literal offset (`"hello" + 1` is "ello"). At run time `+` on a
// string is an error, and str() of an integer reads memory at that address, so these must be
// rewritten into plain string literals first.

import type { Expr, Program, StringLit } from '../lang/ast.ts';
import type { Diagnostics } from '../lang/diagnostics.ts';
import { type ChildMapper, mapChildren } from '../lang/walk.ts';

/** A positional parameter's text as a StringLit value (bytes as code units 0..255). */
function paramBytes(positional: readonly string[], index: number): string {
  return Buffer.from(positional[index - 1] ?? '', 'utf8').toString('latin1');
}

function isNumeric(text: string): boolean {
  return /^-?(0x[0-9a-f]+|\d+)$/i.test(text);
}

function literal(from: Expr, value: string): StringLit {
  return { kind: 'StringLit', id: from.id, span: from.span, value };
}

/** An integer literal's value, `-N` included; null for anything else. */
function intValue(e: Expr): bigint | null {
  if (e.kind === 'IntegerLit') return e.value;
  if (e.kind === 'Unary' && e.op === '-' && e.operand.kind === 'IntegerLit') return -e.operand.value;
  return null;
}

export function foldStrings(program: Program, positional: readonly string[], diags: Diagnostics): void {
  /** `"text" + N` and `N + "text"`: the text from byte N on. */
  const offset = (e: Expr): Expr => {
    if (e.kind !== 'Binary' || e.op !== '+') return e;
    const [s, n] = e.left.kind === 'StringLit' ? [e.left, e.right] : [e.right, e.left];
    const by = n.kind === 'IntegerLit' ? n.value : null;
    if (s.kind !== 'StringLit' || by === null) return e;
    if (by >= BigInt(s.value.length)) {
      diags.warning(e.span, 'literal string will always be empty');
      return literal(e, '');
    }
    return literal(e, s.value.slice(Number(by)));
  };

  /** str() of something known now: its text, cut to the length argument when one is given. */
  const str = (e: Expr): Expr => {
    if (e.kind !== 'Call' || e.callee !== 'str' || e.args.length < 1 || e.args.length > 2) return e;
    let arg = e.args[0] as Expr;
    // Inside str() a parameter is its text even when it looks like a number.
    if (arg.kind === 'PositionalParam') arg = literal(arg, paramBytes(positional, arg.index));
    else if (arg.kind === 'Binary' && arg.op === '+' && arg.left.kind === 'PositionalParam') {
      arg = offset({ ...arg, left: literal(arg.left, paramBytes(positional, arg.left.index)) });
    }
    const n = intValue(arg);
    const text = arg.kind === 'StringLit' ? arg.value : n !== null ? n.toString() : null;
    if (text === null) return e;
    const len = e.args[1];
    if (len === undefined) return literal(e, text);
    const max = len.kind === 'IntegerLit' ? len.value : null;
    if (max === null) return e;
    return literal(e, max < BigInt(text.length) ? text.slice(0, Number(max)) : text);
  };

  const mapper: ChildMapper = {
    expr(e) {
      mapChildren(e, mapper);
      // A parameter that is not a number is a string literal: `$1 + 2` offsets into it.
      if (e.kind === 'Binary' && e.op === '+') {
        for (const side of ['left', 'right'] as const) {
          const p = e[side];
          if (p.kind === 'PositionalParam') {
            const text = positional[p.index - 1];
            if (text !== undefined && text !== '' && !isNumeric(text)) e[side] = literal(p, paramBytes(positional, p.index));
          }
        }
      }
      return offset(str(e));
    },
    stmts(list) {
      for (const s of list) mapChildren(s, mapper);
      return list;
    },
  };
  for (const item of program.items) mapChildren(item, mapper);
}
