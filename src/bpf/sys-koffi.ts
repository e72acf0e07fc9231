// Sys over koffi (libc through FFI). koffi is loaded and each prototype declared on first use,
// once, so a CLI run that never touches the kernel pays nothing for it.
//
// Syscalls without a libc wrapper go through libc's `syscall()`; it is variadic in C, but on
// x86-64 an integer-only call is ABI-identical to a non-variadic one, so we declare one fixed
// prototype per use (koffi cannot call variadic functions asynchronously or without types).

import { createRequire } from 'node:module';
import { AF_UNIX, type EpollEvent, type NativeBuffer, NR_SENDTO, NR_SOCKET, type Rlimit, SOCK_DGRAM_CLOEXEC, type Sys } from './sys.ts';
import { EPOLL_EVENT_SIZE, readEpollEvents, SysScratch } from './sys-scratch.ts';

// The slice of koffi's surface we use, typed by hand.
interface KoffiFn {
  (...args: unknown[]): unknown;
  async(...args: unknown[]): void;
}
interface KoffiLib {
  func(decl: string): KoffiFn;
}
interface Koffi {
  load(path: string): KoffiLib;
  errno(): number;
  view(ptr: bigint, len: number): ArrayBuffer;
  alloc(type: string, len: number): bigint;
  free(ptr: bigint): void;
}

const NR_BPF = 321;
const NR_PERF_EVENT_OPEN = 298;
const NR_IOCTL = 16;
const SC_PAGESIZE = 30;

let koffi: Koffi | undefined;
let libc: KoffiLib | undefined;
const fns = new Map<string, KoffiFn>();

function lib(): KoffiLib {
  if (!libc) {
    koffi = createRequire(import.meta.url)('koffi') as Koffi;
    libc = koffi.load('libc.so.6');
  }
  return libc;
}

function k(): Koffi {
  lib();
  return koffi as Koffi;
}

/** Declares a prototype once, under a key (several prototypes share the `syscall` symbol). */
function fn(key: string, decl: string): KoffiFn {
  let f = fns.get(key);
  if (!f) {
    f = lib().func(decl);
    fns.set(key, f);
  }
  return f;
}

/** Converts a C `-1 + errno` answer into the `-errno` convention. */
function ret(r: unknown): number {
  const n = Number(r);
  return n === -1 ? -k().errno() : n;
}

function bigU64(v: number | bigint): bigint {
  return BigInt.asUintN(64, BigInt(v));
}

/** Threads closing fds at once (see closeConcurrently); below libuv's pool size set here. */
const CLOSE_LANES = 12;

export function createKoffiSys(): Sys {
  // Concurrent closes (detaching many probes) and the epoll wait share libuv's pool, whose size
  // is read from the environment once, when it first starts.
  process.env.UV_THREADPOOL_SIZE ??= '16';
  const scratch = new SysScratch();
  let page = 0;
  const clockNs = (clock: number): bigint => {
    fn('clock_gettime', 'int clock_gettime(int clk, void *ts)')(clock, scratch.timespec);
    return scratch.timespecNs();
  };

  return {
    bpf(cmd, attr) {
      const f = fn('bpf', 'long syscall(long nr, int cmd, void *attr, unsigned int size)');
      return ret(f(NR_BPF, cmd, attr, attr.byteLength));
    },
    perfEventOpen(attr, pid, cpu, groupFd, flags) {
      const f = fn('perf', 'long syscall(long nr, void *attr, int pid, int cpu, int group_fd, unsigned long flags)');
      return ret(f(NR_PERF_EVENT_OPEN, attr, pid, cpu, groupFd, flags));
    },
    ioctl(fd, request, arg) {
      const f = fn('ioctl', 'long syscall(long nr, int fd, unsigned long req, unsigned long arg)');
      return ret(f(NR_IOCTL, fd, request, bigU64(arg)));
    },
    mmap(length, prot, flags, fd, offset) {
      const f = fn('mmap', 'void *mmap(void *addr, size_t len, int prot, int flags, int fd, long off)');
      const addr = f(null, length, prot, flags, fd, offset) as bigint;
      // MAP_FAILED is (void *)-1.
      if (addr === 0xffffffffffffffffn) return -BigInt(k().errno());
      return addr;
    },
    munmap(addr, length) {
      return ret(fn('munmap', 'int munmap(void *addr, size_t len)')(addr, length));
    },
    view(addr, length) {
      return k().view(addr, length);
    },
    alloc(size) {
      const n = Math.max(size, 1);
      const addr = k().alloc('uint8_t', n);
      const bytes = new Uint8Array(k().view(addr, n));
      bytes.fill(0);
      return { addr, bytes };
    },
    free(buf: NativeBuffer) {
      k().free(buf.addr);
    },
    close(fd) {
      return ret(fn('close', 'int close(int fd)')(fd));
    },
    closeConcurrently(groups) {
      // koffi runs async calls on libuv's thread pool, sized (before its first use) in
      // createKoffiSys. It refuses more than a few dozen async calls in flight, so a fixed
      // number of lanes each close their share of the groups, one fd after another (which also
      // keeps a group's own fds in order).
      const f = fn('close', 'int close(int fd)');
      const closeOne = (fd: number): Promise<void> =>
        new Promise<void>((resolve) => {
          try {
            f.async(fd, () => resolve());
          } catch {
            f(fd); // koffi would not queue it: close here instead
            resolve();
          }
        });
      const lanes = Math.min(groups.length, CLOSE_LANES);
      const lane = async (first: number): Promise<void> => {
        for (let i = first; i < groups.length; i += lanes) for (const fd of groups[i] as readonly number[]) await closeOne(fd);
      };
      return Promise.all(Array.from({ length: lanes }, (_, first) => lane(first))).then(() => undefined);
    },
    epollCreate() {
      return ret(fn('epoll_create1', 'int epoll_create1(int flags)')(0x80000 /* EPOLL_CLOEXEC */));
    },
    epollCtl(epfd, op, fd, events, data) {
      return ret(fn('epoll_ctl', 'int epoll_ctl(int epfd, int op, int fd, void *ev)')(epfd, op, fd, scratch.epollEvent(events, data)));
    },
    epollWait(epfd, maxEvents, timeoutMs) {
      const f = fn('epoll_wait', 'int epoll_wait(int epfd, void *events, int maxevents, int timeout)');
      // The worker thread writes into native memory that nothing else touches until it returns.
      const size = maxEvents * EPOLL_EVENT_SIZE;
      const mem = k().alloc('uint8_t', size);
      return new Promise<EpollEvent[]>((resolve) => {
        f.async(epfd, mem, maxEvents, timeoutMs, (err: unknown, n: unknown) => {
          const count = err ? 0 : Number(n);
          const out = count > 0 ? readEpollEvents(new DataView(k().view(mem, size)), count) : [];
          k().free(mem);
          resolve(out);
        });
      });
    },
    eventfd(initval, flags) {
      return ret(fn('eventfd', 'int eventfd(unsigned int initval, int flags)')(initval, flags));
    },
    eventfdWrite(fd, value) {
      return ret(fn('write', 'long write(int fd, void *buf, unsigned long n)')(fd, scratch.counter(value), 8));
    },
    getrlimit(resource): Rlimit | number {
      const r = ret(fn('getrlimit', 'int getrlimit(int resource, void *rlim)')(resource, scratch.rlimit));
      return r < 0 ? r : scratch.rlimitRead();
    },
    setrlimit(resource, limit) {
      return ret(fn('setrlimit', 'int setrlimit(int resource, void *rlim)')(resource, scratch.rlimitOf(limit)));
    },
    getpid() {
      return Number(fn('getpid', 'int getpid(void)')());
    },
    sendUnixDatagram(address, data) {
      const socket = fn('socket', 'long syscall(long nr, int domain, int type, int protocol)');
      const sendto = fn('sendto', 'long syscall(long nr, int fd, void *buf, unsigned long len, int flags, void *addr, int addrlen)');
      const fd = ret(socket(NR_SOCKET, AF_UNIX, SOCK_DGRAM_CLOEXEC, 0));
      if (fd < 0) return fd;
      const r = ret(sendto(NR_SENDTO, fd, data, data.byteLength, 0, address, address.byteLength));
      fn('close', 'int close(int fd)')(fd);
      return Math.min(r, 0);
    },
    clockNs,
    monotonicNs: () => clockNs(scratch.clockMonotonic),
    pageSize() {
      if (!page) page = Number(fn('sysconf', 'long sysconf(int name)')(SC_PAGESIZE));
      return page;
    },
  };
}
