// Kernel features the user turned off with --no-feature: where they work, the older way is used
// instead (one perf-event link per kprobe or uprobe), e.g. to compare the two or to avoid a
// kernel bug in the newer one.

export type DisableableFeature = 'kprobe_multi' | 'kprobe_session' | 'uprobe_multi';

let disabled = new Set<string>();

/** The --no-feature list (replacing any earlier one: tests set it back to []). */
export function setDisabledFeatures(names: readonly DisableableFeature[]): void {
  disabled = new Set(names);
}

/** Whether --no-feature named this feature (any feature name may be asked). */
export function featureDisabled(name: string): boolean {
  return disabled.has(name);
}
