// Perf buffers: the per-CPU rings behind a BPF_MAP_TYPE_PERF_EVENT_ARRAY map, which
// bpf_perf_event_output / bpf_skb_output write into (helpers that predate BPF ring buffers and
// still have no ring-buffer form). Three parts, as for ring buffers (ringbuf.ts):
//   PerfConsumer   pure logic over one mapped ring (unit-testable on plain memory);
//   PerfBuffer     one CPU's BPF_OUTPUT perf event and its mapping;
//   openPerfBuffers  one buffer per online CPU, each registered in the map under its CPU number.
//
// Kernel layout of a perf event mapping (1 + 2^n pages, include/uapi/linux/perf_event.h):
//   page 0            struct perf_event_mmap_page: data_head (u64) at 1024, written by the
//                     kernel; data_tail (u64) at 1032, written by us; data_offset/data_size
//                     at 1040/1048.
//   data area         records, each a perf_event_header {u32 type, u16 misc, u16 size} then its
//                     body; the area is mapped once, so a record may wrap around its end.

import { MAP_SHARED, PERF_COUNT_SW_BPF_OUTPUT, PERF_EVENT_IOC_ENABLE, PERF_TYPE_SOFTWARE, PROT_READ, PROT_WRITE } from './constants.ts';
import type { BpfMap } from './map.ts';
import { openPerfEvent } from './perf-event.ts';
import { check, type Sys } from './sys.ts';

const PERF_RECORD_LOST = 2;
const PERF_RECORD_SAMPLE = 9;
/** perf_event_attr.sample_type bit for the raw bytes the BPF program sent. */
export const PERF_SAMPLE_RAW = 1n << 10n;

const DATA_HEAD = 1024;
const DATA_TAIL = 1032;
const HEADER = 8;

export interface PerfHandlers {
  /** One sample's raw bytes (what the program output, padded by the kernel to 8 bytes with its size word). Valid during the call only. */
  sample(data: Uint8Array): void;
  /** The kernel dropped `count` samples because the ring was full. */
  lost(count: bigint): void;
}

export class PerfConsumer {
  private readonly head: BigUint64Array;
  private readonly tail: BigUint64Array;
  private readonly data: Uint8Array;
  private readonly mask: number;

  /**
   * @param mapping  the whole mapping: the control page, then the data area at `dataOffset`
   * @param size     data area size (a power of two)
   */
  constructor(mapping: ArrayBuffer, dataOffset: number, size: number) {
    if (size <= 0 || (size & (size - 1)) !== 0) throw new RangeError(`perf buffer size ${size} is not a power of two`);
    if (mapping.byteLength < dataOffset + size) throw new RangeError('perf mapping is smaller than its data area');
    this.head = new BigUint64Array(mapping, DATA_HEAD, 1);
    this.tail = new BigUint64Array(mapping, DATA_TAIL, 1);
    this.data = new Uint8Array(mapping, dataOffset, size);
    this.mask = size - 1;
  }

  /** `len` bytes at ring position `pos`: a view when contiguous, a copy when they wrap around. */
  private bytes(pos: number, len: number): Uint8Array {
    const at = pos & this.mask;
    if (at + len <= this.data.length) return this.data.subarray(at, at + len);
    const out = new Uint8Array(len);
    const first = this.data.length - at;
    out.set(this.data.subarray(at), 0);
    out.set(this.data.subarray(0, len - first), first);
    return out;
  }

  /** Delivers every complete record and frees its space; returns how many were samples. */
  consume(h: PerfHandlers): number {
    // Acquire: records up to data_head are fully written once we see it.
    const head = Number(Atomics.load(this.head, 0));
    let tail = Number(Atomics.load(this.tail, 0));
    let samples = 0;
    try {
      while (tail < head) {
        const hdr = this.bytes(tail, HEADER);
        const hv = new DataView(hdr.buffer, hdr.byteOffset, HEADER);
        const type = hv.getUint32(0, true);
        const size = hv.getUint16(6, true);
        if (size < HEADER) break; // corrupt; leave the rest rather than loop forever
        const body = this.bytes(tail + HEADER, size - HEADER);
        const bv = new DataView(body.buffer, body.byteOffset, body.byteLength);
        if (type === PERF_RECORD_SAMPLE && body.length >= 4) {
          const rawSize = bv.getUint32(0, true);
          samples++;
          h.sample(body.subarray(4, 4 + Math.min(rawSize, body.length - 4)));
        } else if (type === PERF_RECORD_LOST && body.length >= 16) {
          h.lost(bv.getBigUint64(8, true));
        }
        tail += size;
      }
    } finally {
      // Release: the kernel may reuse what we have read.
      Atomics.store(this.tail, 0, BigInt(tail));
    }
    return samples;
  }
}

/** One CPU's BPF_OUTPUT perf event, mapped. */
export class PerfBuffer {
  readonly fd: number;
  readonly consumer: PerfConsumer;
  private readonly sys: Sys;
  private readonly addr: bigint;
  private readonly len: number;
  private closed = false;

  private constructor(sys: Sys, fd: number, addr: bigint, len: number, page: number) {
    this.sys = sys;
    this.fd = fd;
    this.addr = addr;
    this.len = len;
    this.consumer = new PerfConsumer(sys.view(addr, len), page, len - page);
  }

  /** Opens the event on `cpu` with `pages` data pages (a power of two) and maps it. */
  static open(sys: Sys, cpu: number, pages: number): PerfBuffer {
    const fd = openPerfEvent(
      { type: PERF_TYPE_SOFTWARE, config: PERF_COUNT_SW_BPF_OUTPUT, samplePeriod: 1, wakeupEvents: 1, sampleType: PERF_SAMPLE_RAW },
      -1,
      cpu,
      `BPF output event on cpu ${cpu}`,
      sys,
    );
    const page = sys.pageSize();
    const len = (pages + 1) * page;
    const addr = sys.mmap(len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (addr < 0n) {
      sys.close(fd);
      check(Number(addr), 'mmap', '', `perf buffer of cpu ${cpu} (${pages} pages)`);
    }
    return new PerfBuffer(sys, fd, addr, len, page);
  }

  consume(h: PerfHandlers): number {
    return this.consumer.consume(h);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.sys.munmap(this.addr, this.len);
    this.sys.close(this.fd);
  }
}

/** Data pages per CPU for a total budget of `pages`: a power of two, at least 1 (as bpftrace divides perf_rb_pages). */
export function pagesPerCpu(pages: number, ncpus: number): number {
  const each = Math.max(1, Math.ceil(pages / Math.max(1, ncpus)));
  return 2 ** Math.ceil(Math.log2(each));
}

/**
 * Opens a perf buffer on each of `cpus`, stores its fd in `map` under the CPU number (where
 * BPF_F_CURRENT_CPU finds it) and enables it. On failure everything opened so far is closed.
 */
export function openPerfBuffers(map: BpfMap, cpus: readonly number[], pages: number): PerfBuffer[] {
  const sys = map.sys;
  const out: PerfBuffer[] = [];
  try {
    for (const cpu of cpus) {
      const b = PerfBuffer.open(sys, cpu, pages);
      out.push(b);
      const key = new Uint8Array(4);
      const value = new Uint8Array(4);
      new DataView(key.buffer).setUint32(0, cpu, true);
      new DataView(value.buffer).setUint32(0, b.fd, true);
      map.update(key, value);
      check(sys.ioctl(b.fd, PERF_EVENT_IOC_ENABLE, 0), 'ioctl', 'PERF_EVENT_IOC_ENABLE');
    }
    return out;
  } catch (e) {
    for (const b of out) b.close();
    throw e;
  }
}
