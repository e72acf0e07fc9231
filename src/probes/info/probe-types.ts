// Probe type names and aliases as bpftrace spells them, per version, for `-l` listings: the
// probe-type table's (names.ts) where both agree, the version's spelling where they differ.

import { HARDWARE_EVENTS as HARDWARE } from '../hardware.ts';
import { PROBE_NAMES, type ProbeType } from '../names.ts';
import { SOFTWARE_EVENTS as SOFTWARE } from '../software.ts';

export type ListStyle = '0.17' | '0.26';

export type ProbeTypeName =
  | 'kprobe'
  | 'kretprobe'
  | 'uprobe'
  | 'uretprobe'
  | 'usdt'
  | 'special'
  | 'tracepoint'
  | 'profile'
  | 'interval'
  | 'software'
  | 'hardware'
  | 'watchpoint'
  | 'asyncwatchpoint'
  | 'kfunc'
  | 'kretfunc'
  | 'fentry'
  | 'fexit'
  | 'iter'
  | 'rawtracepoint';

interface ProbeTypeInfo {
  /** The name printed in listings (`kfunc` in 0.17, `fentry` in 0.26). */
  name: string;
  type: ProbeTypeName;
  aliases: readonly string[];
  /** Offered when the probe type itself is a wildcard (`bpftrace -l '*'`). */
  inKernelList: boolean;
}

/** A listing row named as the probe-type table names it, with its aliases. */
function row(type: ProbeTypeName & ProbeType, inKernelList: boolean): ProbeTypeInfo {
  const { name, aliases } = PROBE_NAMES[type];
  return { name, type, aliases, inKernelList };
}

// The rows both versions list alike.
const COMMON: readonly ProbeTypeInfo[] = [
  row('kprobe', true),
  row('kretprobe', false),
  row('uprobe', false),
  row('uretprobe', false),
  row('usdt', false),
  row('tracepoint', true),
  row('profile', false),
  row('interval', false),
  row('software', true),
  row('hardware', true),
  row('watchpoint', false),
  row('iter', true),
];

// bpftrace 0.17's PROBE_LIST. Its kernel list is every type without "ret" in the name that is
// not user space, interval, profile, watchpoint or special; kfunc only when the kernel has it.
const PROBES_017: readonly ProbeTypeInfo[] = [
  ...COMMON,
  { name: 'BEGIN', type: 'special', aliases: [], inKernelList: false },
  { name: 'END', type: 'special', aliases: [], inKernelList: false },
  row('asyncwatchpoint', false),
  // 0.17's names for fentry/fexit, which take the short aliases.
  { name: 'kfunc', type: 'kfunc', aliases: ['f'], inKernelList: true },
  { name: 'kretfunc', type: 'kretfunc', aliases: ['fr'], inKernelList: false },
  // Not in 0.17 (it aborts on these); accepted here with 0.26 semantics, but kept out of the
  // wildcard list so `-l '*'` stays identical to 0.17.
  row('rawtracepoint', false),
  { name: 'fentry', type: 'fentry', aliases: [], inKernelList: false },
  { name: 'fexit', type: 'fexit', aliases: [], inKernelList: false },
];

// bpftrace 0.26's PROBE_LIST (show_in_kernel_list marks the wildcard ones): the table's
// names and aliases.
const PROBES_026: readonly ProbeTypeInfo[] = [
  ...COMMON,
  { name: 'begin', type: 'special', aliases: [], inKernelList: false },
  { name: 'end', type: 'special', aliases: [], inKernelList: false },
  row('fentry', true),
  row('fexit', false),
  row('rawtracepoint', true),
];

export function probeTable(style: ListStyle): readonly ProbeTypeInfo[] {
  return style === '0.17' ? PROBES_017 : PROBES_026;
}

/** Looks a probe type up by name or alias (0.26 lower-cases the word first). */
export function findProbeType(style: ListStyle, word: string): ProbeTypeInfo | null {
  const w = style === '0.26' ? word.toLowerCase() : word;
  for (const p of probeTable(style)) {
    if (p.name === w || p.aliases.includes(w)) return p;
  }
  return null;
}

/** perf software events (bpftrace's SW_PROBE_LIST): name and short alias. */
export const SOFTWARE_EVENTS: readonly (readonly [string, string])[] = listed(SOFTWARE);

/** perf hardware events (bpftrace's HW_PROBE_LIST). */
export const HARDWARE_EVENTS: readonly (readonly [string, string])[] = listed(HARDWARE);

/** The providers' event tables as listing pairs (name, alias), sorted by name as bpftrace lists them. */
function listed(events: readonly { name: string; alias: string }[]): (readonly [string, string])[] {
  return events.map((e) => [e.name, e.alias] as const).sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
}
