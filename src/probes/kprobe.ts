// kprobe:[module:]func[+offset], kprobe:ADDRESS and kretprobe:[module:]func|ADDRESS (short
// k/kr): dynamic probes on kernel functions. The program sees the CPU registers (struct
// pt_regs): arg0..arg5 are the argument registers, retval is rax at return, reg("name") any
// register.
//
// Each target is attached through perf_event_open's kprobe PMU; a program shared by many
// functions (a wildcard whose body does not use `probe`) attaches with one kprobe_multi link
// instead where the kernel has them (Linux 5.18+ built with CONFIG_FPROBE).

import { BPF_PROG_TYPE_KPROBE, BPF_TRACE_KPROBE_MULTI, BPF_TRACE_KPROBE_SESSION } from '../bpf/constants.ts';
import { defaultSys } from '../bpf/default-sys.ts';
import { featureDisabled } from '../bpf/disabled-features.ts';
import { helperId } from '../bpf/helpers.ts';
import { exit as exitInsn, type Insn, JMP, JmpOp, movImm, Reg } from '../bpf/insn.ts';
import { attachPerfEvent, type Link } from '../bpf/link.ts';
import { openKprobe, openKprobeAt } from '../bpf/perf-event.ts';
import { BpfProgram } from '../bpf/program.ts';
import { EBUSY, EEXIST, EILSEQ, EINVAL, ENOENT, ESRCH } from '../bpf/sys.ts';
import type { Span } from '../lang/ast.ts';
import { NoMatchesError, UserError } from '../lang/diagnostics.ts';
import { type Kallsyms, loadKallsyms } from '../runtime/ksyms.ts';
import { btfTypeByName } from '../sema/btf-types.ts';
import { INT64 } from '../sema/types.ts';
import { expansionWarning } from './expansion-warnings.ts';
import { hasWildcard } from './info/glob.ts';
import { traceableMatching } from './info/symbol-sources.ts';
import { createKprobeMulti, emptyKprobeMultiErrno } from './kernel/attach.ts';
import { expandOrExplain, requireKprobes } from './kernel/availability.ts';
import { kprobeBlacklist, lookupFunction, matchFunctions, moduleLoaded, unsafeToTrace } from './kernel/functions.ts';
import { providerNames } from './names.ts';
import { probeNameCookie } from './probe-names.ts';
import {
  type AttachEnv,
  type Attached,
  type AttachHints,
  attachEach,
  attachError,
  missingProbe,
  type ProbeContext,
  type ProbeTarget,
  type Provider,
  TargetSites,
} from './provider.ts';
import { userProbeEnv } from './user-env.ts';

interface KprobeSite {
  /** null when the script named no module. */
  module: string | null;
  func: string;
  offset: number;
  retprobe: boolean;
  /** kprobe:ADDRESS: the kernel text address (func and offset then unused), else null. */
  address: bigint | null;
}

const sites = new TargetSites<KprobeSite>();

/** `func`, `func+16`, `func+0x10` → name and offset. */
export function parseKprobeFunc(spec: string, retprobe: boolean): { func: string; offset: number } {
  const plus = spec.indexOf('+');
  if (plus < 0) return { func: spec, offset: 0 };
  if (retprobe) throw new UserError('Offset not allowed', ['kretprobes fire at the function return; write kretprobe:func']);
  if (spec.indexOf('+', plus + 1) >= 0) throw new UserError('Cannot take more than one offset');
  const func = spec.slice(0, plus);
  const text = spec.slice(plus + 1);
  if (!func || !/^(0[xX][0-9a-fA-F]+|\d+)$/.test(text)) throw new UserError(`Invalid offset: ${spec}`);
  const offset = Number(text);
  if (!Number.isSafeInteger(offset) || offset > 0xffffffff) throw new UserError(`Invalid offset: ${spec}`);
  return { func, offset };
}

/** `0xffffffff81234567` or `18446744071581...`: a kprobe by address (bpftrace reads either). */
export function parseKprobeAddress(spec: string): bigint | null {
  if (!/^(0[xX][0-9a-fA-F]{1,16}|\d+)$/.test(spec)) return null;
  const address = BigInt(spec);
  if (address === 0n) throw new UserError('kprobes should be attached to a function or an address');
  if (address > 0xffffffffffffffffn) throw new UserError(`Invalid address: ${spec}`, ['kernel addresses are 64-bit']);
  return address;
}

/**
 * Why the kernel would be asked to probe something other than a function's code at `address`,
 * or null when it is in a text symbol (of `module`, when one is given) that may be kprobed.
 * Where inside the function is the kernel's to check (EILSEQ off an instruction boundary), as
 * for func+OFFSET.
 */
export function kprobeAddressProblem(ks: Kallsyms, address: bigint, module: string | null, blacklist: ReadonlySet<string>): string | null {
  if (ks.hidden) return 'kernel addresses are hidden from this user (kptr_restrict): it can not be checked';
  const hex = `0x${address.toString(16)}`;
  const hit = ks.ksym(address);
  if (!hit) return `${hex} is below every kernel symbol`;
  const where = `${hit.name}+${hit.offset}${hit.module ? ` [${hit.module}]` : ''}`;
  if (!/^[TtWw]$/.test(hit.type)) return `${hex} is not in kernel code (${where} is a '${hit.type}' symbol)`;
  if (module !== null && (hit.module ?? 'vmlinux') !== module) return `${hex} (${where}) is not in module ${module}`;
  if (blacklist.has(hit.name)) return `${hex} is in ${hit.name}, which is in the kprobe blacklist: probing it could crash the kernel`;
  return null;
}

/** The name `probe` prints, as bpftrace builds it (offsets in decimal, omitted when 0). */
function probeName(provider: string, module: string | null, func: string, offset: number): string {
  return `${provider}:${module === null ? '' : `${module}:`}${func}${offset ? `+${offset}` : ''}`;
}

function expandKprobe(p: Provider, retprobe: boolean, raw: string, parts: string[], span: Span): ProbeTarget[] {
  if (parts.length !== 1 && parts.length !== 2) throw new UserError(`${p.name} probe type requires 1 or 2 arguments`);
  const spec = parts[parts.length - 1] as string;
  const module = parts.length === 2 ? (parts[0] as string) : null;
  if (!spec) throw new UserError(`${p.name} probe type requires a function name`);
  const address = parseKprobeAddress(spec);
  const { func, offset } = address === null ? parseKprobeFunc(spec, retprobe) : { func: '', offset: 0 };
  // Kernel support is checked for the probes --probe-filter keeps (requireSupport), or here
  // when looking the function up fails, as the likelier reason.
  return expandOrExplain(
    () => requireKprobes(retprobe ? 'kretprobe' : 'kprobe'),
    () =>
      address !== null
        ? [expandAddress(p, retprobe, raw, module, address, span)]
        : expandFunction(p, { retprobe, raw, module, func, offset, span }),
  );
}

/** A kprobe on a function (or functions, by wildcard), parsed. */
interface FunctionSpec {
  retprobe: boolean;
  raw: string;
  module: string | null;
  func: string;
  offset: number;
  span: Span;
}

function expandFunction(p: Provider, { retprobe, raw, module, func, offset, span }: FunctionSpec): ProbeTarget[] {
  const make = (mod: string | null, name: string, off: number): ProbeTarget => {
    const t: ProbeTarget = { provider: p, name: probeName(p.name, mod, name, off), parts: [mod ?? '', name, String(off)], span };
    sites.set(t, { module: mod, func: name, offset: off, retprobe, address: null });
    return t;
  };

  const blacklist = kprobeBlacklist();
  const written = `${module === null ? '' : `${module}:`}${func}`;
  if (hasWildcard(func) || (module !== null && hasWildcard(module))) {
    if (offset) throw new UserError('Offsets can not be used with wildcards');
    // The kernel refuses blacklisted functions; a wildcard simply does not match them.
    const matches = matchFunctions(module, func).filter((f) => !blacklist.has(f.name));
    if (!matches.length) {
      // Said only if the probe is left empty; then why (`kprobe:rcu_*`: every match is unsafe).
      const why =
        traceableMatching(func).size > 0
          ? 'functions that crash the kernel when probed (rcu_*, the idle loop) are left out'
          : `list them with: bpftrace-ts -l '${raw}'`;
      throw new NoMatchesError(p.name, written, [why]);
    }
    return matches.map((f) => make(module === null ? null : f.module, f.name, 0));
  }

  if (module !== null && module !== 'vmlinux' && !moduleLoaded(module)) {
    throw new UserError(`specified module ${module} in probe ${p.name}:${module}:${func} is not loaded.`);
  }
  if (unsafeToTrace(func)) {
    throw new UserError(`${raw}: ${func} can not be probed safely`, [
      'probing the idle loop or RCU functions can crash the kernel; bpftrace refuses them too',
    ]);
  }
  if (blacklist.has(func)) {
    throw new UserError(`${raw}: the kernel does not allow kprobes on ${func}`, [
      'it is in the kprobe blacklist (/sys/kernel/debug/kprobes/blacklist): probing it could crash the kernel',
    ]);
  }
  // As 0.26: a function ftrace does not list is only tried with --unsafe (a kprobe can often
  // still attach to a notrace function's code; to an inlined or missing one it cannot).
  const found = lookupFunction(module, func);
  if (!found.found || !found.traceable) {
    expansionWarning(`${func} is not traceable (either non-existing, inlined, or marked as "notrace"); attaching to it will likely fail`);
    if (!userProbeEnv.unsafe) {
      throw new NoMatchesError(p.name, written, [
        found.found
          ? `${func} is in kallsyms: --unsafe attaches a kprobe to it anyway`
          : `list them with: bpftrace-ts -l '${p.name}:${func}*'`,
      ]);
    }
  }
  return [make(module, func, offset)];
}

/**
 * kprobe:ADDRESS, named as bpftrace names it (`kprobe:` and the address in decimal). Without
 * --unsafe the address must be in a kernel function kprobes may use (kallsyms); bpftrace 0.26
 * refuses addresses without --unsafe and checks nothing with it.
 */
function expandAddress(p: Provider, retprobe: boolean, raw: string, module: string | null, address: bigint, span: Span): ProbeTarget {
  if (!userProbeEnv.unsafe) {
    let ks: Kallsyms;
    try {
      ks = loadKallsyms();
    } catch (e) {
      throw new UserError(`${raw}: can not check the address: ${(e as Error).message}`, ['use --unsafe to attach without checking']);
    }
    const problem = kprobeAddressProblem(ks, address, module, kprobeBlacklist());
    if (problem)
      throw new UserError(`${raw}: ${problem}`, [
        'use --unsafe to attach without checking (the kernel still refuses what it can not probe)',
      ]);
  }
  const name = `${p.name}:${module === null ? '' : `${module}:`}${address}`;
  const t: ProbeTarget = { provider: p, name, parts: [module ?? '', `0x${address.toString(16)}`, '0'], span };
  sites.set(t, { module, func: '', offset: 0, retprobe, address });
  return t;
}

/** Symbol text the kprobe PMU resolves: `func`, or `module:func` for a module's function. */
function kernelSymbol(s: KprobeSite): string {
  return s.module && s.module !== 'vmlinux' ? `${s.module}:${s.func}` : s.func;
}

/** What a refused kprobe means, by errno. */
const KPROBE_HINTS: AttachHints = {
  [ENOENT]: { why: 'the kernel has no such function' },
  [ESRCH]: { why: 'the kernel has no such function' },
  [EILSEQ]: { why: 'the address is in the middle of an instruction', hints: ['try a different offset or address'] },
  [EINVAL]: {
    why: 'the kernel refused the kprobe',
    hints: ['the function may be blacklisted, inlined, or not a function entry at this offset'],
  },
  [EBUSY]: { why: 'the address is already probed in a way that excludes this kprobe' },
  [EEXIST]: { why: 'the address is already probed in a way that excludes this kprobe' },
};

function attachOne(prog: BpfProgram, target: ProbeTarget): Link[] {
  const s = sites.of(target);
  const fd =
    s.address !== null ? openKprobeAt(s.address, s.retprobe, prog.sys) : openKprobe(kernelSymbol(s), s.offset, s.retprobe, prog.sys);
  return [attachPerfEvent(prog, fd, { target: target.name, cookie: probeNameCookie(target) })];
}

// ---------------------------------------------------------------- kprobe_multi

/** Whether kprobe_multi links work here: learnt once, by trying one (null: not known yet). */
let multiWorks: boolean | null = null;

/** Test hook: decide (or forget) whether kprobe_multi links are used. */
export function setKprobeMultiSupport(value: boolean | null): void {
  multiWorks = value;
}

/**
 * Asks for a link of this kprobe_multi attach type (multi, or session) naming no functions:
 * kernels without the type refuse it at load, kernels built without CONFIG_FPROBE answer
 * EOPNOTSUPP, and kernels that have it reject the empty list (EINVAL) before looking anything
 * up. (Asking for a function that does not exist answers too, but only after the kernel walks
 * all of kallsyms: ~0.1 s on an emulated CPU.)
 */
function emptyLinkAccepted(name: string, attachType: number): boolean {
  let prog: BpfProgram | null = null;
  try {
    prog = BpfProgram.load(
      { name, type: BPF_PROG_TYPE_KPROBE, insns: [movImm(Reg.R0, 0), exitInsn()], license: 'GPL', expectedAttachType: attachType },
      null,
      defaultSys(),
    );
    return emptyKprobeMultiErrno(prog.sys, prog.fd, attachType) === EINVAL;
  } catch {
    return false;
  } finally {
    prog?.close();
  }
}

function probeKprobeMulti(): boolean {
  if (process.env.BPFTRACE_TS_NO_KPROBE_MULTI !== undefined) return false;
  return emptyLinkAccepted('kprobe_multi', BPF_TRACE_KPROBE_MULTI);
}

/** Whether kprobe_session links work here (null: not asked yet). */
let sessionWorks: boolean | null = null;

/** Test hook: decide (or forget) whether kprobe_session links are used. */
export function setKprobeSessionSupport(value: boolean | null): void {
  sessionWorks = value;
}

/**
 * Whether a kprobe and a kretprobe on the same functions can run as one session program (one
 * program, one link, called at entry and at return), as bpftrace 0.26 merges them.
 */
export function kprobeSessionAvailable(): boolean {
  if (featureDisabled('kprobe_session') || !kprobeMultiAvailable()) return false;
  if (sessionWorks === null) sessionWorks = emptyLinkAccepted('kprobe_session', BPF_TRACE_KPROBE_SESSION); // Linux 6.10+
  return sessionWorks;
}

/** Whether a kprobe/kretprobe target can be in a session link: a plain function entry. */
export function sessionTarget(t: ProbeTarget): boolean {
  if (t.provider.name !== 'kprobe' && t.provider.name !== 'kretprobe') return false;
  const s = sites.of(t);
  return s.address === null && s.offset === 0 && s.module === null;
}

/** The function a kprobe/kretprobe target names (for pairing a probe with its return probe). */
export function sessionFunction(t: ProbeTarget): string {
  return kernelSymbol(sites.of(t));
}

/** Programs for at least this many functions use one kprobe_multi link. */
const MULTI_MIN_TARGETS = 2;

/** Whether the code calls a helper (a plain call: src_reg 0, imm the helper's id). */
function callsHelper(insns: readonly Insn[], name: string): boolean {
  const id = helperId(name);
  return insns.some((i) => i.op === (JMP | JmpOp.CALL) && i.src === 0 && i.imm === id);
}

/** Whether kprobe wildcards would use kprobe_multi links here (--info). */
export function kprobeMultiAvailable(): boolean {
  if (featureDisabled('kprobe_multi')) return false;
  if (multiWorks === null) multiWorks = probeKprobeMulti();
  return multiWorks;
}

function useMulti(targets: ProbeTarget[], insns: readonly Insn[]): boolean {
  if (targets.length < MULTI_MIN_TARGETS) return false;
  // override() rewrites the probed function's return through the kprobe's registers, which
  // the kernel allows on perf kprobes of error-injectable functions only.
  if (callsHelper(insns, 'override_return')) return false;
  // kprobe_multi takes plain symbol names at function entry: no offsets, no module syntax, no addresses.
  const plain = (s: KprobeSite): boolean => s.address === null && s.offset === 0 && !kernelSymbol(s).includes(':');
  if (!targets.every((t) => plain(sites.of(t)))) return false;
  return kprobeMultiAvailable();
}

function attachAll(prog: BpfProgram, targets: ProbeTarget[], env: AttachEnv): Attached {
  const session = prog.spec.expectedAttachType === BPF_TRACE_KPROBE_SESSION;
  if (prog.spec.expectedAttachType !== BPF_TRACE_KPROBE_MULTI && !session) {
    return attachEach(targets, env, (t) => attachOne(prog, t));
  }
  const first = sites.of(targets[0] as ProbeTarget);
  const what = `${session ? 'kprobe session' : first.retprobe ? 'kretprobe' : 'kprobe'} on ${targets.length} function${targets.length === 1 ? '' : 's'}`;
  try {
    const link = createKprobeMulti(
      prog.sys,
      prog.fd,
      targets.map((t) => kernelSymbol(sites.of(t))),
      first.retprobe,
      what,
      targets.map(probeNameCookie),
      session,
    );
    return { links: [link], count: targets.length };
  } catch (e) {
    // One link for all: the functions it names are attached together or not at all.
    missingProbe(env, what, attachError(e, what, KPROBE_HINTS));
    return { links: [], count: 0 };
  }
}

function context(retprobe: boolean): ProbeContext {
  const c: ProbeContext = { args: null, argN: 'pt_regs', retval: retprobe };
  // bpftrace types a kretprobe's retval as a signed 64-bit integer (-2 prints as -2).
  if (retprobe) c.retvalType = INT64;
  c.ctxType = () => {
    const regs = btfTypeByName('struct pt_regs');
    return regs ? { kind: 'pointer', to: regs, user: false } : null;
  };
  return c;
}

function makeProvider(type: 'kprobe' | 'kretprobe', retprobe: boolean): Provider {
  const p: Provider = {
    ...providerNames(type),
    progType: BPF_PROG_TYPE_KPROBE,
    shareable: true,
    namesByCookie: true,
    expand: (raw, parts, span) => expandKprobe(p, retprobe, raw, parts, span),
    requireSupport: () => requireKprobes(type),
    context: () => context(retprobe),
    expectedAttachType: (targets, insns) => (useMulti(targets, insns) ? BPF_TRACE_KPROBE_MULTI : undefined),
    attach: (prog, target) => attachOne(prog, target),
    attachHints: KPROBE_HINTS,
    attachAll,
  };
  return p;
}

export const kprobe = makeProvider('kprobe', false);
export const kretprobe = makeProvider('kretprobe', true);
