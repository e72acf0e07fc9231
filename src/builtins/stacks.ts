// kstack / ustack (with optional mode and depth), ksym(addr), kaddr(name): stack ids from a
// stack-trace map, symbolized in user space from /proc/kallsyms.

import { AluOp, alu64Imm, alu64Reg, Reg } from '../bpf/insn.ts';
import type { Operand } from '../codegen/emitter.ts';
import { STACK_MAP_KERNEL, STACK_MAP_USER } from '../codegen/resources.ts';
import type { Call, Expr } from '../lang/ast.ts';
import { UserError } from '../lang/diagnostics.ts';
import { kaddr as lookupKaddr } from '../runtime/ksyms.ts';
import { MAX_STACK_DEPTH } from '../runtime/stacks.ts';
import { STACK_MAP_USER_BUILDID } from '../runtime/usyms.ts';
import { type StackMode, type Type, typeKindWord, UINT64 } from '../sema/types.ts';
import { literalText } from './gen-util.ts';
import type { Builtin, CheckCx } from './types.ts';

const MODES: readonly StackMode[] = ['bpftrace', 'perf', 'raw', 'build_id'];
const BPF_F_USER_STACK = 1n << 8n;

function stackArgs(call: Call, cx: CheckCx, user: boolean): { mode: StackMode; limit: number } {
  let mode: StackMode = cx.config.stackMode;
  if (!user && mode === 'build_id') {
    // As 0.26: the config's mode does not fit kernel stacks, which fall back to raw.
    cx.diags.warning(call.span, "'build_id' stack mode can only be used for ustack. Falling back to 'raw' mode.");
    mode = 'raw';
  }
  let limit = MAX_STACK_DEPTH;
  for (const a of call.args) {
    if (a.kind === 'Identifier' && (MODES as readonly string[]).includes(a.name)) {
      mode = a.name as StackMode;
      if (!user && mode === 'build_id') cx.diags.error(call.span, "'build_id' stack mode can only be used for ustack");
      continue;
    }
    const n = cx.literalInt(a);
    if (n === null) {
      cx.diags.error(a.span, `${call.callee}: expected a stack mode (${MODES.join(', ')}) or a literal depth`);
      continue;
    }
    if (n < 1n || n > BigInt(MAX_STACK_DEPTH))
      cx.diags.error(a.span, `${call.callee}: stack depth must be between 1 and ${MAX_STACK_DEPTH}`);
    limit = Number(n);
  }
  return { mode, limit };
}

function stackBuiltin(name: 'kstack' | 'ustack', user: boolean): Builtin {
  return {
    name,
    ident: true,
    func: true,
    minArgs: 0,
    maxArgs: 2,
    check(call, cx): Type {
      const { mode, limit } = stackArgs(call, cx, user);
      return { kind: 'stack', user, mode, limit };
    },
    emit(_call, em): Operand {
      const map = user ? STACK_MAP_USER : STACK_MAP_KERNEL;
      if (!em.resources.stackMaps.includes(map)) em.resources.stackMaps.push(map);
      const id = em.callHelper('get_stackid', [
        { kind: 'ctx' },
        { kind: 'map', name: map },
        { kind: 'imm', value: user ? BPF_F_USER_STACK : 0n },
      ]);
      if (!id) return { kind: 'imm', value: 0n };
      if (user) {
        // The same stack into the build-id map (same id): symbols of processes that exit early.
        if (!em.resources.stackMaps.includes(STACK_MAP_USER_BUILDID)) em.resources.stackMaps.push(STACK_MAP_USER_BUILDID);
        em.callHelper(
          'get_stackid',
          [{ kind: 'ctx' }, { kind: 'map', name: STACK_MAP_USER_BUILDID }, { kind: 'imm', value: BPF_F_USER_STACK }],
          true,
        );
      }
      // Keep the id in the low 32 bits; the pid goes above for user stacks (symbols are per process).
      const r = em.reg(id, Reg.R0);
      em.emit(alu64Imm(AluOp.LSH, r, 32), alu64Imm(AluOp.RSH, r, 32));
      em.setTemp(id, r);
      if (user) {
        const pid = em.callHelper('get_current_pid_tgid', []);
        if (pid) {
          const p = em.reg(pid, Reg.R1);
          em.emit(alu64Imm(AluOp.RSH, p, 32), alu64Imm(AluOp.LSH, p, 32));
          const r2 = em.reg(id, Reg.R0);
          em.emit(alu64Reg(AluOp.OR, r2, p));
          em.setTemp(id, r2);
          em.free(pid);
        }
      }
      return { kind: 'temp', temp: id };
    },
  };
}

export const kstack = stackBuiltin('kstack', false);
export const ustack = stackBuiltin('ustack', true);

export const ksymFn: Builtin = {
  name: 'ksym',
  ident: false,
  func: true,
  minArgs: 1,
  maxArgs: 1,
  check(call, cx) {
    const t = cx.check(call.args[0] as Expr);
    if (t.kind !== 'int' && t.kind !== 'pointer')
      cx.diags.error(call.span, `ksym() expects an integer or pointer argument (${typeKindWord(t)} provided)`);
    return { kind: 'symbolic', what: 'ksym' };
  },
  emit: (call, em) => ({ kind: 'temp', temp: em.scalar(call.args[0] as Expr) }),
};

export const kaddrFn: Builtin = {
  name: 'kaddr',
  ident: false,
  func: true,
  minArgs: 1,
  maxArgs: 1,
  check(call, cx) {
    const name = cx.literalString(call.args[0] as Expr);
    if (name === null) cx.diags.error(call.span, 'kaddr() expects a string literal');
    else if (lookupKaddr(name) === null) cx.diags.error(call.span, `Failed to resolve kernel symbol: ${name}`);
    return UINT64;
  },
  emit(call, em) {
    const name = literalText(em, call.args[0] as Expr) ?? '';
    const addr = lookupKaddr(name);
    if (addr === null) throw new UserError(`Failed to resolve kernel symbol: ${name}`);
    return { kind: 'imm', value: addr };
  },
};

/**
 * dw_ustack: bpftrace unwinds it with the DWARF .eh_frame of the traced process; bpftrace-ts
 * does not read unwind tables, so it is ustack (frame pointers) and says so when compiling.
 */
export const dwUstack: Builtin = {
  ...ustack,
  name: 'dw_ustack',
  check(call, cx): Type {
    cx.diags.warning(
      call.span,
      'dw_ustack is unwound with frame pointers, like ustack: bpftrace-ts does not read DWARF .eh_frame unwind information',
      'frames of code built without frame pointers (-fomit-frame-pointer) are missing from the stack',
    );
    return ustack.check(call, cx);
  },
};
