// rawtracepoint:name (and rawtracepoint:module:name) — the tracepoint's raw arguments as
// arg0..argN, attached with BPF_RAW_TRACEPOINT_OPEN (no tracefs needed).

import { BPF_PROG_TYPE_RAW_TRACEPOINT } from '../bpf/constants.ts';
import { attachRawTracepoint } from '../bpf/link.ts';
import { UserError } from '../lang/diagnostics.ts';
import type { Provider } from './provider.ts';

export const rawtracepoint: Provider = {
  name: 'rawtracepoint',
  aliases: ['rt'],
  progType: BPF_PROG_TYPE_RAW_TRACEPOINT,
  shareable: true,
  expand(raw, parts, span) {
    const name = parts[parts.length - 1];
    if (!name || parts.length > 2)
      throw new UserError(`Invalid rawtracepoint: ${raw}`, ['write rawtracepoint:name or rawtracepoint:module:name']);
    if (/[*?{]/.test(name)) throw new UserError('wildcards in rawtracepoint probes are not supported yet');
    return [{ provider: rawtracepoint, name: `rawtracepoint:${parts.join(':')}`, parts: [name], span }];
  },
  context: () => ({ args: null, argN: 'u64array', retval: false }),
  attach(prog, target) {
    return [attachRawTracepoint(prog, target.parts[0] as string)];
  },
};
