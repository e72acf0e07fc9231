// Builtins of user-space probes: `func` (the probed function, from the attach cookie),
// usym(addr), sarg0..N (stack arguments at function entry) and reg("name") (a pt_regs register).

import { AluOp, alu32Reg, alu64Imm, alu64Reg, load, Reg } from '../bpf/insn.ts';
import type { Call, Expr } from '../lang/ast.ts';
import { USYM_ADDR_BITS, USYM_FUNC_TAG } from '../runtime/usyms.ts';
import { type Type, typeKindWord, UINT64 } from '../sema/types.ts';
import { literalText, tempWith } from './gen-util.ts';
import { PT_REGS, PT_REGS_SP } from './pt-regs.ts';
import type { Builtin } from './types.ts';

const USYM: Type = { kind: 'symbolic', what: 'usym' };
const ADDR_MASK = (1n << USYM_ADDR_BITS) - 1n;

const KSYM: Type = { kind: 'symbolic', what: 'ksym' };

/** Probes on kernel functions, where `func` is the kernel symbol (bpf_get_func_ip). */
function kernelFuncProbe(name: string): boolean {
  return name === 'kprobe' || name === 'kretprobe' || name === 'fentry' || name === 'fexit';
}

function userProbe(name: string): boolean {
  return name === 'uprobe' || name === 'uretprobe';
}

export const func: Builtin = {
  name: 'func',
  ident: true,
  func: true,
  minArgs: 0,
  maxArgs: 0,
  check(call, cx) {
    if (kernelFuncProbe(cx.probe.providerName)) return KSYM;
    if (!userProbe(cx.probe.providerName))
      cx.diags.error(call.span, `The func builtin can not be used with '${cx.probe.providerName}' probes`);
    return USYM;
  },
  emit(call, em) {
    // Kernel function probes: the traced function's address (also right in kretprobes/fexit).
    const ft = em.typeOf(call);
    if (ft.kind === 'symbolic' && ft.what === 'ksym') {
      const ip = em.callHelper('get_func_ip', [{ kind: 'ctx' }]);
      return ip ? { kind: 'temp', temp: ip } : { kind: 'imm', value: 0n };
    }
    // The attach cookie's lower half is the function's index in the runtime's table (see
    // probes/uprobe.ts); the upper half may be the probe name's (probes/probe-names.ts).
    const t = em.callHelper('get_attach_cookie', [{ kind: 'ctx' }]);
    if (!t) return { kind: 'imm', value: 0n };
    const tag = em.tempConst(USYM_FUNC_TAG << USYM_ADDR_BITS);
    const r = em.reg(t, Reg.R0);
    em.emit(alu32Reg(AluOp.MOV, r, r), alu64Reg(AluOp.OR, r, em.reg(tag, Reg.R1)));
    em.setTemp(t, r);
    em.free(tag);
    return { kind: 'temp', temp: t };
  },
};

export const usym: Builtin = {
  name: 'usym',
  ident: false,
  func: true,
  minArgs: 1,
  maxArgs: 1,
  check(call, cx) {
    const t = cx.check(call.args[0] as Expr);
    if (t.kind !== 'int' && t.kind !== 'pointer')
      cx.diags.error(call.span, `usym() expects an integer or pointer argument (${typeKindWord(t)} provided)`);
    return USYM;
  },
  emit(call, em) {
    // address (47 bits) | low 17 bits of the pid << 47: the runtime resolves it in that process.
    const a = em.scalar(call.args[0] as Expr);
    const p = em.callHelper('get_current_pid_tgid', []);
    if (!p) return { kind: 'temp', temp: a };
    const pr = em.reg(p, Reg.R1);
    em.emit(alu64Imm(AluOp.RSH, pr, 32), alu64Imm(AluOp.LSH, pr, 64 - 17), alu64Imm(AluOp.RSH, pr, 64 - 17 - Number(USYM_ADDR_BITS)));
    em.setTemp(p, pr);
    const mask = em.tempConst(ADDR_MASK);
    const ar = em.reg(a, Reg.R0);
    const mr = em.reg(mask, Reg.R2);
    em.emit(alu64Reg(AluOp.AND, ar, mr));
    const pr2 = em.reg(p, Reg.R1);
    em.emit(alu64Reg(AluOp.OR, ar, pr2));
    em.setTemp(a, ar);
    em.free(mask);
    em.free(p);
    return { kind: 'temp', temp: a };
  },
};

export function sargN(n: number): Builtin {
  return {
    name: `sarg${n}`,
    ident: true,
    func: false,
    minArgs: 0,
    maxArgs: 0,
    check(call, cx) {
      if (cx.probe.context.argN !== 'pt_regs' || cx.probe.context.usdt)
        cx.diags.error(call.span, `The sarg${n} builtin can only be used with kprobes and uprobes (${cx.probe.providerName} used here)`);
      return UINT64;
    },
    emit(_call, em) {
      // At function entry [sp] is the return address; stack arguments follow it.
      const addr = tempWith(em, (r) => em.emit(load(8, r, Reg.R6, PT_REGS_SP), alu64Imm(AluOp.ADD, r, 8 * (n + 1))));
      const slot = em.allocMem(8);
      em.zero(slot, 8);
      const user = em.probeName.startsWith('u');
      em.callHelper(
        user ? 'probe_read_user' : 'probe_read_kernel',
        [
          { kind: 'addr', loc: slot },
          { kind: 'imm', value: 8n },
          { kind: 'temp', temp: addr },
        ],
        true,
      );
      const out = addr.reg ?? Reg.R0;
      em.loadReg(8, out, slot, 0);
      em.setTemp(addr, out);
      return { kind: 'temp', temp: addr };
    },
  };
}

export const reg: Builtin = {
  name: 'reg',
  ident: false,
  func: true,
  minArgs: 1,
  maxArgs: 1,
  check(call: Call, cx) {
    const name = cx.literalString(call.args[0] as Expr);
    if (cx.probe.context.argN !== 'pt_regs') cx.diags.error(call.span, `reg can not be used with "${cx.probe.providerName}" probes`);
    else if (name === null) cx.diags.error(call.span, 'reg() expects a string literal');
    else if (PT_REGS[name] === undefined) cx.diags.error(call.span, `'${name}' is not a valid register`);
    return UINT64;
  },
  emit(call, em) {
    const off = PT_REGS[literalText(em, call.args[0] as Expr) ?? ''] ?? 0;
    return { kind: 'temp', temp: tempWith(em, (r) => em.emit(load(8, r, Reg.R6, off))) };
  },
};
