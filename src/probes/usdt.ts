// usdt:BIN:[PROVIDER:]NAME — statically defined probes (SystemTap SDT notes) in programs and
// libraries. Every location of a matching probe is one target with its own program, since the
// argument specs (registers, stack slots...) differ between locations. Semaphores are
// activated by the kernel through the uprobe's ref_ctr_offset. With -p PID (or -c) the probe
// is attached for that process only, and a missing or `*` target means every object the process
// has mapped.

import { BPF_PROG_TYPE_KPROBE } from '../bpf/constants.ts';
import { attachPerfEvent, type Link } from '../bpf/link.ts';
import { openUprobe } from '../bpf/perf-event.ts';
import type { UsdtContext } from '../builtins/usdt-args.ts';
import { dwarfTypeByName } from '../elf/dwarf.ts';
import { type SdtProbe, sdtProbes, semaphoreFileOffset } from '../elf/notes.ts';
import { ElfObject, isPositionIndependent } from '../elf/symbols.ts';
import { parseUsdtArg, splitUsdtArgs, type UsdtArg } from '../elf/usdt-spec.ts';
import type { Span } from '../lang/ast.ts';
import { UserError } from '../lang/diagnostics.ts';
import { registerObject, snapshotProcess } from '../runtime/usyms.ts';
import { globToMatcher, hasWildcard } from './info/glob.ts';
import { providerNames } from './names.ts';
import { type AttachEnv, type ProbeContext, type ProbeTarget, type Provider, TargetSites } from './provider.ts';
import { UPROBE_HINTS, userTargetFiles } from './uprobe.ts';
import { targetPid, userProbeEnv } from './user-env.ts';

export interface UsdtSite {
  path: string;
  probe: SdtProbe;
  fileOffset: number;
  /** File offset of the semaphore, or 0. */
  semaOffset: number;
}

const sites = new TargetSites<UsdtSite>();

export function usdtSite(t: ProbeTarget): UsdtSite | undefined {
  return sites.get(t);
}

const notesCache = new Map<string, SdtProbe[]>();

/** The SDT probes of a file (cached; [] for files without notes or that can't be read). */
export function probesOf(path: string): SdtProbe[] {
  let ps = notesCache.get(path);
  if (!ps) {
    try {
      ps = sdtProbes(ElfObject.get(path).elf);
    } catch {
      ps = [];
    }
    notesCache.set(path, ps);
  }
  return ps;
}

/** Splits the parts after `usdt:` into target, provider and name patterns. */
export function usdtParts(parts: string[]): { target: string; provider: string; name: string } {
  const pid = targetPid();
  if (parts.length === 1 && pid !== null) return { target: '', provider: '*', name: parts[0] as string };
  if (parts.length === 2) return { target: parts[0] as string, provider: '*', name: parts[1] as string };
  // An empty provider (`usdt:BIN::NAME`) means any.
  if (parts.length === 3) return { target: parts[0] as string, provider: parts[1] || '*', name: parts[2] as string };
  throw new UserError('usdt probe type requires 2 or 3 arguments', ['write usdt:BINARY:PROVIDER:NAME or usdt:BINARY:NAME']);
}

/** Files a usdt target means: a path/program/library, or every object of the -p/-c process. */
export function usdtFiles(target: string): string[] {
  const pid = targetPid();
  if ((target === '' || target === '*') && pid === null) {
    throw new UserError('usdt probes with no target, or target *, need -p PID or -c CMD', [
      'name the binary: usdt:/path/to/bin:PROVIDER:NAME',
    ]);
  }
  return userTargetFiles('usdt', target, pid);
}

function expand(raw: string, parts: string[], span: Span): ProbeTarget[] {
  const { target, provider, name } = usdtParts(parts);
  const files = usdtFiles(target);
  const mp = globToMatcher(provider);
  const mn = globToMatcher(name);
  const out: ProbeTarget[] = [];
  const named = new Set<string>();
  for (const path of files) {
    const elf = ElfObject.get(path).elf;
    const matched = probesOf(path).filter((p) => mp(p.provider) && mn(p.name));
    // usdt:BIN:NAME with the name in several providers is ambiguous, as in bpftrace.
    if (parts.length === 2 && !hasWildcard(name)) {
      const provs = new Set(matched.map((p) => p.provider));
      if (provs.size > 1)
        throw new UserError(
          `namespace required: usdt probe '${name}' exists in several providers of ${path}: ${[...provs].sort().join(', ')}`,
        );
    }
    for (const p of matched) {
      const fileOffset = elf.vaddrToOffset(p.pc);
      if (fileOffset === null) throw new UserError(`usdt probe ${p.provider}:${p.name} in ${path} is at an address outside the file`);
      const semaOffset = p.semaphore ? (semaphoreFileOffset(elf, p.semaphore) ?? 0) : 0;
      const name = `usdt:${path}:${p.provider}:${p.name}`;
      const t: ProbeTarget = { provider: usdt, name, parts: [path, p.provider, p.name, String(fileOffset)], span };
      // "Attached N probes" counts a probe once however many locations it has (bpftrace).
      if (named.has(name)) t.weight = 0;
      named.add(name);
      sites.set(t, { path, probe: p, fileOffset, semaOffset });
      registerObject(path, true);
      out.push(t);
    }
  }
  if (!out.length) {
    const what = parts.length === 3 || provider !== '*' ? `${provider}:${name}` : name;
    throw new UserError(`usdt probe not found: ${what}${target ? ` in ${target}` : ''}`, [
      `list the probes with: bpftrace-ts -l 'usdt:${target || '*'}:*'${target ? '' : ' -p PID'}`,
    ]);
  }
  void raw;
  return out;
}

/** Argument specs and the addresses RIP-relative ones need, for one location. */
export function usdtContext(site: UsdtSite): UsdtContext {
  const args: UsdtArg[] = [];
  const symbolAddrs: (number | null)[] = [];
  for (const spec of splitUsdtArgs(site.probe.args)) {
    let a: UsdtArg;
    try {
      a = parseUsdtArg(spec);
    } catch (e) {
      throw new UserError(`usdt:${site.probe.provider}:${site.probe.name} in ${site.path}: ${(e as Error).message}`);
    }
    let addr: number | null = null;
    if (a.kind === 'mem' && a.symbol) {
      const obj = ElfObject.get(site.path);
      const sym = obj.symbols().find((s) => s.name === a.symbol);
      if (!sym)
        throw new UserError(`usdt:${site.probe.provider}:${site.probe.name}: cannot find symbol '${a.symbol}' of argument '${spec}'`);
      addr = sym.value;
    }
    args.push(a);
    symbolAddrs.push(addr);
  }
  return { args, pc: site.probe.pc, symbolAddrs };
}

function context(t: ProbeTarget): ProbeContext {
  const site = sites.get(t);
  const entry = site ? { vaddr: site.probe.pc, pie: isPositionIndependent(site.path) } : undefined;
  const userType = site ? (name: string) => dwarfTypeByName(site.path, name) : undefined;
  return { args: null, argN: 'pt_regs', retval: false, usdt: site ? usdtContext(site) : undefined, entry, userType };
}

function attach(prog: Parameters<Provider['attach']>[0], t: ProbeTarget, env: AttachEnv): Link[] {
  const site = sites.of(t);
  // bpftrace attaches USDT probes for the -c child too; the filter follows it across exec.
  const pid = env.pid ?? userProbeEnv.cpid ?? undefined;
  if (pid !== undefined) snapshotProcess(pid);
  const fd = openUprobe(site.path, site.fileOffset, { pid, refCtrOffset: site.semaOffset || undefined }, prog.sys);
  return [attachPerfEvent(prog, fd, { target: t.name })];
}

export const usdt: Provider = {
  ...providerNames('usdt'),
  progType: BPF_PROG_TYPE_KPROBE,
  // Argument specs differ between locations: one program per location.
  shareable: false,
  expand,
  context,
  attachHints: UPROBE_HINTS,
  attach,
};
