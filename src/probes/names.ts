// Probe types by name: what a script may write before the first ':' and what each spelling means.
// Pure data, so the parser (src/lang) can check and suggest provider names without loading the
// providers (BTF, ELF, perf code), while the providers, `-l` listings and sema read the same
// table.

/** Where a probe type's events come from. */
export type ProbeDomain =
  /** Kernel functions, tracepoints, iterators. */
  | 'kernel'
  /** Code in a user-space process (uprobes, USDT). */
  | 'user'
  /** Timers and perf events (software, hardware, breakpoints). */
  | 'perf'
  /** Run by bpftrace-ts itself (BEGIN/END, self, test, bench). */
  | 'special';

export interface ProbeNames {
  /** The canonical name, as `probe` prints it. */
  readonly name: string;
  /** Other spellings: short forms (`k`), older names (`kfunc`), new spellings (`begin`). */
  readonly aliases: readonly string[];
  readonly domain: ProbeDomain;
  /** Named in the parser's hint for an unknown provider (the probe types users write). */
  readonly hint: boolean;
}

const entry = (name: string, aliases: readonly string[], domain: ProbeDomain, hint = true): ProbeNames => ({
  name,
  aliases,
  domain,
  hint,
});

/** Every probe type, in the order the parser's hint names them. */
export const PROBE_NAMES = {
  kprobe: entry('kprobe', ['k'], 'kernel'),
  kretprobe: entry('kretprobe', ['kr'], 'kernel'),
  uprobe: entry('uprobe', ['u'], 'user'),
  uretprobe: entry('uretprobe', ['ur'], 'user'),
  usdt: entry('usdt', ['U'], 'user'),
  tracepoint: entry('tracepoint', ['t'], 'kernel'),
  rawtracepoint: entry('rawtracepoint', ['rt'], 'kernel'),
  fentry: entry('fentry', ['f', 'kfunc'], 'kernel'),
  fexit: entry('fexit', ['fr', 'kretfunc'], 'kernel'),
  profile: entry('profile', ['p'], 'perf'),
  interval: entry('interval', ['i'], 'perf'),
  software: entry('software', ['s'], 'perf'),
  hardware: entry('hardware', ['h'], 'perf'),
  watchpoint: entry('watchpoint', ['w'], 'perf'),
  // Dropped by bpftrace 0.25; still accepted, no longer suggested.
  asyncwatchpoint: entry('asyncwatchpoint', ['aw'], 'perf', false),
  iter: entry('iter', ['it'], 'kernel'),
  BEGIN: entry('BEGIN', ['begin'], 'special'),
  END: entry('END', ['end'], 'special'),
  self: entry('self', [], 'special', false),
  test: entry('test', [], 'special', false),
  bench: entry('bench', [], 'special', false),
} as const satisfies Record<string, ProbeNames>;

export type ProbeType = keyof typeof PROBE_NAMES;

/** A provider's name and aliases (the fields of Provider), from the table. */
export function providerNames(type: ProbeType): { name: string; aliases: readonly string[] } {
  const { name, aliases } = PROBE_NAMES[type];
  return { name, aliases };
}

/** Whether a provider (by canonical name) runs on user-space code. */
export function isUserProbe(providerName: string): boolean {
  return domainOf(providerName) === 'user';
}

function domainOf(providerName: string): ProbeDomain | null {
  for (const n of Object.values(PROBE_NAMES)) if (n.name === providerName) return n.domain;
  return null;
}
