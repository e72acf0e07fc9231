// kprobe session programs (Linux 6.10+, as bpftrace 0.26): a probe on `kprobe:F` and one on
// `kretprobe:F` for the same functions become one program run at entry and at return, attached
// by one kprobe_session link, instead of two programs and two links.

import type { Probe } from '../lang/ast.ts';
import { visitAll } from '../lang/walk.ts';
import { kprobeSessionAvailable, sessionFunction, sessionTarget } from '../probes/kprobe.ts';
import { kernelBtf } from '../sema/btf-types.ts';
import type { CheckedProbe } from '../sema/check.ts';
import { usesPerTargetBuiltins } from './per-target-builtins.ts';

export interface SessionPair {
  entry: CheckedProbe;
  ret: CheckedProbe;
  /** BTF id of the bpf_session_is_return kfunc. */
  isReturn: number;
}

/** What keeps a probe out of a session: more than one attach point, or code that differs per side. */
function eligible(p: CheckedProbe, provider: 'kprobe' | 'kretprobe'): boolean {
  if (p.providerName !== provider || p.probe.attachPoints.length !== 1 || p.targets.length === 0) return false;
  if (!p.targets.every(sessionTarget)) return false;
  return !readsPerSideBuiltins(p.probe);
}

/** `probe` and `args` differ per side, `override()` needs a perf kprobe: such probes stay apart. */
function readsPerSideBuiltins(probe: Probe): boolean {
  if (usesPerTargetBuiltins(probe, false)) return true;
  let overrides = false;
  visitAll(probe, (n) => {
    if (n.kind === 'Call' && n.callee === 'override') overrides = true;
  });
  return overrides;
}

const functions = (p: CheckedProbe): string => p.targets.map(sessionFunction).join('\n');

/**
 * The kprobe/kretprobe pairs to merge: each entry probe with exactly one return probe on the
 * same functions (bpftrace's rule), when this kernel has session links.
 */
export function sessionPairs(probes: readonly CheckedProbe[]): SessionPair[] {
  const entries = probes.filter((p) => eligible(p, 'kprobe'));
  if (entries.length === 0) return [];
  const rets = probes.filter((p) => eligible(p, 'kretprobe'));
  if (rets.length === 0 || !kprobeSessionAvailable()) return [];
  const isReturn = kernelBtf()?.findId('bpf_session_is_return', 'func') ?? null;
  if (isReturn === null) return [];
  const taken = new Set<CheckedProbe>();
  const pairs: SessionPair[] = [];
  for (const entry of entries) {
    const matches = rets.filter((r) => !taken.has(r) && functions(r) === functions(entry));
    const ret = matches[0];
    if (matches.length !== 1 || !ret) continue;
    taken.add(ret);
    pairs.push({ entry, ret, isReturn });
  }
  return pairs;
}
