// rawtracepoint:name (and rawtracepoint:module:name) — the tracepoint's raw arguments as
// arg0..argN, attached with BPF_RAW_TRACEPOINT_OPEN (no tracefs needed).

import { BPF_PROG_TYPE_RAW_TRACEPOINT } from '../bpf/constants.ts';
import { attachRawTracepoint } from '../bpf/link.ts';
import { NoAttachPointsError, NoMatchesError, UserError } from '../lang/diagnostics.ts';
import { btfToType, kernelBtf } from '../sema/btf-types.ts';
import { globToMatcher, hasWildcard } from './info/glob.ts';
import { RAW_TP_PREFIXES, rawTracepointNames } from './info/symbol-sources.ts';
import { providerNames } from './names.ts';
import type { ArgField, Provider } from './provider.ts';

/**
 * Typed `args` of a raw tracepoint from kernel BTF: the parameters of its `__probestub_` (or
 * `__traceiter_`) function after the leading `void *__data`; each is one u64 of the context.
 */
function rawTracepointArgs(tp: string): ArgField[] | null {
  const btf = kernelBtf();
  if (!btf) return null;
  for (const prefix of RAW_TP_PREFIXES) {
    const sig = btf.funcProto(prefix + tp);
    if (!sig) continue;
    return sig.params.slice(1).map((p, i) => ({ name: p.name || `arg${i}`, type: btfToType(btf, p.type), offset: i * 8, dataLoc: false }));
  }
  return null;
}

export const rawtracepoint: Provider = {
  ...providerNames('rawtracepoint'),
  progType: BPF_PROG_TYPE_RAW_TRACEPOINT,
  // Typed args differ per tracepoint; probes that use args get a program each (compile.ts).
  shareable: true,
  expand(raw, parts, span) {
    const name = parts[parts.length - 1];
    if (!name || parts.length > 2)
      throw new UserError(`Invalid rawtracepoint: ${raw}`, ['write rawtracepoint:name or rawtracepoint:module:name']);
    const module = parts.length === 2 ? (parts[0] as string) : '*';
    if (parts.length === 2 && !hasWildcard(name) && !hasWildcard(module)) {
      // A named module must have the tracepoint (bpftrace checks, then says "No matches").
      const known = kernelBtf() === null || rawTracepointNames((m) => m === module).includes(`${module}:${name}`);
      if (!known) {
        throw new NoMatchesError('rawtracepoint', `${module}:${name}`, ["list them with: bpftrace-ts -l 'rawtracepoint:*'"]);
      }
      return [{ provider: rawtracepoint, name: `rawtracepoint:${module}:${name}`, parts: [name], span }];
    }
    if (hasWildcard(name) || hasWildcard(module)) {
      // Expanded against the raw tracepoints kernel BTF knows (module:name).
      const mm = globToMatcher(module);
      const mn = globToMatcher(name);
      // Module BTFs are read only when the module pattern can name a module.
      const out = rawTracepointNames(mm)
        .map((q) => q.split(':') as [string, string])
        .filter(([m, n]) => mm(m) && mn(n))
        .map(([m, n]) => ({ provider: rawtracepoint, name: `rawtracepoint:${m}:${n}`, parts: [n], span }));
      // bpftrace drops attach points a pattern matches nothing for, then finds the probe empty.
      if (!out.length)
        throw new NoAttachPointsError([`no raw tracepoint matches ${parts.join(':')}: list them with: bpftrace-ts -l 'rawtracepoint:*'`]);
      return out;
    }
    return [{ provider: rawtracepoint, name: `rawtracepoint:${parts.join(':')}`, parts: [name], span }];
  },
  context: (target) => ({ args: rawTracepointArgs(target.parts[0] as string), argN: 'u64array', retval: false }),
  attach(prog, target) {
    return [attachRawTracepoint(prog, target.parts[0] as string)];
  },
};
