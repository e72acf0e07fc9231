// override(rc): the probed kernel function does not run and returns rc instead
// (bpf_override_return). Unsafe, kprobes only, and only where the kernel allows error injection.

import { UserError } from '../lang/diagnostics.ts';
import { requireOverride } from '../probes/kernel/availability.ts';
import { typeKindWord, VOID } from '../sema/types.ts';
import { NONE } from './gen-util.ts';
import type { Builtin } from './types.ts';

export const override: Builtin = {
  name: 'override',
  ident: false,
  func: true,
  minArgs: 1,
  maxArgs: 1,
  check(call, cx) {
    const a = call.args[0];
    const t = a ? cx.check(a) : VOID;
    if (cx.probe.providerName !== 'kprobe') {
      cx.diags.error(call.span, 'override() can only be used inside kprobes');
      return VOID;
    }
    if (!cx.unsafe) {
      cx.diags.error(call.span, 'override() is unsafe. To use you need the --unsafe flag');
      return VOID;
    }
    if (t.kind !== 'int') {
      cx.diags.error(call.span, `override() only supports int arguments (${typeKindWord(t)} provided)`);
      return VOID;
    }
    try {
      requireOverride();
    } catch (e) {
      if (!(e instanceof UserError)) throw e;
      cx.diags.error(call.span, e.message, ...e.hints);
    }
    return VOID;
  },
  emit(call, em) {
    const v = em.scalar(call.args[0] as NonNullable<(typeof call.args)[0]>);
    em.callHelper('override_return', [{ kind: 'ctx' }, { kind: 'temp', temp: v }], true);
    em.free(v);
    return NONE;
  },
};
