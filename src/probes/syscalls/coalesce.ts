// `tracepoint:syscalls:sys_enter_*`-style probes over many syscalls become ONE raw tracepoint
// program on sys_enter (or sys_exit) that keeps only the chosen syscall numbers, looked up in
// an array map. Attaching hundreds of perf-event tracepoints is fast, but detaching each one
// waits for an RCU grace period under a global mutex (~70 ms apiece, minutes for all of them);
// the raw tracepoint detaches at once. The events seen are the same: each syscall tracepoint
// fires exactly when sys_enter/sys_exit fires for its number.

import { BPF_PROG_TYPE_RAW_TRACEPOINT } from '../../bpf/constants.ts';
import { attachRawTracepoint } from '../../bpf/link.ts';
import type { ProbeTarget, Provider } from '../provider.ts';
import { SYSCALLS_X86_64 } from './x86_64.ts';

/** Below this many syscalls the ordinary per-tracepoint attach is as good. */
const MIN_COALESCE = 8;

/** Tracepoint names whose syscall is called differently in <asm/unistd_64.h>. */
const ALIASES: Record<string, string> = {
  newstat: 'stat',
  newfstat: 'fstat',
  newlstat: 'lstat',
  newuname: 'uname',
  umount: 'umount2',
  sendfile64: 'sendfile',
};

export interface SyscallFilter {
  /** Internal array map: syscall number → nonzero when traced (the probe's name, see below). */
  map: string;
  /** Where the program finds the syscall number. */
  phase: 'enter' | 'exit';
  numbers: number[];
  /**
   * When the body reads `probe`: each number's full probe name (parallel to `numbers`), kept as
   * the map's value in `nameSize` bytes (the `probe` string type's size), so one program still
   * names the tracepoint that fired.
   */
  names: { of: string[]; size: number } | null;
}

export const SYSCALL_FILTER_ENTRIES = 512;

function syscallNumber(tracepointSuffix: string): number | undefined {
  return SYSCALLS_X86_64[tracepointSuffix] ?? SYSCALLS_X86_64[ALIASES[tracepointSuffix] ?? ''];
}

const coalescedProvider = (phase: 'enter' | 'exit', filter: SyscallFilter): Provider => {
  const provider: Provider = {
    name: 'tracepoint',
    aliases: [],
    progType: BPF_PROG_TYPE_RAW_TRACEPOINT,
    shareable: true,
    expand: () => [],
    context: () => ({ args: null, argN: null, retval: false, syscallFilter: filter }),
    attach: (prog) => [attachRawTracepoint(prog, phase === 'enter' ? 'sys_enter' : 'sys_exit')],
  };
  return provider;
};

/**
 * One target standing for all of `targets`, or null when they are not all syscall entry (or
 * all exit) tracepoints with known numbers on this architecture. `id` tells apart the filter
 * maps of the script's probes; `nameSize` is the `probe` string's size when the body reads it.
 */
export function coalesceSyscalls(targets: readonly ProbeTarget[], id: number, nameSize: number | null): ProbeTarget | null {
  if (process.arch !== 'x64' || targets.length < MIN_COALESCE) return null;
  let phase: 'enter' | 'exit' | null = null;
  const numbers: number[] = [];
  for (const t of targets) {
    if (t.provider.name !== 'tracepoint' || t.parts[0] !== 'syscalls') return null;
    const m = /^sys_(enter|exit)_(.+)$/.exec(t.parts[1] ?? '');
    if (!m) return null;
    const p = m[1] as 'enter' | 'exit';
    if (phase && p !== phase) return null;
    phase = p;
    const nr = syscallNumber(m[2] as string);
    if (nr === undefined || nr >= SYSCALL_FILTER_ENTRIES) return null;
    numbers.push(nr);
  }
  if (!phase) return null;
  const names = nameSize === null ? null : { of: targets.map((t) => t.name), size: nameSize };
  const filter: SyscallFilter = { map: `sysf_${phase}_${id}`, phase, numbers, names };
  const first = targets[0] as ProbeTarget;
  return { provider: coalescedProvider(phase, filter), name: first.name, parts: first.parts, span: first.span, weight: targets.length };
}
