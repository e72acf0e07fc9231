// Runs a compiled script: creates maps, loads and attaches programs (one transaction: on any
// failure everything made so far is closed in reverse order), runs BEGIN in the kernel, reads
// the ring buffer until exit()/Ctrl-C/SIGTERM/the -c child ends, runs END, prints the maps.

import { BPF_MAP_TYPE_RINGBUF } from '../bpf/constants.ts';
import { defaultSys } from '../bpf/default-sys.ts';
import type { Link } from '../bpf/link.ts';
import { detachAll } from '../bpf/link.ts';
import { BpfMap, type MapSpec, onlineCpus } from '../bpf/map.ts';
import { ensureMemlock } from '../bpf/memlock.ts';
import { openPerfBuffers, pagesPerCpu } from '../bpf/perfbuf.ts';
import { BpfProgram, mapResolver } from '../bpf/program.ts';
import { RingBuf, RingBufReader } from '../bpf/ringbuf.ts';
import { EINVAL, type Sys, SyscallError } from '../bpf/sys.ts';
import type { CompiledScript } from '../codegen/compile.ts';
import type { FormatResource, MapResource } from '../codegen/resources.ts';
import { ERRORS_MAP, EXIT_MAP, RINGBUF_MAP, SKB_PERF_MAP, STACK_MAP_KERNEL, STACK_MAP_USER } from '../codegen/resources.ts';
import type { SourceFile } from '../lang/ast.ts';
import { UserError } from '../lang/diagnostics.ts';
import { runIterators } from '../probes/iter.ts';
import { freezeReadOnlyMaps } from '../probes/kernel/seq-printf.ts';
import { type AttachEnv, attachProgram, type ProbeTarget } from '../probes/provider.ts';
import { targetPid } from '../probes/user-env.ts';
import { releaseWatchedProcess } from '../probes/watchpoint.ts';
import { outputBufferPages } from '../util/buffer-pages.ts';
import { releaseTracefs } from '../util/tracefs.ts';
import { setTruncationTrailer } from './decode.ts';
import { ERR_RINGBUF_LOST } from './events.ts';
import { readMap } from './map-reader.ts';
import { dispatchRecord, type RecordContext } from './records.ts';
import { READY, STOPPING, sdNotify } from './sd-notify.ts';
import { memoryTextSink, type OutputSink } from './sink.ts';
import { bootEpochNs, SkbCapture } from './skb-capture.ts';
import { registerStackMaps, setShowDebugInfo } from './stacks.ts';
import { type ProbeRun, type RunOnce, runBenchmarks, runTests } from './test-modes.ts';
import { STACK_MAP_USER_BUILDID, setCppDemangle } from './usyms.ts';

/** Creates a map; a kernel without BPF ring buffers gets a message saying so. */
function createMap(spec: MapSpec, sys: Sys): BpfMap {
  try {
    return BpfMap.create(spec, sys);
  } catch (e) {
    if (spec.type === BPF_MAP_TYPE_RINGBUF && e instanceof SyscallError && e.errno === EINVAL) {
      throw new UserError('this kernel has no BPF ring buffer (BPF_MAP_TYPE_RINGBUF)', [
        'bpftrace-ts sends its output through a ring buffer, which needs Linux 5.8 or later',
      ]);
    }
    throw e;
  }
}

/** How long Ctrl-C lets records already in the ring print before the rest are dropped. */
const SIGNAL_DRAIN_MS = 100;

/** XDP test runs need at least an Ethernet header's worth of packet data. */
const ETH_HLEN = 14;

export interface RunOptions {
  /** Called once probes are attached (e.g. to let a -c child run). */
  onAttached?: () => void;
  /** Resolves when the run should end for an outside reason (the -c child exited). */
  stopSignal?: Promise<void>;
  /** -p PID: attach user probes to this process. */
  pid?: number | null;
  /** --test / --bench: run those probes instead of tracing. */
  mode?: 'trace' | 'test' | 'bench';
  /** -v: load programs with the verifier's log, in a buffer of the log_size config. */
  verifierLog?: boolean;
  /** --dry-run: create the maps, load every program (the verifier checks it) and attach it, then detach and stop: nothing runs. */
  loadOnly?: boolean;
}

/**
 * Probe types whose kernel hooks run the most recently attached program first (uprobes keep
 * their consumers newest-first; kprobes, trampolines likewise), as bpftrace lists them.
 */
const NEWEST_FIRST = new Set(['kprobe', 'uprobe', 'uretprobe', 'usdt', 'fentry', 'fexit', 'iter']);

/**
 * The order to attach programs in so that probes on one event run in script order, as
 * bpftrace does: first-come-first-run hooks forward, newest-first hooks in reverse.
 */
export function attachOrder<T extends { index: number }>(items: readonly T[], typeOf: (index: number) => string | undefined): T[] {
  const reversed = (t: T): boolean => NEWEST_FIRST.has(typeOf(t.index) ?? '');
  return [...items.filter((t) => !reversed(t)), ...items.filter(reversed).reverse()];
}

export class Tracer {
  private readonly maps = new Map<string, BpfMap>();
  private readonly programs: BpfProgram[] = [];
  private readonly links: Link[] = [];
  private ring: RingBuf | null = null;
  private reader: RingBufReader | null = null;
  /** skboutput()'s capture files, when the script calls it. */
  private skb: SkbCapture | null = null;
  private exitCode = 0;
  private stopping = false;
  /**
   * Records still in flight are dropped (exit() was called, or Ctrl-C/SIGTERM came), as
   * bpftrace ignores them; END's output prints (cleared before END runs).
   */
  private dropInFlight = false;
  private wake: (() => void) | null = null;
  private readonly formats: FormatResource[];
  private readonly mapsByIndex: MapResource[];
  /** Programs of the targets set at run time (watchpoint:FUNC+argN), by target. */
  private readonly lateTargets = new Map<ProbeTarget, BpfProgram>();

  constructor(
    private readonly script: CompiledScript,
    private out: OutputSink,
    /** The script's text, for locations in what a test probe prints (its captured report). */
    private readonly source: SourceFile | null = null,
  ) {
    this.formats = script.resources.formats;
    this.mapsByIndex = script.resources.maps;
    setTruncationTrailer(script.config.strTruncTrailer);
    setShowDebugInfo(script.config.showDebugInfo);
    setCppDemangle(script.config.cppDemangle);
  }

  /** Everything runs here; returns the process exit code. */
  async run(opts: RunOptions = {}): Promise<number> {
    const sys = defaultSys();
    ensureMemlock(sys);
    try {
      for (const spec of [...this.script.resources.internalMaps, ...this.script.resources.maps.map((m) => m.spec)]) {
        this.maps.set(spec.name, createMap(spec, sys));
      }
      for (const [name, entries] of this.script.resources.mapInit) {
        const m = this.maps.get(name);
        for (const e of entries) m?.update(e.key, e.value);
      }
      freezeReadOnlyMaps(this.maps.values());
      const resolver = mapResolver(this.maps);
      registerStackMaps(
        this.maps.get(STACK_MAP_KERNEL) ?? null,
        this.maps.get(STACK_MAP_USER) ?? null,
        this.maps.get(STACK_MAP_USER_BUILDID) ?? null,
      );
      const begin: BpfProgram[] = [];
      const end: BpfProgram[] = [];
      const selfProgs: BpfProgram[] = [];
      const attachable: { prog: BpfProgram; index: number }[] = [];
      const mode = opts.mode ?? 'trace';
      const runOnly = { test: [] as { prog: BpfProgram; name: string }[], bench: [] as { prog: BpfProgram; name: string }[] };
      this.script.programs.forEach((p, index) => {
        const kind = p.targets[0]?.provider.name;
        // test/bench probes exist only in their mode; other probes don't run in those modes.
        if ((kind === 'test' || kind === 'bench') !== (mode !== 'trace') || (mode !== 'trace' && kind !== mode)) return;
        const prog = BpfProgram.load(p.spec, resolver, sys, opts.verifierLog ? { verifierLog: this.script.config.logSize } : {});
        this.programs.push(prog);
        if (kind === 'test' || kind === 'bench') runOnly[kind].push({ prog, name: p.targets[0]?.parts[0] ?? kind });
        else if (kind === 'BEGIN') begin.push(prog);
        else if (kind === 'END') end.push(prog);
        else if (kind === 'self') selfProgs.push(prog);
        else attachable.push({ prog, index });
        for (const t of p.targets) if (this.script.resources.watchpoints.includes(t)) this.lateTargets.set(t, prog);
      });

      const ringMap = this.maps.get(RINGBUF_MAP) as BpfMap;
      if (ringMap.spec.type !== BPF_MAP_TYPE_RINGBUF) throw new Error('internal: ring buffer map missing');
      this.ring = RingBuf.open(ringMap);
      this.reader = new RingBufReader(sys, (consume) => this.out.batch(consume));
      const records = this.recordContext();
      this.reader.add(this.ring, (view, off, len) => dispatchRecord(records, view, off, len));
      this.openSkbOutput(sys, this.reader);

      if (mode === 'test' || mode === 'bench') {
        const runOnce: RunOnce = (prog, repeat) => this.runProbeOnce(prog, repeat);
        const code = mode === 'test' ? runTests(runOnly.test, runOnce, this.out) : runBenchmarks(runOnly.bench, runOnce, this.out);
        this.exitCode = 0;
        return code;
      }
      if (this.script.programs.length > 0 && this.programs.length === 0 && !opts.loadOnly) {
        const kinds = new Set(this.script.programs.map((p) => p.targets[0]?.provider.name));
        throw new UserError(
          `No probes attached; use --${kinds.has('test') ? 'test' : 'bench'} to run ${kinds.has('test') ? 'test' : 'benchmark'} probes.`,
        );
      }
      let attached = 0;
      const env: AttachEnv = {
        pid: opts.pid ?? null,
        missingProbes: this.script.config.missingProbes,
        warn: (msg) => this.out.warning(msg),
      };
      // BEGIN runs before the other probes are attached, as bpftrace documents: state it sets
      // (`@start = nsecs`) is in place before the first event. Its output waits in the ring
      // buffer and is printed after the "Attached" line.
      if (!opts.loadOnly) for (const p of begin) p.testRun(new Uint8Array(64));
      for (const { prog, index } of attachOrder(attachable, (i) => this.script.programs[i]?.targets[0]?.provider.name)) {
        const r = attachProgram(prog, this.script.programs[index]?.targets ?? [], env);
        this.links.push(...r.links);
        attached += r.count;
      }
      if (opts.loadOnly) {
        // --dry-run stops once everything is attached, as 0.26: no output, no END, no maps.
        await detachAll(sys, this.links);
        this.links.length = 0;
        this.exitCode = 0;
        return 0;
      }
      // Signal handlers are in place before the "Attached" line: whoever waits for it to send
      // SIGUSR1 (self:signal probes) or SIGINT must not find the default action still there.
      const done = new Promise<void>((resolve) => {
        this.wake = resolve;
      });
      const onSignal = (): void => {
        if (!this.stopping) {
          // What the kernel committed before the signal is shown (bpftrace would have read it
          // by then), for a bounded time; the rest is dropped, as bpftrace ignores it.
          this.reader?.drainSlice(SIGNAL_DRAIN_MS);
          this.dropInFlight = true;
        }
        this.stop(0);
      };
      if (selfProgs.length) {
        // self:signal:SIGUSR1 programs run in the kernel when we receive the signal.
        process.on('SIGUSR1', () => {
          if (this.stopping) return;
          for (const p of selfProgs) p.testRun(new Uint8Array(64));
          this.reader?.drain();
        });
      }
      process.on('SIGINT', onSignal);
      process.on('SIGTERM', onSignal);
      this.out.attached(attached + begin.length + end.length + selfProgs.length);
      // bpftrace's runtime-test harness waits for this line to start its AFTER commands.
      if (process.env.__BPFTRACE_NOTIFY_PROBES_ATTACHED) this.out.text('__BPFTRACE_NOTIFY_PROBES_ATTACHED\n');
      this.notifySystemd(sys, READY, 'readiness');
      opts.onAttached?.();

      opts.stopSignal?.then(() => this.stop(this.exitCode));
      // The reader drains what is waiting (BEGIN's output first) before it waits.
      void this.reader.start();
      // Iterator probes (iter:*) run now, once; the run ends with the iteration.
      const reader = this.reader;
      if (
        !this.stopping &&
        runIterators(
          this.links,
          () => reader.drain(),
          (text) => this.out.message('cat', text),
        )
      ) {
        this.stop(this.exitCode);
      }
      // Nothing but BEGIN/END (no probe attached, no self:signal): as bpftrace 0.26, the run ends
      // once BEGIN's output is read, then END runs (0.17 kept running until Ctrl-C).
      if (attached === 0 && selfProgs.length === 0 && begin.length + end.length > 0) this.stop(this.exitCode);
      // The handlers stay: a second Ctrl-C while END runs and maps print must not kill us midway.
      await done;
      this.notifySystemd(sys, STOPPING, 'shutdown');

      // Detach first so END and the printed maps see a stable state.
      await detachAll(sys, this.links);
      this.reader.drain();
      // A process stopped by watchpoint:FUNC+argN whose record was lost must not stay stopped.
      const pid = targetPid();
      if (pid !== null) releaseWatchedProcess(this.script.resources.watchpoints, pid);
      // In-flight records after exit() were dropped above; END's own output must print.
      this.dropInFlight = false;
      for (const p of end) {
        p.testRun(new Uint8Array(64));
      }
      this.reader.drain();
      this.out.end();
      this.reportDrops();
      if (this.script.config.printMapsOnExit) this.printAllMaps();
      return this.exitCode;
    } finally {
      await this.close();
    }
  }

  /** Tells systemd (NOTIFY_SOCKET) how the run is going; a failure is only a warning. */
  private notifySystemd(sys: Sys, state: string, what: string): void {
    const failed = sdNotify(sys, process.env, state);
    if (failed !== null) this.out.warning(`Failed to send ${what} notification, ignoring: ${failed}`);
  }

  /**
   * One BPF_PROG_TEST_RUN of a --test/--bench probe (`repeat` times in the kernel), its output
   * captured as text (as bpftrace swaps its output for a capturing one, whatever -f says): what
   * it returned, the kernel's time per run, the exit(code) it asked for and whether it reported
   * errors (errorf, failed helpers).
   */
  private runProbeOnce(prog: BpfProgram, repeat: number): ProbeRun {
    this.exitCode = 0;
    const capture = memoryTextSink(this.source);
    const out = this.out;
    this.out = capture.sink;
    let r = { retval: 0, durationNs: 0 };
    try {
      r = prog.testRun(undefined, { data: new Uint8Array(ETH_HLEN), repeat });
      this.reader?.drain();
    } finally {
      this.out = out;
    }
    return { ...r, output: capture.text(), exitCode: this.exitCode, errored: capture.sink.errorCount !== 0 };
  }

  /**
   * skboutput(): its capture files, and a perf buffer per online CPU behind the perf event array
   * the programs write packets into (perf_rb_pages shared out between the CPUs, as bpftrace).
   */
  private openSkbOutput(sys: Sys, reader: RingBufReader): void {
    const outputs = this.script.resources.skbOutputs;
    const map = this.maps.get(SKB_PERF_MAP);
    if (!outputs.length || !map) return;
    const skb = SkbCapture.open(
      outputs,
      bootEpochNs((c) => sys.clockNs(c)),
    );
    this.skb = skb;
    const cpus = onlineCpus();
    const handlers = { sample: (data: Uint8Array) => skb.sample(data), lost: (n: bigint) => this.out.lost(n) };
    for (const b of openPerfBuffers(map, cpus, pagesPerCpu(outputBufferPages(this.script.config.perfRbPages), cpus.length))) {
      reader.addSource({ fd: b.fd, drain: () => b.consume(handlers), close: () => b.close() });
    }
  }

  stop(code: number): void {
    if (this.stopping) return;
    this.stopping = true;
    this.exitCode = code;
    this.wake?.();
  }

  /**
   * An exit() read now stops the probes (after the grace the programs allow) if none of them
   * noted it first: BEGIN's exit() lets them count events until here, as bpftrace's probes
   * count until it reads the exit record, which it does only after attaching them all.
   */
  private noteExit(): void {
    const flag = this.maps.get(EXIT_MAP);
    const key = new Uint8Array(4);
    if (!flag || flag.lookup(key)?.some((b) => b !== 0)) return;
    const now = new Uint8Array(8);
    new DataView(now.buffer).setBigUint64(0, defaultSys().monotonicNs(), true);
    flag.update(key, now);
  }

  private recordContext(): RecordContext {
    return {
      script: this.script,
      formats: this.formats,
      mapsByIndex: this.mapsByIndex,
      maps: this.maps,
      links: this.links,
      lateTargets: this.lateTargets,
      out: () => this.out,
      state: () => (!this.stopping ? 'running' : this.dropInFlight ? 'dropping' : 'stopping'),
      exit: (code) => {
        this.noteExit();
        this.stop(code);
        this.dropInFlight = true;
      },
      stop: (code) => this.stop(code),
    };
  }

  private printAllMaps(): void {
    const snaps = this.mapsByIndex
      .map((res) => {
        const map = this.maps.get(res.spec.name);
        return map ? readMap(res, map) : null;
      })
      .filter((s) => s !== null);
    this.out.exitMaps(snaps);
  }

  private reportDrops(): void {
    const errors = this.maps.get(ERRORS_MAP);
    if (!errors) return;
    const count = (index: number): bigint => {
      const key = new Uint8Array(4);
      new DataView(key.buffer).setUint32(0, index, true);
      const vals = errors.lookupPerCpu(key) ?? [];
      let n = 0n;
      for (const v of vals) n += new DataView(v.buffer, v.byteOffset, v.byteLength).getBigUint64(0, true);
      return n;
    };
    const lost = count(ERR_RINGBUF_LOST);
    if (lost > 0n) this.out.lost(lost);
  }

  private async close(): Promise<void> {
    // Links left here (a failure part-way through attaching, test/bench runs) are detached as
    // on the normal exit path: hundreds of them close concurrently instead of one by one.
    await detachAll(defaultSys(), this.links);
    this.reader?.close();
    this.ring?.close();
    this.skb?.close();
    for (const p of this.programs.splice(0)) p.close();
    for (const m of this.maps.values()) m.close();
    this.maps.clear();
    releaseTracefs();
  }
}
