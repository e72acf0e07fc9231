// Sys over Bun's built-in FFI (bun:ffi), used when bpftrace-ts runs on Bun: no native module
// to load, which is most of the start-up time and memory koffi costs. The calls are the same
// libc entry points sys-koffi.ts uses.
//
// bun:ffi has no way to run a blocking call off the JS thread, so epollWait first polls: the
// epoll set is checked without blocking (timeout 0) and, when empty, again a millisecond later.
// A run that lasts (anything past BEGIN and exit) then moves its waits to a Worker thread that
// blocks in epoll_wait (bun-epoll-waiter.ts). Either way the JS thread stays free for signals;
// records are read straight from the mapped ring.

import { createRequire } from 'node:module';
import { EpollWaiter } from './bun-epoll-waiter.ts';
import { startBunWorker } from './bun-workers.ts';
import { AF_UNIX, type EpollEvent, type NativeBuffer, NR_SENDTO, NR_SOCKET, type Rlimit, SOCK_DGRAM_CLOEXEC, type Sys } from './sys.ts';
import { EPOLL_EVENT_SIZE, readEpollEvents, SysScratch } from './sys-scratch.ts';

type Num = number | bigint;
interface BunSymbols {
  /** syscall(nr, a1..a6), every argument passed as a 64-bit integer (pointers via ptr()). */
  syscall(nr: number, a1: Num, a2: Num, a3: Num, a4: Num, a5: Num, a6: Num): Num;
  mmap(addr: number, len: number, prot: number, flags: number, fd: number, off: number): Num;
  munmap(addr: number, len: number): number;
  close(fd: number): number;
  epoll_create1(flags: number): number;
  epoll_ctl(epfd: number, op: number, fd: number, ev: Uint8Array): number;
  epoll_wait(epfd: number, events: Uint8Array, max: number, timeout: number): number;
  eventfd(init: number, flags: number): number;
  write(fd: number, buf: Uint8Array, n: number): Num;
  getrlimit(res: number, buf: BigUint64Array): number;
  setrlimit(res: number, buf: BigUint64Array): number;
  getpid(): number;
  sysconf(name: number): Num;
  calloc(n: number, size: number): number | null;
  free(p: number): void;
  __errno_location(): number;
  clock_gettime(clk: number, ts: BigInt64Array): number;
}
interface BunFfi {
  dlopen(path: string, defs: Record<string, { args: string[]; returns: string }>): { symbols: BunSymbols };
  toArrayBuffer(ptr: number, byteOffset: number, byteLength: number): ArrayBuffer;
  read: { i32(ptr: number, offset?: number): number };
  ptr(view: ArrayBufferView): number;
}

const NR_BPF = 321;
const NR_PERF_EVENT_OPEN = 298;
const NR_IOCTL = 16;
const SC_PAGESIZE = 30;
/** How long an idle wait sleeps between checks of the epoll set, without a waiter thread. */
const POLL_MS = 10;
/** Checks a millisecond apart before the waits move to a waiter thread (~3 ms and a few MiB to start). */
const EAGER_POLLS = 20;

export function isBun(): boolean {
  return typeof (globalThis as { Bun?: unknown }).Bun !== 'undefined';
}

export function createBunSys(): Sys {
  const ffi = createRequire(import.meta.url)('bun:ffi') as BunFfi;
  const L = ffi.dlopen('libc.so.6', {
    syscall: { args: ['i64', 'i64', 'i64', 'i64', 'i64', 'i64', 'i64'], returns: 'i64' },
    mmap: { args: ['ptr', 'u64', 'i32', 'i32', 'i32', 'i64'], returns: 'i64' },
    munmap: { args: ['ptr', 'u64'], returns: 'i32' },
    close: { args: ['i32'], returns: 'i32' },
    epoll_create1: { args: ['i32'], returns: 'i32' },
    epoll_ctl: { args: ['i32', 'i32', 'i32', 'ptr'], returns: 'i32' },
    epoll_wait: { args: ['i32', 'ptr', 'i32', 'i32'], returns: 'i32' },
    eventfd: { args: ['u32', 'i32'], returns: 'i32' },
    write: { args: ['i32', 'ptr', 'u64'], returns: 'i64' },
    getrlimit: { args: ['i32', 'ptr'], returns: 'i32' },
    setrlimit: { args: ['i32', 'ptr'], returns: 'i32' },
    getpid: { args: [], returns: 'i32' },
    sysconf: { args: ['i32'], returns: 'i64' },
    calloc: { args: ['u64', 'u64'], returns: 'ptr' },
    free: { args: ['ptr'], returns: 'void' },
    __errno_location: { args: [], returns: 'ptr' },
    clock_gettime: { args: ['i32', 'ptr'], returns: 'i32' },
  }).symbols;
  const errno = (): number => ffi.read.i32(L.__errno_location(), 0);
  const ret = (r: Num): number => {
    const n = Number(r);
    return n === -1 ? -errno() : n;
  };
  const scratch = new SysScratch();
  let page = 0;
  const clockNs = (clock: number): bigint => {
    L.clock_gettime(clock, scratch.timespec);
    return scratch.timespecNs();
  };

  /** The thread waits move to after the first polls (null: it could not start, or died). */
  let waiter: EpollWaiter | null | undefined;
  let polls = 0;
  return {
    bpf: (cmd, attr) => ret(L.syscall(NR_BPF, cmd, ffi.ptr(attr), attr.byteLength, 0, 0, 0)),
    perfEventOpen: (attr, pid, cpu, groupFd, flags) => ret(L.syscall(NR_PERF_EVENT_OPEN, ffi.ptr(attr), pid, cpu, groupFd, flags, 0)),
    ioctl: (fd, request, arg) => ret(L.syscall(NR_IOCTL, fd, request, BigInt.asIntN(64, BigInt(arg)), 0, 0, 0)),
    mmap(length, prot, flags, fd, offset) {
      const r = BigInt(L.mmap(0, length, prot, flags, fd, offset));
      if (r === -1n || r === 0xffffffffffffffffn) return -BigInt(errno());
      return r;
    },
    munmap: (addr, length) => ret(L.munmap(Number(addr), length)),
    view: (addr, length) => ffi.toArrayBuffer(Number(addr), 0, length),
    alloc(size): NativeBuffer {
      const n = Math.max(size, 1);
      const p = L.calloc(n, 1);
      if (!p) throw new Error('out of memory');
      return { addr: BigInt(p), bytes: new Uint8Array(ffi.toArrayBuffer(p, 0, n)) };
    },
    free: (buf) => L.free(Number(buf.addr)),
    close: (fd) => ret(L.close(fd)),
    closeConcurrently: (groups) => closeOnWorkers(groups, (fd) => L.close(fd)),
    epollCreate: () => ret(L.epoll_create1(0x80000)),
    epollCtl: (epfd, op, fd, events, data) => ret(L.epoll_ctl(epfd, op, fd, scratch.epollEvent(events, data))),
    async epollWait(epfd, maxEvents, timeoutMs): Promise<EpollEvent[]> {
      const mem = new Uint8Array(maxEvents * EPOLL_EVENT_SIZE);
      const v = new DataView(mem.buffer);
      const deadline = timeoutMs < 0 ? Number.POSITIVE_INFINITY : Date.now() + timeoutMs;
      for (;;) {
        const n = L.epoll_wait(epfd, mem, maxEvents, 0);
        if (n > 0) return readEpollEvents(v, n);
        if (n < 0 || Date.now() >= deadline) return [];
        if (polls >= EAGER_POLLS && waiter !== null) {
          waiter ??= EpollWaiter.start();
          const ready = await waiter?.wait(epfd, maxEvents, timeoutMs < 0 ? -1 : Math.max(0, deadline - Date.now()));
          if (ready) return ready;
          waiter = null;
        }
        polls++;
        await new Promise((r) => setTimeout(r, polls > EAGER_POLLS ? POLL_MS : 1));
      }
    },
    eventfd: (initval, flags) => ret(L.eventfd(initval, flags)),
    eventfdWrite: (fd, value) => ret(L.write(fd, new Uint8Array(scratch.counter(value).buffer), 8)),
    getrlimit(resource): Rlimit | number {
      const r = ret(L.getrlimit(resource, scratch.rlimit));
      return r < 0 ? r : scratch.rlimitRead();
    },
    setrlimit: (resource, limit) => ret(L.setrlimit(resource, scratch.rlimitOf(limit))),
    getpid: () => L.getpid(),
    sendUnixDatagram(address, data) {
      const fd = ret(L.syscall(NR_SOCKET, AF_UNIX, SOCK_DGRAM_CLOEXEC, 0, 0, 0, 0));
      if (fd < 0) return fd;
      const r = ret(L.syscall(NR_SENDTO, fd, ffi.ptr(data), data.byteLength, 0, ffi.ptr(address), address.byteLength));
      L.close(fd);
      return Math.min(r, 0);
    },
    clockNs,
    monotonicNs: () => clockNs(scratch.clockMonotonic),
    pageSize() {
      if (!page) page = Number(L.sysconf(SC_PAGESIZE));
      return page;
    },
  };
}

/** Most worker threads a concurrent close starts; grace periods are shared well before this. */
const MAX_CLOSERS = 16;

// Concurrency needs threads: each worker opens libc itself and closes its share of the groups,
// in order within a group.
const CLOSER_SOURCE = `
import { dlopen } from 'bun:ffi';
const { close } = dlopen('libc.so.6', { close: { args: ['i32'], returns: 'i32' } }).symbols;
self.onmessage = (e) => {
  for (const group of e.data) for (const fd of group) close(fd);
  postMessage(0);
};
`;

function closeOnWorkers(groups: readonly (readonly number[])[], closeHere: (fd: number) => unknown): Promise<void> {
  const n = Math.min(groups.length, MAX_CLOSERS);
  if (n === 0) return Promise.resolve();
  const done: Promise<void>[] = [];
  for (let w = 0; w < n; w++) {
    const share = groups.filter((_, i) => i % n === w);
    // A worker that cannot start leaves its share to this thread. (It fails before closing
    // anything: opening libc is the only thing in it that can throw.)
    const closeShareHere = (): void => {
      for (const g of share) for (const fd of g) closeHere(fd);
    };
    const worker = startBunWorker(CLOSER_SOURCE);
    if (!worker) {
      closeShareHere();
      continue;
    }
    done.push(
      new Promise<void>((resolve) => {
        worker.onmessage = () => {
          worker.terminate();
          resolve();
        };
        worker.onerror = () => {
          worker.terminate();
          closeShareHere();
          resolve();
        };
      }),
    );
    worker.postMessage(share);
  }
  return Promise.all(done).then(() => undefined);
}
