// Builtins that bpftrace defines as macros of its own language (`leader_comm` is
// `curtask.group_leader.comm`, container_of is a cast of a pointer difference): the checker
// builds the expression they stand for and checks it as if the script had written it, and the
// emitter compiles that expression. Field reads, BTF offsets and pointer casts then behave
// exactly as they do in a script.
//
// The expression is built once per call by the checker and kept here by the call's id (an
// identifier builtin such as `leader_comm` gets a fresh Call object at every lookup, so the id
// is the stable key). Its nodes take negative ids, which the parser never hands out.

import type { Emitter, Operand } from '../codegen/emitter.ts';
import type { Call, Expr, NodeId, Span } from '../lang/ast.ts';
import { UserError } from '../lang/diagnostics.ts';
import { isScalarType, type Type } from '../sema/types.ts';
import type { CheckCx } from './types.ts';

let nextId = -1;

/** An id for a node made by a builtin: negative, so never one the parser gave. */
export function syntheticId(): NodeId {
  return nextId--;
}

const expansions = new Map<NodeId, Expr>();

/** Records what `call` stands for and type-checks it; the call's type is the expansion's. */
export function checkExpansion(call: Call, expansion: Expr, cx: CheckCx): Type {
  expansions.set(call.id, expansion);
  return cx.check(expansion);
}

export function expansionOf(call: Call): Expr {
  const e = expansions.get(call.id);
  if (!e) throw new UserError(`internal: ${call.callee}() was not type-checked`);
  return e;
}

/** Compiles the recorded expansion: a register value, or memory (into the caller's destination). */
export function emitExpansion(call: Call, em: Emitter): Operand {
  const e = expansionOf(call);
  if (isScalarType(em.typeOf(e))) return { kind: 'temp', temp: em.scalar(e) };
  return { kind: 'mem', loc: em.mem(e, em.memDest ?? undefined) };
}

export function identifier(name: string, span: Span): Expr {
  return { kind: 'Identifier', id: syntheticId(), span, name };
}

export function field(base: Expr, name: string, span: Span): Expr {
  return { kind: 'FieldAccess', id: syntheticId(), span, base, field: name, fieldSpan: span, arrow: true };
}
