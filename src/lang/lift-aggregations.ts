// `@m = { let $a = 100; avg($a) }`: an aggregation is only ever the direct value of a map
// assignment, so a block expression ending in one becomes the block's statements followed by
// the assignment itself (`{ let $a = 100; @m = avg($a); }`), as bpftrace 0.26 accepts.

import type { AssignStmt, Block, Program, Stmt } from './ast.ts';
import type { IdGen } from './ids.ts';
import { type ChildMapper, mapChildren } from './walk.ts';

const AGGREGATIONS: ReadonlySet<string> = new Set(['count', 'sum', 'min', 'max', 'avg', 'stats', 'hist', 'lhist', 'tseries']);

export function liftBlockAggregations(program: Program, ids: IdGen): void {
  const mapper: ChildMapper = {
    expr: (e) => {
      mapChildren(e, mapper);
      return e;
    },
    stmts: (list) =>
      list.map((s) => {
        mapChildren(s, mapper);
        return lift(s, ids);
      }),
  };
  for (const item of program.items) mapChildren(item, mapper);
}

function lift(s: Stmt, ids: IdGen): Stmt {
  if (s.kind !== 'AssignStmt' || s.op !== '=' || (s.target.kind !== 'MapRef' && s.target.kind !== 'MapAccess')) return s;
  const v = s.value;
  if (v.kind !== 'BlockExpr' || v.value.kind !== 'Call' || !AGGREGATIONS.has(v.value.callee)) return s;
  const assign: AssignStmt = { ...s, value: v.value };
  const block: Block = { id: ids.take(), span: s.span, kind: 'Block', stmts: [...v.stmts, lift(assign, ids)] };
  return block;
}
