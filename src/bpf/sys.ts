// The only door to the kernel. Everything in src/bpf talks to Linux through a `Sys`, so the
// layers above (maps, programs, links, probes) can be driven by a scripted fake in tests and a
// different FFI (e.g. Bun's) can be slotted in without touching them.
//
// Convention: calls that return an int answer like the raw kernel ABI — a non-negative result, or
// `-errno` on failure. No exceptions on hot paths (a map lookup miss is ENOENT, not a throw);
// `check()` turns a negative answer into a SyscallError where the caller wants one.

import { bpfCmdName } from './constants.ts';

/** Native memory the kernel can be pointed at (attr fields hold addresses, not JS objects). */
export interface NativeBuffer {
  readonly addr: bigint;
  /** Zero-copy view of the memory; valid until `free`. */
  readonly bytes: Uint8Array;
}

/** A NUL-terminated string at the start of `bytes` (all of it when there is no NUL). */
export function cString(bytes: Uint8Array): string {
  const end = bytes.indexOf(0);
  return new TextDecoder().decode(end < 0 ? bytes : bytes.subarray(0, end));
}

export interface EpollEvent {
  events: number;
  /** The 64-bit user data registered with epoll_ctl, truncated to 32 bits. */
  data: number;
}

export interface Rlimit {
  cur: bigint;
  max: bigint;
}

export interface Sys {
  /** bpf(2); `attr` may be written by the kernel (out fields). */
  bpf(cmd: number, attr: Uint8Array): number;
  perfEventOpen(attr: Uint8Array, pid: number, cpu: number, groupFd: number, flags: number): number;
  ioctl(fd: number, request: number, arg: number | bigint): number;
  /** Returns the mapping's address, or a negative bigint (-errno) on failure. */
  mmap(length: number, prot: number, flags: number, fd: number, offset: number): bigint;
  munmap(addr: bigint, length: number): number;
  /** A zero-copy ArrayBuffer over native memory. */
  view(addr: bigint, length: number): ArrayBuffer;
  /** Zeroed native memory, for buffers whose address goes into an attr. */
  alloc(size: number): NativeBuffer;
  free(buf: NativeBuffer): void;
  close(fd: number): number;
  /**
   * Closes each group's fds in order, several groups at once on other threads. Detaching a
   * probe waits in close() for RCU grace periods; closes that wait together share them, so
   * hundreds of probes detach in about the time of a few. Errors are ignored (best effort).
   */
  closeConcurrently(groups: readonly (readonly number[])[]): Promise<void>;
  epollCreate(): number;
  epollCtl(epfd: number, op: number, fd: number, events: number, data: number): number;
  /**
   * Waits on a worker thread so the JS event loop (and SIGINT handlers) stay free. Resolves with
   * the ready events; an interrupted wait resolves with an empty list.
   */
  epollWait(epfd: number, maxEvents: number, timeoutMs: number): Promise<EpollEvent[]>;
  eventfd(initval: number, flags: number): number;
  /** write(2) of an 8-byte counter to an eventfd. */
  eventfdWrite(fd: number, value: bigint): number;
  getrlimit(resource: number): Rlimit | number;
  setrlimit(resource: number, limit: Rlimit): number;
  getpid(): number;
  /** Page size of the running system (ring buffer layout depends on it). */
  pageSize(): number;
  /** CLOCK_MONOTONIC in ns: the clock bpf_ktime_get_ns reads (runtimes' hrtime may not be). */
  monotonicNs(): bigint;
  /** clock_gettime(clock) in ns (CLOCK_REALTIME 0, CLOCK_MONOTONIC 1, CLOCK_BOOTTIME 7). */
  clockNs(clock: number): bigint;
  /**
   * One datagram to a unix socket (systemd's NOTIFY_SOCKET): a SOCK_DGRAM socket opened,
   * sendto() the struct sockaddr_un `address` (family and path, exactly its length), closed.
   * 0, or -errno.
   */
  sendUnixDatagram(address: Uint8Array, data: Uint8Array): number;
}

export const NR_SOCKET = 41;
export const NR_SENDTO = 44;
export const AF_UNIX = 1;
/** SOCK_DGRAM | SOCK_CLOEXEC. */
export const SOCK_DGRAM_CLOEXEC = 2 | 0x80000;

// ---------------------------------------------------------------- errors

/** glibc's strerror wording for the errnos BPF work runs into; others come from libuv. */
const MESSAGES: Record<number, [string, string]> = {
  1: ['EPERM', 'Operation not permitted'],
  2: ['ENOENT', 'No such file or directory'],
  3: ['ESRCH', 'No such process'],
  4: ['EINTR', 'Interrupted system call'],
  5: ['EIO', 'Input/output error'],
  6: ['ENXIO', 'No such device or address'],
  7: ['E2BIG', 'Argument list too long'],
  9: ['EBADF', 'Bad file descriptor'],
  11: ['EAGAIN', 'Resource temporarily unavailable'],
  12: ['ENOMEM', 'Cannot allocate memory'],
  13: ['EACCES', 'Permission denied'],
  14: ['EFAULT', 'Bad address'],
  16: ['EBUSY', 'Device or resource busy'],
  17: ['EEXIST', 'File exists'],
  19: ['ENODEV', 'No such device'],
  22: ['EINVAL', 'Invalid argument'],
  24: ['EMFILE', 'Too many open files'],
  25: ['ENOTTY', 'Inappropriate ioctl for device'],
  28: ['ENOSPC', 'No space left on device'],
  34: ['ERANGE', 'Numerical result out of range'],
  // bpf_d_path (path()) when the path does not fit the buffer.
  36: ['ENAMETOOLONG', 'File name too long'],
  38: ['ENOSYS', 'Function not implemented'],
  61: ['ENODATA', 'No data available'],
  62: ['ETIME', 'Timer expired'],
  75: ['EOVERFLOW', 'Value too large for defined data type'],
  84: ['EILSEQ', 'Invalid or incomplete multibyte or wide character'],
  90: ['EMSGSIZE', 'Message too long'],
  95: ['EOPNOTSUPP', 'Operation not supported'],
  105: ['ENOBUFS', 'No buffer space available'],
  110: ['ETIMEDOUT', 'Connection timed out'],
  // NOTIFY_SOCKET with nobody listening.
  111: ['ECONNREFUSED', 'Connection refused'],
  // Kernel-internal, but BPF returns it to user space.
  524: ['ENOTSUPP', 'Operation is not supported'],
};

export function errnoName(errno: number): string {
  const known = MESSAGES[errno];
  if (known) return known[0];
  return `errno ${errno}`;
}

export function errnoMessage(errno: number): string {
  const known = MESSAGES[errno];
  if (known) return known[1];
  return `Unknown error ${errno}`;
}

export const EPERM = 1;
export const ENOENT = 2;
export const ESRCH = 3;
export const EINTR = 4;
export const E2BIG = 7;
export const EBADF = 9;
export const EAGAIN = 11;
export const EACCES = 13;
export const EFAULT = 14;
export const EBUSY = 16;
export const EEXIST = 17;
export const EINVAL = 22;
export const ENOSPC = 28;
export const ENOSYS = 38;
export const EILSEQ = 84;
export const EOPNOTSUPP = 95;
export const ENOTSUPP = 524;

export class SyscallError extends Error {
  readonly syscall: string;
  /** e.g. BPF_MAP_CREATE, PERF_EVENT_IOC_SET_BPF; empty when the syscall has no sub-command. */
  readonly command: string;
  readonly errno: number;
  readonly code: string;

  constructor(syscall: string, command: string, errno: number, detail?: string) {
    const what = command ? `${syscall}(${command})` : syscall;
    super(`${what} failed: ${errnoMessage(errno)} (${errnoName(errno)})${detail ? `: ${detail}` : ''}`);
    this.name = 'SyscallError';
    this.syscall = syscall;
    this.command = command;
    this.errno = errno;
    this.code = errnoName(errno);
  }
}

/** Passes a non-negative result through; turns `-errno` into a SyscallError. */
export function check(result: number, syscall: string, command = '', detail?: string): number {
  if (result < 0) throw new SyscallError(syscall, command, -result, detail);
  return result;
}

/** check() for bpf(2): names the command in the message. */
export function checkBpf(result: number, cmd: number, detail?: string): number {
  if (result < 0) throw new SyscallError('bpf', bpfCmdName(cmd), -result, detail);
  return result;
}
