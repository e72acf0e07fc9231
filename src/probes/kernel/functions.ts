// Kernel functions kprobes and fentry/fexit probes attach to: the names ftrace can hook
// (available_filter_functions, or kallsyms when that file can't be read), which module defines
// each, and the functions the kernel refuses to kprobe (its kprobe blacklist).

import { readFileSync } from 'node:fs';
import { type KsymEntry, loadKallsyms } from '../../runtime/ksyms.ts';
import { readBootCached } from '../../util/boot-cache.ts';
import { globToMatcher } from '../info/glob.ts';
import { compareBytes, traceableMatching } from '../info/symbol-sources.ts';

export interface KernelFunction {
  name: string;
  /** 'vmlinux' for the core kernel, else the module's name. */
  module: string;
}

/** The kernel's list of addresses kprobes may not use (debugfs; root only). */
export const KPROBE_BLACKLIST_PATH = '/sys/kernel/debug/kprobes/blacklist';

/**
 * Names in a kprobe blacklist file. Lines are `0xSTART-0xEND<TAB>name` (older kernels:
 * `0xADDR<TAB>name`), with ` [module]` after module symbols.
 */
export function parseKprobeBlacklist(text: string): Set<string> {
  const out = new Set<string>();
  for (const line of text.split('\n')) {
    const fields = line.trim().split(/\s+/);
    const name = fields[1];
    if (name && !name.startsWith('[')) out.add(name);
  }
  return out;
}

let blacklist: Set<string> | null = null;

/** The kprobe blacklist; empty when debugfs is not mounted or not readable. */
export function kprobeBlacklist(): Set<string> {
  if (blacklist) return blacklist;
  try {
    blacklist = parseKprobeBlacklist(readBootCached('kprobe_blacklist', () => readFileSync(KPROBE_BLACKLIST_PATH, 'latin1')));
  } catch {
    blacklist = new Set();
  }
  return blacklist;
}

/** Test hook: use this blacklist instead of the kernel's (null: read it again). */
export function setKprobeBlacklist(names: Iterable<string> | null): void {
  blacklist = names ? new Set(names) : null;
}

/**
 * Functions that are not in the kprobe blacklist but take the kernel down when probed (the idle
 * loop, RCU itself: a kprobe on rcu_* functions crashed the 6.1 VM). bpftrace leaves the same
 * ones out of its function list, after the kernel's BPF selftests (kprobe_multi_test.c).
 */
export function unsafeToTrace(name: string): boolean {
  return (
    name === 'arch_cpu_idle' ||
    name === 'default_idle' ||
    name === 'bpf_dispatcher_xdp_func' ||
    name.startsWith('rcu_') ||
    name.startsWith('__ftrace_invalid_address__')
  );
}

/**
 * Traceable functions whose name matches `funcPattern`, in name order. Without `modPattern` a
 * name defined by several modules appears once (with the first module); with it, once per
 * matching module.
 */
export function matchFunctions(modPattern: string | null, funcPattern: string): KernelFunction[] {
  const modules = traceableMatching(funcPattern);
  const matchMod = modPattern === null ? null : globToMatcher(modPattern);
  const out: KernelFunction[] = [];
  // bpftrace leaves out the `.part.N` pieces of split functions.
  const names = [...modules.keys()].filter((n) => !n.includes('.part.') && !unsafeToTrace(n)).sort(compareBytes);
  for (const name of names) {
    const mods = modules.get(name) ?? [];
    if (!matchMod) {
      out.push({ name, module: mods[0] ?? 'vmlinux' });
      continue;
    }
    for (const m of mods) if (matchMod(m)) out.push({ name, module: m });
  }
  return out;
}

/** The modules that define a traceable function (empty when ftrace can't hook it). */
export function traceableModules(name: string): string[] {
  if (unsafeToTrace(name)) return [];
  // As a glob a name matches itself (and, were it to hold wildcards, others: get() keeps it alone).
  return traceableMatching(name).get(name) ?? [];
}

/** Whether a kernel module of that name is loaded (/proc/modules), as bpftrace asks before a module's kprobe. */
export function moduleLoaded(name: string): boolean {
  try {
    return readFileSync('/proc/modules', 'latin1')
      .split('\n')
      .some((l) => l.slice(0, l.indexOf(' ')) === name);
  } catch (e) {
    // No /proc/modules: a kernel without loadable modules. Otherwise the lookup that follows says what is missing.
    return (e as NodeJS.ErrnoException).code !== 'ENOENT';
  }
}

export type Lookup = { found: true; fn: KernelFunction; traceable: boolean } | { found: false };

/**
 * One function by name. `traceable` says whether ftrace can hook it (needed by fentry/fexit);
 * a kprobe also works on other text symbols, so those are found too (traceable: false).
 */
export function lookupFunction(module: string | null, name: string): Lookup {
  const mods = traceableModules(name);
  if (mods.length) {
    if (module === null) return { found: true, fn: { name, module: mods[0] as string }, traceable: true };
    if (mods.includes(module)) return { found: true, fn: { name, module }, traceable: true };
  }
  let entry: KsymEntry | null = null;
  try {
    entry = loadKallsyms().entry(name, module ?? undefined);
  } catch {
    entry = null; // no /proc/kallsyms: only ftrace's list counts
  }
  if (entry && /^[TtWw]$/.test(entry.type)) {
    return { found: true, fn: { name, module: entry.module ?? 'vmlinux' }, traceable: false };
  }
  return { found: false };
}
