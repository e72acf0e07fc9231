// perf_event_open(2) for the event kinds BPF programs attach to. Each function returns a perf
// event fd, opened disabled; attachPerfEvent() attaches a program and enables it.
//
// Tracepoint, kprobe and uprobe events with a BPF program fire on every CPU whatever the event's
// cpu: the program hangs off the probe itself. So one event (pid -1, cpu 0) covers the system,
// as libbpf does. Software and breakpoint events are per CPU (or per task) for real.

import { readFileSync } from 'node:fs';
import { Attr, PERF_ATTR_FLAG, PERF_EVENT_ATTR } from './attr.ts';
import {
  HW_BREAKPOINT_X,
  PERF_FLAG_FD_CLOEXEC,
  PERF_TYPE_BREAKPOINT,
  PERF_TYPE_HARDWARE,
  PERF_TYPE_SOFTWARE,
  PERF_TYPE_TRACEPOINT,
} from './constants.ts';
import { defaultSys } from './default-sys.ts';
import { check, type Sys } from './sys.ts';

export interface PerfEventOptions {
  type: number;
  config: bigint | number;
  /** Sample every N events (mutually exclusive with sampleFreq). */
  samplePeriod?: bigint | number;
  /** Sample N times per second. */
  sampleFreq?: number;
  config1?: bigint;
  config2?: bigint;
  bpType?: number;
  /** Default true: events start disabled and are enabled once a program is attached. */
  disabled?: boolean;
  wakeupEvents?: number;
  /** PERF_SAMPLE_* bits a sample record carries (BPF output events: PERF_SAMPLE_RAW). */
  sampleType?: bigint;
  /** A task-bound event follows the threads the task creates after it is opened. */
  inherit?: boolean;
}

/** Encodes a perf_event_attr. */
export function perfEventAttr(o: PerfEventOptions): Uint8Array {
  const a = new Attr(PERF_EVENT_ATTR);
  let flags = 0n;
  if (o.disabled !== false) flags |= PERF_ATTR_FLAG.disabled;
  if (o.sampleFreq !== undefined) flags |= PERF_ATTR_FLAG.freq;
  if (o.inherit) flags |= PERF_ATTR_FLAG.inherit;
  a.u32('type', o.type)
    .u32('size', PERF_EVENT_ATTR.size)
    .u64('config', o.config)
    .u64('sample_period', o.sampleFreq ?? o.samplePeriod ?? 0)
    .u64('sample_type', o.sampleType ?? 0n)
    .u64('flags', flags)
    .u32('wakeup_events', o.wakeupEvents ?? 0)
    .u32('bp_type', o.bpType ?? 0)
    .u64('config1', o.config1 ?? 0n)
    .u64('config2', o.config2 ?? 0n);
  return a.bytes;
}

/** perf_event_open with CLOEXEC; throws SyscallError naming `what`. */
export function openPerfEvent(o: PerfEventOptions, pid: number, cpu: number, what: string, sys: Sys = defaultSys()): number {
  const r = sys.perfEventOpen(perfEventAttr(o), pid, cpu, -1, PERF_FLAG_FD_CLOEXEC);
  return check(r, 'perf_event_open', '', what);
}

/** A tracepoint by its id (tracefs events/<cat>/<name>/id). */
export function openTracepoint(id: number, opts: { pid?: number; cpu?: number } = {}, sys: Sys = defaultSys()): number {
  const pid = opts.pid ?? -1;
  const cpu = opts.cpu ?? (pid === -1 ? 0 : -1);
  return openPerfEvent(
    {
      type: PERF_TYPE_TRACEPOINT,
      config: id,
      samplePeriod: 1,
      wakeupEvents: 1,
    },
    pid,
    cpu,
    `tracepoint id ${id}`,
    sys,
  );
}

export interface SamplingOptions {
  period?: bigint | number;
  freq?: number;
  pid?: number;
}

function sampling(s: SamplingOptions): Pick<PerfEventOptions, 'samplePeriod' | 'sampleFreq'> {
  if (s.freq !== undefined) return { sampleFreq: s.freq };
  return { samplePeriod: s.period ?? 1 };
}

/** A software event (PERF_COUNT_SW_*) on one CPU, e.g. cpu-clock for profile/interval probes. */
export function openSoftware(config: number, s: SamplingOptions, cpu: number, sys: Sys = defaultSys()): number {
  return openPerfEvent(
    { type: PERF_TYPE_SOFTWARE, config, ...sampling(s) },
    s.pid ?? -1,
    cpu,
    `software event ${config} on cpu ${cpu}`,
    sys,
  );
}

/** A hardware event (PERF_COUNT_HW_*) on one CPU. */
export function openHardware(config: number, s: SamplingOptions, cpu: number, sys: Sys = defaultSys()): number {
  return openPerfEvent(
    { type: PERF_TYPE_HARDWARE, config, ...sampling(s) },
    s.pid ?? -1,
    cpu,
    `hardware event ${config} on cpu ${cpu}`,
    sys,
  );
}

/**
 * A hardware breakpoint (watchpoint) on `addr`. Bound to a thread (`pid` ≥ 0), it also covers
 * the threads that thread creates later, as bpftrace's do.
 */
export function openBreakpoint(addr: bigint, len: number, bpType: number, pid: number, cpu: number, sys: Sys = defaultSys()): number {
  return openPerfEvent(
    {
      type: PERF_TYPE_BREAKPOINT,
      config: 0,
      config1: addr,
      // The kernel takes execution breakpoints only as long as an instruction pointer.
      config2: BigInt(bpType === HW_BREAKPOINT_X ? 8 : len),
      bpType,
      samplePeriod: 1,
      wakeupEvents: 1,
      inherit: pid >= 0,
    },
    pid,
    cpu,
    `breakpoint at 0x${addr.toString(16)}`,
    sys,
  );
}

// ---------------------------------------------------------------- dynamic PMUs (kprobe, uprobe)

const PMU_DIR = '/sys/bus/event_source/devices';

export interface PmuInfo {
  type: number;
  /** Bit of `config` that selects the return probe. */
  retprobeBit: number;
  /** First bit of `config` holding a USDT semaphore offset (uprobe only). */
  refCtrShift?: number;
}

const pmus = new Map<string, PmuInfo | null>();

/** Parses a PMU format file such as "config:0" or "config:32-63"; returns the first bit. */
export function parsePmuFormatBit(text: string): number {
  const m = /^config:(\d+)/.exec(text.trim());
  if (!m) throw new Error(`unexpected PMU format '${text.trim()}'`);
  return Number(m[1]);
}

/** A dynamic PMU's type and config bits, or null when this kernel has no such PMU. */
export function pmuInfo(name: 'kprobe' | 'uprobe'): PmuInfo | null {
  let info = pmus.get(name);
  if (info !== undefined) return info;
  try {
    const dir = `${PMU_DIR}/${name}`;
    info = {
      type: Number(readFileSync(`${dir}/type`, 'utf8').trim()),
      retprobeBit: parsePmuFormatBit(readFileSync(`${dir}/format/retprobe`, 'utf8')),
    };
    if (name === 'uprobe') {
      try {
        info.refCtrShift = parsePmuFormatBit(readFileSync(`${dir}/format/ref_ctr_offset`, 'utf8'));
      } catch {
        // kernels before 4.20 have no semaphore support
      }
    }
  } catch {
    info = null;
  }
  pmus.set(name, info);
  return info;
}

function withCString<T>(sys: Sys, s: string, f: (addr: bigint) => T): T {
  const bytes = new TextEncoder().encode(`${s}\0`);
  const mem = sys.alloc(bytes.length);
  try {
    mem.bytes.set(bytes);
    return f(mem.addr);
  } finally {
    sys.free(mem);
  }
}

export interface UprobeOptions {
  retprobe?: boolean;
  /** Only this process (default: all). */
  pid?: number;
  /** File offset of a USDT semaphore the kernel should increment while attached. */
  refCtrOffset?: number;
}

/** A uprobe (or uretprobe) at a file offset in `path`, via the uprobe PMU. */
export function openUprobe(path: string, offset: bigint | number, opts: UprobeOptions = {}, sys: Sys = defaultSys()): number {
  const pmu = pmuInfo('uprobe');
  if (!pmu) throw new Error('uprobes are not available: this kernel has no uprobe PMU (CONFIG_UPROBE_EVENTS disabled?)');
  let config = opts.retprobe ? 1n << BigInt(pmu.retprobeBit) : 0n;
  if (opts.refCtrOffset) {
    if (pmu.refCtrShift === undefined) throw new Error('USDT semaphores need a kernel whose uprobe PMU has ref_ctr_offset (4.20+)');
    config |= BigInt(opts.refCtrOffset) << BigInt(pmu.refCtrShift);
  }
  const pid = opts.pid ?? -1;
  const what = `${opts.retprobe ? 'uretprobe' : 'uprobe'} ${path}+0x${BigInt(offset).toString(16)}`;
  return openPmuProbe(pmu.type, config, path, offset, pid, what, sys);
}

/** A kprobe (or kretprobe) on `func`+`offset`, via the kprobe PMU. */
export function openKprobe(func: string, offset: bigint | number, retprobe: boolean, sys: Sys = defaultSys()): number {
  const pmu = pmuInfo('kprobe');
  if (!pmu) throw new Error('kprobes are not available: this kernel has no kprobe PMU (CONFIG_KPROBES disabled?)');
  const config = retprobe ? 1n << BigInt(pmu.retprobeBit) : 0n;
  const what = `${retprobe ? 'kretprobe' : 'kprobe'} ${func}${offset ? `+0x${BigInt(offset).toString(16)}` : ''}`;
  return openPmuProbe(pmu.type, config, func, offset, -1, what, sys);
}

/**
 * A kprobe (or kretprobe) at a kernel text address, via the kprobe PMU: with no function name
 * (config1 0) the kernel reads config2 as the address rather than an offset.
 */
export function openKprobeAt(address: bigint, retprobe: boolean, sys: Sys = defaultSys()): number {
  const pmu = pmuInfo('kprobe');
  if (!pmu) throw new Error('kprobes are not available: this kernel has no kprobe PMU (CONFIG_KPROBES disabled?)');
  const config = retprobe ? 1n << BigInt(pmu.retprobeBit) : 0n;
  const what = `${retprobe ? 'kretprobe' : 'kprobe'} at 0x${address.toString(16)}`;
  return openPerfEvent({ type: pmu.type, config, config1: 0n, config2: address, samplePeriod: 1, wakeupEvents: 1 }, -1, 0, what, sys);
}

/**
 * A kprobe/uprobe PMU event: config1 points at the function or file name, config2 is the
 * offset. For every process (pid -1) the event is opened on one CPU and still fires on all;
 * for one process, on any CPU.
 */
function openPmuProbe(type: number, config: bigint, name: string, offset: bigint | number, pid: number, what: string, sys: Sys): number {
  return withCString(sys, name, (addr) =>
    openPerfEvent(
      { type, config, config1: addr, config2: BigInt(offset), samplePeriod: 1, wakeupEvents: 1 },
      pid,
      pid === -1 ? 0 : -1,
      what,
      sys,
    ),
  );
}
