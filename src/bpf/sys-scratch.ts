// The small native structs the FFI layers (sys-bun.ts, sys-koffi.ts) pass to libc by pointer:
// encoded and decoded here once, in buffers reused from call to call (the JS thread makes one
// call at a time; epoll_wait's event array is the caller's own).

import type { EpollEvent, Rlimit } from './sys.ts';

/** sizeof(struct epoll_event): packed on x86-64, u32 events then u64 data. */
export const EPOLL_EVENT_SIZE = 12;

const CLOCK_MONOTONIC = 1;

export class SysScratch {
  private readonly epollEv = new Uint8Array(EPOLL_EVENT_SIZE);
  private readonly epollView = new DataView(this.epollEv.buffer);
  private readonly counterBuf = new BigUint64Array(1);
  /** struct rlimit: rlim_cur, rlim_max. */
  readonly rlimit = new BigUint64Array(2);
  /** struct timespec: tv_sec, tv_nsec. */
  readonly timespec = new BigInt64Array(2);
  readonly clockMonotonic = CLOCK_MONOTONIC;

  /** An epoll_event for epoll_ctl; data is the 32-bit id the caller gets back. */
  epollEvent(events: number, data: number): Uint8Array {
    this.epollView.setUint32(0, events >>> 0, true);
    this.epollView.setBigUint64(4, BigInt(data >>> 0), true);
    return this.epollEv;
  }

  /** The 8-byte counter eventfd's write() takes. */
  counter(value: bigint): BigUint64Array {
    this.counterBuf[0] = value;
    return this.counterBuf;
  }

  /** setrlimit's argument. */
  rlimitOf(limit: Rlimit): BigUint64Array {
    this.rlimit[0] = limit.cur;
    this.rlimit[1] = limit.max;
    return this.rlimit;
  }

  /** What getrlimit wrote. */
  rlimitRead(): Rlimit {
    return { cur: this.rlimit[0] as bigint, max: this.rlimit[1] as bigint };
  }

  /** What clock_gettime wrote, in ns. */
  timespecNs(): bigint {
    return (this.timespec[0] as bigint) * 1000000000n + (this.timespec[1] as bigint);
  }
}

/** The first `count` events epoll_wait wrote into `events`. */
export function readEpollEvents(events: DataView, count: number): EpollEvent[] {
  const out: EpollEvent[] = [];
  for (let i = 0; i < count; i++) {
    out.push({ events: events.getUint32(i * EPOLL_EVENT_SIZE, true), data: events.getUint32(i * EPOLL_EVENT_SIZE + 4, true) });
  }
  return out;
}
