// A scripted Sys for errno paths the real kernel cannot be made to produce on demand. Native
// buffers are plain JS memory with made-up addresses the fake can resolve back.

import type { EpollEvent, NativeBuffer, Rlimit, Sys } from '../../src/bpf/sys.ts';

export interface Call {
  name: string;
  args: unknown[];
}

export class FakeSys implements Sys {
  readonly calls: Call[] = [];
  private nextAddr = 0x10000n;
  private readonly mem = new Map<bigint, Uint8Array>();
  private nextFd = 100;
  /** Scripted bpf(): return a result, or undefined for the default (a new fd). */
  onBpf: (cmd: number, attr: Uint8Array) => number | undefined = () => undefined;
  onIoctl: (fd: number, req: number, arg: number | bigint) => number = () => 0;
  readonly closed: number[] = [];

  /** The bytes behind a fake native address (as written into an attr). */
  at(addr: bigint): Uint8Array {
    for (const [base, bytes] of this.mem) {
      if (addr >= base && addr < base + BigInt(bytes.length)) return bytes.subarray(Number(addr - base));
    }
    throw new Error(`fake: no memory at 0x${addr.toString(16)}`);
  }

  bpf(cmd: number, attr: Uint8Array): number {
    this.calls.push({ name: 'bpf', args: [cmd, attr.slice()] });
    return this.onBpf(cmd, attr) ?? this.nextFd++;
  }
  perfEventOpen(attr: Uint8Array, pid: number, cpu: number, groupFd: number, flags: number): number {
    this.calls.push({ name: 'perfEventOpen', args: [attr.slice(), pid, cpu, groupFd, flags] });
    return this.nextFd++;
  }
  ioctl(fd: number, request: number, arg: number | bigint): number {
    this.calls.push({ name: 'ioctl', args: [fd, request, arg] });
    return this.onIoctl(fd, request, arg);
  }
  mmap(): bigint {
    return -22n;
  }
  munmap(): number {
    return 0;
  }
  view(addr: bigint, length: number): ArrayBuffer {
    const b = this.at(addr);
    return b.buffer.slice(b.byteOffset, b.byteOffset + length) as ArrayBuffer;
  }
  alloc(size: number): NativeBuffer {
    const addr = this.nextAddr;
    this.nextAddr += BigInt(Math.ceil((size + 1) / 4096) * 4096);
    const bytes = new Uint8Array(size);
    this.mem.set(addr, bytes);
    return { addr, bytes };
  }
  free(buf: NativeBuffer): void {
    if (!this.mem.delete(buf.addr)) throw new Error('fake: double free');
  }
  /** Buffers not freed yet. */
  live(): number {
    return this.mem.size;
  }
  close(fd: number): number {
    this.calls.push({ name: 'close', args: [fd] });
    this.closed.push(fd);
    return 0;
  }
  async closeConcurrently(groups: readonly (readonly number[])[]): Promise<void> {
    this.calls.push({ name: 'closeConcurrently', args: groups.map((g) => [...g]) });
    for (const g of groups) for (const fd of g) this.close(fd);
  }
  epollCreate(): number {
    return this.nextFd++;
  }
  epollCtl(): number {
    return 0;
  }
  epollWait(): Promise<EpollEvent[]> {
    return Promise.resolve([]);
  }
  eventfd(): number {
    return this.nextFd++;
  }
  eventfdWrite(): number {
    return 8;
  }
  getrlimit(resource: number): Rlimit | number {
    this.calls.push({ name: 'getrlimit', args: [resource] });
    return { cur: 65536n, max: 65536n };
  }
  setrlimit(resource: number, limit: Rlimit): number {
    this.calls.push({ name: 'setrlimit', args: [resource, limit] });
    return 0;
  }
  sendUnixDatagram(address: Uint8Array, data: Uint8Array): number {
    this.calls.push({ name: 'sendUnixDatagram', args: [address.slice(), data.slice()] });
    return 0;
  }
  getpid(): number {
    return 4242;
  }
  monotonicNs(): bigint {
    return 1_000_000_000n;
  }
  clockNs(clock: number): bigint {
    return clock === 0 ? 1_700_000_000_000_000_000n : 1_000_000_000n;
  }
  pageSize(): number {
    return 4096;
  }
}
