// Address-space builtins: uptr()/kptr() re-mark a pointer's address space, usermode tells
// whether the probed context was in user mode, and uaddr("sym") is a symbol's address in the
// traced binary (resolved when compiling).

import { AluOp, alu64Imm, load, Reg } from '../bpf/insn.ts';
import { ElfObject } from '../elf/symbols.ts';
import type { Expr } from '../lang/ast.ts';
import { UserError } from '../lang/diagnostics.ts';
import { type IntSize, intType, type Type, typeKindWord, UINT64 } from '../sema/types.ts';
import type { Builtin } from './types.ts';

const ET_EXEC = 2;
/** x86-64 pt_regs.cs: its low two bits are the privilege level the context ran at. */
const PT_REGS_CS = 136;

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

export const usermode: Builtin = {
  name: 'usermode',
  ident: true,
  func: true,
  minArgs: 0,
  maxArgs: 0,
  check(call, cx) {
    // Only contexts that carry the registers (kprobe/uprobe: pt_regs; profile/software: perf data).
    const ok =
      cx.probe.context.argN === 'pt_regs' || ['profile', 'interval', 'software', 'hardware', 'watchpoint'].includes(cx.probe.providerName);
    if (!ok)
      cx.diags.error(
        call.span,
        `usermode can not be used with "${cx.probe.providerName}" probes`,
        'it needs the probed registers: kprobe, uprobe, profile, software probes',
      );
    return intType(1, false);
  },
  emit(_call, em) {
    const t = em.frame.newTemp();
    const r = t.reg ?? Reg.R0;
    em.emit(load(8, r, Reg.R6, PT_REGS_CS), alu64Imm(AluOp.AND, r, 3), alu64Imm(AluOp.RSH, r, 1), alu64Imm(AluOp.AND, r, 1));
    em.setTemp(t, r);
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
      if (o.elf.type !== ET_EXEC) {
        cx.diags.error(
          call.span,
          `uaddr() needs a non-PIE binary: ${path} is position independent`,
          'its load address is only known at run time',
        );
        return UINT64;
      }
      cx.callConstants.set(call.id, BigInt(s.value));
      const width = s.size === 1 || s.size === 2 || s.size === 4 ? (s.size as IntSize) : 8;
      return { kind: 'pointer', to: intType(width, false), user: true };
    } catch (e) {
      throw new UserError(`uaddr(): cannot read ${path}: ${(e as Error).message}`);
    }
  },
  emit: (call, em) => ({ kind: 'imm', value: (em.sema.callConstants.get(call.id) as bigint | undefined) ?? 0n }),
};
