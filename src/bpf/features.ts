// Kernel feature probes: one table of named probes, each run lazily once. Three-way answers, as
// in cilium/ebpf: 'available', 'missing' (the kernel gave the answer a kernel without the
// feature gives), or 'unknown' (anything else — no privilege, an unexpected errno). Only
// conclusive answers are cached.

import { existsSync } from 'node:fs';
import { loadKernelBtf } from '../btf/btf.ts';
import { Attr, ENABLE_STATS, LINK_CREATE, LINK_CREATE_UPROBE_MULTI, MAP_BATCH, MAP_CREATE, PROG_LOAD, PROG_TEST_RUN } from './attr.ts';
import * as C from './constants.ts';
import { defaultSys } from './default-sys.ts';
import { featureDisabled } from './disabled-features.ts';
import { Helper, type HelperName } from './helpers.ts';
import { AluOp, alu64Reg, call, exit, type Insn, kfuncCall, link, movImm, movReg, Reg, sdivReg } from './insn.ts';
import { ensureMemlock } from './memlock.ts';
import { pmuInfo } from './perf-event.ts';
import { cString, E2BIG, EACCES, EBADF, EINVAL, ENOENT, ENOTSUPP, EOPNOTSUPP, EPERM, errnoName, type Sys } from './sys.ts';

export type FeatureStatus = 'available' | 'missing' | 'unknown';

export interface FeatureResult {
  status: FeatureStatus;
  /** Why, when not plainly available (errno, verifier line). */
  detail?: string;
}

interface FeatureProbe {
  name: string;
  description: string;
  /** First mainline kernel with the feature. */
  minKernel: string;
  group: 'program types' | 'map types' | 'helpers' | 'kernel';
  probe(sys: Sys): FeatureResult;
}

const ok = (): FeatureResult => ({ status: 'available' });
const missing = (detail?: string): FeatureResult => (detail ? { status: 'missing', detail } : { status: 'missing' });
const unknown = (detail: string): FeatureResult => ({
  status: 'unknown',
  detail,
});

const ret0: Insn[] = [movImm(Reg.R0, 0), exit()];

interface LoadAnswer {
  fd: number;
  errno: number;
  log: string;
}

/** Loads a probe program and closes it again: whether it loads is the answer. */
function tryLoad(sys: Sys, type: number, insns: readonly Insn[], withLog: boolean, expectedAttachType = 0, attachBtfId = 0): LoadAnswer {
  const r = loadKept(sys, type, insns, withLog, expectedAttachType, attachBtfId);
  if (r.fd >= 0) sys.close(r.fd);
  return r;
}

/** Loads a probe program, with a verifier log when `withLog`; on success the caller owns the fd. */
function loadKept(sys: Sys, type: number, insns: readonly Insn[], withLog: boolean, expectedAttachType = 0, attachBtfId = 0): LoadAnswer {
  const code = link(insns, null);
  const license = new TextEncoder().encode('GPL\0');
  const logSize = withLog ? 64 * 1024 : 0;
  const mem = sys.alloc(code.length + license.length + logSize);
  try {
    mem.bytes.set(code);
    mem.bytes.set(license, code.length);
    const logAt = code.length + license.length;
    const a = new Attr(PROG_LOAD)
      .u32('prog_type', type)
      .u32('insn_cnt', code.length / 8)
      .u64('insns', mem.addr)
      .u64('license', mem.addr + BigInt(code.length))
      .u32('expected_attach_type', expectedAttachType)
      .u32('attach_btf_id', attachBtfId);
    if (withLog)
      a.u32('log_level', 1)
        .u32('log_size', logSize)
        .u64('log_buf', mem.addr + BigInt(logAt));
    const r = sys.bpf(C.BPF_PROG_LOAD, a.bytes);
    if (r >= 0) return { fd: r, errno: 0, log: '' };
    return { fd: r, errno: -r, log: withLog ? cString(mem.bytes.subarray(logAt)) : '' };
  } finally {
    sys.free(mem);
  }
}

function progType(type: number, expectedAttachType = 0): (sys: Sys) => FeatureResult {
  return (sys) => {
    const r = tryLoad(sys, type, ret0, false, expectedAttachType);
    if (r.errno === 0) return ok();
    if (r.errno === EINVAL || r.errno === E2BIG) return missing(errnoName(r.errno));
    if (r.errno === EPERM || r.errno === EACCES) {
      // Not allowed: conclusive only if an always-present type loads (we do have privilege).
      const base = tryLoad(sys, C.BPF_PROG_TYPE_SOCKET_FILTER, ret0, false);
      return base.errno === 0 ? missing(`${errnoName(r.errno)}: refused by this kernel`) : unknown(`${errnoName(r.errno)}: no privilege`);
    }
    return unknown(errnoName(r.errno));
  };
}

function mapType(type: number, keySize: number, valueSize: number, maxEntries: number | 'page'): (sys: Sys) => FeatureResult {
  return (sys) => {
    const a = new Attr(MAP_CREATE)
      .u32('map_type', type)
      .u32('key_size', keySize)
      .u32('value_size', valueSize)
      .u32('max_entries', maxEntries === 'page' ? sys.pageSize() : maxEntries);
    const r = sys.bpf(C.BPF_MAP_CREATE, a.bytes);
    if (r >= 0) {
      sys.close(r);
      return ok();
    }
    if (r === -EINVAL || r === -E2BIG) return missing(errnoName(-r));
    return unknown(errnoName(-r));
  };
}

/**
 * A helper is missing when the verifier does not know it ("invalid func", "unknown func") or
 * will not let this program type call it; a rejection for any other reason (bad arguments) means
 * the verifier got past the lookup, so the helper exists.
 */
function helper(id: number, type = C.BPF_PROG_TYPE_KPROBE): (sys: Sys) => FeatureResult {
  return (sys) => helperAnswer(tryLoad(sys, type, [call(id), ...ret0], true));
}

function helperAnswer(r: LoadAnswer): FeatureResult {
  if (r.errno === 0) return ok();
  const line = /(?:invalid|unknown) func[^\n]*|program of this type cannot use helper[^\n]*|helper call is not allowed in probe[^\n]*/.exec(
    r.log,
  );
  if (line) return missing(line[0]);
  if (r.log) return ok();
  return unknown(errnoName(r.errno));
}

/**
 * Helpers only tracing programs may call (bpf_d_path, bpf_skb_output), probed from an fentry
 * program on dentry_open, as bpftrace does: the verifier checks fentry programs against the
 * function's BTF, and bpf_d_path only on functions of its allow list, which dentry_open is on.
 */
function tracingHelper(id: number): (sys: Sys) => FeatureResult {
  return (sys) => {
    let btfId: number | null = null;
    try {
      btfId = loadKernelBtf().findId('dentry_open', 'func');
    } catch {
      return missing('no kernel BTF');
    }
    if (btfId === null) return unknown('no dentry_open in the kernel BTF to probe with');
    return helperAllowedAt(sys, id, btfId);
  };
}

/**
 * Whether an fentry program on the vmlinux function with BTF id `btfId` may call helper `id`.
 * The verifier checks that (the helper's `allowed` hook: bpf_d_path's allow list) before it
 * looks at the arguments, so a bare call answers it.
 */
function helperAllowedAt(sys: Sys, id: number, btfId: number): FeatureResult {
  const r = tryLoad(sys, C.BPF_PROG_TYPE_TRACING, [call(id), ...ret0], true, C.BPF_TRACE_FENTRY, btfId);
  // The verifier's own refusals (EACCES for "R1 !read_ok") come with a log; a policy's come without.
  if ((r.errno === EPERM || r.errno === EACCES) && !r.log.trim()) {
    // As for program types: conclusive only if we may load programs at all.
    const base = tryLoad(sys, C.BPF_PROG_TYPE_SOCKET_FILTER, ret0, false);
    return base.errno === 0
      ? missing(`${errnoName(r.errno)}: tracing programs refused by this kernel`)
      : unknown(`${errnoName(r.errno)}: no privilege`);
  }
  return helperAnswer(r);
}

/** Helpers bpftrace features depend on, probed from a kprobe-type program (as most probes are). */
const HELPERS: readonly HelperName[] = [
  'probe_read',
  'probe_read_str',
  'probe_read_user',
  'probe_read_kernel',
  'probe_read_user_str',
  'probe_read_kernel_str',
  'get_current_cgroup_id',
  'send_signal',
  'ringbuf_output',
  'perf_event_output',
  'get_stackid',
  'ktime_get_boot_ns',
  'ktime_get_tai_ns',
  'get_current_task_btf',
  'get_func_ip',
  'get_attach_cookie',
  'for_each_map_elem',
  'loop',
  'map_lookup_percpu_elem',
  'snprintf',
  'strncmp',
  'override_return',
];

/** Helpers of tracing programs (fentry/fexit, iterators) only. */
const TRACING_HELPERS: readonly HelperName[] = ['d_path', 'skb_output'];

const FEATURES: readonly FeatureProbe[] = [
  {
    name: 'prog_raw_tracepoint',
    group: 'program types',
    description: 'raw tracepoint programs',
    minKernel: '4.17',
    probe: progType(C.BPF_PROG_TYPE_RAW_TRACEPOINT),
  },
  {
    name: 'prog_tracepoint',
    group: 'program types',
    description: 'tracepoint programs',
    minKernel: '4.7',
    probe: progType(C.BPF_PROG_TYPE_TRACEPOINT),
  },
  {
    name: 'prog_perf_event',
    group: 'program types',
    description: 'perf event programs',
    minKernel: '4.9',
    probe: progType(C.BPF_PROG_TYPE_PERF_EVENT),
  },
  {
    name: 'prog_kprobe',
    group: 'program types',
    description: 'kprobe/uprobe programs',
    minKernel: '4.1',
    probe: progType(C.BPF_PROG_TYPE_KPROBE),
  },
  {
    name: 'prog_tracing',
    group: 'program types',
    description: 'tracing programs (fentry/fexit)',
    minKernel: '5.5',
    probe: (sys) => {
      // Without a BTF id a kernel that has the type says EINVAL too; only EPERM is conclusive.
      const r = progType(C.BPF_PROG_TYPE_TRACING, C.BPF_TRACE_FENTRY)(sys);
      return r.status === 'missing' && r.detail === 'EINVAL' ? unknown('EINVAL: needs a BTF function id to tell') : r;
    },
  },
  {
    name: 'map_hash',
    group: 'map types',
    description: 'hash maps',
    minKernel: '3.19',
    probe: mapType(C.BPF_MAP_TYPE_HASH, 4, 8, 1),
  },
  {
    name: 'map_percpu_array',
    group: 'map types',
    description: 'per-CPU array maps',
    minKernel: '4.6',
    probe: mapType(C.BPF_MAP_TYPE_PERCPU_ARRAY, 4, 8, 1),
  },
  {
    name: 'map_percpu_hash',
    group: 'map types',
    description: 'per-CPU hash maps',
    minKernel: '4.6',
    probe: mapType(C.BPF_MAP_TYPE_PERCPU_HASH, 4, 8, 1),
  },
  {
    name: 'map_lru_hash',
    group: 'map types',
    description: 'LRU hash maps',
    minKernel: '4.10',
    probe: mapType(C.BPF_MAP_TYPE_LRU_HASH, 4, 8, 1),
  },
  {
    name: 'map_stack_trace',
    group: 'map types',
    description: 'stack trace maps',
    minKernel: '4.6',
    probe: mapType(C.BPF_MAP_TYPE_STACK_TRACE, 4, 8, 1),
  },
  {
    name: 'map_ringbuf',
    group: 'map types',
    description: 'ring buffer maps',
    minKernel: '5.8',
    probe: mapType(C.BPF_MAP_TYPE_RINGBUF, 0, 0, 'page'),
  },
  {
    name: 'map_batch',
    group: 'kernel',
    description: 'batch map lookups (BPF_MAP_LOOKUP_BATCH)',
    minKernel: '5.6',
    probe: (sys) => {
      const m = sys.bpf(
        C.BPF_MAP_CREATE,
        new Attr(MAP_CREATE).u32('map_type', C.BPF_MAP_TYPE_HASH).u32('key_size', 4).u32('value_size', 8).u32('max_entries', 1).bytes,
      );
      if (m < 0) return unknown(`map create: ${errnoName(-m)}`);
      try {
        const mem = sys.alloc(32);
        try {
          const a = new Attr(MAP_BATCH)
            .u64('out_batch', mem.addr)
            .u64('keys', mem.addr + 8n)
            .u64('values', mem.addr + 16n)
            .u32('count', 1)
            .u32('map_fd', m);
          const r = sys.bpf(C.BPF_MAP_LOOKUP_BATCH, a.bytes);
          // An empty map answers ENOENT once the command exists.
          if (r >= 0 || r === -ENOENT) return ok();
          if (r === -EINVAL || r === -ENOTSUPP || r === -EOPNOTSUPP) return missing(errnoName(-r));
          return unknown(errnoName(-r));
        } finally {
          sys.free(mem);
        }
      } finally {
        sys.close(m);
      }
    },
  },
  {
    name: 'prog_test_run_raw_tp',
    group: 'kernel',
    description: 'BPF_PROG_TEST_RUN for raw tracepoint programs',
    minKernel: '5.10',
    probe: (sys) => {
      const { fd, errno } = loadKept(sys, C.BPF_PROG_TYPE_RAW_TRACEPOINT, ret0, false);
      if (fd < 0) return unknown(`load: ${errnoName(errno)}`);
      try {
        const r = sys.bpf(C.BPF_PROG_TEST_RUN, new Attr(PROG_TEST_RUN).u32('prog_fd', fd).bytes);
        if (r >= 0) return ok();
        if (r === -ENOTSUPP || r === -EOPNOTSUPP || r === -EINVAL) return missing(errnoName(-r));
        return unknown(errnoName(-r));
      } finally {
        sys.close(fd);
      }
    },
  },
  {
    name: 'perf_link',
    group: 'kernel',
    description: 'bpf_link for perf events (BPF_LINK_CREATE + BPF_PERF_EVENT)',
    minKernel: '5.15',
    probe: (sys) => {
      // cilium/ebpf's trick: a kernel that knows the attach type checks the target fd (EBADF).
      const { fd, errno } = loadKept(sys, C.BPF_PROG_TYPE_TRACEPOINT, ret0, false);
      if (fd < 0) return unknown(`load: ${errnoName(errno)}`);
      try {
        const a = new Attr(LINK_CREATE).u32('prog_fd', fd).u32('target_fd', 0x7fffffff).u32('attach_type', C.BPF_PERF_EVENT);
        const r = sys.bpf(C.BPF_LINK_CREATE, a.bytes);
        if (r >= 0) {
          sys.close(r);
          return ok();
        }
        if (r === -EBADF) return ok();
        if (r === -EINVAL) return missing(errnoName(-r));
        return unknown(errnoName(-r));
      } finally {
        sys.close(fd);
      }
    },
  },
  {
    name: 'uprobe_multi',
    group: 'kernel',
    description: 'uprobe_multi links (BPF_LINK_CREATE + BPF_TRACE_UPROBE_MULTI)',
    minKernel: '6.6',
    probe: (sys) => {
      // libbpf's probe, which attaches nothing: a kernel with the link type opens the path "/"
      // and finds it is no regular file (EBADF); one without it refuses the attach type first.
      const { fd, errno } = loadKept(sys, C.BPF_PROG_TYPE_KPROBE, ret0, false, C.BPF_TRACE_UPROBE_MULTI);
      if (fd < 0) return errno === EINVAL ? missing('EINVAL: no BPF_TRACE_UPROBE_MULTI programs') : unknown(`load: ${errnoName(errno)}`);
      const mem = sys.alloc(16);
      try {
        mem.bytes.set([0x2f, 0]);
        const link = (pid: number): number => {
          const a = new Attr(LINK_CREATE_UPROBE_MULTI)
            .u32('prog_fd', fd)
            .u32('attach_type', C.BPF_TRACE_UPROBE_MULTI)
            .u64('path', mem.addr)
            .u64('offsets', mem.addr + 8n)
            .u32('cnt', 1)
            .u32('pid', pid);
          const r = sys.bpf(C.BPF_LINK_CREATE, a.bytes);
          if (r >= 0) sys.close(r);
          return r;
        };
        const r = link(0);
        if (r !== -EBADF) return r === -EINVAL ? missing(errnoName(-r)) : unknown(r >= 0 ? 'attached to "/"' : errnoName(-r));
        // The first kernels with it filtered by thread, not process (-p would miss threads):
        // fixed ones check the pid before the path, so an invalid pid (-1) answers EINVAL.
        const fixed = link(0xffffffff);
        return fixed === -EINVAL ? ok() : missing(`filters by thread, not process (${errnoName(-fixed)})`);
      } finally {
        sys.free(mem);
        sys.close(fd);
      }
    },
  },
  {
    name: 'isa_v4',
    group: 'kernel',
    description: 'ISA v4 instructions (sdiv/smod, movsx, ldsx, bswap)',
    minKernel: '6.6',
    probe: (sys) => {
      const movsx: Insn = { ...movReg(Reg.R0, Reg.R1), off: 8 };
      const insns = [
        movImm(Reg.R0, 7),
        movImm(Reg.R1, 2),
        sdivReg(AluOp.DIV, Reg.R0, Reg.R1),
        movsx,
        alu64Reg(AluOp.ADD, Reg.R0, Reg.R1),
        ...ret0,
      ];
      const r = tryLoad(sys, C.BPF_PROG_TYPE_SOCKET_FILTER, insns, true);
      if (r.errno === 0) return ok();
      if (r.errno === EINVAL && /invalid|unknown|reserved/.test(r.log))
        return missing(r.log.split('\n').find((l) => /invalid|unknown|reserved/.test(l)));
      return unknown(errnoName(r.errno));
    },
  },
  {
    name: 'enable_stats',
    group: 'kernel',
    description: 'run-time statistics (BPF_ENABLE_STATS)',
    minKernel: '5.8',
    probe: (sys) => {
      const r = sys.bpf(C.BPF_ENABLE_STATS, new Attr(ENABLE_STATS).u32('type', C.BPF_STATS_RUN_TIME).bytes);
      if (r >= 0) {
        sys.close(r);
        return ok();
      }
      return r === -EINVAL ? missing('EINVAL') : unknown(errnoName(-r));
    },
  },
  {
    name: 'btf_vmlinux',
    group: 'kernel',
    description: 'kernel BTF (/sys/kernel/btf/vmlinux)',
    minKernel: '5.4',
    probe: () => (existsSync('/sys/kernel/btf/vmlinux') ? ok() : missing('no /sys/kernel/btf/vmlinux')),
  },
  {
    name: 'kprobe_pmu',
    group: 'kernel',
    description: 'kprobe PMU (kprobes through perf_event_open)',
    minKernel: '4.17',
    probe: () => (pmuInfo('kprobe') ? ok() : missing('no /sys/bus/event_source/devices/kprobe')),
  },
  {
    name: 'uprobe_pmu',
    group: 'kernel',
    description: 'uprobe PMU (uprobes through perf_event_open)',
    minKernel: '4.17',
    probe: () => (pmuInfo('uprobe') ? ok() : missing('no /sys/bus/event_source/devices/uprobe')),
  },
  ...HELPERS.map(
    (h): FeatureProbe => ({
      name: `helper_${h}`,
      group: 'helpers',
      description: `bpf_${h}`,
      minKernel: '',
      probe: helper(Helper[h]),
    }),
  ),
  ...TRACING_HELPERS.map(
    (h): FeatureProbe => ({
      name: `helper_${h}`,
      group: 'helpers',
      description: `bpf_${h}`,
      minKernel: '',
      probe: tracingHelper(Helper[h]),
    }),
  ),
];

export type FeatureName = string;

export class Features {
  private readonly sys: Sys;
  private readonly cache = new Map<string, FeatureResult>();

  constructor(sys: Sys = defaultSys()) {
    this.sys = sys;
  }

  /** Every known feature name, in report order. */
  names(): string[] {
    return FEATURES.map((f) => f.name);
  }

  describe(name: string): string {
    return find(name).description;
  }

  /** First mainline kernel with the feature ('' when it varies, e.g. per helper). */
  minKernel(name: string): string {
    return find(name).minKernel;
  }

  /** Runs (once) and returns the probe's answer. */
  result(name: string): FeatureResult {
    const hit = this.cache.get(name);
    if (hit) return hit;
    const f = find(name);
    if (featureDisabled(name)) return { status: 'missing', detail: 'disabled by --no-feature' };
    ensureMemlock(this.sys);
    let r: FeatureResult;
    try {
      r = f.probe(this.sys);
    } catch (e) {
      r = unknown(e instanceof Error ? e.message : String(e));
    }
    if (r.status !== 'unknown') this.cache.set(name, r);
    return r;
  }

  /** Whether fentry programs on the vmlinux function `btfId` may call `helper` (cached when conclusive). */
  helperAllowedAt(helper: HelperName, btfId: number): FeatureResult {
    const key = `${helper}@${btfId}`;
    const hit = this.cache.get(key);
    if (hit) return hit;
    ensureMemlock(this.sys);
    const r = helperAllowedAt(this.sys, Helper[helper], btfId);
    if (r.status !== 'unknown') this.cache.set(key, r);
    return r;
  }

  status(name: string): FeatureStatus {
    return this.result(name).status;
  }

  has(name: string): boolean {
    return this.status(name) === 'available';
  }

  /** `--info`-style text: one line per feature, grouped. */
  report(): string {
    const lines: string[] = [];
    let group = '';
    for (const f of FEATURES) {
      if (f.group !== group) {
        group = f.group;
        lines.push(`  ${group[0]?.toUpperCase()}${group.slice(1)}`);
      }
      const r = this.result(f.name);
      const answer = r.status === 'available' ? 'yes' : r.status === 'missing' ? 'no' : 'unknown';
      // "needs Linux X" only where the kernel's answer is the one an older kernel gives.
      const old = r.status === 'missing' && f.minKernel && /^(EINVAL|E2BIG|ENOTSUPP|EOPNOTSUPP)$/.test(r.detail ?? '');
      const detail = [r.status !== 'available' ? r.detail : undefined, old ? `needs Linux ${f.minKernel}` : undefined].filter(Boolean);
      lines.push(`    ${f.description}: ${answer}${detail.length ? ` (${detail.join(', ')})` : ''}`);
    }
    return lines.join('\n');
  }
}

function find(name: string): FeatureProbe {
  const f = FEATURES.find((x) => x.name === name);
  if (!f) throw new Error(`unknown feature ${name}`);
  return f;
}

let shared: Features | undefined;

/** The process-wide feature cache. */
export function features(): Features {
  shared ??= new Features();
  return shared;
}

export function featureReport(): string {
  return features().report();
}

/**
 * Whether a program of `progType` may call the kfunc with vmlinux BTF id `btfId`, as bpftrace
 * tells: a program that only calls it is loaded, and only the verifier's "calling kernel
 * function NAME is not allowed" counts as a no (a type that needs an attach target fails to load
 * for that reason, not for the kfunc).
 */
export function kfuncCallAllowed(progType: number, btfId: number, name: string, sys: Sys = defaultSys()): boolean {
  // Asked again by every type-checking pass of every probe using it: one load per question.
  const key = `${progType}:${btfId}`;
  const known = kfuncAnswers.get(key);
  if (known !== undefined) return known;
  ensureMemlock(sys);
  const r = tryLoad(sys, progType, [kfuncCall(btfId), exit()], true);
  const allowed = r.errno === 0 || (r.errno !== EPERM && !r.log.includes(`calling kernel function ${name} is not allowed`));
  kfuncAnswers.set(key, allowed);
  return allowed;
}

const kfuncAnswers = new Map<string, boolean>();
