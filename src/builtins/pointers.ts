// Pointer and task-link builtins that bpftrace writes as macros: leader_comm / leader_tid
// (`task.group_leader.comm` / `.pid`, of the current task or a given one), container_of(ptr,
// typeof(T), member) and is_err(ptr) (the kernel's IS_ERR: -4095..-1 as a pointer).

import { AluOp, alu64Imm, JmpOp, ja, jmpImm, movImm, Reg } from '../bpf/insn.ts';
import type { Call, Expr, Span, TypeExpr } from '../lang/ast.ts';
import { BOOL, INT32, INT64, type Type, typeKindWord, typeName } from '../sema/types.ts';
import { tempWith } from './gen-util.ts';
import { checkExpansion, emitExpansion, field, identifier } from './lowered.ts';
import type { Builtin, CheckCx } from './types.ts';

/** `task.group_leader.FIELD`, with `curtask` when no task is given. */
function leaderBuiltin(name: 'leader_comm' | 'leader_tid', member: 'comm' | 'pid'): Builtin {
  return {
    name,
    ident: true,
    func: true,
    minArgs: 0,
    maxArgs: 1,
    check(call, cx) {
      const task = call.args[0];
      if (task) {
        const t = cx.check(task);
        if (!isTaskPointer(t)) {
          cx.diags.error(
            task.span,
            `${name}() expects a 'struct task_struct *' argument (${typeName(t)} provided)`,
            `call ${name}() without an argument for the current task`,
          );
          return member === 'comm' ? { kind: 'string', size: 16 } : INT32;
        }
      }
      const base = task ?? identifier('curtask', call.span, cx);
      return checkExpansion(call, field(field(base, 'group_leader', call.span, cx), member, call.span, cx), cx);
    },
    emit: emitExpansion,
  };
}

function isTaskPointer(t: Type): boolean {
  return t.kind === 'pointer' && t.to.kind === 'struct' && t.to.name === 'struct task_struct';
}

export const leaderComm = leaderBuiltin('leader_comm', 'comm');
export const leaderTid = leaderBuiltin('leader_tid', 'pid');

/** The member path of container_of's third argument: `m` or `a.b.c`. */
function memberPath(e: Expr): string[] | null {
  if (e.kind === 'Identifier') return [e.name];
  if (e.kind === 'FieldAccess' && !e.arrow) {
    const base = memberPath(e.base);
    return base ? [...base, e.field] : null;
  }
  return null;
}

/** `T *` for container_of's `typeof(T)` argument (a type, or an expression's type). */
function pointerTo(arg: Extract<Expr, { kind: 'TypeofExpr' }>, span: Span, cx: CheckCx): TypeExpr {
  if (arg.arg.kind === 'TypeExpr') return { ...arg.arg, id: cx.newId(), pointerDepth: arg.arg.pointerDepth + 1 };
  return { kind: 'TypeExpr', id: cx.newId(), span, name: 'typeof', pointerDepth: 1, arrayLen: null, of: arg.arg };
}

/** container_of(ptr, typeof(T), member): `(T *)((uint64)ptr - offsetof(T, member))`. */
export const containerOf: Builtin = {
  name: 'container_of',
  ident: false,
  func: true,
  minArgs: 3,
  maxArgs: 3,
  check(call, cx) {
    const [ptr, type, member] = call.args as [Expr, Expr, Expr];
    const path = memberPath(member);
    if (type.kind !== 'TypeofExpr') {
      cx.diags.error(type.span, 'container_of() expects a type as its second argument', 'write it as typeof(struct name)');
    }
    if (!path)
      cx.diags.error(
        member.span,
        'container_of() expects a member name as its third argument',
        'e.g. container_of($p, typeof(struct x), member)',
      );
    if (type.kind !== 'TypeofExpr' || !path) {
      cx.check(ptr);
      return INT64;
    }
    const span = call.span;
    const u64: TypeExpr = { kind: 'TypeExpr', id: cx.newId(), span, name: 'uint64', pointerDepth: 0, arrayLen: null, of: null };
    const address: Expr = { kind: 'Cast', id: cx.newId(), span: ptr.span, type: u64, expr: ptr };
    const offset: Expr = { kind: 'OffsetofExpr', id: cx.newId(), span, base: type.arg, fields: path };
    const diff: Expr = { kind: 'Binary', id: cx.newId(), span, op: '-', left: address, right: offset };
    return checkExpansion(call, { kind: 'Cast', id: cx.newId(), span, type: pointerTo(type, span, cx), expr: diff }, cx);
  },
  emit: emitExpansion,
};

/** The largest errno an ERR_PTR encodes (the kernel's MAX_ERRNO). */
const MAX_ERRNO = 4095;

export const isErr: Builtin = {
  name: 'is_err',
  ident: false,
  func: true,
  minArgs: 1,
  maxArgs: 1,
  check(call: Call, cx) {
    const a = call.args[0] as Expr;
    const t: Type = cx.check(a);
    if (t.kind !== 'int' && t.kind !== 'pointer')
      cx.diags.error(a.span, `is_err() expects a pointer or an integer (${typeKindWord(t)} provided)`);
    return BOOL;
  },
  emit(call, em) {
    const v = em.scalar(call.args[0] as Expr);
    const r = em.reg(v, Reg.R0);
    // -4095 <= p <= -1  ⇔  (u64)(p + 4095) < 4095
    const no = em.label();
    const done = em.label();
    em.emit(alu64Imm(AluOp.ADD, r, MAX_ERRNO), jmpImm(JmpOp.JGE, r, MAX_ERRNO, no));
    em.free(v);
    const t = tempWith(em, (out) => {
      em.emit(movImm(out, 1), ja(done));
      em.place(no);
      em.emit(movImm(out, 0));
      em.place(done);
    });
    return { kind: 'temp', temp: t };
  },
};
