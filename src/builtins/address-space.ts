// Address-space builtins: uptr()/kptr() re-mark a pointer's address space, usermode tells
// whether the probed context was in user mode, and uaddr("sym") is a symbol's address in the
// traced binary: resolved when compiling for fixed-address executables, from the probed
// instruction's run-time address in position-independent ones (PIE, shared libraries).

import { realpathSync } from 'node:fs';
import { AluOp, alu64Imm, alu64Reg, ldImm64, load, Reg } from '../bpf/insn.ts';
import { readMaps } from '../elf/resolve.ts';
import { ElfObject } from '../elf/symbols.ts';
import type { Expr } from '../lang/ast.ts';
import { UserError } from '../lang/diagnostics.ts';
import { userProbeEnv } from '../probes/user-env.ts';
import { type IntSize, intType, type Type, typeKindWord, UINT64 } from '../sema/types.ts';
import { tempWith } from './gen-util.ts';
import { PT_REGS_CS, PT_REGS_IP } from './pt-regs.ts';
import type { Builtin } from './types.ts';

const ET_EXEC = 2;

function markPointer(name: 'uptr' | 'kptr', user: boolean): Builtin {
  return {
    name,
    ident: false,
    func: true,
    minArgs: 1,
    maxArgs: 1,
    check(call, cx): Type {
      const t = cx.check(call.args[0] as Expr);
      if (t.kind === 'pointer') return { ...t, user };
      if (t.kind === 'int') return { kind: 'pointer', to: { kind: 'void' }, user };
      cx.diags.error(call.span, `${name}() expects a pointer or an integer (${typeKindWord(t)} provided)`);
      return UINT64;
    },
    emit: (call, em) => ({ kind: 'temp', temp: em.scalar(call.args[0] as Expr) }),
  };
}

export const uptr = markPointer('uptr', true);
export const kptr = markPointer('kptr', false);

/** Providers whose programs our process runs with BPF_PROG_TEST_RUN, from user space. */
const USER_RUN: readonly string[] = ['BEGIN', 'END', 'self'];

export const usermode: Builtin = {
  name: 'usermode',
  ident: true,
  func: true,
  minArgs: 0,
  maxArgs: 0,
  check(call, cx) {
    // Contexts that carry the registers (kprobe/uprobe: pt_regs; profile/software: perf data)
    // read them; elsewhere the answer is fixed, as 0.26 folds it: 1 where our own process runs
    // the program (BEGIN/END/self), 0 in the kernel's contexts without registers (tracepoints,
    // fentry, iterators).
    const regs =
      cx.probe.context.argN === 'pt_regs' || ['profile', 'interval', 'software', 'hardware', 'watchpoint'].includes(cx.probe.providerName);
    if (!regs) cx.callConstants.set(call.id, USER_RUN.includes(cx.probe.providerName) ? 1n : 0n);
    return intType(1, false);
  },
  emit(call, em) {
    const fixed = em.sema.callConstants.get(call.id);
    if (typeof fixed === 'bigint') return { kind: 'imm', value: fixed };
    // pt_regs.cs: its low two bits are the privilege level the context ran at.
    const t = tempWith(em, (r) =>
      em.emit(load(8, r, Reg.R6, PT_REGS_CS), alu64Imm(AluOp.AND, r, 3), alu64Imm(AluOp.RSH, r, 1), alu64Imm(AluOp.AND, r, 1)),
    );
    return { kind: 'temp', temp: t };
  },
};

/** The binary of the probe's first target (uprobe/uretprobe/usdt keep its path in parts[0]). */
export const uaddr: Builtin = {
  name: 'uaddr',
  ident: false,
  func: true,
  minArgs: 1,
  maxArgs: 1,
  providers: ['uprobe', 'uretprobe', 'usdt'],
  check(call, cx) {
    const sym = cx.literalString(call.args[0] as Expr);
    if (sym === null) {
      cx.diags.error(call.span, 'uaddr() expects a string literal');
      return UINT64;
    }
    const path = cx.probe.targets[0]?.parts[0];
    if (!path) return UINT64;
    try {
      const o = ElfObject.get(path);
      const s = o.symbols().find((x) => x.name === sym);
      if (!s) {
        cx.diags.error(call.span, `Could not resolve symbol: ${path}:${sym}`);
        return UINT64;
      }
      let value = BigInt(s.value);
      if (o.elf.type !== ET_EXEC && !cx.probe.context.entry?.pie) {
        // No instruction to take the load bias from (uretprobes fire in the caller): the -p
        // process's mapping of the object gives it, else the address cannot be known.
        const base = userProbeEnv.pid === null ? null : loadBias(userProbeEnv.pid, path, o.elf.loadBase());
        if (base === null) {
          cx.diags.error(
            call.span,
            `uaddr() in a ${cx.probe.providerName} of a position-independent object needs -p PID: ${path} is loaded at an address chosen at run time`,
            userProbeEnv.pid === null
              ? 'use a uprobe (its address gives the load address), -p PID of a process that has it mapped, or a binary linked with -no-pie'
              : `process ${userProbeEnv.pid} does not have ${path} mapped`,
          );
          return UINT64;
        }
        value += BigInt(base);
      }
      cx.callConstants.set(call.id, value);
      const width = s.size === 1 || s.size === 2 || s.size === 4 ? (s.size as IntSize) : 8;
      return { kind: 'pointer', to: intType(width, false), user: true };
    } catch (e) {
      throw new UserError(`uaddr(): cannot read ${path}: ${(e as Error).message}`);
    }
  },
  emit(call, em) {
    const value = (em.sema.callConstants.get(call.id) as bigint | undefined) ?? 0n;
    const entry = em.context.entry;
    if (!entry?.pie) return { kind: 'imm', value };
    // The load bias is ip - (link-time address of the probed instruction); ip may be one past
    // it after the breakpoint on some kernels, and the bias is page-aligned: masked.
    const t = tempWith(em, (r) => {
      em.emit(load(8, r, Reg.R6, PT_REGS_IP), alu64Imm(AluOp.SUB, r, entry.vaddr), alu64Imm(AluOp.AND, r, -4096));
      // Symbol addresses past 2 GiB do not fit an immediate: added from a 64-bit load.
      if (value <= 0x7fffffffn) em.emit(alu64Imm(AluOp.ADD, r, Number(value)));
      else em.emit(ldImm64(Reg.R1, value), alu64Reg(AluOp.ADD, r, Reg.R1));
    });
    return { kind: 'temp', temp: t };
  },
};

/** Where `path` is loaded in process `pid` minus its link-time base, or null when not mapped. */
function loadBias(pid: number, path: string, linkBase: number): number | null {
  let real: string;
  try {
    real = realpathSync(path);
  } catch {
    return null;
  }
  const m = (readMaps(pid) ?? []).find((x) => x.path === real && x.offset === 0);
  return m ? m.start - linkBase : null;
}
