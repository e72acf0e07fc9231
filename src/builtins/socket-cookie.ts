// socket_cookie(struct sock *sk): bpf_get_socket_cookie, the kernel's stable id of a socket
// (made on first use; 0 for NULL). The kernel offers this form of the helper to tracing programs
// only (fentry, fexit, iter), and the verifier wants the pointer as the kernel typed it (an
// argument of the traced function, a BTF-typed field), which is also bpftrace's rule.

import type { Expr } from '../lang/ast.ts';
import { typeName, UINT64 } from '../sema/types.ts';
import type { Builtin } from './types.ts';

export const socketCookie: Builtin = {
  name: 'socket_cookie',
  ident: false,
  func: true,
  minArgs: 1,
  maxArgs: 1,
  providers: ['fentry', 'fexit', 'iter'],
  check(call, cx) {
    const a = call.args[0] as Expr;
    const t = cx.check(a);
    const isSock = t.kind === 'pointer' && t.to.kind === 'struct' && t.to.name === 'struct sock';
    if (!isSock)
      cx.diags.error(
        a.span,
        `socket_cookie() only supports 'struct sock *' as the argument (${t.kind === 'pointer' ? `'${typeName(t)}'` : typeName(t)} provided)`,
      );
    return UINT64;
  },
  emit(call, em) {
    const sk = em.scalar(call.args[0] as Expr);
    const t = em.callHelper('get_socket_cookie', [{ kind: 'temp', temp: sk }]);
    em.free(sk);
    return t ? { kind: 'temp', temp: t } : { kind: 'imm', value: 0n };
  },
};
