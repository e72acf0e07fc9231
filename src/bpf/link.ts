// Attachments. Closing a Link detaches the program; for perf-event attachments it also closes
// the perf event (the link first, then the event, as the kernel tears down in that order).

import { Attr, LINK_CREATE, RAW_TRACEPOINT_OPEN } from './attr.ts';
import {
  BPF_LINK_CREATE,
  BPF_PERF_EVENT,
  BPF_RAW_TRACEPOINT_OPEN,
  PERF_EVENT_IOC_DISABLE,
  PERF_EVENT_IOC_ENABLE,
  PERF_EVENT_IOC_SET_BPF,
} from './constants.ts';
import type { BpfProgram } from './program.ts';
import { check, checkBpf, EINVAL, type Sys } from './sys.ts';

export interface Link {
  /** How it is attached: 'raw_tracepoint', 'perf_link' (bpf_link over a perf event), 'perf_ioctl', 'tracing', ... */
  readonly kind: string;
  /** What it is attached to, for messages. */
  readonly target: string;
  close(): void;
  /**
   * Marks the link closed and hands over the fds whose closing detaches it, in the order to
   * close them: for `detachAll`, which closes many links' fds at once. Never throws; a second
   * call hands over nothing.
   */
  release(): number[];
}

/**
 * A link that is a list of fds, detached by closing them in order. `beforeRelease` runs once,
 * before the fds are handed over (best effort: the fds are handed over even if it throws).
 */
export function fdLink(sys: Sys, fds: readonly number[], kind: string, target: string, beforeRelease?: () => void): Link {
  let open = true;
  const release = (): number[] => {
    if (!open) return [];
    open = false;
    try {
      beforeRelease?.();
    } catch {
      // Closing the fds detaches regardless.
    }
    return [...fds];
  };
  return {
    kind,
    target,
    release,
    close() {
      for (const fd of release()) sys.close(fd);
    },
  };
}

/** Below this many fds, closing them one after another is as quick as starting threads. */
const CONCURRENT_DETACH_MIN = 8;

/**
 * Detaches every link, last attached first, and empties `links`. Many links are closed from
 * several threads at once: each close waits for the kernel's RCU grace periods, which
 * concurrent closes share (360 tracepoints detach in well under a second instead of ~25 s).
 */
export async function detachAll(sys: Sys, links: Link[]): Promise<void> {
  const groups: number[][] = [];
  for (const l of links.splice(0).reverse()) {
    const fds = l.release();
    if (fds.length) groups.push(fds);
  }
  if (groups.reduce((n, g) => n + g.length, 0) < CONCURRENT_DETACH_MIN) {
    for (const g of groups) for (const fd of g) sys.close(fd);
    return;
  }
  await sys.closeConcurrently(groups);
}

/** BPF_RAW_TRACEPOINT_OPEN: attaches a raw tracepoint program to e.g. `sys_enter`. */
export function attachRawTracepoint(prog: BpfProgram, name: string): Link {
  const sys = prog.sys;
  const bytes = new TextEncoder().encode(`${name}\0`);
  const mem = sys.alloc(bytes.length);
  let fd: number;
  try {
    mem.bytes.set(bytes);
    const a = new Attr(RAW_TRACEPOINT_OPEN).u64('name', mem.addr).u32('prog_fd', prog.fd);
    fd = checkBpf(sys.bpf(BPF_RAW_TRACEPOINT_OPEN, a.bytes), BPF_RAW_TRACEPOINT_OPEN, `raw tracepoint ${name}`);
  } finally {
    sys.free(mem);
  }
  return fdLink(sys, [fd], 'raw_tracepoint', name);
}

/** Whether BPF_LINK_CREATE works for perf events here; learnt from the first attempt. */
let perfLinkWorks: boolean | undefined;

/**
 * Attaches `prog` to an open perf event (tracepoint, kprobe/uprobe PMU, software, breakpoint).
 * Uses a bpf_link where the kernel has one for perf events (5.15+), else the older
 * PERF_EVENT_IOC_SET_BPF ioctl; then enables the event. The link owns `perfFd` from here on —
 * also when attaching fails, in which case it is closed.
 */
export function attachPerfEvent(prog: BpfProgram, perfFd: number, opts: { cookie?: bigint; target?: string } = {}): Link {
  const sys = prog.sys;
  const target = opts.target ?? `perf event fd ${perfFd}`;
  try {
    let linkFd = -1;
    if (perfLinkWorks !== false) {
      const a = new Attr(LINK_CREATE)
        .u32('prog_fd', prog.fd)
        .u32('target_fd', perfFd)
        .u32('attach_type', BPF_PERF_EVENT)
        .u64('bpf_cookie', opts.cookie ?? 0n);
      const r = sys.bpf(BPF_LINK_CREATE, a.bytes);
      if (r >= 0) {
        perfLinkWorks = true;
        linkFd = r;
      } else if (r === -EINVAL && perfLinkWorks === undefined) {
        perfLinkWorks = false; // kernel does not know perf-event links; use the ioctl
      } else {
        checkBpf(r, BPF_LINK_CREATE, target);
      }
    }
    if (linkFd < 0) {
      if (opts.cookie) throw new Error(`${target}: BPF cookies need perf-event bpf_link support (Linux 5.15)`);
      check(sys.ioctl(perfFd, PERF_EVENT_IOC_SET_BPF, prog.fd), 'ioctl', 'PERF_EVENT_IOC_SET_BPF', target);
    }
    const r = sys.ioctl(perfFd, PERF_EVENT_IOC_ENABLE, 0);
    if (r < 0) {
      if (linkFd >= 0) sys.close(linkFd);
      check(r, 'ioctl', 'PERF_EVENT_IOC_ENABLE', target);
    }
    if (linkFd >= 0) return fdLink(sys, [linkFd, perfFd], 'perf_link', target);
    return fdLink(sys, [perfFd], 'perf_ioctl', target, () => sys.ioctl(perfFd, PERF_EVENT_IOC_DISABLE, 0));
  } catch (e) {
    sys.close(perfFd);
    throw e;
  }
}

/** Test hook: forget what was learnt about perf-event links. */
export function resetPerfLinkSupport(value?: boolean): void {
  perfLinkWorks = value;
}
