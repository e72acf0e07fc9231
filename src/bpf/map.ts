// BPF maps: a MapSpec is pure data (what codegen produces); a BpfMap is the kernel object made
// from it, owning one fd. Keys and values cross into the kernel through a per-map native scratch
// area (attr fields hold addresses), so a lookup allocates nothing but its result.

import { readFileSync } from 'node:fs';
import { Attr, MAP_BATCH, MAP_CREATE, MAP_ELEM } from './attr.ts';
import {
  BPF_ANY,
  BPF_MAP_CREATE,
  BPF_MAP_DELETE_ELEM,
  BPF_MAP_GET_NEXT_KEY,
  BPF_MAP_LOOKUP_BATCH,
  BPF_MAP_LOOKUP_ELEM,
  BPF_MAP_TYPE_ARRAY,
  BPF_MAP_TYPE_HASH,
  BPF_MAP_TYPE_LRU_HASH,
  BPF_MAP_TYPE_LRU_PERCPU_HASH,
  BPF_MAP_TYPE_PERCPU_ARRAY,
  BPF_MAP_TYPE_PERCPU_CGROUP_STORAGE_DEPRECATED,
  BPF_MAP_TYPE_PERCPU_HASH,
  BPF_MAP_UPDATE_ELEM,
  BPF_OBJ_NAME_LEN,
} from './constants.ts';
import { defaultSys } from './default-sys.ts';
import { checkBpf, EINVAL, ENOENT, ENOSPC, ENOTSUPP, EOPNOTSUPP, type NativeBuffer, type Sys } from './sys.ts';

export interface MapSpec {
  name: string;
  type: number;
  keySize: number;
  valueSize: number;
  maxEntries: number;
  flags?: number;
}

export interface MapEntry {
  key: Uint8Array;
  value: Uint8Array;
}

export interface PerCpuEntry {
  key: Uint8Array;
  values: Uint8Array[];
}

/** The kernel accepts up to 15 chars of [A-Za-z0-9_.] as an object name. */
export function sanitizeObjName(name: string): string {
  return name.replace(/[^A-Za-z0-9_.]/g, '_').slice(0, BPF_OBJ_NAME_LEN - 1);
}

let cpus: number[] | undefined;

/** Parses a kernel cpu list such as "0-3,5,7-8". */
export function parseCpuList(text: string): number[] {
  const out: number[] = [];
  for (const part of text.trim().split(',')) {
    if (!part) continue;
    const [a, b] = part.split('-');
    const lo = Number(a);
    const hi = b === undefined ? lo : Number(b);
    if (!Number.isInteger(lo) || !Number.isInteger(hi)) throw new Error(`bad cpu list: ${text}`);
    for (let c = lo; c <= hi; c++) out.push(c);
  }
  return out;
}

/** Ids of the possible CPUs: per-CPU map values come back one per possible CPU, in this order. */
export function possibleCpus(): readonly number[] {
  cpus ??= parseCpuList(readFileSync('/sys/devices/system/cpu/possible', 'utf8'));
  return cpus;
}

/** Ids of the CPUs online now (per-CPU perf events can only be opened on these). */
export function onlineCpus(): number[] {
  return parseCpuList(readFileSync('/sys/devices/system/cpu/online', 'utf8'));
}

export function isPerCpu(type: number): boolean {
  return (
    type === BPF_MAP_TYPE_PERCPU_HASH ||
    type === BPF_MAP_TYPE_PERCPU_ARRAY ||
    type === BPF_MAP_TYPE_LRU_PERCPU_HASH ||
    type === BPF_MAP_TYPE_PERCPU_CGROUP_STORAGE_DEPRECATED
  );
}

/** Map types whose kernel implementation has BPF_MAP_LOOKUP_BATCH. */
function hasBatch(type: number): boolean {
  return (
    type === BPF_MAP_TYPE_HASH ||
    type === BPF_MAP_TYPE_PERCPU_HASH ||
    type === BPF_MAP_TYPE_LRU_HASH ||
    type === BPF_MAP_TYPE_LRU_PERCPU_HASH ||
    type === BPF_MAP_TYPE_ARRAY ||
    type === BPF_MAP_TYPE_PERCPU_ARRAY
  );
}

function isArray(type: number): boolean {
  return type === BPF_MAP_TYPE_ARRAY || type === BPF_MAP_TYPE_PERCPU_ARRAY;
}

// One attr buffer per command shape, reused by every map (JS is single-threaded here).
let createAttr: Attr<keyof typeof MAP_CREATE.offsets> | undefined;
let elemAttr: Attr<keyof typeof MAP_ELEM.offsets> | undefined;
let batchAttr: Attr<keyof typeof MAP_BATCH.offsets> | undefined;

/** Set to false after the kernel refuses batch lookups, so we stop asking. */
let batchWorks = true;

export class BpfMap {
  readonly fd: number;
  readonly spec: MapSpec;
  readonly sys: Sys;
  /** Bytes of one value as the kernel hands it to user space (all CPUs for per-CPU maps). */
  readonly valueBytes: number;
  /** Per-CPU maps: each CPU's slot, the value size rounded up to 8. */
  readonly cpuStride: number;
  private scratch: NativeBuffer | undefined;
  private closed = false;

  private constructor(fd: number, spec: MapSpec, sys: Sys) {
    this.fd = fd;
    this.spec = spec;
    this.sys = sys;
    this.cpuStride = Math.ceil(spec.valueSize / 8) * 8;
    this.valueBytes = isPerCpu(spec.type) ? this.cpuStride * possibleCpus().length : spec.valueSize;
  }

  static create(spec: MapSpec, sys: Sys = defaultSys()): BpfMap {
    createAttr ??= new Attr(MAP_CREATE);
    const a = createAttr.reset();
    a.u32('map_type', spec.type)
      .u32('key_size', spec.keySize)
      .u32('value_size', spec.valueSize)
      .u32('max_entries', spec.maxEntries)
      .u32('map_flags', spec.flags ?? 0)
      .str('map_name', sanitizeObjName(spec.name), BPF_OBJ_NAME_LEN);
    const fd = checkBpf(sys.bpf(BPF_MAP_CREATE, a.bytes), BPF_MAP_CREATE, `map ${spec.name}`);
    return new BpfMap(fd, spec, sys);
  }

  /** Native memory: [key | next key | value]. */
  private area(): {
    buf: NativeBuffer;
    keyAt: bigint;
    nextAt: bigint;
    valueAt: bigint;
    nextOff: number;
    valueOff: number;
  } {
    const k = Math.ceil(Math.max(this.spec.keySize, 1) / 8) * 8;
    this.scratch ??= this.sys.alloc(2 * k + this.valueBytes);
    const buf = this.scratch;
    return {
      buf,
      keyAt: buf.addr,
      nextAt: buf.addr + BigInt(k),
      valueAt: buf.addr + BigInt(2 * k),
      nextOff: k,
      valueOff: 2 * k,
    };
  }

  private elem(keyAt: bigint, valueAt: bigint, flags: number): Uint8Array {
    elemAttr ??= new Attr(MAP_ELEM);
    return elemAttr.reset().u32('map_fd', this.fd).u64('key', keyAt).u64('value', valueAt).u64('flags', flags).bytes;
  }

  private putKey(key: Uint8Array): ReturnType<BpfMap['area']> {
    if (key.length !== this.spec.keySize)
      throw new RangeError(`map ${this.spec.name}: key is ${key.length} bytes, expected ${this.spec.keySize}`);
    const s = this.area();
    s.buf.bytes.set(key, 0);
    return s;
  }

  /** The value under `key` (for per-CPU maps, all CPUs' slots back to back), or null. */
  lookup(key: Uint8Array): Uint8Array | null {
    const s = this.putKey(key);
    const r = this.sys.bpf(BPF_MAP_LOOKUP_ELEM, this.elem(s.keyAt, s.valueAt, 0));
    if (r === -ENOENT) return null;
    checkBpf(r, BPF_MAP_LOOKUP_ELEM, `map ${this.spec.name}`);
    return s.buf.bytes.slice(s.valueOff, s.valueOff + this.valueBytes);
  }

  update(key: Uint8Array, value: Uint8Array, flags = BPF_ANY): void {
    if (value.length !== this.valueBytes) {
      throw new RangeError(`map ${this.spec.name}: value is ${value.length} bytes, expected ${this.valueBytes}`);
    }
    const s = this.putKey(key);
    s.buf.bytes.set(value, s.valueOff);
    checkBpf(this.sys.bpf(BPF_MAP_UPDATE_ELEM, this.elem(s.keyAt, s.valueAt, flags)), BPF_MAP_UPDATE_ELEM, `map ${this.spec.name}`);
  }

  /** True when an element was deleted, false when there was none. */
  delete(key: Uint8Array): boolean {
    const s = this.putKey(key);
    const r = this.sys.bpf(BPF_MAP_DELETE_ELEM, this.elem(s.keyAt, 0n, 0));
    if (r === -ENOENT) return false;
    checkBpf(r, BPF_MAP_DELETE_ELEM, `map ${this.spec.name}`);
    return true;
  }

  /** Every key, walking BPF_MAP_GET_NEXT_KEY from the start. */
  keys(): Uint8Array[] {
    const s = this.area();
    const out: Uint8Array[] = [];
    const ks = this.spec.keySize;
    let from = 0n; // NULL key: start from the first element
    for (;;) {
      const r = this.sys.bpf(BPF_MAP_GET_NEXT_KEY, this.elem(from, s.nextAt, 0));
      if (r === -ENOENT) return out;
      checkBpf(r, BPF_MAP_GET_NEXT_KEY, `map ${this.spec.name}`);
      const next = s.buf.bytes.slice(s.nextOff, s.nextOff + ks);
      out.push(next);
      s.buf.bytes.set(next, 0);
      from = s.keyAt;
      if (out.length > this.spec.maxEntries * 4 + 16) {
        // A hash map being rewritten under us can restart the walk; don't loop forever.
        return out;
      }
    }
  }

  /** Every key and value; one syscall per batch where the kernel supports batch lookups. */
  entries(): MapEntry[] {
    if (batchWorks && hasBatch(this.spec.type)) {
      const got = this.lookupBatch();
      if (got) return got;
    }
    const out: MapEntry[] = [];
    for (const key of this.keys()) {
      const value = this.lookup(key);
      if (value) out.push({ key, value });
    }
    return out;
  }

  /** Per-CPU value split by possible CPU. */
  lookupPerCpu(key: Uint8Array): Uint8Array[] | null {
    const v = this.lookup(key);
    return v ? this.splitPerCpu(v) : null;
  }

  entriesPerCpu(): PerCpuEntry[] {
    return this.entries().map(({ key, value }) => ({
      key,
      values: this.splitPerCpu(value),
    }));
  }

  splitPerCpu(value: Uint8Array): Uint8Array[] {
    const out: Uint8Array[] = [];
    const n = possibleCpus().length;
    for (let c = 0; c < n; c++) out.push(value.subarray(c * this.cpuStride, c * this.cpuStride + this.spec.valueSize));
    return out;
  }

  /** Empties the map: deletes every key, or zeroes every element of an array. */
  clear(): void {
    if (isArray(this.spec.type)) {
      const zero = new Uint8Array(this.valueBytes);
      for (const key of this.keys()) this.update(key, zero);
      return;
    }
    for (const key of this.keys()) this.delete(key);
  }

  /** BPF_MAP_LOOKUP_BATCH over the whole map; null when the kernel will not do it. */
  private lookupBatch(): MapEntry[] | null {
    const ks = this.spec.keySize;
    const vs = this.valueBytes;
    let chunk = Math.max(1, Math.min(this.spec.maxEntries, 1024));
    // The batch cursor is opaque: a u32 bucket for hashes, a key for arrays; make room for both.
    const cursorSize = Math.max(8, Math.ceil(ks / 8) * 8);
    let mem = this.sys.alloc(2 * cursorSize + chunk * (ks + vs));
    const out: MapEntry[] = [];
    let first = true;
    try {
      for (;;) {
        batchAttr ??= new Attr(MAP_BATCH);
        const a = batchAttr.reset();
        a.u64('in_batch', first ? 0n : mem.addr)
          .u64('out_batch', mem.addr + BigInt(cursorSize))
          .u64('keys', mem.addr + BigInt(2 * cursorSize))
          .u64('values', mem.addr + BigInt(2 * cursorSize + chunk * ks))
          .u32('count', chunk)
          .u32('map_fd', this.fd);
        const r = this.sys.bpf(BPF_MAP_LOOKUP_BATCH, a.bytes);
        if (r < 0 && first && (r === -EINVAL || r === -ENOTSUPP || r === -EOPNOTSUPP)) {
          if (r !== -ENOTSUPP) batchWorks = false;
          return null;
        }
        if (r === -ENOSPC) {
          // A hash bucket holds more elements than fit in one batch: retry with room for more.
          const nextChunk = chunk * 2;
          const bigger = this.sys.alloc(2 * cursorSize + nextChunk * (ks + vs));
          bigger.bytes.set(mem.bytes.subarray(0, cursorSize), 0);
          this.sys.free(mem);
          mem = bigger;
          chunk = nextChunk;
          continue;
        }
        if (r < 0 && r !== -ENOENT) checkBpf(r, BPF_MAP_LOOKUP_BATCH, `map ${this.spec.name}`);
        const count = a.get32('count');
        const keysOff = 2 * cursorSize;
        const valsOff = keysOff + chunk * ks;
        for (let i = 0; i < count; i++) {
          out.push({
            key: mem.bytes.slice(keysOff + i * ks, keysOff + (i + 1) * ks),
            value: mem.bytes.slice(valsOff + i * vs, valsOff + (i + 1) * vs),
          });
        }
        if (r === -ENOENT) return out;
        // Next batch starts where this one ended.
        mem.bytes.copyWithin(0, cursorSize, 2 * cursorSize);
        first = false;
      }
    } finally {
      this.sys.free(mem);
    }
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.scratch) this.sys.free(this.scratch);
    this.scratch = undefined;
    this.sys.close(this.fd);
  }
}
