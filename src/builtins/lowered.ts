// Builtins that bpftrace defines as macros of its own language (`leader_comm` is
// `curtask.group_leader.comm`, container_of is a cast of a pointer difference): the checker
// builds the expression they stand for and checks it as if the script had written it, and the
// emitter compiles that expression. Field reads, BTF offsets and pointer casts then behave
// exactly as they do in a script.
//
// The expression is built once per call by the checker, with node ids from the compilation's
// own counter, and kept in the checker's result by the call's id (an identifier builtin such
// as `leader_comm` gets a fresh Call object at every lookup, so the id is the stable key).

import type { Emitter, Operand } from '../codegen/emitter.ts';
import type { Call, Expr, Span } from '../lang/ast.ts';
import { UserError } from '../lang/diagnostics.ts';
import { isScalarType, type Type } from '../sema/types.ts';
import type { CheckCx } from './types.ts';

/** Records what `call` stands for and type-checks it; the call's type is the expansion's. */
export function checkExpansion(call: Call, expansion: Expr, cx: CheckCx): Type {
  return cx.expand(call, expansion);
}

/** Compiles the recorded expansion: a register value, or memory (into the caller's destination). */
export function emitExpansion(call: Call, em: Emitter): Operand {
  const e = em.sema.expansions.get(call.id);
  if (!e) throw new UserError(`internal: ${call.callee}() was not type-checked`);
  if (isScalarType(em.typeOf(e))) return { kind: 'temp', temp: em.scalar(e) };
  return { kind: 'mem', loc: em.mem(e, em.memDest ?? undefined) };
}

export function identifier(name: string, span: Span, cx: CheckCx): Expr {
  return { kind: 'Identifier', id: cx.newId(), span, name };
}

export function field(base: Expr, name: string, span: Span, cx: CheckCx): Expr {
  return { kind: 'FieldAccess', id: cx.newId(), span, base, field: name, fieldSpan: span, arrow: true };
}
