// Builtins about the probe and the run: assert(cond, msg), signal(sig), signal_thread(sig) and `probe`.

import { constants } from 'node:os';
import { JmpOp, ja, jmpImm, Reg } from '../bpf/insn.ts';
import { copyMem } from '../codegen/bulk-memory.ts';
import type { Emitter } from '../codegen/emitter.ts';
import type { Expr, Span } from '../lang/ast.ts';
import { probeNameSize } from '../probes/probe-names.ts';
import { EventKind, HEADER_SIZE } from '../runtime/events.ts';
import { storageType } from '../sema/promotion.ts';
import { INT64, sizeOf, type Type, typeKindWord, UINT64, VOID } from '../sema/types.ts';
import { addFormat, emitValueRecord, literalBytes, literalInt, NONE, writeBytes } from './gen-util.ts';
import { emitRecord, exitWith } from './output.ts';
import { probeTypeName } from './script-info.ts';
import type { Builtin } from './types.ts';

// ------------------------------------------------------------------ assert

/** Where 0.26's stdlib has the errorf of its assert macro. */
const ASSERT_ERRORF_AT = 'stdlib/base.bt:6:5-37';

/** assert(cond, msg): bpftrace's macro `if (!cond) { errorf("assert failed: %s", msg); exit(1); }`. */
export const assert: Builtin = {
  name: 'assert',
  ident: false,
  func: true,
  minArgs: 2,
  maxArgs: 2,
  check(call, cx) {
    const [c, m] = call.args as [Expr, Expr];
    const ct = cx.check(c);
    if (ct.kind !== 'int' && ct.kind !== 'bool' && ct.kind !== 'pointer') {
      cx.diags.error(c.span, `assert() expects a bool or integer condition (${typeKindWord(ct)} provided)`);
    }
    const mt = cx.check(m);
    if (mt.kind !== 'string') cx.diags.error(m.span, `assert() expects a string message (${typeKindWord(mt)} provided)`);
    return VOID;
  },
  emit(call, em) {
    const [c, m] = call.args as [Expr, Expr];
    const ok = em.label();
    const failed = em.label();
    em.cond(c, failed);
    em.emit(ja(ok));
    em.place(failed);
    const mt = storageType(em.typeOf(m));
    // 0.26's assert is a macro of its stdlib: the failure is said at its errorf there, then
    // "expanded from" the call.
    const res = addFormat(em, {
      kind: 'errorf',
      format: 'assert failed: %s',
      args: [{ type: mt, offset: HEADER_SIZE }],
      size: HEADER_SIZE + sizeOf(mt),
      span: call.span,
      at: ASSERT_ERRORF_AT,
      expandedFrom: [call.span, ...(call.expandedFrom ?? [])],
    });
    emitRecord(em, EventKind.Errorf, res.id, [m], [mt]);
    exitWith(em, 1);
    em.place(ok);
    return NONE;
  },
};

// ------------------------------------------------------------------ signal

/** The names bpftrace accepts, numbered as on this machine. */
const SIGNAL_NAMES = [
  'SIGABRT',
  'SIGALRM',
  'SIGBUS',
  'SIGCHLD',
  'SIGCONT',
  'SIGFPE',
  'SIGHUP',
  'SIGILL',
  'SIGINT',
  'SIGKILL',
  'SIGPIPE',
  'SIGPOLL',
  'SIGQUIT',
  'SIGSEGV',
  'SIGSTOP',
  'SIGSYS',
  'SIGTERM',
  'SIGTRAP',
  'SIGTSTP',
  'SIGTTIN',
  'SIGTTOU',
  'SIGURG',
  'SIGUSR1',
  'SIGUSR2',
  'SIGVTALRM',
  'SIGWINCH',
  'SIGXCPU',
  'SIGXFSZ',
] as const;

/** `KILL`, `sigkill` and `SIGKILL` all name SIGKILL; 0 for an unknown name. */
export function signalNumber(name: string): number {
  let s = name.toUpperCase();
  if (s === '') return 0;
  if (!s.startsWith('S')) s = `SIG${s}`;
  if (!(SIGNAL_NAMES as readonly string[]).includes(s)) return 0;
  const table = constants.signals as Record<string, number | undefined>;
  // Node spells SIGPOLL as SIGIO.
  return table[s] ?? (s === 'SIGPOLL' ? (table.SIGIO ?? 0) : 0);
}

// The probe types whose programs may call bpf_send_signal, by bpftrace's probe type names.
const SIGNAL_PROBE_TYPES: ReadonlySet<string> = new Set([
  'kprobe',
  'kretprobe',
  'uprobe',
  'uretprobe',
  'usdt',
  'tracepoint',
  'profile',
  'fentry',
  'fexit',
  'rawtracepoint',
]);

/**
 * signal(sig) sends to the traced process (bpf_send_signal), signal_thread(sig) to the traced
 * thread (bpf_send_signal_thread).
 */
function signalBuiltin(name: 'signal' | 'signal_thread', helper: 'send_signal' | 'send_signal_thread'): Builtin {
  return {
    name,
    ident: false,
    func: true,
    minArgs: 1,
    maxArgs: 1,
    check(call, cx) {
      // 0.26's macro checks the probe type, then safe mode; the argument checks follow only with --unsafe.
      const probeType = probeTypeName(cx.probe.providerName);
      if (!SIGNAL_PROBE_TYPES.has(probeType)) cx.diags.error(call.span, `${name}() can not be used for this probetype ${probeType}`);
      if (!cx.unsafe) {
        cx.diags.error(call.span, `${name}() is unsafe. To use you need the --unsafe flag`);
        cx.check(call.args[0] as Expr);
        return VOID;
      }
      const a = call.args[0] as Expr;
      const t = cx.check(a);
      if (t.kind === 'string') {
        const sig = cx.literalString(a);
        if (sig === null) cx.diags.error(call.span, `${name}() accepts a string literal or an integer`);
        else if (signalNumber(sig) === 0) cx.diags.error(call.span, `Invalid string for signal: ${sig}`);
      } else if (t.kind === 'int') {
        const n = cx.literalInt(a);
        if (n !== null && (n < 1n || n > 64n))
          cx.diags.error(call.span, `${name}() accepts a string literal or an integer between 1 and 64 (inclusive)`);
      } else {
        cx.diags.error(call.span, `${name}() accepts a string literal or an integer`);
      }
      return VOID;
    },
    emit(call, em) {
      const a = call.args[0] as Expr;
      const sig = literalBytes(em, a);
      const lit = sig ? BigInt(signalNumber(sig.toString('latin1'))) : literalInt(em, a);
      const done = em.label();
      if (lit !== null) {
        em.callHelper(helper, [{ kind: 'imm', value: lit }], true);
      } else {
        // Checked at run time as bpftrace does: out of range is an error, nothing is sent.
        const v = em.scalar(a);
        const bad = em.label();
        const r = em.reg(v, Reg.R0);
        em.emit(jmpImm(JmpOp.JEQ, r, 0, bad), jmpImm(JmpOp.JGT, r, 64, bad));
        em.callHelper(helper, [{ kind: 'temp', temp: v }], true);
        failedWarning(em, name, call.span, done);
        em.place(bad);
        emitValueRecord(
          em,
          EventKind.Errorf,
          'errorf',
          `${name}() expects an integer between 1 and 64 (inclusive). Got %d`,
          UINT64,
          em.reg(v, Reg.R0),
          call.span,
        );
        em.free(v);
        em.place(done);
        return NONE;
      }
      failedWarning(em, name, call.span, done);
      em.place(done);
      return NONE;
    },
  };
}

export const signal = signalBuiltin('signal', 'send_signal');
export const signalThread = signalBuiltin('signal_thread', 'send_signal_thread');

/** After bpf_send_signal: a warning with its error when it failed; then jumps to `done`. */
function failedWarning(em: Emitter, name: string, span: Span, done: string): void {
  em.emit(jmpImm(JmpOp.JEQ, Reg.R0, 0, done));
  emitValueRecord(em, EventKind.Warnf, 'warnf', `${name} call failed with error %d`, INT64, Reg.R0, span);
  em.emit(ja(done));
}

// ------------------------------------------------------------------ probe

/**
 * The full name of the probe that fired. Each target of a multi-target probe gets its own
 * program when `probe` is used (codegen/compile.ts), so the name is a constant per program —
 * except in coalesced syscall tracepoints, whose one program finds it by syscall number, and in
 * programs shared by targets whose links carry the name's index (probes/probe-names.ts).
 */
export const probe: Builtin = {
  name: 'probe',
  ident: true,
  func: true,
  minArgs: 0,
  maxArgs: 0,
  check(_call, cx): Type {
    return { kind: 'string', size: probeNameSize(cx.probe.targets) };
  },
  emit(call, em) {
    const size = (em.typeOf(call) as Extract<Type, { kind: 'string' }>).size;
    const dest = em.memDest ?? em.allocMem(size);
    const names = em.context.syscallFilter?.names ?? em.context.cookieNames;
    if (names) {
      if (names.size < size) throw new Error(`probe names kept in ${names.size} bytes, ${size} needed`);
      em.loadProbeNameAddress(Reg.R2);
      em.addr(dest, Reg.R1);
      copyMem(em, Reg.R1, Reg.R2, size);
      return { kind: 'mem', loc: dest };
    }
    // Zero-filled to the capacity: a shorter name than the longest target's must not leave
    // uninitialised bytes in a key or record.
    const bytes = Buffer.alloc(size);
    Buffer.from(em.probeName, 'latin1').copy(bytes, 0, 0, size - 1);
    writeBytes(em, dest, bytes);
    return { kind: 'mem', loc: dest };
  },
};
