// kfunc_exist("name") and kfunc_allowed("name"): booleans known when the script is compiled,
// from the kernel's BTF (a FUNC of that name) and, for kfunc_allowed, from the verifier's answer
// to a program of the probe's type that calls it.

import { kfuncCallAllowed } from '../bpf/features.ts';
import type { Call, Expr } from '../lang/ast.ts';
import { kernelBtf } from '../sema/btf-types.ts';
import { BOOL } from '../sema/types.ts';
import { literalStringArg } from './gen-util.ts';
import type { Builtin, CheckCx } from './types.ts';

/** The kernel function's BTF id, or null when it has none (or the kernel has no BTF). */
function kfuncId(name: string): number | null {
  return kernelBtf()?.findId(name, 'func') ?? null;
}

function constantBool(name: string, answer: (kfunc: string, call: Call, cx: CheckCx) => boolean): Builtin {
  return {
    name,
    ident: false,
    func: true,
    minArgs: 1,
    maxArgs: 1,
    check(call, cx) {
      const kfunc = literalStringArg(cx, name, call.args[0] as Expr);
      if (kfunc !== null) cx.callConstants.set(call.id, answer(kfunc, call, cx));
      return BOOL;
    },
    emit: (call, em) => ({ kind: 'imm', value: em.sema.callConstants.get(call.id) === true ? 1n : 0n }),
  };
}

export const kfuncExist = constantBool('kfunc_exist', (kfunc) => kfuncId(kfunc) !== null);

export const kfuncAllowed = constantBool('kfunc_allowed', (kfunc, _call, cx) => {
  const id = kfuncId(kfunc);
  const target = cx.probe.targets[0];
  if (id === null || !target) return false;
  try {
    return kfuncCallAllowed(target.provider.progType, id, kfunc);
  } catch {
    // No bpf() at all (no privilege): nothing can be called.
    return false;
  }
});
