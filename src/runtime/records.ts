// What each record from the ring buffer does in user space: printf-like output, cat/join/time,
// print() of values and maps, exit(), watchpoints set or dropped at run time, runtime errors,
// clear()/zero() of maps. The tracer owns the state; a record reaches it through RecordContext.

import { readFileSync } from 'node:fs';
import type { Link } from '../bpf/link.ts';
import type { BpfMap } from '../bpf/map.ts';
import type { BpfProgram } from '../bpf/program.ts';
import { errnoMessage, SyscallError } from '../bpf/sys.ts';
import type { CompiledScript } from '../codegen/compile.ts';
import type { FormatResource, MapResource } from '../codegen/resources.ts';
import type { ProbeTarget } from '../probes/provider.ts';
import { targetPid } from '../probes/user-env.ts';
import { armWatchpoint, unwatch } from '../probes/watchpoint.ts';
import { type Decoder, decoderFor, readInt } from './decode.ts';
import { EventKind, HEADER_SIZE } from './events.ts';
import { readMap, zeroScalar } from './map-reader.ts';
import { formatRecord } from './printf/format.ts';
import type { OutputSink } from './sink.ts';
import { strftime } from './strftime.ts';
import type { Value } from './value.ts';

/** The tracer's side of record handling. */
export interface RecordContext {
  readonly script: CompiledScript;
  readonly formats: readonly FormatResource[];
  readonly mapsByIndex: readonly MapResource[];
  readonly maps: ReadonlyMap<string, BpfMap>;
  /** Links made at run time (watchpoints) join these, and unwatch() removes from them. */
  readonly links: Link[];
  /** The programs of watchpoint targets armed at run time. */
  readonly lateTargets: ReadonlyMap<ProbeTarget, BpfProgram>;
  /** The sink in use now (test modes swap it). */
  out(): OutputSink;
  /** 'stopping': the run is ending; 'dropping': it ends after exit() or a signal, records in flight are not shown. */
  state(): 'running' | 'stopping' | 'dropping';
  /** exit(code) from a program: the run ends, records after it are dropped. */
  exit(code: number): void;
  stop(code: number): void;
}

/** Each format's argument decoders, built on its first record. */
const argDecoders = new WeakMap<FormatResource, { offset: number; decode: Decoder }[]>();

function formatArgDecoders(f: FormatResource): { offset: number; decode: Decoder }[] {
  let ds = argDecoders.get(f);
  if (!ds) {
    ds = f.args.map((a) => ({ offset: a.offset, decode: decoderFor(a.type) }));
    argDecoders.set(f, ds);
  }
  return ds;
}

/** The arguments of a printf-like record, by the layout the code generator wrote them with. */
function decodeArgs(f: FormatResource, view: DataView, off: number): Value[] {
  return formatArgDecoders(f).map((a) => a.decode(view, off + a.offset));
}

/** cat(): a file's contents (bounded), or bpftrace's message when it can't be read. */
function readCat(path: string, max: number): string {
  try {
    const buf = readFileSync(Buffer.from(path, 'latin1').toString());
    return buf.subarray(0, max).toString('latin1');
  } catch (e) {
    // bpftrace words it as its SystemError does: the message, then strerror in parentheses.
    const errno = Math.abs((e as NodeJS.ErrnoException).errno ?? 0);
    const why = errno ? errnoMessage(errno) : ((e as NodeJS.ErrnoException).code ?? 'error');
    return `ERROR: failed to open file '${path}' (${why})\n`;
  }
}

export function dispatchRecord(cx: RecordContext, view: DataView, off: number, len: number): void {
  if (len < HEADER_SIZE) return;
  const kind = view.getUint32(off, true) as EventKind;
  const id = view.getUint32(off + 4, true);
  // After exit() nothing more is printed: records already in flight are dropped.
  // (A watchpoint's arming record still counts: the process it stopped must be let go.)
  if (cx.state() === 'dropping' && kind !== EventKind.Exit && kind !== EventKind.WatchpointArm) return;
  switch (kind) {
    case EventKind.Printf:
    case EventKind.Errorf:
    case EventKind.Warnf:
    case EventKind.System: {
      const f = cx.formats[id];
      if (f) cx.out().formatted(f, decodeArgs(f, view, off));
      return;
    }
    case EventKind.Time: {
      const f = cx.formats[id];
      if (f) cx.out().message('time', strftime(f.format, BigInt(Date.now()) * 1000000n));
      return;
    }
    case EventKind.Cat: {
      const f = cx.formats[id];
      if (f) cx.out().message('cat', readCat(formatRecord(f, decodeArgs(f, view, off)), cx.script.config.maxCatBytes));
      return;
    }
    case EventKind.Join: {
      const f = cx.formats[id];
      if (!f) return;
      const parts: string[] = [];
      for (const a of formatArgDecoders(f)) {
        const v = a.decode(view, off + a.offset);
        if (v.kind !== 'str' || v.value === '') break;
        parts.push(v.value);
      }
      cx.out().message('join', `${parts.join(f.extra ?? ' ')}\n`);
      return;
    }
    case EventKind.PrintValue: {
      const f = cx.formats[id];
      const a = f && formatArgDecoders(f)[0];
      if (!a) return;
      cx.out().value(a.decode(view, off + a.offset));
      return;
    }
    case EventKind.Exit: {
      if (cx.state() !== 'running') return;
      cx.exit(Number(readInt(view, off + HEADER_SIZE, 8, true)));
      return;
    }
    case EventKind.PrintMap: {
      const res = cx.mapsByIndex[id];
      if (!res) return;
      const top = Number(view.getBigUint64(off + 8, true));
      const div = Number(view.getBigUint64(off + 16, true));
      const map = cx.maps.get(res.spec.name);
      if (map) cx.out().map(readMap(res, map), { top, div, zeroScalar: zeroScalar(res) });
      return;
    }
    case EventKind.WatchpointArm: {
      const target = cx.script.resources.watchpoints[id];
      const prog = target && cx.lateTargets.get(target);
      const pid = targetPid();
      if (!target || !prog || pid === null) return;
      const addr = view.getBigUint64(off + HEADER_SIZE, true);
      try {
        // Once the run is ending nothing new is attached, but a stopped process is let go.
        const link = armWatchpoint(cx.state() !== 'running' ? null : prog, target, addr, pid);
        if (link) cx.links.push(link);
      } catch (e) {
        if (!(e instanceof SyscallError)) throw e;
        // As bpftrace: a watchpoint that cannot be set ends the run (unless missing_probes says otherwise).
        const msg = `Unable to attach real watchpoint probe: ${target.name} at 0x${addr.toString(16)}: ${e.message}`;
        if (cx.script.config.missingProbes === 'error') {
          cx.out().error(msg);
          cx.stop(1);
        } else if (cx.script.config.missingProbes === 'warn') cx.out().warning(msg);
      }
      return;
    }
    case EventKind.Unwatch: {
      unwatch(cx.links, view.getBigUint64(off + HEADER_SIZE, true));
      return;
    }
    case EventKind.RuntimeError: {
      const site = cx.script.resources.runtimeErrors[id];
      if (site) cx.out().runtimeError(site, Number(view.getBigInt64(off + HEADER_SIZE, true)));
      return;
    }
    case EventKind.ClearMap:
    case EventKind.ZeroMap: {
      const res = cx.mapsByIndex[id];
      const map = res && cx.maps.get(res.spec.name);
      if (!map) return;
      if (kind === EventKind.ClearMap) map.clear();
      else {
        // A value as the kernel takes it from user space: every CPU's slot for per-CPU maps.
        const zero = new Uint8Array(map.valueBytes);
        for (const k of map.keys()) map.update(k, zero);
      }
      return;
    }
    default:
      return;
  }
}
