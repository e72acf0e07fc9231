// The prologue of coalesced syscall tracepoints (raw sys_enter/sys_exit): the program leaves
// unless the syscall number is one the script named.

import { Helper } from '../bpf/helpers.ts';
import type { Insn } from '../bpf/insn.ts';
import { AluOp, alu64Imm, call, JmpOp, jmpImm, load, movImm, movReg, Reg, store } from '../bpf/insn.ts';
import { PT_REGS_ORIG_AX } from '../builtins/task.ts';
import { SYSCALL_FILTER_ENTRIES } from '../probes/syscalls/coalesce.ts';
import { declareConstArray, lookupOrLeave, nameValue } from './const-array.ts';
import type { Emitter } from './emitter.ts';

/**
 * Coalesced syscall tracepoints run on raw sys_enter/sys_exit: leave unless the syscall
 * number is one of those the script named (array map lookup, inlined by the verifier).
 */
export function syscallFilterPrologue(em: Emitter): Insn[] {
  const f = em.context.syscallFilter;
  if (!f) return [];
  const key = em.zeroKey();
  const out: Insn[] = [];
  if (f.phase === 'enter') {
    // raw sys_enter(struct pt_regs *regs, long id)
    out.push(load(8, Reg.R3, Reg.R6, 8));
  } else {
    // raw sys_exit(struct pt_regs *regs, long ret): the number is regs->orig_ax.
    out.push(
      load(8, Reg.R3, Reg.R6, 0),
      alu64Imm(AluOp.ADD, Reg.R3, PT_REGS_ORIG_AX),
      movReg(Reg.R1, Reg.FP),
      alu64Imm(AluOp.ADD, Reg.R1, key),
      movImm(Reg.R2, 8),
      call(Helper.probe_read_kernel),
      load(8, Reg.R3, Reg.FP, key),
    );
  }
  out.push(
    jmpImm(JmpOp.JGE, Reg.R3, SYSCALL_FILTER_ENTRIES, em.exitLabel),
    ...lookupOrLeave(em, f.map, Reg.R3),
    load(1, Reg.R1, Reg.R0, 0),
    jmpImm(JmpOp.JEQ, Reg.R1, 0, em.exitLabel),
  );
  // Kept for `probe`, which copies the name out of the value.
  if (f.names) out.push(store(8, Reg.FP, em.probeNameSlot(), Reg.R0));
  const names = f.names;
  const valueSize = names ? Math.ceil(names.size / 8) * 8 : 4;
  const marked = new Uint8Array(valueSize).fill(1, 0, 1);
  declareConstArray(
    em,
    f.map,
    valueSize,
    SYSCALL_FILTER_ENTRIES,
    f.numbers.map((index, i) => ({ index, value: names ? nameValue(names.of[i] ?? '', names.size, valueSize) : marked })),
  );
  return out;
}
