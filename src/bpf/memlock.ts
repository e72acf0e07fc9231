// Kernels before 5.11 charge BPF maps and programs against RLIMIT_MEMLOCK (often 64 KiB), so
// anything real fails with EPERM. Newer kernels charge the memory cgroup instead. Like libbpf,
// tell the two apart by loading a tiny program calling bpf_ktime_get_coarse_ns — a helper that
// arrived in the same release as memcg accounting — and raise the limit only when it fails.

import { Attr, PROG_LOAD } from './attr.ts';
import { BPF_PROG_LOAD, BPF_PROG_TYPE_SOCKET_FILTER, RLIM_INFINITY, RLIMIT_MEMLOCK } from './constants.ts';
import { defaultSys } from './default-sys.ts';
import { Helper } from './helpers.ts';
import { call, exit, link } from './insn.ts';
import type { Sys } from './sys.ts';

/** Each Sys (there is one real one) is checked once. */
const done = new WeakSet<Sys>();

/** True when the kernel accounts BPF memory to the memory cgroup (5.11+). */
export function kernelUsesMemcg(sys: Sys = defaultSys()): boolean {
  const code = link([call(Helper.ktime_get_coarse_ns), exit()], null);
  const license = new TextEncoder().encode('GPL\0');
  const mem = sys.alloc(code.length + license.length);
  try {
    mem.bytes.set(code);
    mem.bytes.set(license, code.length);
    const a = new Attr(PROG_LOAD)
      .u32('prog_type', BPF_PROG_TYPE_SOCKET_FILTER)
      .u32('insn_cnt', code.length / 8)
      .u64('insns', mem.addr)
      .u64('license', mem.addr + BigInt(code.length));
    const fd = sys.bpf(BPF_PROG_LOAD, a.bytes);
    if (fd < 0) return false;
    sys.close(fd);
    return true;
  } finally {
    sys.free(mem);
  }
}

/**
 * Raises RLIMIT_MEMLOCK to infinity when the kernel still charges BPF memory against it. Runs
 * once; failures are silent (a later map or program load reports the real error, with a hint).
 */
export function ensureMemlock(sys: Sys = defaultSys()): void {
  if (done.has(sys)) return;
  done.add(sys);
  if (kernelUsesMemcg(sys)) return;
  const cur = sys.getrlimit(RLIMIT_MEMLOCK);
  if (typeof cur !== 'number' && cur.cur === RLIM_INFINITY) return;
  sys.setrlimit(RLIMIT_MEMLOCK, { cur: RLIM_INFINITY, max: RLIM_INFINITY });
}
