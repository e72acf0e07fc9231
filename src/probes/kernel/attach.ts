// Attachments of kernel-function and iterator programs that src/bpf/link.ts does not cover:
// tracing programs (fentry/fexit) through a raw-tracepoint open without a name, iterator
// links and the iterator files read from them, pinning, and multi-kprobe links.

import { readSync } from 'node:fs';
import { Attr, struct } from '../../bpf/attr.ts';
import {
  BPF_ITER_CREATE,
  BPF_LINK_CREATE,
  BPF_OBJ_PIN,
  BPF_RAW_TRACEPOINT_OPEN,
  BPF_TRACE_ITER,
  BPF_TRACE_KPROBE_MULTI,
  BPF_TRACE_KPROBE_SESSION,
} from '../../bpf/constants.ts';
import { fdLink, type Link } from '../../bpf/link.ts';
import type { BpfProgram } from '../../bpf/program.ts';
import { checkBpf, type Sys } from '../../bpf/sys.ts';

// ---------------------------------------------------------------- bpf_attr members used here

/** BPF_RAW_TRACEPOINT_OPEN: with name 0 it attaches a tracing program to its attach_btf_id. */
const RAW_TP_OPEN = struct({ name: 'u64', prog_fd: 'u32' });

/** BPF_LINK_CREATE with the `iter_info` member of its inner union. */
export const LINK_CREATE_ITER = struct({
  prog_fd: 'u32',
  target_fd: 'u32',
  attach_type: 'u32',
  flags: 'u32',
  iter_info: 'u64',
  iter_info_len: 'u32',
});

/** BPF_LINK_CREATE with the `kprobe_multi` member of its inner union. */
export const LINK_CREATE_KPROBE_MULTI = struct({
  prog_fd: 'u32',
  target_fd: 'u32',
  attach_type: 'u32',
  flags: 'u32',
  kprobe_multi_flags: 'u32',
  cnt: 'u32',
  syms: 'u64',
  addrs: 'u64',
  cookies: 'u64',
});

export const ITER_CREATE = struct({ link_fd: 'u32', flags: 'u32' });

export const OBJ_PIN = struct({ pathname: 'u64', bpf_fd: 'u32', file_flags: 'u32' });

/** kprobe_multi.flags: attach at function return (kretprobe). */
export const BPF_F_KPROBE_MULTI_RETURN = 1;

/** Attaches a loaded fentry/fexit program to the function its attach_btf_id names. */
export function attachTracing(prog: BpfProgram, what: string): Link {
  const sys = prog.sys;
  const a = new Attr(RAW_TP_OPEN).u64('name', 0).u32('prog_fd', prog.fd);
  const fd = checkBpf(sys.bpf(BPF_RAW_TRACEPOINT_OPEN, a.bytes), BPF_RAW_TRACEPOINT_OPEN, what);
  return fdLink(sys, [fd], 'tracing', what);
}

// ---------------------------------------------------------------- iterators

/** An iterator link: reading it (`iterate`) runs the program once per kernel object. */
export interface IterLink extends Link {
  readonly kind: 'iter';
  /**
   * Creates an iterator from the link and reads it to the end, passing its text to `write`;
   * `drain` is called after every read, for what the programs sent through the ring buffer.
   */
  iterate(drain: () => void, write: (text: string) => void): void;
  /** Where the script asked the link to be pinned (bpffs) instead of read, or null. */
  readonly pinPath: string | null;
  /** Pins the link at `pinPath` so it outlives this process. */
  pin(): void;
}

export function isIterLink(l: Link): l is IterLink {
  return l.kind === 'iter';
}

/** Bytes per read() of an iterator: a seq_file page. */
const ITER_READ_SIZE = 4096;

/**
 * union bpf_iter_link_info, as task iterators read it: tid, pid, pid_fd (the cgroup member makes
 * the union 16 bytes).
 */
const ITER_TASK_INFO = struct({ tid: 'u32', pid: 'u32', pid_fd: 'u32', pad: 'u32' });

/** An iterator link; with `pid`, a task iterator visits only that process (Linux 6.1, as bpftrace's -p). */
export function attachIter(prog: BpfProgram, what: string, pinPath: string | null, pid: number | null = null): IterLink {
  const sys = prog.sys;
  const a = new Attr(LINK_CREATE_ITER).u32('prog_fd', prog.fd).u32('attach_type', BPF_TRACE_ITER);
  const info = pid === null ? null : sys.alloc(ITER_TASK_INFO.size);
  let linkFd: number;
  try {
    if (info && pid !== null) {
      new Attr(ITER_TASK_INFO, info.bytes).u32('pid', pid);
      a.u64('iter_info', info.addr).u32('iter_info_len', ITER_TASK_INFO.size);
    }
    linkFd = checkBpf(sys.bpf(BPF_LINK_CREATE, a.bytes), BPF_LINK_CREATE, what);
  } finally {
    if (info) sys.free(info);
  }
  const base = fdLink(sys, [linkFd], 'iter', what);
  return {
    kind: 'iter',
    target: what,
    pinPath,
    close: () => base.close(),
    release: () => base.release(),
    iterate(drain, write) {
      const c = new Attr(ITER_CREATE).u32('link_fd', linkFd);
      const iterFd = checkBpf(sys.bpf(BPF_ITER_CREATE, c.bytes), BPF_ITER_CREATE, what);
      try {
        const buf = Buffer.alloc(ITER_READ_SIZE);
        // read() returns 0 at the end of the iteration.
        for (let n = readSync(iterFd, buf, 0, buf.length, null); n > 0; n = readSync(iterFd, buf, 0, buf.length, null)) {
          drain();
          write(buf.toString('latin1', 0, n));
        }
        drain();
      } finally {
        sys.close(iterFd);
      }
    },
    pin() {
      if (pinPath === null) throw new Error(`internal: ${what} has no pin path`);
      const path = pinPath;
      const bytes = Buffer.from(`${path}\0`);
      const mem = sys.alloc(bytes.length);
      try {
        mem.bytes.set(bytes);
        const p = new Attr(OBJ_PIN).u64('pathname', mem.addr).u32('bpf_fd', linkFd);
        checkBpf(sys.bpf(BPF_OBJ_PIN, p.bytes), BPF_OBJ_PIN, path);
      } finally {
        sys.free(mem);
      }
    },
  };
}

// ---------------------------------------------------------------- multi-kprobe links

/** The errno of a kprobe_multi link request for no functions (0 if the kernel made one). */
export function emptyKprobeMultiErrno(sys: Sys, progFd: number, attachType: number = BPF_TRACE_KPROBE_MULTI): number {
  const mem = sys.alloc(8);
  try {
    // `syms` must be set (syms xor addrs) for the kernel to reach its count check.
    const a = new Attr(LINK_CREATE_KPROBE_MULTI).u32('prog_fd', progFd).u32('attach_type', attachType).u32('cnt', 0).u64('syms', mem.addr);
    const r = sys.bpf(BPF_LINK_CREATE, a.bytes);
    if (r >= 0) sys.close(r);
    return r >= 0 ? 0 : -r;
  } finally {
    sys.free(mem);
  }
}

/**
 * One BPF_TRACE_KPROBE_MULTI link for many functions (Linux 5.18+, CONFIG_FPROBE), or with
 * `session` a BPF_TRACE_KPROBE_SESSION link (6.10+): the program runs at entry and at return.
 * The program must have been loaded with the same expected_attach_type.
 */
export function createKprobeMulti(
  sys: Sys,
  progFd: number,
  funcs: readonly string[],
  retprobe: boolean,
  what: string,
  cookies: readonly bigint[] = [],
  session = false,
): Link {
  const names = funcs.map((f) => Buffer.from(`${f}\0`, 'latin1'));
  const strBytes = names.reduce((n, b) => n + b.length, 0);
  const ptrsAt = Math.ceil(strBytes / 8) * 8;
  const withCookies = cookies.some((c) => c !== 0n);
  const cookiesAt = ptrsAt + funcs.length * 8;
  const mem = sys.alloc(cookiesAt + (withCookies ? funcs.length * 8 : 0));
  try {
    // The names, then the array of pointers to them that `syms` points at.
    const view = new DataView(mem.bytes.buffer, mem.bytes.byteOffset, mem.bytes.byteLength);
    let at = 0;
    names.forEach((b, i) => {
      mem.bytes.set(b, at);
      view.setBigUint64(ptrsAt + i * 8, mem.addr + BigInt(at), true);
      if (withCookies) view.setBigUint64(cookiesAt + i * 8, cookies[i] ?? 0n, true);
      at += b.length;
    });
    const a = new Attr(LINK_CREATE_KPROBE_MULTI)
      .u32('prog_fd', progFd)
      .u32('attach_type', session ? BPF_TRACE_KPROBE_SESSION : BPF_TRACE_KPROBE_MULTI)
      .u32('kprobe_multi_flags', retprobe ? BPF_F_KPROBE_MULTI_RETURN : 0)
      .u32('cnt', funcs.length)
      .u64('syms', mem.addr + BigInt(ptrsAt))
      .u64('cookies', withCookies ? mem.addr + BigInt(cookiesAt) : 0n);
    const fd = checkBpf(sys.bpf(BPF_LINK_CREATE, a.bytes), BPF_LINK_CREATE, what);
    return fdLink(sys, [fd], 'kprobe_multi', what);
  } finally {
    sys.free(mem);
  }
}
