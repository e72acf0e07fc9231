// BPF programs: a ProgramSpec is pure data; BpfProgram.load links it against live maps and asks
// the verifier. A failed load is retried with a verifier log (growing the buffer on ENOSPC) so
// the error carries the verifier's reasoning.

import { Attr, ENABLE_STATS, FUNC_INFO, OBJ_GET_INFO_BY_FD, PROG_INFO, PROG_LOAD, PROG_TEST_RUN } from './attr.ts';
import { FIRST_FUNC_ID, funcInfoBtf, loadBtf } from './btf-func.ts';
import { openKernelBtfObject } from './btf-objects.ts';
import {
  BPF_ENABLE_STATS,
  BPF_OBJ_GET_INFO_BY_FD,
  BPF_OBJ_NAME_LEN,
  BPF_PROG_LOAD,
  BPF_PROG_TEST_RUN,
  BPF_STATS_RUN_TIME,
} from './constants.ts';
import { defaultSys } from './default-sys.ts';
import { type Insn, layout, link, type MapResolver } from './insn.ts';
import type { BpfMap } from './map.ts';
import { sanitizeObjName } from './map.ts';
import { openProgramById } from './prog-list.ts';
import { checkBpf, cString, E2BIG, EACCES, EAGAIN, EINVAL, ENOSPC, EPERM, type NativeBuffer, type Sys, SyscallError } from './sys.ts';

export interface ProgramSpec {
  name: string;
  type: number;
  insns: readonly Insn[];
  license: string;
  expectedAttachType?: number;
  attachBtfId?: number;
  /** The kernel module whose BTF `attachBtfId` is in (fentry on a module function). */
  attachBtfObject?: string;
  /** The running BPF program whose BTF `attachBtfId` is in (fentry:bpf on one of its functions). */
  attachProgId?: number;
  /**
   * The program's name in its BTF function info (no 15-character limit, unlike `name`):
   * bpftool and fentry:bpf see it. Default: `name`.
   */
  funcName?: string;
  /** prog_flags (BPF_F_SLEEPABLE, ...). */
  flags?: number;
  /** LINUX_VERSION_CODE; only kprobe programs on kernels before 5.0 check it. */
  kernVersion?: number;
}

export interface LoadOptions {
  /**
   * Ask for the verifier's log (level 1) from the first load, in a buffer of this many bytes
   * (bpftrace's -v with log_size); otherwise a log is only asked for to explain a failure.
   */
  verifierLog?: number;
}

export interface TestRunResult {
  retval: number;
  /** Average run time reported by the kernel; 0 for program types that do not time runs. */
  durationNs: number;
}

export interface ProgramStats {
  runTimeNs: bigint;
  runCnt: bigint;
  recursionMisses: bigint;
}

/** A MapResolver over live maps, keyed by their spec names. */
export function mapResolver(maps: Iterable<BpfMap> | ReadonlyMap<string, BpfMap>): MapResolver {
  const byName = new Map<string, number>();
  if (maps instanceof Map) for (const [name, m] of maps) byName.set(name, m.fd);
  else for (const m of maps as Iterable<BpfMap>) byName.set(m.spec.name, m.fd);
  return { fd: (name) => byName.get(name) };
}

const LOG_START = 64 * 1024;
/** Kernels before 5.2 cap log_size at 16 MiB - 1; newer ones accept more, but that is plenty. */
const LOG_MAX = 16 * 1024 * 1024 - 1;
/** log_level 1: the verifier's trace of the path that failed. */
const LOG_LEVEL_BRANCH = 1;

export class VerifierError extends SyscallError {
  readonly log: string;
  readonly hints: readonly string[];
  readonly program: string;
  /** The log did not fit even the largest buffer. */
  readonly truncated: boolean;
  /** The size of the buffer the log was read into. */
  readonly logSize: number;

  constructor(program: string, errno: number, log: string, truncated: boolean, logSize: number) {
    const reason = reasonLine(log);
    super('bpf', 'BPF_PROG_LOAD', errno, `program ${program}${reason ? `: ${reason}` : ''}`);
    this.name = 'VerifierError';
    this.program = program;
    this.log = log;
    this.truncated = truncated;
    this.logSize = logSize;
    this.hints = hintsFor(errno, log);
  }

  /** The last `n` non-empty lines of the verifier log (where the reason for rejection is). */
  lastLines(n: number): string[] {
    return splitLog(this.log).slice(-n);
  }
}

function splitLog(log: string): string[] {
  return log.split('\n').filter((l) => l.trim() !== '');
}

/** Verifier summary lines that follow the actual reason for a rejection. */
const SUMMARY = /^(processed \d+ insns|verification time|stack depth|max_states_per_insn|-- END PROG LOAD LOG --)/;

/** The line that says why the verifier gave up: the last one that is not a summary. */
export function reasonLine(log: string): string | undefined {
  const lines = splitLog(log);
  for (let i = lines.length - 1; i >= 0; i--) {
    const l = lines[i] as string;
    if (!SUMMARY.test(l)) return l;
  }
  return undefined;
}

function hintsFor(errno: number, log: string): string[] {
  const hints: string[] = [];
  if ((errno === EPERM || errno === EACCES) && log.trim() === '') {
    hints.push('loading BPF programs needs root (CAP_BPF and CAP_PERFMON, or CAP_SYS_ADMIN)');
    hints.push('on kernels before 5.11 the locked-memory limit (ulimit -l) may be too low');
    hints.push('as root, a security policy (lockdown, an LSM) may still forbid this program type');
  }
  const unknownFunc = /(?:unknown|invalid) func (\w+)#(\d+)/.exec(log);
  if (unknownFunc) hints.push(`helper ${unknownFunc[1]} (#${unknownFunc[2]}) is not available on this kernel or for this program type`);
  const wrongType = /program of this type cannot use helper (\w+)#(\d+)/.exec(log);
  if (wrongType?.[1] === 'bpf_probe_write_user') {
    // Offered to every tracing program type unless lockdown (or a missing CAP_SYS_ADMIN) withholds it.
    hints.push('this kernel does not allow bpf_probe_write_user (write_user()): kernel lockdown or a missing CAP_SYS_ADMIN forbids it');
  } else if (wrongType) hints.push(`${wrongType[1]} cannot be called from this kind of probe`);
  if (/BPF program is too large|too many states/.test(log) || errno === E2BIG) {
    hints.push('the program is too large or complex for the verifier: split the probe or simplify loops');
  }
  if (/unreachable insn/.test(log)) hints.push('code generation left an unreachable instruction');
  if (/invalid (?:indirect )?read from stack/.test(log)) hints.push('a stack slot is read before it is written');
  if (/GPL-compatible license/.test(log)) hints.push('the helper is GPL-only: the program license must be GPL-compatible');
  if (errno === EINVAL && log.trim() === '')
    hints.push('the kernel rejected the load attributes (unsupported program type or attach type?)');
  return hints;
}

/** Extra attempts at BPF_PROG_LOAD after EAGAIN. */
const LOAD_RETRIES = 5;
let loadAttr: Attr<keyof typeof PROG_LOAD.offsets> | undefined;

/** Set once the kernel refused our function-info BTF (kernels before 5.0): then only callbacks ask again. */
let btfRefused = false;

/**
 * The BTF function info for a program: its start and every subprogram's, with their FUNC names;
 * null when it goes without (the kernel refused such BTF before, and no callback needs it).
 */
function loadFuncInfo(sys: Sys, spec: ProgramSpec, linked: Linked): { btfFd: number; starts: number[] } | null {
  const { callbacks, starts } = linked;
  if (btfRefused && !callbacks) return null;
  const main = spec.funcName ?? spec.name;
  try {
    return { btfFd: loadBtf(sys, funcInfoBtf(starts.map((_, n) => (n === 0 ? main : `${main}_sub${n}`)))), starts };
  } catch (e) {
    if (callbacks || !(e instanceof SyscallError)) throw e;
    btfRefused = true;
    return null;
  }
}
/** Bytecode linked against maps, with what loading it needs to know about its subprograms. */
interface Linked {
  maps: MapResolver | null;
  code: Uint8Array;
  starts: number[];
  callbacks: boolean;
}

/**
 * The last linking of each instruction list: programs that share bytecode (fentry on many
 * functions, see Provider.codeKey) are linked once against the same maps.
 */
const linkedCode = new WeakMap<readonly Insn[], Linked>();

function linkOnce(insns: readonly Insn[], maps: MapResolver | null): Linked {
  const hit = linkedCode.get(insns);
  if (hit && hit.maps === maps) return hit;
  const linked = {
    maps,
    code: link(insns, maps),
    starts: subprogramStarts(insns),
    callbacks: insns.some((i) => i.ref?.kind === 'func'),
  };
  linkedCode.set(insns, linked);
  return linked;
}

let runAttr: Attr<keyof typeof PROG_TEST_RUN.offsets> | undefined;
let infoAttr: Attr<keyof typeof OBJ_GET_INFO_BY_FD.offsets> | undefined;

/** bpf_prog_info of the program behind `fd` (ours or any other: see prog-list.ts). */
export function progInfo(sys: Sys, fd: number, what: string): Attr<keyof typeof PROG_INFO.offsets> {
  const out = new Attr(PROG_INFO);
  const mem = sys.alloc(PROG_INFO.size);
  try {
    infoAttr ??= new Attr(OBJ_GET_INFO_BY_FD);
    const a = infoAttr.reset().u32('bpf_fd', fd).u32('info_len', PROG_INFO.size).u64('info', mem.addr);
    checkBpf(sys.bpf(BPF_OBJ_GET_INFO_BY_FD, a.bytes), BPF_OBJ_GET_INFO_BY_FD, what);
    out.bytes.set(mem.bytes.subarray(0, PROG_INFO.size));
  } finally {
    sys.free(mem);
  }
  return out;
}

export class BpfProgram {
  readonly fd: number;
  readonly spec: ProgramSpec;
  readonly sys: Sys;
  private closed = false;

  private constructor(fd: number, spec: ProgramSpec, sys: Sys) {
    this.fd = fd;
    this.spec = spec;
    this.sys = sys;
  }

  /**
   * Links `spec.insns` against `maps` and loads the result. Throws VerifierError (with the
   * verifier log) when the kernel refuses the program.
   */
  static load(spec: ProgramSpec, maps: MapResolver | null, sys: Sys = defaultSys(), opts: LoadOptions = {}): BpfProgram {
    const linked = linkOnce(spec.insns, maps);
    const { code } = linked;
    const license = new TextEncoder().encode(`${spec.license}\0`);
    // BTF function info (one record per subprogram): needed by callbacks, and names the program; see btf-func.ts.
    const funcInfo = loadFuncInfo(sys, spec, linked);
    const subprogs = funcInfo?.starts ?? [];
    const btfFd = funcInfo?.btfFd ?? -1;
    const funcInfoAt = Math.ceil((code.length + license.length) / 8) * 8;
    const mem = sys.alloc(funcInfoAt + subprogs.length * FUNC_INFO.size);
    let attachObjFd = -1;
    try {
      if (spec.attachBtfObject) {
        attachObjFd = openKernelBtfObject(sys, spec.attachBtfObject) ?? -1;
        if (attachObjFd < 0) throw new SyscallError('bpf', 'BPF_BTF_GET_FD_BY_ID', 2, `no kernel BTF for module ${spec.attachBtfObject}`);
      } else if (spec.attachProgId !== undefined) {
        attachObjFd = openProgramById(sys, spec.attachProgId);
      }
      mem.bytes.set(code, 0);
      mem.bytes.set(license, code.length);
      if (btfFd >= 0) {
        subprogs.forEach((slot, n) => {
          // type_id: the FUNC funcInfoBtf made for it.
          new Attr(FUNC_INFO, mem.bytes.subarray(funcInfoAt + n * FUNC_INFO.size)).u32('insn_off', slot).u32('type_id', FIRST_FUNC_ID + n);
        });
      }
      loadAttr ??= new Attr(PROG_LOAD);
      const a = loadAttr;
      const fill = (logLevel: number, log: NativeBuffer | null): Uint8Array => {
        a.reset()
          .u32('prog_type', spec.type)
          .u32('insn_cnt', code.length / 8)
          .u64('insns', mem.addr)
          .u64('license', mem.addr + BigInt(code.length))
          .u32('expected_attach_type', spec.expectedAttachType ?? 0)
          .u32('attach_btf_id', spec.attachBtfId ?? 0)
          // attach_btf_obj_fd shares attach_prog_fd's place in the attr (a program fd for fentry:bpf).
          .u32('attach_prog_fd', Math.max(attachObjFd, 0))
          .u32('prog_flags', spec.flags ?? 0)
          .u32('kern_version', spec.kernVersion ?? 0)
          .str('prog_name', sanitizeObjName(spec.name), BPF_OBJ_NAME_LEN);
        if (btfFd >= 0) {
          a.u32('prog_btf_fd', btfFd)
            .u32('func_info_rec_size', FUNC_INFO.size)
            .u64('func_info', mem.addr + BigInt(funcInfoAt))
            .u32('func_info_cnt', subprogs.length);
        }
        if (log) a.u32('log_level', logLevel).u32('log_size', log.bytes.length).u64('log_buf', log.addr);
        return a.bytes;
      };

      // The verifier gives up with EAGAIN when a signal is pending (a profiler's SIGPROF, a
      // child exiting): that is not a verdict on the program, so ask again, as libbpf does.
      const load = (attr: () => Uint8Array): number => {
        let r = sys.bpf(BPF_PROG_LOAD, attr());
        for (let i = 0; r === -EAGAIN && i < LOAD_RETRIES; i++) r = sys.bpf(BPF_PROG_LOAD, attr());
        return r;
      };
      if (opts.verifierLog !== undefined) {
        // As bpftrace -v: one load with the log in a buffer of the configured size; a log that
        // does not fit fails the load (ENOSPC), however good the program.
        const log = sys.alloc(Math.min(LOG_MAX, Math.max(1, opts.verifierLog)));
        try {
          const fd = load(() => fill(LOG_LEVEL_BRANCH, log));
          if (fd >= 0) return new BpfProgram(fd, spec, sys);
          throw new VerifierError(spec.funcName ?? spec.name, -fd, cString(log.bytes), fd === -ENOSPC, log.bytes.length);
        } finally {
          sys.free(log);
        }
      }
      const fd = load(() => fill(0, null));
      if (fd >= 0) return new BpfProgram(fd, spec, sys);

      // Ask again with a log to explain why.
      let size = LOG_START;
      for (;;) {
        const log = sys.alloc(size);
        try {
          const fd2 = load(() => fill(LOG_LEVEL_BRANCH, log));
          if (fd2 >= 0) return new BpfProgram(fd2, spec, sys);
          const trueSize = a.get32('log_true_size');
          if (fd2 === -ENOSPC && size < LOG_MAX) {
            size = Math.min(LOG_MAX, Math.max(size * 4, trueSize));
            continue;
          }
          const errno = fd2 === -ENOSPC ? -fd : -fd2;
          throw new VerifierError(spec.funcName ?? spec.name, errno, cString(log.bytes), fd2 === -ENOSPC, size);
        } finally {
          sys.free(log);
        }
      }
    } finally {
      // The program holds its own reference to the BTF object.
      if (btfFd >= 0) sys.close(btfFd);
      if (attachObjFd >= 0) sys.close(attachObjFd);
      sys.free(mem);
    }
  }

  /**
   * Runs the program once with BPF_PROG_TEST_RUN. For raw tracepoint programs `ctxIn` is the
   * array of u64 arguments the program sees as its context.
   */
  testRun(ctxIn?: Uint8Array, opts: { cpu?: number; data?: Uint8Array; repeat?: number } = {}): TestRunResult {
    const mem = ctxIn?.length ? this.sys.alloc(ctxIn.length) : null;
    // Packet-style programs (XDP: test and bench probes) take data, and can be repeated.
    const data = opts.data?.length ? this.sys.alloc(opts.data.length) : null;
    try {
      if (mem && ctxIn) mem.bytes.set(ctxIn);
      runAttr ??= new Attr(PROG_TEST_RUN);
      const a = runAttr.reset().u32('prog_fd', this.fd);
      if (mem && ctxIn) a.u64('ctx_in', mem.addr).u32('ctx_size_in', ctxIn.length);
      if (data && opts.data) {
        data.bytes.set(opts.data);
        a.u64('data_in', data.addr).u32('data_size_in', opts.data.length);
      }
      if (opts.repeat) a.u32('repeat', opts.repeat);
      if (opts.cpu !== undefined) a.u32('flags', 1 /* BPF_F_TEST_RUN_ON_CPU */).u32('cpu', opts.cpu);
      checkBpf(this.sys.bpf(BPF_PROG_TEST_RUN, a.bytes), BPF_PROG_TEST_RUN, `program ${this.spec.name}`);
      return { retval: a.get32('retval') | 0, durationNs: a.get32('duration') };
    } finally {
      if (mem) this.sys.free(mem);
      if (data) this.sys.free(data);
    }
  }

  /** bpf_prog_info for this program (fields by name; see attr.ts PROG_INFO). */
  info(): Attr<keyof typeof PROG_INFO.offsets> {
    return progInfo(this.sys, this.fd, `program ${this.spec.name}`);
  }

  /** Instructions after the kernel's rewrites (what actually runs). */
  get xlatedInsnCount(): number {
    return this.info().get32('xlated_prog_len') / 8;
  }

  /** Instructions the verifier processed (0 on kernels before 5.16). */
  get verifiedInsns(): number {
    return this.info().get32('verified_insns');
  }

  /** Run counters; they only move while BPF stats are enabled (see enableStats). */
  stats(): ProgramStats {
    const i = this.info();
    return {
      runTimeNs: i.get64('run_time_ns'),
      runCnt: i.get64('run_cnt'),
      recursionMisses: i.get64('recursion_misses'),
    };
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.sys.close(this.fd);
  }
}

/**
 * Turns on run-time statistics for all programs (BPF_ENABLE_STATS); they stay on until the
 * returned fd is closed.
 */
export function enableStats(sys: Sys = defaultSys()): number {
  const a = new Attr(ENABLE_STATS);
  a.u32('type', BPF_STATS_RUN_TIME);
  return checkBpf(sys.bpf(BPF_ENABLE_STATS, a.bytes), BPF_ENABLE_STATS);
}

/** Slots where subprograms start: 0, and every target of a bpf-to-bpf call or callback reference. */
export function subprogramStarts(insns: readonly Insn[]): number[] {
  const { labels } = layout(insns);
  const starts = new Set<number>([0]);
  for (const i of insns) {
    if (i.ref?.kind === 'call' || i.ref?.kind === 'func') {
      const at = labels.get(i.ref.name);
      if (at !== undefined) starts.add(at);
    }
  }
  return [...starts].sort((x, y) => x - y);
}
