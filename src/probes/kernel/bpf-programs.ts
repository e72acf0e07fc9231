// Running BPF programs as fentry:bpf/fexit:bpf targets: `bpf:ID:NAME` for every program with
// BTF and every function its BTF function info names, as bpftrace lists them (the program under
// its full name, then its sub-programs; each pair once, in byte order of that text).

import { defaultSys } from '../../bpf/default-sys.ts';
import { type BpfProgFunc, runningPrograms } from '../../bpf/prog-list.ts';
import { SyscallError } from '../../bpf/sys.ts';
import { UserError } from '../../lang/diagnostics.ts';
import { globToMatcher } from '../info/glob.ts';
import { compareBytes } from '../info/symbol-sources.ts';

export interface BpfTargetFunc {
  progId: number;
  name: string;
  /** null for a program with BTF but no function info: listed, but nothing can attach to it. */
  func: BpfProgFunc | null;
}

/** `bpf:ID:NAME`: how bpftrace matches and lists these targets. */
export function bpfTargetText(f: { progId: number; name: string }): string {
  return `bpf:${f.progId}:${f.name}`;
}

/** Test hook: the programs to list instead of the kernel's (null: the kernel's). */
export const bpfProgramsSource: { list: (() => ReturnType<typeof runningPrograms>) | null } = { list: null };

/** Every attachable function of every running program with BTF, sorted as bpftrace sorts them. */
export function bpfTargetFunctions(): BpfTargetFunc[] {
  let progs: ReturnType<typeof runningPrograms>;
  try {
    progs = bpfProgramsSource.list ? bpfProgramsSource.list() : runningPrograms(defaultSys());
  } catch (e) {
    if (e instanceof SyscallError) {
      throw new UserError(`cannot list the running BPF programs: ${e.message}`, ['listing other BPF programs needs root (CAP_SYS_ADMIN)']);
    }
    throw e;
  }
  const seen = new Map<string, BpfTargetFunc>();
  for (const p of progs) {
    if (!p.hasBtf) continue; // nothing names its functions
    const add = (name: string, func: BpfProgFunc | null): void => {
      const text = bpfTargetText({ progId: p.id, name });
      if (!seen.has(text)) seen.set(text, { progId: p.id, name, func });
    };
    // The program itself under its BTF name (the kernel's 15-character one without it).
    add(p.funcs[0]?.name ?? p.name, p.funcs[0] ?? null);
    for (const f of p.funcs) add(f.name, f);
  }
  return [...seen.entries()].sort(([a], [b]) => compareBytes(a, b)).map(([, f]) => f);
}

/** The targets `bpf:ID:NAME` matches, ID a number or `*`, NAME a glob. */
export function matchBpfTargets(id: string, name: string): BpfTargetFunc[] {
  const match = globToMatcher(`bpf:${id}:${name}`);
  return bpfTargetFunctions().filter((f) => match(bpfTargetText(f)));
}
