// Object-like `#define NAME value` lines of the script itself, such as the language
// reference's `#define RED "\033[31m"`: uses of NAME are replaced by the value when the value
// reads as a bpftrace expression. As in C, a define does not expand inside its own expansion.
// Function-like defines and values that are not expressions are left to the C headers' side.
// Integer constants of included headers (headers.ts) apply where the script defines no such name.

import type { CDefinition, Expr, IntegerLit, Program, SourceFile } from './ast.ts';
import { cloneNode } from './clone.ts';
import type { HeaderConstants } from './headers.ts';
import type { IdGen } from './ids.ts';
import { parseExpressionAt } from './parser.ts';
import { type ChildMapper, mapChildren } from './walk.ts';

const DEFINE = /^#[ \t]*define[ \t]+([A-Za-z_]\w*)[ \t]+(\S.*)$/;

export function expandDefines(program: Program, source: SourceFile, ids: IdGen, headers: HeaderConstants | null = null): void {
  const values = collect(program, source, ids);
  if (values.size === 0 && !headers) return;
  const active = new Set<string>();
  const mapper: ChildMapper = {
    expr: (e) => {
      if (e.kind === 'Identifier') {
        const value = values.get(e.name);
        if (value && !active.has(e.name)) {
          active.add(e.name);
          const copy = mapper.expr(cloneNode(value, ids));
          active.delete(e.name);
          return copy;
        }
        const constant = value ? null : headers?.get(e.name);
        if (constant !== undefined && constant !== null) return constantNode(constant, e, ids);
        return e;
      }
      mapChildren(e, mapper);
      return e;
    },
    stmts: (list) => {
      for (const s of list) mapChildren(s, mapper);
      return list;
    },
  };
  for (const item of program.items) mapChildren(item, mapper);
}

/** A header constant where `at` named it (negative values as C writes them: `-N`). */
function constantNode(value: bigint, at: Expr, ids: IdGen): Expr {
  const lit = (v: bigint): IntegerLit => ({
    kind: 'IntegerLit',
    id: ids.take(),
    span: at.span,
    value: v,
    text: String(v),
    suffix: null,
    unit: null,
    isChar: false,
  });
  return value < 0n ? { kind: 'Unary', id: ids.take(), span: at.span, op: '-', operand: lit(-value) } : lit(value);
}

function collect(program: Program, source: SourceFile, ids: IdGen): Map<string, Expr> {
  const values = new Map<string, Expr>();
  for (const item of program.items) {
    if (item.kind !== 'CDefinition' || !item.text.startsWith('#')) continue;
    const d = defineOf(item);
    if (!d) continue;
    const value = parseExpressionAt(source, d.start, d.end, ids);
    if (value) values.set(d.name, value);
  }
  return values;
}

/** Name and value position of a one-line object-like define (a `(` right after the name makes it function-like). */
function defineOf(item: CDefinition): { name: string; start: number; end: number } | null {
  if (item.text.includes('\n')) return null;
  const m = DEFINE.exec(item.text);
  if (!m) return null;
  const name = m[1] as string;
  const value = m[2] as string;
  const start = item.span.start + item.text.length - value.length;
  return { name, start, end: item.span.start + item.text.length };
}
