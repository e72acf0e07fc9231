// BPF ring buffer consumer, reading the mmapped ring directly: no syscall and no copy per
// record. Three parts, as in cilium/ebpf:
//   RingConsumer  pure logic over two byte views and two positions (unit-testable on any buffer);
//   RingBuf       the kernel mapping of one ringbuf map;
//   RingBufReader epoll-driven wakeups for several rings, waiting off the JS thread.
//
// Kernel layout of a ringbuf map fd (kernel/bpf/ringbuf.c):
//   offset 0          one page, read-write: consumer position (u64)
//   offset page       one page, read-only:  producer position (u64)
//   offset 2*page     the data area (max_entries bytes, a power of two), mapped twice in a row,
//                     so a record that wraps around the end is still contiguous. We map it in
//                     windows instead (RingBuf); a record across a window's end is copied.
// Each record starts with an 8-byte header {u32 len | BUSY | DISCARD bits, u32 page offset};
// records are padded to 8 bytes.

import {
  BPF_RINGBUF_BUSY_BIT,
  BPF_RINGBUF_DISCARD_BIT,
  BPF_RINGBUF_HDR_SZ,
  EFD_CLOEXEC,
  EFD_NONBLOCK,
  EPOLL_CTL_ADD,
  EPOLLIN,
  MAP_SHARED,
  PROT_READ,
  PROT_WRITE,
} from './constants.ts';
import type { BpfMap } from './map.ts';
import { check, type Sys } from './sys.ts';

/** Receives one record: its bytes are `view` at [offset, offset+length); valid only during the call. */
export type RecordCallback = (view: DataView, offset: number, length: number) => void;

const LEN_MASK = ~(BPF_RINGBUF_BUSY_BIT | BPF_RINGBUF_DISCARD_BIT) >>> 0;

/**
 * The data area as the consumer sees it: windows of `windowSize` bytes (a power of two that
 * divides the ring's size), each a DataView whose offsets 0..windowSize cover that window.
 */
export interface RingWindows {
  readonly windowSize: number;
  window(index: number): DataView;
}

export class RingConsumer {
  /** Data area size in bytes (a power of two). */
  readonly size: number;
  private readonly mask: number;
  private readonly consumerPos: BigUint64Array;
  private readonly producerPos: BigUint64Array;
  private readonly data: RingWindows;
  private readonly windowShift: number;
  private readonly windowMask: number;
  /** Records skipped because the producer discarded them. */
  discarded = 0;

  /**
   * @param consumer   memory whose first 8 bytes are the consumer position (written here)
   * @param producer   memory whose first 8 bytes are the producer position
   * @param data       the data area, window by window
   */
  constructor(consumer: ArrayBuffer, producer: ArrayBuffer, size: number, data: RingWindows) {
    if (size <= 0 || (size & (size - 1)) !== 0) throw new RangeError(`ring size ${size} is not a power of two`);
    const w = data.windowSize;
    if (w < 8 || (w & (w - 1)) !== 0 || w > size) throw new RangeError(`ring window ${w} does not divide ${size}`);
    this.size = size;
    this.mask = size - 1;
    this.consumerPos = new BigUint64Array(consumer, 0, 1);
    this.producerPos = new BigUint64Array(producer, 0, 1);
    this.data = data;
    this.windowShift = Math.log2(w);
    this.windowMask = w - 1;
  }

  /** A consumer over one mapping holding the producer position and, at `dataOffset`, the data area. */
  static contiguous(consumer: ArrayBuffer, mapping: ArrayBuffer, dataOffset: number, size: number): RingConsumer {
    if (mapping.byteLength < dataOffset + size) throw new RangeError('producer mapping is smaller than page + size');
    const view = new DataView(mapping, dataOffset, size);
    return new RingConsumer(consumer, mapping, size, { windowSize: size, window: () => view });
  }

  // The producer page and the data area are mapped read-only, and must be read with plain loads:
  // JavaScriptCore's optimizing JIT (FTL) compiles Atomics.load to a locked read-modify-write,
  // which faults on a read-only page (Bun crashed once a busy ring wrapped). Plain loads are
  // enough on x86-64, where loads are not reordered with other loads: the header read before
  // the payload sees a committed record whole. (Atomics stay for the consumer position, in the
  // writable page, whose stores must be visible to the kernel in order.)
  private producerAt(): number {
    return Number(this.producerPos[0]);
  }

  /** A record that crosses a window's end (or the ring's), copied into one piece. */
  private joined(pos: number, length: number): DataView {
    const out = new Uint8Array(length);
    let done = 0;
    while (done < length) {
      const at = (pos + done) & this.mask;
      const off = at & this.windowMask;
      const n = Math.min(length - done, this.windowMask + 1 - off);
      const w = this.data.window(at >>> this.windowShift);
      out.set(new Uint8Array(w.buffer, w.byteOffset + off, n), done);
      done += n;
    }
    return new DataView(out.buffer);
  }

  /** Bytes produced but not yet consumed. */
  available(): number {
    return this.producerAt() - Number(Atomics.load(this.consumerPos, 0));
  }

  /**
   * Hands every complete record to `cb` and advances the consumer position past it. Stops at a
   * record the producer is still writing (BUSY), or after `limit` records. Returns how many
   * records were delivered (discarded ones are skipped, not counted).
   */
  consume(cb: RecordCallback, limit = Number.POSITIVE_INFINITY): number {
    let delivered = 0;
    let cons = Number(Atomics.load(this.consumerPos, 0));
    let prod = this.producerAt();
    while (delivered < limit) {
      if (cons >= prod) {
        // Catch records committed while we were busy with earlier ones.
        prod = this.producerAt();
        if (cons >= prod) break;
      }
      // Headers are 8-byte aligned and windows multiples of 8: a header never crosses a window.
      const at = cons & this.mask;
      // Once BUSY is clear in the header the record's bytes are visible (see producerAt).
      const len = this.data.window(at >>> this.windowShift).getUint32(at & this.windowMask, true);
      if (len & BPF_RINGBUF_BUSY_BIT) break;
      const dataLen = len & LEN_MASK;
      const next = cons + Math.ceil((dataLen + BPF_RINGBUF_HDR_SZ) / 8) * 8;
      if (len & BPF_RINGBUF_DISCARD_BIT) {
        this.discarded++;
      } else {
        try {
          const start = (cons + BPF_RINGBUF_HDR_SZ) & this.mask;
          const off = start & this.windowMask;
          if (off + dataLen <= this.windowMask + 1) cb(this.data.window(start >>> this.windowShift), off, dataLen);
          else cb(this.joined(start, dataLen), 0, dataLen);
        } finally {
          // Release the record even when the callback throws: it will not be delivered twice.
          cons = next;
          Atomics.store(this.consumerPos, 0, BigInt(cons));
        }
        delivered++;
        continue;
      }
      cons = next;
      Atomics.store(this.consumerPos, 0, BigInt(cons));
    }
    return delivered;
  }
}

/** Bytes of the data area mapped at a time (a window), at most. */
const RING_WINDOW = 256 * 1024;

/**
 * The kernel mapping of one BPF_MAP_TYPE_RINGBUF map. The kernel fills a mapping of the data
 * area entirely when it is made, and every mapped page counts in our resident size: the data
 * area is mapped a window at a time, when the consumer first reaches it, so a 16 MiB ring that
 * carries a few lines costs one window (a ring used all round ends up mapped whole, once).
 */
export class RingBuf implements RingWindows {
  readonly consumer: RingConsumer;
  readonly windowSize: number;
  private readonly windows: ({ addr: bigint; view: DataView } | undefined)[] = [];
  private closed = false;

  private constructor(
    private readonly sys: Sys,
    readonly fd: number,
    private readonly page: number,
    private readonly consAddr: bigint,
    private readonly prodAddr: bigint,
    size: number,
  ) {
    this.windowSize = Math.min(size, RING_WINDOW);
    this.consumer = new RingConsumer(sys.view(consAddr, page), sys.view(prodAddr, page), size, this);
  }

  /** Maps a ring buffer map (its spec's maxEntries is the data size). */
  static open(map: BpfMap): RingBuf {
    return RingBuf.openFd(map.sys, map.fd, map.spec.maxEntries);
  }

  static openFd(sys: Sys, fd: number, size: number): RingBuf {
    const page = sys.pageSize();
    const cons = sys.mmap(page, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (cons < 0n) check(Number(cons), 'mmap', '', 'ring buffer consumer page');
    const prod = sys.mmap(page, PROT_READ, MAP_SHARED, fd, page);
    if (prod < 0n) {
      sys.munmap(cons, page);
      check(Number(prod), 'mmap', '', 'ring buffer producer page');
    }
    return new RingBuf(sys, fd, page, cons, prod, size);
  }

  window(index: number): DataView {
    const w = this.windows[index];
    if (w) return w.view;
    if (this.closed) throw new Error('ring buffer is closed');
    // The data area starts after the consumer and producer pages.
    const addr = this.sys.mmap(this.windowSize, PROT_READ, MAP_SHARED, this.fd, 2 * this.page + index * this.windowSize);
    if (addr < 0n) check(Number(addr), 'mmap', '', 'ring buffer data');
    const view = new DataView(this.sys.view(addr, this.windowSize));
    this.windows[index] = { addr, view };
    return view;
  }

  consume(cb: RecordCallback, limit?: number): number {
    return this.consumer.consume(cb, limit);
  }

  /** Unmaps the ring (the map itself belongs to its BpfMap). */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const w of this.windows) if (w) this.sys.munmap(w.addr, this.windowSize);
    this.windows.length = 0;
    this.sys.munmap(this.prodAddr, this.page);
    this.sys.munmap(this.consAddr, this.page);
  }
}

/**
 * What the reader waits on: an fd that polls readable when `drain` has records to deliver (a
 * ring buffer map, one CPU's perf buffer). The reader closes it when it is closed.
 */
export interface ReadableSource {
  readonly fd: number;
  /** Delivers whatever is there now (at most `limit` records when the source can stop early); returns how many. */
  drain(limit?: number): number;
  close(): void;
}

/**
 * Waits for ring buffers (and other readable sources) to have data and drains them. The wait
 * (epoll_wait) runs on a worker thread, so the JS thread stays free for timers and signal
 * handlers; an eventfd in the epoll set wakes it for shutdown.
 */
/** How long the reader delivers records before letting timers and signal handlers run. */
const DRAIN_SLICE_MS = 20;

export class RingBufReader {
  private readonly sys: Sys;
  private readonly rings: ReadableSource[] = [];
  private readonly epfd: number;
  private readonly wakeFd: number;
  private loop: Promise<void> | undefined;
  private running = false;
  private closed = false;
  /** Wraps each round of consuming (the tracer defers its line flushes to the round's end). */
  private readonly round: (consume: () => void) => void;

  constructor(sys: Sys, round: (consume: () => void) => void = (consume) => consume()) {
    this.sys = sys;
    this.round = round;
    this.epfd = check(sys.epollCreate(), 'epoll_create1');
    const w = sys.eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (w < 0) {
      sys.close(this.epfd);
      check(w, 'eventfd');
    }
    this.wakeFd = w;
    this.ctl(this.wakeFd, 0xffffffff);
  }

  private ctl(fd: number, data: number): void {
    check(this.sys.epollCtl(this.epfd, EPOLL_CTL_ADD, fd, EPOLLIN, data), 'epoll_ctl', 'EPOLL_CTL_ADD');
  }

  /** Adds a ring; its records go to `cb`. The reader closes the ring when it is closed. */
  add(ring: RingBuf, cb: RecordCallback): void {
    this.addSource({ fd: ring.fd, drain: (limit) => ring.consume(cb, limit), close: () => ring.close() });
  }

  /** Adds any other source to wait on and drain with the rings. */
  addSource(src: ReadableSource): void {
    this.ctl(src.fd, this.rings.length);
    this.rings.push(src);
  }

  /** Consumes whatever is in every ring now, synchronously (used at exit). */
  drain(): number {
    let n = 0;
    this.round(() => {
      for (const r of this.rings) n += r.drain();
    });
    return n;
  }

  /** Starts waiting and delivering in the background; resolves when stopped. */
  start(): Promise<void> {
    if (this.loop) return this.loop;
    this.running = true;
    this.loop = this.run();
    return this.loop;
  }

  /**
   * Drains for a bounded time: true when records are left over. Between slices the caller
   * returns to the event loop, so a Ctrl-C is seen even while records keep arriving faster than
   * they are handled (system() on every context switch), as bpftrace checks its flag per record.
   */
  drainSlice(ms = DRAIN_SLICE_MS): boolean {
    const CHUNK = 256;
    const deadline = Date.now() + ms;
    let more = false;
    this.round(() => {
      for (const r of this.rings) {
        while (r.drain(CHUNK) >= CHUNK) {
          if (Date.now() > deadline) {
            more = true;
            break;
          }
        }
      }
    });
    return more;
  }

  private async run(): Promise<void> {
    const max = this.rings.length + 1;
    try {
      while (this.running) {
        // Drain first: data may have arrived before the fd was added or while we were busy.
        if (this.drainSlice()) {
          await new Promise((resolve) => setImmediate(resolve));
          continue;
        }
        await this.sys.epollWait(this.epfd, max, -1);
      }
    } finally {
      this.loop = undefined;
      if (this.closed) this.release();
    }
  }

  /** Stops the background wait; resolves once the waiting thread has returned. */
  async stop(): Promise<void> {
    this.running = false;
    const loop = this.loop;
    if (!loop) return;
    this.sys.eventfdWrite(this.wakeFd, 1n);
    await loop;
  }

  /** Closes epoll, eventfd and the rings (deferred until a pending wait has woken). */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.loop) {
      this.running = false;
      this.sys.eventfdWrite(this.wakeFd, 1n);
      return; // run() releases on its way out
    }
    this.release();
  }

  private release(): void {
    for (const r of this.rings) r.close();
    this.rings.length = 0;
    this.sys.close(this.wakeFd);
    this.sys.close(this.epfd);
  }
}

/** Sums a counter map's value at key 0 over all CPUs (e.g. records the BPF side failed to emit). */
export function readCounter(map: BpfMap): bigint {
  const v = map.lookup(new Uint8Array(map.spec.keySize));
  if (!v) return 0n;
  const dv = new DataView(v.buffer, v.byteOffset, v.byteLength);
  const stride = map.valueBytes === map.spec.valueSize ? map.valueBytes : map.cpuStride;
  let sum = 0n;
  for (let at = 0; at + 8 <= v.length; at += stride) sum += dv.getBigUint64(at, true);
  return sum;
}
