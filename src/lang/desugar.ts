// Rewrites of older syntax into the current forms, all in one place so later passes see one
// spelling per construct. Each rewrite that a user should update warns (`--no-warnings` hides it).
//
//  - `delete(@m[k])` (≤ 0.21) becomes `delete(@m, k)`; `delete(@m[a, b])` becomes
//    `delete(@m, (a, b))`; the removed multi-map form `delete(@a[1], @b[2])` as a statement
//    becomes one delete per map.
//  - `while` loops still work but are deprecated in favour of `for` ranges (0.25).
//
// `args->field` needs nothing: it is a FieldAccess with `arrow` set, which sema treats like `.`.

import type { Call, Expr, MapAccess, Program, Stmt } from './ast.ts';
import type { Diagnostics } from './diagnostics.ts';
import type { IdGen } from './ids.ts';
import { type ChildMapper, mapChildren } from './walk.ts';

export function desugar(program: Program, diags: Diagnostics, ids: IdGen): void {
  const d = new Desugarer(diags, ids);
  for (const item of program.items) mapChildren(item, d.mapper);
}

class Desugarer {
  readonly mapper: ChildMapper = {
    expr: (e) => this.expr(e),
    stmts: (list) => this.stmts(list),
  };

  constructor(
    private readonly diags: Diagnostics,
    private readonly ids: IdGen,
  ) {}

  private expr(e: Expr): Expr {
    mapChildren(e, this.mapper);
    if (e.kind === 'Call' && e.callee === 'delete' && e.args.length === 1) {
      const a = e.args[0] as Expr;
      if (a.kind === 'MapAccess') this.oldDelete(e, a);
    }
    return e;
  }

  private stmts(list: Stmt[]): Stmt[] {
    const out: Stmt[] = [];
    for (const s of list) {
      if (s.kind === 'WhileStmt') {
        this.diags.warning(
          { start: s.span.start, end: s.span.start + 5 },
          'While loops are deprecated and may be removed in the future.',
          'For loops support ranges (e.g. `for ($x : $start..$end) { ... }`), and can be used in place of while. These are more easily proven to be bounded by the verifier.',
        );
      }
      if (s.kind === 'ExprStmt' && isMultiDelete(s.expr)) {
        for (const arg of s.expr.args as MapAccess[]) {
          const call: Call = {
            id: this.ids.take(),
            span: arg.span,
            kind: 'Call',
            callee: 'delete',
            calleeSpan: s.expr.calleeSpan,
            args: [arg],
          };
          this.oldDelete(call, arg);
          out.push({ id: this.ids.take(), span: arg.span, kind: 'ExprStmt', expr: call });
        }
        continue;
      }
      mapChildren(s, this.mapper);
      out.push(s);
    }
    return out;
  }

  /** `delete(@m[k])` → `delete(@m, k)`, in place. */
  private oldDelete(call: Call, access: MapAccess): void {
    const keys = access.keys;
    const first = keys[0] as Expr;
    const last = keys[keys.length - 1] as Expr;
    const key: Expr =
      keys.length === 1
        ? first
        : { id: this.ids.take(), span: { start: first.span.start, end: last.span.end }, kind: 'TupleExpr', elems: keys };
    call.args = [access.map, key];
    const m = `@${access.map.name}`;
    this.diags.warning(
      access.span,
      `delete(${m}[key]) is deprecated`,
      `write delete(${m}, ${keys.length === 1 ? 'key' : '(key1, key2, ...)'}) instead`,
    );
  }
}

function isMultiDelete(e: Expr): e is Call {
  return e.kind === 'Call' && e.callee === 'delete' && e.args.length > 1 && e.args.every((a) => a.kind === 'MapAccess');
}
