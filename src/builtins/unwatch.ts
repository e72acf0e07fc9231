// unwatch(addr): removes the watchpoints set on an address (bpftrace ≤ 0.24's builtin, still in
// 0.26's stdlib). Asynchronous, as in bpftrace: the probe sends the address to user space, which
// detaches every watchpoint on it — of a watchpoint:ADDR probe or one a watchpoint:FUNC+argN
// probe set — and does nothing when there is none (scripts may unwatch addresses freely).

import type { Expr } from '../lang/ast.ts';
import { EventKind } from '../runtime/events.ts';
import { typeKindWord, UINT64, VOID } from '../sema/types.ts';
import { NONE } from './gen-util.ts';
import { emitRecord } from './output.ts';
import type { Builtin } from './types.ts';

export const unwatch: Builtin = {
  name: 'unwatch',
  ident: false,
  func: true,
  minArgs: 1,
  maxArgs: 1,
  check(call, cx) {
    const a = call.args[0] as Expr;
    const t = cx.check(a);
    if (t.kind !== 'int' && t.kind !== 'pointer') {
      cx.diags.error(a.span, `unwatch() expects an address: an integer or a pointer (${typeKindWord(t)} provided)`);
    }
    return VOID;
  },
  emit(call, em) {
    emitRecord(em, EventKind.Unwatch, 0, [call.args[0] as Expr], [UINT64]);
    return NONE;
  },
};
