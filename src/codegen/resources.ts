// Everything the runtime needs besides bytecode: the maps with their key/value layouts, the
// printf-like formats with their argument layouts, and the ids carried in events.

import type { MapSpec } from '../bpf/map.ts';
import type { Span } from '../lang/ast.ts';
import type { ProbeTarget } from '../probes/provider.ts';
import type { MapInfo } from '../sema/maps.ts';
import type { Type } from '../sema/types.ts';
import type { RuntimeErrorSite, WarningLevel } from './runtime-errors.ts';

export interface FormatArg {
  type: Type;
  offset: number;
}

export interface FormatResource {
  id: number;
  /** printf, errorf, warnf, system, cat, time (the latter with a strftime format). */
  kind: 'printf' | 'errorf' | 'warnf' | 'system' | 'cat' | 'time' | 'print' | 'join';
  format: string;
  args: FormatArg[];
  /** Total record size including the header. */
  size: number;
  span: Span;
  /** errorf/warnf in a macro: the uses of macros it came through (Call.expandedFrom). */
  expandedFrom?: Span[];
  /** errorf/warnf said at a place outside the script (`FILE:L:C-C`), instead of `span`. */
  at?: string;
  /** For join: the delimiter; for print(value): unused. */
  extra?: string;
}

export interface MapResource {
  /** Index used in events and error counters. */
  index: number;
  info: MapInfo;
  spec: MapSpec;
  /** Key layout as stored (hist/lhist maps append a u64 bucket to the user key). */
  keyType: Type | null;
  keySize: number;
  /** Whether values are per-CPU and need merging. */
  perCpu: boolean;
}

export interface Resources {
  formats: FormatResource[];
  maps: MapResource[];
  mapsByName: Map<string, MapResource>;
  /** Internal maps (ring buffer, scratch heap, error counters). */
  internalMaps: MapSpec[];
  heapSize: number;
  /** Scratch memory of programs whose heap does not fit a per-CPU map value (BIG_HEAP_MAP). */
  bigHeapSize: number;
  /** Kernel/user stack-trace maps, when stacks are used. */
  stackMaps: string[];
  /** Entries written into internal maps before anything is attached. */
  mapInit: Map<string, MapInitEntry[]>;
  /** Which helper results are checked at run time (0 --no-warnings, 1 default, 2 -k). */
  warningLevel: WarningLevel;
  /** Helper calls and divisions whose failure the programs report, by the id in the record. */
  runtimeErrors: RuntimeErrorSite[];
  /** watchpoint:FUNC+argN targets, armed at run time, by the id in their records. */
  watchpoints: ProbeTarget[];
  /** skboutput() calls, by the id in their records (sent through the SKB_PERF_MAP perf buffers). */
  skbOutputs: SkbOutputResource[];
}

/** One skboutput() call: the capture file it writes and the bytes it skips at the packet's start. */
export interface SkbOutputResource {
  /** The id carried in the call's perf-buffer records. */
  id: number;
  file: string;
  offset: number;
}

export interface MapInitEntry {
  key: Uint8Array;
  value: Uint8Array;
}

export function newResources(warningLevel: WarningLevel = 1): Resources {
  return {
    formats: [],
    maps: [],
    mapsByName: new Map(),
    internalMaps: [],
    heapSize: 0,
    bigHeapSize: 0,
    stackMaps: [],
    mapInit: new Map(),
    warningLevel,
    runtimeErrors: [],
    watchpoints: [],
    skbOutputs: [],
  };
}

export const RINGBUF_MAP = 'ringbuf';
export const HEAP_MAP = 'heap';
/**
 * The kernel caps a per-CPU map value at 32 KiB (PCPU_MIN_UNIT_SIZE); a program needing more
 * scratch memory (strings of a large max_strlen) takes a plain array with a slot per CPU.
 */
export const BIG_HEAP_MAP = 'heap_big';
export const PERCPU_VALUE_MAX = 32 * 1024;
/**
 * When exit() first ran (ktime ns; 0: not yet). Probes still firing while user space detaches
 * (an interval:ms:1 fires several times before then) run on for EXIT_GRACE_NS, about the time
 * bpftrace takes to read the exit record and detach, then leave at once, as if detached. So a
 * uretprobe on a function called in a tight loop counts the calls bpftrace counts (all those
 * within a fraction of a millisecond), and a 1 ms interval probe runs once, whatever our own
 * detach takes. An exit() in BEGIN (run before the probes are attached) is noted by user space
 * when it reads it, once everything is attached, as bpftrace's probes run until then.
 */
export const EXIT_MAP = 'exited';
export const EXIT_GRACE_NS = 500_000;
export const ERRORS_MAP = 'errors';
export const STACK_MAP_KERNEL = 'kstacks';
export const STACK_MAP_USER = 'ustacks';
/** The perf event array bpf_skb_output writes into (skboutput()). */
export const SKB_PERF_MAP = 'skb_perf';

/** Kernel map names: at most 15 characters of [A-Za-z0-9_.]. */
export function kernelMapName(userName: string): string {
  const base = userName === '' ? 'AT_' : `AT_${userName}`;
  return base.replace(/[^A-Za-z0-9_.]/g, '_').slice(0, 15);
}
