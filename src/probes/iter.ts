// iter:NAME[:PIN] (short it): BPF iterators. The program runs once per kernel object (task,
// open file, vma...) when the iterator is read, sees the object through `ctx`
// (`ctx->task->comm`, typed from BTF's `struct bpf_iter__NAME`), and the run ends when the
// iteration does. With a pin path the link is pinned in bpffs instead, for others to read.
//
// Output, as in bpftrace: printf writes into the iterator's seq_file (bpf_seq_printf, see
// kernel/seq-printf.ts), so reading the iterator yields the text, and a pinned iterator's file
// does too. Other output (print(), errorf...) still goes through the ring buffer, drained
// between reads.

import { BPF_PROG_TYPE_TRACING, BPF_TRACE_ITER } from '../bpf/constants.ts';
import { exit, type Insn, JmpOp, jmpImm, load, movImm, Reg } from '../bpf/insn.ts';
import type { Link } from '../bpf/link.ts';
import { UserError } from '../lang/diagnostics.ts';
import { kernelBtf } from '../sema/btf-types.ts';
import type { Type } from '../sema/types.ts';
import { hasWildcard } from './info/glob.ts';
import { btfIterNames } from './info/symbol-sources.ts';
import { attachIter, isIterLink } from './kernel/attach.ts';
import { expandOrExplain, requireTracing } from './kernel/availability.ts';
import { iterContextType } from './kernel/btf-func.ts';
import { providerNames } from './names.ts';
import { type ProbeTarget, type Provider, TargetSites } from './provider.ts';

interface IterSite {
  iter: string;
  /** Absolute bpffs path, or null to iterate now. */
  pin: string | null;
  /** BTF id of `bpf_iter_NAME`, the program's attach_btf_id. */
  btfId: number;
  ctxType: Type;
}

const sites = new TargetSites<IterSite>();

/** Iterators whose link needs a target object (a map) that scripts have no way to name. */
const NEEDS_TARGET = new Set(['bpf_map_elem', 'bpf_sk_storage_map', 'sockmap']);

export const BPFFS = '/sys/fs/bpf';

/** A pin path as bpftrace takes it: absolute, or relative to /sys/fs/bpf. */
export function pinPath(pin: string): string {
  return pin.startsWith('/') ? pin : `${BPFFS}/${pin}`;
}

export const iter: Provider = {
  ...providerNames('iter'),
  progType: BPF_PROG_TYPE_TRACING,
  shareable: false,
  expand(raw, parts, span) {
    if (parts.length !== 1 && parts.length !== 2) throw new UserError('iter probe type takes 2 arguments (1 optional)');
    const [name, pin] = parts as [string, string | undefined];
    if (!name) throw new UserError('iter probe type requires an iterator name', ['list them with: bpftrace-ts -l "iter:*"']);
    if (hasWildcard(name)) throw new UserError('iter probe type does not support wildcards');
    if (pin === '') throw new UserError(`${raw}: empty pin path`);
    // Kernel support is checked for the probes --probe-filter keeps (requireSupport), or below
    // when the iterator is not found, as the likelier reason.
    const { fn, ctxType } = expandOrExplain(
      () => requireTracing('iter'),
      () => {
        const btf = kernelBtf();
        const fn = btf?.findId(`bpf_iter_${name}`, 'func') ?? null;
        const ctxType = btf ? iterContextType(btf, name) : null;
        if (!btf || fn === null || !ctxType) {
          const known = btf ? btfIterNames() : [];
          throw new UserError(`${raw}: this kernel has no ${name} iterator`, known.length ? [`iterators here: ${known.join(', ')}`] : []);
        }
        return { fn, ctxType };
      },
    );
    if (NEEDS_TARGET.has(name)) throw new UserError(`${raw}: the ${name} iterator needs a map to iterate over, which is not supported yet`);
    const t: ProbeTarget = { provider: iter, name: `iter:${name}`, parts: pin === undefined ? [name] : [name, pin], span };
    sites.set(t, { iter: name, pin: pin === undefined ? null : pinPath(pin), btfId: fn, ctxType });
    return [t];
  },
  requireSupport: () => requireTracing('iter'),
  context: (t) => ({ args: null, argN: null, retval: false, ctxType: () => sites.of(t).ctxType, seqPrintf: true }),
  expectedAttachType: () => BPF_TRACE_ITER,
  programSpec(targets, spec) {
    const t = targets[0];
    if (!t) return spec;
    return { ...spec, attachBtfId: sites.of(t).btfId, insns: withIterPrologue(spec.insns) };
  },
  attach(prog, target, env) {
    return [attachIter(prog, target.name, sites.of(target).pin, env.pid)];
  },
};

const BODY = 'Liter_body';

/**
 * `body` with a check in front: the iterator calls the program once more after the last
 * object, with the object NULL (every bpf_iter__NAME has it right after `meta`); the body is
 * skipped then, as bpftrace does.
 */
export function withIterPrologue(body: readonly Insn[]): Insn[] {
  const [first, ...rest] = body;
  if (!first) return [];
  return [
    load(8, Reg.R0, Reg.R1, 8),
    jmpImm(JmpOp.JNE, Reg.R0, 0, BODY),
    movImm(Reg.R0, 0),
    exit(),
    { ...first, labels: [...(first.labels ?? []), BODY] },
    ...rest,
  ];
}

/**
 * Runs the iterator links among `links`: reads each to its end, printing its text with `write`
 * (and what its programs sent through the ring buffer with `drain`), or pins it. Returns
 * whether there were any: a script with an iterator ends when the iteration does.
 */
export function runIterators(links: readonly Link[], drain: () => void, write: (text: string) => void): boolean {
  let any = false;
  for (const l of links) {
    if (!isIterLink(l)) continue;
    any = true;
    const pin = l.pinPath;
    if (pin === null) {
      l.iterate(drain, write);
      continue;
    }
    try {
      l.pin();
    } catch (e) {
      throw new UserError(`Failed to pin iter probe link at ${pin}: ${(e as Error).message}`);
    }
    write(`Program pinned to ${pin}\n`);
  }
  return any;
}
