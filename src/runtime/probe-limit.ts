// bpftrace's max_probes: a script that would attach more probes one by one than the limit
// (1024 by default) is refused before anything is loaded, since thousands of kprobes can take a
// system down. Probes attached together by one kprobe_multi or uprobe_multi link count once,
// as bpftrace counts a multi-attach probe once.

import { BPF_TRACE_KPROBE_MULTI, BPF_TRACE_UPROBE_MULTI } from '../bpf/constants.ts';
import type { CompiledScript } from '../codegen/compile.ts';
import { UserError } from '../lang/diagnostics.ts';

/** How many attachments the script's programs make (BEGIN/END and other run-only probes count one each, as in bpftrace). */
export function attachmentCount(script: CompiledScript): number {
  let n = 0;
  for (const p of script.programs) {
    const t = p.spec.expectedAttachType;
    n += t === BPF_TRACE_KPROBE_MULTI || t === BPF_TRACE_UPROBE_MULTI ? 1 : p.targets.length;
  }
  return n;
}

/** Throws bpftrace's error when the script attaches more probes than max_probes allows. */
export function checkProbeLimit(script: CompiledScript): void {
  const n = attachmentCount(script);
  const max = script.config.maxProbes;
  if (n <= max) return;
  throw new UserError(
    `Can't attach to ${n} probes because it exceeds the current limit of ${max} probes.\nYou can increase the limit through the BPFTRACE_MAX_PROBES environment variable, but BE CAREFUL since a high number of probes attached can cause your system to crash.`,
  );
}
