// User-space symbolization: addresses in a process → `symbol+offset` through the process's
// mappings (/proc/PID/maps) and each mapped object's ELF symbols, or /tmp/perf-PID.map for
// JIT code. Mappings are cached per pid and objects per path, so a process that has exited
// is still resolved from what was read while it ran (processes the tracer targets are read
// at attach time and on every lookup); objects are found again by build id for stacks
// recorded with one. Stack frames may add what the object's DWARF says (show_debug_info:
// frame-debuginfo.ts).
//
// Also the table behind `func` in uprobes: each attached function gets an index, passed to the
// program as its attach cookie, so the name is known without looking at the process at all.

import { existsSync, readFileSync } from 'node:fs';
import { demangle } from '../elf/demangle.ts';
import type { SourcePlace } from '../elf/dwarf/code-info.ts';
import { dependencies, type Mapping, readMaps } from '../elf/resolve.ts';
import { ElfObject } from '../elf/symbols.ts';
import { codeAtFileOffset } from './frame-debuginfo.ts';

// ------------------------------------------------------------------ `func` of uprobes

const probeFunctions: string[] = [];
const probeFunctionIds = new Map<string, number>();

/** The cookie for a probed function's name. */
export function registerProbeFunction(name: string): number {
  let i = probeFunctionIds.get(name);
  if (i === undefined) {
    i = probeFunctions.length;
    probeFunctions.push(name);
    probeFunctionIds.set(name, i);
  }
  return i;
}

// A usym value is one u64: the address in the low 47 bits (x86-64 user space), the low 17 bits
// of the pid above (the full pid is recovered from the pids seen). `func` of a uprobe stores
// the cookie with the reserved pid tag instead.
export const USYM_ADDR_BITS = 47n;
export const USYM_FUNC_TAG = 0x1ffffn;

const knownPids = new Set<number>();

/** Records a pid the runtime has seen (stack values, -p/-c), for decoding usym values. */
export function notePid(pid: number): void {
  if (pid > 0) knownPids.add(pid);
}

function pidFromLow(low: number): number {
  for (const p of knownPids) if ((p & 0x1ffff) === low) return p;
  for (const m of mapsCache.keys()) if ((m & 0x1ffff) === low) return m;
  // Not seen before: the smallest live pid with these bits.
  for (let p = low; p < 1 << 22; p += 0x20000) if (p > 0 && existsSync(`/proc/${p}`)) return p;
  return low;
}

let cppDemangle = true;

/** cpp_demangle: C++ names of user symbols (stack frames, usym) demangled, as by default. */
export function setCppDemangle(on: boolean): void {
  cppDemangle = on;
}

/** Text of a usym value: the function name for `func`, else the symbol at the address. */
export function usymText(packed: bigint, demangleCpp = cppDemangle): string {
  const tag = packed >> USYM_ADDR_BITS;
  const addr = packed & ((1n << USYM_ADDR_BITS) - 1n);
  if (tag === USYM_FUNC_TAG && addr < BigInt(probeFunctions.length)) return probeFunctions[Number(addr)] as string;
  const pid = pidFromLow(Number(tag));
  const hit = resolveUser(Number(addr), pid);
  return hit ? (demangleCpp ? demangle(hit.name) : hit.name) : `0x${addr.toString(16)}`;
}

// ------------------------------------------------------------------ process mappings

const mapsCache = new Map<number, Mapping[]>();

/** Reads (and caches) a process's mappings now, so it can be symbolized after it exits. */
export function snapshotProcess(pid: number): void {
  const m = readMaps(pid);
  if (m) mapsCache.set(pid, m);
  notePid(pid);
}

function mappingFor(pid: number, addr: number): Mapping | null {
  const find = (ms: Mapping[] | undefined): Mapping | null => {
    if (!ms) return null;
    for (const m of ms) if (addr >= m.start && addr < m.end) return m;
    return null;
  };
  let hit = find(mapsCache.get(pid));
  if (!hit) {
    // New mappings since (dlopen), or never read: read again while the process lives.
    const fresh = readMaps(pid);
    if (fresh) {
      mapsCache.set(pid, fresh);
      hit = find(fresh);
    }
  }
  return hit;
}

export interface UserSymbol {
  name: string;
  offset: number;
  module: string;
}

const perfMaps = new Map<number, { start: number; size: number; name: string }[] | null>();

function perfMapSymbol(pid: number, addr: number): UserSymbol | null {
  let entries = perfMaps.get(pid);
  if (entries === undefined) {
    entries = null;
    try {
      entries = readFileSync(`/tmp/perf-${pid}.map`, 'latin1')
        .split('\n')
        .map((l) => /^([0-9a-fA-F]+) ([0-9a-fA-F]+) (.*)$/.exec(l))
        .filter((m): m is RegExpExecArray => m !== null)
        .map((m) => ({ start: Number.parseInt(m[1] as string, 16), size: Number.parseInt(m[2] as string, 16), name: m[3] as string }));
    } catch {
      entries = null;
    }
    perfMaps.set(pid, entries);
  }
  if (!entries) return null;
  // Later entries win: JIT code is regenerated at the same addresses.
  for (let i = entries.length - 1; i >= 0; i--) {
    const e = entries[i] as { start: number; size: number; name: string };
    if (addr >= e.start && addr < e.start + e.size) return { name: e.name, offset: addr - e.start, module: `/tmp/perf-${pid}.map` };
  }
  return null;
}

/** The symbol at `addr` in a file-backed object, given the offset in the file. */
export function symbolAtFileOffset(path: string, fileOffset: number): UserSymbol | null {
  let obj: ElfObject;
  try {
    obj = ElfObject.get(path);
  } catch {
    return null;
  }
  const vaddr = obj.elf.offsetToVaddr(fileOffset);
  if (vaddr === null) return null;
  const hit = obj.symbolAt(vaddr);
  return hit ? { name: hit.sym.name, offset: hit.offset, module: path } : null;
}

/** The object file holding a user address of `pid` and the offset in it, for file-backed mappings. */
function objectAt(addr: number, pid: number): { path: string; fileOffset: number } | null {
  const m = mappingFor(pid, addr);
  if (!m?.path.startsWith('/') || m.path.startsWith('/memfd:')) return null;
  const path = m.path.endsWith(' (deleted)') ? m.path.slice(0, -10) : m.path;
  return { path, fileOffset: addr - m.start + m.offset };
}

/** The symbol at a user address of `pid`, or null. */
export function resolveUser(addr: number, pid: number): UserSymbol | null {
  const o = objectAt(addr, pid);
  const hit = o ? symbolAtFileOffset(o.path, o.fileOffset) : null;
  return hit ?? perfMapSymbol(pid, addr);
}

/** The module (file) holding an address, for perf-style stacks. */
export function moduleOf(addr: number, pid: number): string | null {
  const m = mappingFor(pid, addr);
  return m?.path || null;
}

// ------------------------------------------------------------------ build ids

const byBuildId = new Map<string, string>();

const registered = new Set<string>();

/**
 * Makes an object findable by its build id (objects the tracer probes, and with `deps` the
 * libraries they load). Ids are read only when a build-id frame needs them.
 */
export function registerObject(path: string, deps = false): void {
  if (registered.has(path)) return;
  registered.add(path);
  pendingObjects.push(path);
  if (deps) for (const d of dependencies(path)) registerObject(d);
}

const pendingObjects: string[] = [];

function indexPending(): void {
  for (const path of pendingObjects.splice(0)) {
    try {
      const id = ElfObject.get(path).buildId();
      if (id && !byBuildId.has(id)) byBuildId.set(id, path);
    } catch {
      // not readable: nothing to register
    }
  }
}

/** The path of a known object with this build id (hex), or null. */
export function objectByBuildId(id: string): string | null {
  indexPending();
  const hit = byBuildId.get(id);
  if (hit) return hit;
  // Objects of processes read so far.
  for (const ms of mapsCache.values()) {
    for (const m of ms) {
      if (m.path.startsWith('/')) registerObject(m.path);
    }
  }
  indexPending();
  return byBuildId.get(id) ?? null;
}

// ------------------------------------------------------------------ stack frames

/**
 * The build-id twin of the user stack map: same size, so the kernel gives a stack the same id
 * in both (the id is the stack's hash masked by the bucket count). Its entries name each frame
 * by (build id, file offset), which still resolves after the process has exited.
 */
export const STACK_MAP_USER_BUILDID = 'ustacks_bid';
/** BPF_F_STACK_BUILD_ID, and the size of one struct bpf_stack_build_id. */
export const BPF_F_STACK_BUILD_ID = 1 << 5;
export const BUILD_ID_FRAME_SIZE = 32;

/** A frame of a build-id stack map: the object's build id and the offset in its file. */
export interface BuildIdFrame {
  /** Without trailing zero bytes (how the object's own note spells a shorter id). */
  buildId: string;
  /** All BPF_BUILD_ID_SIZE (20) bytes, as bpftrace's build_id stack mode prints them. */
  fullHex: string;
  fileOffset: number;
}

/**
 * The lines of one user stack frame as bpftrace 0.26 prints them: `sym+off` (bpftrace mode) or
 * `hex sym+off (module)` (perf). The process's mappings are tried first; when it has exited
 * and they were never read, the build-id frame the kernel recorded names the object. With
 * `debug` (show_debug_info), an object's DWARF names the function, adds `@FILE:LINE` in
 * bpftrace mode and puts a line for each function inlined at the address before it, innermost
 * first: `[inlined] name@FILE:LINE`, or `hex name (inlined)` in perf mode.
 */
export function userFrameLines(
  ip: bigint,
  pid: number,
  mode: 'bpftrace' | 'perf',
  bid: BuildIdFrame | null,
  debug: boolean,
  demangleCpp = cppDemangle,
): string[] {
  const hex = ip.toString(16);
  const addr = Number(ip);
  let obj = objectAt(addr, pid);
  let hit = obj ? symbolAtFileOffset(obj.path, obj.fileOffset) : null;
  hit ??= perfMapSymbol(pid, addr);
  if (!hit && bid) {
    const path = objectByBuildId(bid.buildId);
    if (path) {
      obj = { path, fileOffset: bid.fileOffset };
      hit = symbolAtFileOffset(path, bid.fileOffset);
    }
  }
  const found = debug && obj ? codeAtFileOffset(obj.path, obj.fileOffset) : null;
  const code = found?.code ?? null;
  const name = (n: string): string => (demangleCpp ? demangle(n) : n);
  let sym: string;
  let module = hit?.module ?? obj?.path ?? null;
  if (found && code?.fn?.name && obj) {
    // The DWARF function, as blazesym names it (a clone such as foo.constprop.0 is foo).
    sym = `${name(code.fn.name)}+${found.vaddr - code.fn.start}`;
    module = obj.path;
  } else if (hit) sym = `${name(hit.name)}+${hit.offset}`;
  else return [mode === 'perf' ? `${hex} 0x${hex} ([unknown])` : `0x${hex}`];
  const where = (p: SourcePlace | null): string => (p ? `@${p.path}:${p.line}` : '');
  const lines: string[] = [];
  for (const f of [...(code?.inlined ?? [])].reverse()) {
    lines.push(mode === 'perf' ? `${hex} ${name(f.name)} (inlined)` : `[inlined] ${name(f.name)}${where(f.place)}`);
  }
  lines.push(mode === 'perf' ? `${hex} ${sym} (${module})` : `${sym}${where(code?.place ?? null)}`);
  return lines;
}

/** Parses the 32-byte entries of a BPF_F_STACK_BUILD_ID stack map value. */
export function buildIdFrames(raw: Uint8Array): (BuildIdFrame | null)[] {
  const out: (BuildIdFrame | null)[] = [];
  const dv = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  for (let i = 0; i + 32 <= raw.byteLength; i += 32) {
    const status = dv.getInt32(i, true);
    // BPF_STACK_BUILD_ID_VALID = 1; EMPTY (0) ends the stack, IP (2) has no build id.
    if (status === 0) break;
    if (status !== 1) {
      out.push(null);
      continue;
    }
    const fullHex = Buffer.from(raw.buffer, raw.byteOffset + i + 4, 20).toString('hex');
    out.push({ buildId: fullHex.replace(/(00)+$/, ''), fullHex, fileOffset: Number(dv.getBigUint64(i + 24, true)) });
  }
  return out;
}
