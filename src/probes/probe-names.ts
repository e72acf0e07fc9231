// `probe` in one program shared by many targets. bpftrace compiles a program per target when a
// body reads `probe`: each one is verified and loaded on its own, which for a wildcard over
// thousands of user functions takes longer than anything else the tool does. Where every link
// can carry an attach cookie (perf-event links, kprobe_multi and uprobe_multi links; Linux
// 5.15+), the targets share one program instead: a target's link carries its index in the
// program's table of probe names in the cookie's upper half, and the program looks its name up
// (codegen/probe-names.ts). The lower half stays the provider's own (uprobes keep the probed
// function's index there, for `func`).

import type { ProbeTarget } from './provider.ts';

/** The size of the `probe` string for a probe over `targets`: the longest name and its NUL. */
export function probeNameSize(targets: readonly ProbeTarget[]): number {
  return Math.max(0, ...targets.map((t) => Buffer.byteLength(t.name, 'latin1'))) + 1;
}

/** Where a target's name index sits in its attach cookie. */
export const NAME_COOKIE_SHIFT = 32n;

const indexes = new WeakMap<ProbeTarget, number>();

/** Records that `target`'s name is entry `index` of its program's name table. */
export function setProbeNameIndex(target: ProbeTarget, index: number): void {
  indexes.set(target, index);
}

/** The bits a target's attach cookie carries for `probe` (0 when its program has no name table). */
export function probeNameCookie(target: ProbeTarget): bigint {
  const i = indexes.get(target);
  return i === undefined ? 0n : BigInt(i) << NAME_COOKIE_SHIFT;
}
