// typeinfo(TYPE or EXPR) (0.26, unstable): a record describing a static type,
// `(btf_id = 0, base_type = "int", full_type = "uint32")`, decided while compiling. bpftrace
// transforms the call into that record literal; so do we (builtins/lowered.ts), which lets
// `if comptime (typeinfo($x).base_type == "int")` fold and `print(typeinfo($x))` print it.
// The argument is only inspected, never evaluated. bpftrace's btf_id is a placeholder 0.

import type { Expr, Span } from '../lang/ast.ts';
import { INT64, type Type, typeName } from '../sema/types.ts';
import { checkExpansion, emitExpansion } from './lowered.ts';
import type { Builtin, CheckCx } from './types.ts';

/** bpftrace's name for the kind of a type (its `typestr(Type)`). */
export function baseTypeName(t: Type): string {
  switch (t.kind) {
    case 'int':
      return 'int';
    case 'bool':
      return 'bool';
    case 'string':
      return 'string';
    case 'buffer':
      return 'buffer';
    case 'tuple':
      return 'tuple';
    case 'record':
      return 'record';
    case 'pointer':
      return 'pointer';
    case 'struct':
      return 'c_type';
    case 'array':
      return 'array';
    case 'void':
      return 'void';
    case 'float':
      // clang's float types are bpftrace's "none".
      return 'none';
    case 'stack':
      return t.user ? 'ustack' : 'kstack';
    case 'strftime':
      return 'timestamp';
    case 'symbolic':
      switch (t.what) {
        case 'inet':
          return 'inet';
        case 'mac':
          return 'mac_address';
        case 'cgroup_path':
          return 'cgroup_path_t';
        case 'ksym':
        case 'kaddr':
          return 'ksym_t';
        case 'usym':
          return 'usym_t';
        case 'username':
          return 'username_t';
        case 'probe':
        case 'strerror':
        case 'errno':
          return 'string';
      }
  }
}

function literalRecord(t: Type, span: Span, cx: CheckCx): Expr {
  const str = (value: string): Expr => ({ kind: 'StringLit', id: cx.newId(), span, value });
  return {
    kind: 'RecordExpr',
    id: cx.newId(),
    span,
    fields: [
      {
        name: 'btf_id',
        nameSpan: span,
        value: { kind: 'IntegerLit', id: cx.newId(), span, value: 0n, text: '0', suffix: null, unit: null, isChar: false },
      },
      { name: 'base_type', nameSpan: span, value: str(baseTypeName(t)) },
      { name: 'full_type', nameSpan: span, value: str(typeName(t)) },
    ],
  };
}

export const typeinfo: Builtin = {
  name: 'typeinfo',
  ident: false,
  func: true,
  minArgs: 1,
  maxArgs: 1,
  check(call, cx) {
    const arg = call.args[0] as Expr;
    // 0.26 refuses it unless `unstable_typeinfo` says otherwise, before looking at its argument.
    if (!cx.allowUnstable('typeinfo', call.span)) return INT64;
    if (arg.kind !== 'TypeofExpr') {
      cx.check(arg);
      return INT64;
    }
    return checkExpansion(call, literalRecord(cx.typeofType(arg), call.span, cx), cx);
  },
  emit: emitExpansion,
};
