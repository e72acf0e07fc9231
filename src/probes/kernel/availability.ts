// Whether this kernel can run kprobes, fentry/fexit and iterators, decided before anything is
// compiled: a script that needs a missing feature stops with one sentence naming what the
// kernel lacks, rather than a verifier dump or an errno at attach time.

import { type FeatureResult, features } from '../../bpf/features.ts';
import type { HelperName } from '../../bpf/helpers.ts';
import { UserError } from '../../lang/diagnostics.ts';
import { loadKallsyms } from '../../runtime/ksyms.ts';

/** A feature's answer by name (src/bpf/features.ts); replaceable in tests. */
export type FeatureLookup = (name: string) => FeatureResult;

const kernelFeatures: FeatureLookup = (name) => features().result(name);

/** Test hook: answer feature questions from a table instead of the kernel (null: the kernel). */
export const availabilityOptions: {
  lookup: FeatureLookup | null;
  kernelHasKprobeCode: (() => boolean) | null;
  /** Whether fentry on a function (by BTF id) may call a helper; null: the kernel, or "yes" when `lookup` is set. */
  helperAllowedAt: ((helper: HelperName, btfId: number) => FeatureResult) | null;
  /**
   * Whether a failed expansion is blamed on missing kernel support (a run), or reported as it
   * is (--dry-run, which reports the missing support itself afterwards).
   */
  explainFailedExpansion: boolean;
} = {
  lookup: null,
  kernelHasKprobeCode: null,
  helperAllowedAt: null,
  explainFailedExpansion: true,
};

function lookup(name: string): FeatureResult {
  return (availabilityOptions.lookup ?? kernelFeatures)(name);
}

/** Kernels with CONFIG_KPROBES define register_kprobe even when they lack the perf PMU. */
function kernelHasKprobeCode(): boolean {
  if (availabilityOptions.kernelHasKprobeCode) return availabilityOptions.kernelHasKprobeCode();
  try {
    return loadKallsyms().entry('register_kprobe') !== null;
  } catch {
    return false;
  }
}

const checked = new Set<string>();

/** Throws a UserError unless kprobes (and kretprobes) can be attached here. */
export function requireKprobes(kind: 'kprobe' | 'kretprobe'): void {
  if (checked.has('kprobe') && !availabilityOptions.lookup) return;
  const pmu = lookup('kprobe_pmu');
  if (pmu.status === 'missing') {
    if (kernelHasKprobeCode()) {
      throw new UserError(`${kind}s need the kprobe PMU (Linux 4.17+), which this kernel does not have`, [
        'bpftrace-ts attaches kprobes through perf_event_open, not the older tracefs kprobe_events interface',
      ]);
    }
    throw new UserError(`kprobes are not available in this kernel (CONFIG_KPROBES is off)`, [
      'tracepoint: and rawtracepoint: probes can often observe the same events',
    ]);
  }
  const prog = lookup('prog_kprobe');
  if (prog.status === 'missing') {
    throw new UserError(`${kind}s need BPF_PROG_TYPE_KPROBE programs, which this kernel refuses (${prog.detail ?? 'unknown reason'})`);
  }
  checked.add('kprobe');
}

/**
 * Runs an expansion whose kernel support is checked later (Provider.requireSupport). When it
 * fails, missing support is the reason given: without kprobes or BTF the expansion's own
 * complaint (no such function...) would mislead.
 */
export function expandOrExplain<T>(requireSupport: () => void, expand: () => T): T {
  try {
    return expand();
  } catch (e) {
    if (e instanceof UserError && availabilityOptions.explainFailedExpansion) requireSupport();
    throw e;
  }
}

/** What each tracing-program user is called in messages. */
const TRACING_WHAT = {
  fentry: 'fentry/fexit probes',
  iter: 'iter probes (BPF iterators)',
} as const;

/** Throws a UserError unless BPF_PROG_TYPE_TRACING programs (fentry/fexit, iterators) load here. */
export function requireTracing(kind: keyof typeof TRACING_WHAT): void {
  if (checked.has(kind) && !availabilityOptions.lookup) return;
  const what = TRACING_WHAT[kind];
  const btf = lookup('btf_vmlinux');
  if (btf.status === 'missing') {
    throw new UserError(`${what} need kernel BTF, which this kernel does not have (no /sys/kernel/btf/vmlinux)`, [
      'kernels built with CONFIG_DEBUG_INFO_BTF=y provide it',
    ]);
  }
  const tracing = lookup('prog_tracing');
  if (tracing.status === 'missing') {
    // The probe's detail reads like "EPERM: refused by this kernel": keep the errno.
    const detail = (tracing.detail ?? '').split(':')[0] as string;
    const refuses = /^(EPERM|EACCES)$/.test(detail);
    throw new UserError(
      `${what} need BPF_PROG_TYPE_TRACING, which this kernel ${refuses ? 'refuses' : 'does not have'}${detail ? ` (${detail})` : ''}`,
      refuses
        ? ['a security policy (lockdown, an LSM) or the kernel configuration forbids tracing programs even to root']
        : ['tracing programs need Linux 5.5 or later'],
    );
  }
  checked.add(kind);
}

/**
 * Throws a UserError unless kprobe programs may call bpf_override_return: kernels built without
 * CONFIG_BPF_KPROBE_OVERRIDE (most distributions') refuse the helper in the verifier.
 */
export function requireOverride(): void {
  if (checked.has('override') && !availabilityOptions.lookup) return;
  const helper = lookup('helper_override_return');
  if (helper.status === 'missing') {
    throw new UserError(
      `override() needs a kernel built with CONFIG_BPF_KPROBE_OVERRIDE; this one refuses bpf_override_return${helper.detail ? ` (${helper.detail})` : ''}`,
      ['the kernel must also allow error injection on the probed function (ALLOW_ERROR_INJECTION)'],
    );
  }
  checked.add('override');
}

/** Helpers the language needs on some kernels only, with bpftrace's message when they are missing. */
const HELPER_MESSAGES = {
  d_path: 'BPF_FUNC_d_path not available for your kernel version',
  skb_output: 'BPF_FUNC_skb_output is not available for your kernel version',
  // Reading count/sum/min/max/avg inside a probe merges every CPU's slot (Linux 5.19+).
  map_lookup_percpu_elem: 'Missing required kernel feature: map_lookup_percpu_elem',
} as const;

/**
 * Throws a UserError when the kernel said it lacks `helper` (bpf_d_path for path(),
 * bpf_skb_output for skboutput(), bpf_map_lookup_percpu_elem for reading an aggregation); an
 * inconclusive probe (no privilege) lets the verifier decide.
 */
export function requireHelper(helper: keyof typeof HELPER_MESSAGES): void {
  const key = `helper_${helper}`;
  if (checked.has(key) && !availabilityOptions.lookup) return;
  const r = lookup(key);
  if (r.status === 'missing') throw new UserError(HELPER_MESSAGES[helper], r.detail ? [`the kernel's answer: ${r.detail}`] : []);
  checked.add(key);
}

/**
 * Throws a UserError when the kernel refuses `helper` in fentry/fexit programs on `func` (vmlinux
 * BTF id `btfId`): bpf_d_path only works on the functions of the kernel's btf_allowlist_d_path.
 */
export function requireHelperAllowedAt(helper: HelperName, func: string, btfId: number): void {
  const r = availabilityOptions.helperAllowedAt
    ? availabilityOptions.helperAllowedAt(helper, btfId)
    : availabilityOptions.lookup
      ? { status: 'available' as const }
      : features().helperAllowedAt(helper, btfId);
  if (r.status !== 'missing') return;
  throw new UserError(`helper bpf_${helper} not allowed in probe`, [
    helper === 'd_path'
      ? `the kernel allows bpf_d_path in iterators and in fentry/fexit on the functions of its btf_allowlist_d_path (security_file_open, dentry_open, vfs_truncate, filp_close...), not on ${func}`
      : `the kernel does not allow bpf_${helper} in fentry/fexit on ${func}`,
  ]);
}
