// The common interface of probe providers. Each provider (tracepoint, rawtracepoint, interval,
// BEGIN/END, ...) is one module: it parses its attach points, expands wildcards, says what
// context a program gets (args fields, argN, retval), and attaches a loaded program.

import type { Insn } from '../bpf/insn.ts';
import type { Link } from '../bpf/link.ts';
import type { BpfProgram, ProgramSpec } from '../bpf/program.ts';
import { errnoMessage, SyscallError } from '../bpf/sys.ts';
import type { UsdtContext } from '../builtins/usdt-args.ts';
import type { Resources } from '../codegen/resources.ts';
import type { Span } from '../lang/ast.ts';
import { UserError } from '../lang/diagnostics.ts';
import type { Type } from '../sema/types.ts';
import type { SyscallFilter } from './syscalls/coalesce.ts';

/** One field of `args` (tracepoint record field, typed function argument...). */
export interface ArgField {
  name: string;
  type: Type;
  /** Byte offset in the context the program receives. */
  offset: number;
  /** Tracepoint `__data_loc` field: a u32 (len << 16 | offset) pointing into the record. */
  dataLoc: boolean;
  /**
   * A user function's stack-passed argument: `offset` is from the stack pointer at function
   * entry (pt_regs sp), and the value is read from the traced process's memory.
   */
  onStack?: boolean;
}

/** A single concrete place to attach, after wildcard expansion. */
export interface ProbeTarget {
  provider: Provider;
  /** Canonical full name as bpftrace prints it for `probe`, e.g. "tracepoint:syscalls:sys_enter_openat". */
  name: string;
  /** Provider-specific pieces (category/event, period, path/symbol...). */
  parts: string[];
  span: Span;
  /** How many attach points this target stands for (coalesced syscall tracepoints), default 1. */
  weight?: number;
}

export interface ProbeContext {
  /** Fields of `args`, or null when the provider has no typed args. */
  args: ArgField[] | null;
  /** Why `args` is null where the provider usually has it (fentry:bpf), for the error message. */
  argsUnavailable?: string;
  /** Whether arg0..argN read from the context (raw tracepoints, kprobes, uprobes). */
  argN: 'u64array' | 'pt_regs' | null;
  retval: boolean;
  /** Where retval is in the context when it is not pt_regs' rax (fexit: after the arguments). */
  retvalOffset?: number;
  /** The type of retval when known (fexit: from BTF); u64 otherwise. */
  retvalType?: Type;
  /**
   * The type of `ctx` when it is a known kernel struct (iterators: `struct bpf_iter__task *`).
   * A thunk: typing it may load the kernel's BTF, which only scripts that use `ctx` should pay.
   */
  ctxType?: () => Type | null;
  /** printf writes into the iterator's seq_file with bpf_seq_printf (iterators), not the ring. */
  seqPrintf?: boolean;
  /**
   * USDT probes: where each argument of this location is (registers, memory, constants);
   * arg0..argN are generated from it (src/builtins/usdt-args.ts).
   */
  usdt?: UsdtContext;
  /**
   * User probes that fire at a known instruction (uprobes at a function or offset, USDT): its
   * link-time address, and whether its object is position independent. There `ip - vaddr` at
   * run time is the object's load bias (uaddr() in PIE binaries and shared libraries).
   */
  entry?: { vaddr: number; pie: boolean };
  /**
   * User probes: types named in casts (`(struct node *)arg0`) from the probed object's debug
   * info, looked up before kernel BTF as bpftrace does; null when it does not define the name.
   */
  userType?: (name: string) => Type | null;
  /** Coalesced syscall tracepoints: keep only these syscall numbers (see syscalls/coalesce.ts). */
  syscallFilter?: SyscallFilter;
  /**
   * A program shared by targets whose links carry their name's index in the attach cookie
   * (probes/probe-names.ts): `map` holds the names, `size` bytes each (the `probe` string's size).
   */
  cookieNames?: { map: string; names: string[]; size: number };
}

/** config missing_probes: what a probe that cannot be attached does to the run. */
export type MissingProbes = 'error' | 'warn' | 'ignore';

export interface AttachEnv {
  /** -p PID, or null. */
  pid: number | null;
  missingProbes: MissingProbes;
  /** Prints a warning (missing_probes = "warn"). */
  warn(msg: string): void;
}

/** What attaching one program left attached. */
export interface Attached {
  links: Link[];
  /** Attach points attached, for "Attached N probes" (a target counts its weight). */
  count: number;
}

export interface Provider {
  /** Canonical name, as printed (`tracepoint`, `BEGIN`...). */
  readonly name: string;
  readonly aliases: readonly string[];
  /** BPF program type used for this provider's programs. */
  readonly progType: number;
  /**
   * Splits an attach point into concrete targets (expanding wildcards). Throws UserError with a
   * clear message for a malformed or unknown attach point.
   */
  expand(raw: string, parts: string[], span: Span): ProbeTarget[];
  /**
   * Optional: throws a UserError when this kernel cannot run the target's probe type. Asked
   * only for the targets --probe-filter keeps, so a filtered-out probe needs no kernel support.
   */
  requireSupport?(target: ProbeTarget): void;
  /** What a program for this target sees. */
  context(target: ProbeTarget): ProbeContext;
  /** Whether targets of one probe can share a program (no per-target context like args offsets). */
  readonly shareable: boolean;
  /**
   * Whether its links give each target the cookie `probeNameCookie` (probes/probe-names.ts)
   * asks for, so that targets reading `probe` can still share a program.
   */
  readonly namesByCookie?: boolean;
  /**
   * Optional, for providers that are not shareable: what of a target's context, `args` aside,
   * the generated code depends on. Targets of one probe with equal keys get the same bytecode
   * (compiled once, loaded once per target) when the probe reads no per-target builtin.
   */
  codeKey?(target: ProbeTarget): string;
  /** Optional: what the kernel's errnos mean when this provider's attach fails (attachError). */
  readonly attachHints?: AttachHints;
  /** Attaches a loaded program; returns what must be closed to detach. */
  attach(prog: BpfProgram, target: ProbeTarget, env: AttachEnv): Link[];
  /**
   * Optional: attaches a program to all its targets at once (uprobe_multi links); the tracer
   * calls it instead of attach() per target when present. A target that cannot be attached
   * goes through missingProbe(), as attachEach() does.
   */
  attachAll?(prog: BpfProgram, targets: ProbeTarget[], env: AttachEnv): Attached;
  /**
   * Optional: the expected_attach_type a program for these targets is loaded with; `insns` is
   * the generated code (some helpers rule out some attach types).
   */
  expectedAttachType?(targets: ProbeTarget[], insns: readonly Insn[]): number | undefined;
  /**
   * Optional: the program for these targets as the provider needs it loaded — the kernel object
   * it is verified against (attach_btf_id for fentry/fexit/iter), instructions run before the
   * probe body (iterators skip their end-of-iteration call). Called once per program.
   */
  programSpec?(targets: ProbeTarget[], spec: ProgramSpec): ProgramSpec;
  /**
   * Optional: programs a target needs besides the probe's own, made without script code and
   * attached with it (watchpoint:FUNC+argN's uprobe, which arms the watchpoint at run time).
   */
  companions?(target: ProbeTarget, resources: Resources, license: string): CompanionProgram[];
}

export interface CompanionProgram {
  spec: ProgramSpec;
  /** Where it attaches; weight 0 when it is not a probe of its own in "Attached N probes". */
  target: ProbeTarget;
}

/**
 * What a provider resolved each of its targets to (function, offset, file...), kept beside the
 * target rather than in its string `parts`; only that provider's own code reads it.
 */
export class TargetSites<S> {
  readonly #sites = new WeakMap<ProbeTarget, S>();

  set(t: ProbeTarget, site: S): void {
    this.#sites.set(t, site);
  }

  get(t: ProbeTarget): S | undefined {
    return this.#sites.get(t);
  }

  /** The site of a target the provider expanded itself: a missing one is a bug. */
  of(t: ProbeTarget): S {
    const s = this.#sites.get(t);
    if (s === undefined) throw new Error(`internal: unresolved ${t.name}`);
    return s;
  }
}

/** Per errno: what a failed attach means for a provider, and what may help. */
export type AttachHints = Readonly<Partial<Record<number, { why: string; hints?: readonly string[] }>>>;

/**
 * A failed attach as users read it: `cannot attach TARGET: why (ERRNO)`, the why and hints from
 * the provider's table, else the syscall's own message. Anything but a SyscallError is a bug or
 * already explained, and is returned as it is.
 */
export function attachError(e: unknown, target: string, hints: AttachHints = {}): unknown {
  if (!(e instanceof SyscallError)) return e;
  const known = hints[e.errno];
  if (!known) return new UserError(`cannot attach ${target}: ${e.message}`);
  return new UserError(`cannot attach ${target}: ${known.why} (${e.code}: ${errnoMessage(e.errno)})`, [...(known.hints ?? [])]);
}

/** Whether `e` is a probe that could not be attached, rather than a bug. */
function isAttachFailure(e: unknown): e is UserError | SyscallError {
  return e instanceof UserError || e instanceof SyscallError;
}

/**
 * A probe (`name`) could not be attached: missing_probes decides, as in bpftrace, whether that
 * ends the run (throws), is reported and skipped, or is skipped silently. Anything other than
 * an attach failure is rethrown as it is.
 */
export function missingProbe(env: AttachEnv, name: string, e: unknown): void {
  if (!isAttachFailure(e)) throw e;
  const hints = e instanceof UserError ? e.hints : [];
  switch (env.missingProbes) {
    case 'error':
      // 0.26 says why, then this as an error line of its own.
      throw new UserError(
        `${e.message}\nERROR: Unable to attach probe: ${name}. If this is expected, set the 'missing_probes' config variable to 'warn'.`,
        hints,
      );
    case 'warn':
      env.warn(e.message);
      env.warn(`Unable to attach probe: ${name}. Skipping.`);
      return;
    case 'ignore':
      return;
  }
}

/**
 * Attaches every target with `attachOne`. A target that fails goes through missingProbe();
 * when that ends the run, the targets already attached are detached before the error
 * propagates, so a provider's attachAll leaves nothing behind.
 */
export function attachEach(targets: readonly ProbeTarget[], env: AttachEnv, attachOne: (t: ProbeTarget) => Link[]): Attached {
  const links: Link[] = [];
  let count = 0;
  try {
    for (const t of targets) {
      try {
        links.push(...attachOne(t));
        count += t.weight ?? 1;
      } catch (e) {
        missingProbe(env, t.name, attachError(e, t.name, t.provider.attachHints));
      }
    }
  } catch (e) {
    for (const l of links.reverse()) l.close();
    throw e;
  }
  return { links, count };
}

/** Attaches one program to its targets: all at once where the provider can, else one by one. */
export function attachProgram(prog: BpfProgram, targets: ProbeTarget[], env: AttachEnv): Attached {
  const provider = targets[0]?.provider;
  if (provider?.attachAll) return provider.attachAll(prog, targets, env);
  return attachEach(targets, env, (t) => t.provider.attach(prog, t, env));
}
