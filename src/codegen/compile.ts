// The compiler driver: probes → targets (providers), type checking, resource analysis
// (maps and their kernel layouts), then one program per probe (or per target when the
// provider's context differs between targets).

import {
  BPF_MAP_TYPE_ARRAY,
  BPF_MAP_TYPE_HASH,
  BPF_MAP_TYPE_LRU_HASH,
  BPF_MAP_TYPE_LRU_PERCPU_HASH,
  BPF_MAP_TYPE_PERCPU_ARRAY,
  BPF_MAP_TYPE_PERCPU_HASH,
  BPF_MAP_TYPE_RINGBUF,
  BPF_MAP_TYPE_STACK_TRACE,
  BPF_TRACE_KPROBE_SESSION,
} from '../bpf/constants.ts';
import { features } from '../bpf/features.ts';
import type { Insn } from '../bpf/insn.ts';
import { type MapSpec, possibleCpus } from '../bpf/map.ts';
import type { ProgramSpec } from '../bpf/program.ts';
import type { ConfigBlock, Program, Span } from '../lang/ast.ts';
import { type Diagnostics, NoAttachPointsError, NoMatchesError, UnlocatedError, UserError } from '../lang/diagnostics.ts';
import { visitAll } from '../lang/walk.ts';
import { withExpansionWarnings } from '../probes/expansion-warnings.ts';
import { hasWildcard } from '../probes/info/glob.ts';
import { availabilityOptions } from '../probes/kernel/availability.ts';
import { probeNameSize, setProbeNameIndex } from '../probes/probe-names.ts';
import { programLimitError, programPerMatch } from '../probes/program-limit.ts';
import type { ProbeContext, ProbeTarget, Provider } from '../probes/provider.ts';
import { providerFor } from '../probes/registry.ts';
import { coalesceSyscalls } from '../probes/syscalls/coalesce.ts';
import { tracepointOptions } from '../probes/tracepoint.ts';
import { userProbeEnv } from '../probes/user-env.ts';
import { ERR_COUNTERS } from '../runtime/events.ts';
import { MAX_STACK_DEPTH } from '../runtime/stacks.ts';
import { BPF_F_STACK_BUILD_ID, BUILD_ID_FRAME_SIZE, STACK_MAP_USER_BUILDID } from '../runtime/usyms.ts';
import { type CheckedProbe, Checker, type SemaResult } from '../sema/check.ts';
import { buildConfig, type Config } from '../sema/config.ts';
import { foldStrings } from '../sema/fold-strings.ts';
import { aggValueSize, isPerCpuAgg } from '../sema/maps.ts';
import { sizeOf } from '../sema/types.ts';
import { outputBufferPages } from '../util/buffer-pages.ts';
import { Emitter } from './emitter.ts';
import { FrameOverflow } from './frame.ts';
import { sessionPairs } from './kprobe-session.ts';
import { readsProbeName, usesPerTargetBuiltins } from './per-target-builtins.ts';
import {
  BIG_HEAP_MAP,
  ERRORS_MAP,
  EXIT_MAP,
  HEAP_MAP,
  kernelMapName,
  type MapResource,
  newResources,
  type Resources,
  RINGBUF_MAP,
} from './resources.ts';
import type { WarningLevel } from './runtime-errors.ts';

/** Providers that see every process and take -p as a filter in the program, as bpftrace does. */
/** Providers whose programs we run ourselves (END after exit(), --test/--bench one by one): never guarded by exit(). */
const RUN_BY_US: ReadonlySet<string> = new Set(['BEGIN', 'END', 'self', 'test', 'bench']);
const PID_FILTERED: ReadonlySet<string> = new Set(['kprobe', 'kretprobe', 'fentry', 'fexit', 'tracepoint', 'rawtracepoint']);

export interface CompiledProgram {
  spec: ProgramSpec;
  /** Where this program attaches (BEGIN/END have one target each and are run, not attached). */
  targets: ProbeTarget[];
  probeIndex: number;
}

export interface CompiledScript {
  programs: CompiledProgram[];
  resources: Resources;
  config: Config;
  sema: SemaResult;
}

export interface CompileOptions {
  positional: string[];
  unsafe: boolean;
  env: NodeJS.ProcessEnv;
  ringbufPages?: number;
  /** Pid of the -c child (the `cpid` builtin), or null. */
  cpid?: number | null;
  /** The executable the -c command runs (uprobe:FUNC and watchpoints without a binary). */
  childBinary?: string | null;
  /** -p PID, or null. */
  pid?: number | null;
  /** Named script options (`-- --name=value`) for getopt(). */
  named?: Map<string, string | null>;
  /** Run-time helper error checks: 0 with --no-warnings, 1 by default, 2 with -k. */
  warningLevel?: WarningLevel;
  /**
   * --probe-filter: only targets whose name this finds a match in get programs. The whole
   * script is still checked; BEGIN/END and self:signal probes are never filtered (bpftrace).
   */
  probeFilter?: RegExp | null;
  /**
   * --dry-run: a probe type this kernel cannot run (kprobes, fentry, iter) is reported after the
   * whole script is checked, not before, so a script written for another machine is still
   * parsed, typed and compiled here. The error is the same; only its moment changes.
   */
  deferKernelSupport?: boolean;
}

/** Providers --probe-filter leaves alone (bpftrace's begin/end/signal probe lists). */
const UNFILTERED = new Set(['BEGIN', 'END', 'self']);

function filterTargets(targets: ProbeTarget[], filter: RegExp | null | undefined): ProbeTarget[] {
  if (!filter) return targets;
  return targets.filter((t) => UNFILTERED.has(t.provider.name) || filter.test(t.name));
}

/** How bpftrace words a missing attach point as an error, or (`warn`) as a warning. */
function missingText(e: UserError, warn: boolean): string {
  if (e instanceof NoMatchesError) return `${e.message}.${warn ? ' Skipping.' : ''}`;
  if (e instanceof NoAttachPointsError) {
    return warn
      ? `${e.message} It is being removed which may cause issues with program behavior.`
      : `${e.message} If this is expected, set the 'missing_probes' config variable to 'warn'.`;
  }
  return e.message;
}

export function compile(program: Program, diags: Diagnostics, opts: CompileOptions): CompiledScript {
  const configBlock = program.items.find((i): i is ConfigBlock => i.kind === 'ConfigBlock') ?? null;
  const config = buildConfig(configBlock, opts.env, diags);
  diags.check();
  tracepointOptions.maxStrlen = config.maxStrlen;
  Object.assign(userProbeEnv, {
    pid: opts.pid ?? null,
    cpid: opts.cpid ?? null,
    childBinary: opts.childBinary ?? null,
    unsafe: opts.unsafe,
  });

  const probes: CheckedProbe[] = [];
  const unsupported: { span: Span; error: UserError }[] = [];
  // Reports the deferred kernel-support errors along with any others, then stops on errors.
  const checkpoint = (last: boolean): void => {
    if (last || diags.hasErrors) for (const u of unsupported.splice(0)) diags.error(u.span, u.error.message, ...u.error.hints);
    diags.check();
  };
  // A failed expansion is reported as it is under --dry-run, not blamed on the kernel.
  availabilityOptions.explainFailedExpansion = !opts.deferKernelSupport;
  const deferSupport = (raw: string, span: Span, target?: ProbeTarget): void => {
    let provider: Provider;
    try {
      provider = providerFor(raw).provider;
    } catch {
      return; // not a probe type at all: said already
    }
    try {
      // Without an expanded target (the lookup failed), the attach point stands for it.
      provider.requireSupport?.(target ?? { provider, name: raw, parts: [], span });
    } catch (e) {
      if (!(e instanceof UserError)) throw e;
      if (!unsupported.some((u) => u.span === span)) unsupported.push({ span, error: e });
    }
  };
  // Programs 0.26 would make one per match, over the whole script (max_bpf_progs).
  let programsPerMatch = 0;
  for (const item of program.items) {
    if (item.kind !== 'Probe') continue;
    const targets: ProbeTarget[] = [];
    let providerName = '';
    let prunedWhy: 'missing' | 'said' | null = null;
    let emptyWildcard: NoMatchesError | null = null;
    const readsProbe = readsProbeName(item);
    for (const ap of item.attachPoints) {
      try {
        ap.raw = withPositionals(ap.raw, opts.positional);
        const { provider, parts } = providerFor(ap.raw);
        providerName ||= provider.name;
        const expanded = withExpansionWarnings(
          (message) => {
            if (config.missingProbes !== 'ignore') diags.warning(ap.span, message);
          },
          () => provider.expand(ap.raw, parts, ap.span),
        );
        if (programPerMatch(provider.name, parts, readsProbe)) {
          programsPerMatch += expanded.length;
          if (programsPerMatch > config.maxBpfProgs) {
            const { message, hint } = programLimitError(programsPerMatch, config.maxBpfProgs);
            diags.error(ap.span, message, hint);
            break;
          }
        }
        // Only what --probe-filter keeps needs this kernel to support its probe type.
        const kept = filterTargets(expanded, opts.probeFilter)[0];
        if (kept && opts.deferKernelSupport) deferSupport(ap.raw, ap.span, kept);
        else if (kept) provider.requireSupport?.(kept);
        targets.push(...expanded);
      } catch (e) {
        if (!(e instanceof UserError)) throw e;
        // --dry-run: a probe type this kernel lacks is said too, after the script's own errors.
        if (opts.deferKernelSupport) deferSupport(ap.raw, ap.span);
        // missing_probes: a probe that does not exist is an error, a warning, or nothing.
        const missing =
          e instanceof NoMatchesError ||
          e instanceof NoAttachPointsError ||
          /not found|No .* match|does not exist|Could not/.test(e.message);
        if (missing && config.missingProbes === 'ignore') continue;
        // A wildcard that matches nothing just adds no target, as in 0.26 (`kprobe:f,kprobe:x*`
        // runs on f); a probe left with none is reported below.
        if (e instanceof NoMatchesError && hasWildcard(ap.raw)) {
          emptyWildcard ??= e;
          continue;
        }
        const warn = missing && config.missingProbes === 'warn';
        const span = e instanceof UnlocatedError ? null : ap.span;
        if (warn) diags.warning(span, missingText(e, true), ...e.hints);
        else diags.error(span, missingText(e, false), ...e.hints);
        prunedWhy = warn && !(e instanceof NoAttachPointsError) ? 'missing' : 'said';
      }
    }
    const first = targets[0];
    // As 0.26's probe-prune pass: a probe left with no attach point is dropped, with a warning
    // (an error when only empty wildcards left it so and missing_probes is `error`).
    const probeSpan = item.attachPoints[0]?.span ?? item.span;
    if (!first && emptyWildcard && prunedWhy === null && config.missingProbes === 'error')
      diags.error(probeSpan, missingText(new NoAttachPointsError(), false), ...emptyWildcard.hints);
    else if (!first && (prunedWhy === 'missing' || (emptyWildcard && prunedWhy === null)) && config.missingProbes === 'warn')
      diags.warning(probeSpan, missingText(new NoAttachPointsError(), true));
    if (!first) continue;
    try {
      probes.push({ probe: item, targets, context: first.provider.context(first), providerName });
    } catch (e) {
      // Reading a context may read kernel files (tracepoint formats, BTF): report, don't crash.
      diags.error(item.attachPoints[0]?.span ?? item.span, `cannot read the context of ${first.name}: ${(e as Error).message}`);
    }
  }
  checkpoint(false);

  foldStrings(program, opts.positional, diags);
  const checker = new Checker(diags, {
    config,
    positional: opts.positional,
    unsafe: opts.unsafe,
    cpid: opts.cpid ?? null,
    named: opts.named ?? new Map(),
  });
  const sema = checker.run(program, probes);
  checkpoint(false);

  const resources = analyseResources(sema, config, opts);
  const programs: CompiledProgram[] = [];
  const checkOpts = { config, positional: opts.positional, unsafe: opts.unsafe, cpid: opts.cpid ?? null, named: opts.named ?? new Map() };
  const recheck = (target: ProbeTarget, context: ProbeContext): SemaResult => {
    const swapped = probes.map((q) => (q.targets.includes(target) ? { ...q, context, targets: [target] } : q));
    const r = new Checker(diags, checkOpts).run(program, swapped);
    checkpoint(false);
    return r;
  };
  // Only probes the kernel fires on its own need the guard; BEGIN/END alone do not.
  const exitGuarded = callsExit(program) && sema.probes.some((p) => p.targets.some((t) => !RUN_BY_US.has(t.provider.name)));
  if (exitGuarded) resources.internalMaps.push({ name: EXIT_MAP, type: BPF_MAP_TYPE_ARRAY, keySize: 4, valueSize: 8, maxEntries: 1 });
  /** An emitter for a program of `target`'s provider, with the -p filter and exit() guard it needs. */
  const emitterFor = (semaOf: SemaResult, context: ProbeContext, target: ProbeTarget): Emitter => {
    const em = new Emitter(semaOf, resources, context, config, target.name);
    // -p PID: kernel probes that cannot filter when attaching keep only that process's events.
    if (opts.pid != null && PID_FILTERED.has(target.provider.name)) em.pidFilter = opts.pid;
    // An iterator runs all its elements within one read(): as in bpftrace, exit() there ends
    // the run once the iteration is done, not the iteration.
    em.exitGuard = exitGuarded && !RUN_BY_US.has(target.provider.name) && target.provider.name !== 'iter';
    return em;
  };
  /** A probe's program, or null with the reason reported at the probe (stack or user errors). */
  const emitted = (p: CheckedProbe, build: () => Insn[]): Insn[] | null => {
    try {
      return build();
    } catch (e) {
      if (e instanceof FrameOverflow) {
        diags.error(p.probe.span, 'the probe needs more than the 512 bytes of BPF stack', 'lower max_strlen or split the probe');
        return null;
      }
      if (e instanceof UserError) {
        diags.error(p.probe.span, e.message, ...e.hints);
        return null;
      }
      throw e;
    }
  };
  // kprobe + kretprobe on the same functions: one session program (kprobe-session.ts).
  const pairs = opts.probeFilter ? [] : sessionPairs(sema.probes);
  const sessionRets = new Set(pairs.map((q) => q.ret));
  sema.probes.forEach((p, probeIndex) => {
    if (sessionRets.has(p)) return;
    const pair = pairs.find((q) => q.entry === p);
    if (pair) {
      const target = p.targets[0] as ProbeTarget;
      const insns = emitted(p, () => emitterFor(sema, pair.ret.context, target).sessionProgram(p.probe, pair.ret.probe, pair.isReturn));
      if (!insns) return;
      programs.push({
        spec: {
          name: progName(target),
          funcName: funcName(p.probe.attachPoints[0]?.raw ?? target.name, programs.length + 1),
          type: target.provider.progType,
          insns,
          license: config.license,
          expectedAttachType: BPF_TRACE_KPROBE_SESSION,
        },
        targets: p.targets,
        probeIndex,
      });
      return;
    }
    const targets = filterTargets(p.targets, opts.probeFilter);
    if (targets.length === 0) return;
    // `args` layouts, the `probe` name and uaddr()'s bias differ per target: such probes get a
    // program each — but coalesced syscall tracepoints look their names up (syscall-filter.ts).
    const usesArgs = usesPerTargetBuiltins(p.probe, false);
    const coalescable = !usesPerTargetBuiltins(p.probe, true);
    // Coalescable and still per target: the body reads `probe`.
    const nameSize = usesArgs && coalescable ? probeNameSize(p.targets) : null;
    // A program has one program type and runs one way (attached, or run by us like BEGIN/END),
    // so targets of different probe types never share one.
    // Groups whose targets' links tell the program their names (probes/probe-names.ts).
    const named = new Map<ProbeTarget[], NonNullable<ProbeContext['cookieNames']>>();
    const groups: ProbeTarget[][] = byProvider(targets).flatMap((same) => {
      const coalesced = coalescable ? coalesceSyscalls(same, probeIndex, nameSize) : null;
      if (coalesced) return [[coalesced]];
      const provider = same[0]?.provider;
      if (nameSize !== null && same.length > 1 && provider?.shareable && provider.namesByCookie && cookieNamesWork()) {
        named.set(same, { map: `pnames_${probeIndex}_${named.size}`, names: same.map((t) => t.name), size: nameSize });
        same.forEach((t, i) => {
          setProbeNameIndex(t, i);
        });
        return [same];
      }
      return provider?.shareable && !(usesArgs && same.length > 1) ? [same] : same.map((t) => [t]);
    });
    const emitFor = (group: ProbeTarget[], target: ProbeTarget): Insn[] => {
      const shared = group === targets || group.length > 1 ? p.context : target.provider.context(target);
      const cookieNames = named.get(group);
      const context = cookieNames ? { ...shared, cookieNames } : shared;
      // A target whose `args` differ from the first one's is type-checked again with its own
      // context, so field offsets, types and printed records are its own.
      const own = group.length === 1 && target !== p.targets[0] && usesArgs ? recheck(target, context) : sema;
      return emitterFor(own, context, target).program(p.probe.predicate, p.probe.body);
    };
    // Bytecode already made for this probe, by the provider's code key (see Provider.codeKey).
    const made = new Map<string, Insn[]>();
    for (const group of groups) {
      const target = group[0] as ProbeTarget;
      const key = usesArgs || group.length > 1 ? undefined : target.provider.codeKey?.(target);
      const known = key === undefined ? undefined : made.get(`${target.provider.name}\0${key}`);
      const insns = known ?? emitted(p, () => emitFor(group, target));
      if (!insns) continue;
      if (key !== undefined && !known) made.set(`${target.provider.name}\0${key}`, insns);
      const spec: ProgramSpec = {
        name: progName(target),
        funcName: funcName(group.length > 1 ? (p.probe.attachPoints[0]?.raw ?? target.name) : target.name, programs.length + 1),
        type: target.provider.progType,
        insns,
        license: config.license,
        expectedAttachType: target.provider.expectedAttachType?.(group, insns),
      };
      programs.push({
        spec: target.provider.programSpec?.(group, spec) ?? spec,
        targets: group,
        probeIndex,
      });
      for (const t of group) {
        for (const c of t.provider.companions?.(t, resources, config.license) ?? []) {
          programs.push({ spec: c.spec, targets: [c.target], probeIndex });
        }
      }
    }
  });
  checkpoint(true);
  for (const name of resources.stackMaps) {
    const buildIds = name === STACK_MAP_USER_BUILDID;
    resources.internalMaps.push({
      name,
      type: BPF_MAP_TYPE_STACK_TRACE,
      keySize: 4,
      valueSize: MAX_STACK_DEPTH * (buildIds ? BUILD_ID_FRAME_SIZE : 8),
      maxEntries: config.maxMapKeys,
      ...(buildIds ? { flags: BPF_F_STACK_BUILD_ID } : {}),
    });
  }
  // Scratch memory: one per-CPU value, or (above its 32 KiB) a slot for every CPU id the kernel
  // may hand out in a plain array.
  const heaps = [
    { name: HEAP_MAP, size: resources.heapSize, type: BPF_MAP_TYPE_PERCPU_ARRAY, slots: () => 1 },
    { name: BIG_HEAP_MAP, size: resources.bigHeapSize, type: BPF_MAP_TYPE_ARRAY, slots: () => Math.max(...possibleCpus()) + 1 },
  ];
  for (const h of heaps) {
    if (h.size > 0)
      resources.internalMaps.push({ name: h.name, type: h.type, keySize: 4, valueSize: Math.ceil(h.size / 8) * 8, maxEntries: h.slots() });
  }
  return { programs, resources, config, sema };
}

/** `$N` in an attach point is the N-th positional parameter's text (empty when not given), as in bpftrace. */
function withPositionals(raw: string, positional: readonly string[]): string {
  return raw.includes('$') ? raw.replace(/\$(\d+)/g, (_m, n: string) => positional[Number(n) - 1] ?? '') : raw;
}

/** The targets split by provider, in the order each provider first appears. */
function byProvider(targets: ProbeTarget[]): ProbeTarget[][] {
  const groups = new Map<Provider, ProbeTarget[]>();
  for (const t of targets) {
    const g = groups.get(t.provider);
    if (g) g.push(t);
    else groups.set(t.provider, [t]);
  }
  // One provider: the same array, so `group === targets` below keeps meaning "the whole probe".
  return groups.size === 1 ? [targets] : [...groups.values()];
}

/** Whether the script calls exit() anywhere. */
function callsExit(program: Program): boolean {
  let found = false;
  visitAll(program, (n) => {
    if (n.kind === 'Call' && n.callee === 'exit') found = true;
  });
  return found;
}

/** Whether links can carry the cookies and programs read them (perf-event links, Linux 5.15). */
function cookieNamesWork(): boolean {
  return features().has('perf_link') && features().has('helper_get_attach_cookie');
}

/** The program's full name, as bpftrace names its programs: the probe's, then its 1-based index. */
function funcName(probeName: string, index: number): string {
  return `${probeName}_${index}`;
}

function progName(t: ProbeTarget): string {
  return t.name.replace(/[^A-Za-z0-9_]/g, '_').slice(0, 15);
}

function analyseResources(sema: SemaResult, config: Config, opts: CompileOptions): Resources {
  const r = newResources(opts.warningLevel ?? 1);
  let index = 0;
  for (const info of sema.maps.values()) {
    if (!info.value) continue;
    const v = info.value;
    const userKeySize = info.key ? Math.ceil(sizeOf(info.key) / 8) * 8 : 8;
    // hist/lhist keep the bucket, tseries the interval slot, after the user's key.
    const isHist = v.kind === 'agg' && (v.agg === 'hist' || v.agg === 'lhist' || v.agg === 'tseries');
    const keySize = isHist ? (info.key ? userKeySize : 0) + 8 : userKeySize;
    const perCpu = isPerCpuAgg(v);
    const valueSize = v.kind === 'agg' ? aggValueSize(v.agg) : Math.max(8, Math.ceil(sizeOf(v.type) / 8) * 8);
    let type = perCpu ? BPF_MAP_TYPE_PERCPU_HASH : BPF_MAP_TYPE_HASH;
    switch (info.declaredKind) {
      case 'lruhash':
        type = perCpu ? BPF_MAP_TYPE_LRU_PERCPU_HASH : BPF_MAP_TYPE_LRU_HASH;
        break;
      // The checker allows per-CPU declarations for aggregations only; a time series among them
      // keeps one shared slot (isPerCpuAgg), so it stays in the shared variant.
      case 'percpulruhash':
        type = perCpu ? BPF_MAP_TYPE_LRU_PERCPU_HASH : BPF_MAP_TYPE_LRU_HASH;
        break;
      case 'percpuhash':
        type = perCpu ? BPF_MAP_TYPE_PERCPU_HASH : BPF_MAP_TYPE_HASH;
        break;
      default:
        break;
    }
    const spec: MapSpec = { name: kernelMapName(info.name), type, keySize, valueSize, maxEntries: info.maxEntries ?? config.maxMapKeys };
    const res: MapResource = {
      index: index++,
      info,
      spec,
      keyType: info.key,
      keySize,
      perCpu: type === BPF_MAP_TYPE_PERCPU_HASH || type === BPF_MAP_TYPE_LRU_PERCPU_HASH,
    };
    r.maps.push(res);
    r.mapsByName.set(info.name, res);
  }
  const pageSize = 4096;
  const pages = opts.ringbufPages ?? outputBufferPages(config.perfRbPages);
  // The ring's size must be a power-of-two multiple of the page size.
  const size = 2 ** Math.ceil(Math.log2(pages * pageSize));
  r.internalMaps.push({ name: RINGBUF_MAP, type: BPF_MAP_TYPE_RINGBUF, keySize: 0, valueSize: 0, maxEntries: size });
  r.internalMaps.push({
    name: ERRORS_MAP,
    type: BPF_MAP_TYPE_PERCPU_ARRAY,
    keySize: 4,
    valueSize: 8,
    maxEntries: ERR_COUNTERS,
  });
  void BPF_MAP_TYPE_ARRAY;
  return r;
}
