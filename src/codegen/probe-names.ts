// The prologue of programs shared by targets that read `probe` (probes/probe-names.ts): the
// target's link carries its name's index in the upper half of the attach cookie; the program
// looks the name up once, on entry, and keeps its address for `probe` to copy from.

import { Helper } from '../bpf/helpers.ts';
import type { Insn } from '../bpf/insn.ts';
import { AluOp, alu64Imm, call, movReg, Reg, store } from '../bpf/insn.ts';
import { NAME_COOKIE_SHIFT } from '../probes/probe-names.ts';
import { declareConstArray, lookupOrLeave, nameValue } from './const-array.ts';
import type { Emitter } from './emitter.ts';

export function cookieNamePrologue(em: Emitter): Insn[] {
  const names = em.context.cookieNames;
  if (!names) return [];
  const valueSize = Math.ceil(names.size / 8) * 8;
  declareConstArray(
    em,
    names.map,
    valueSize,
    Math.max(1, names.names.length),
    names.names.map((name, index) => ({ index, value: nameValue(name, names.size, valueSize) })),
  );
  return [
    movReg(Reg.R1, Reg.R6),
    call(Helper.get_attach_cookie),
    alu64Imm(AluOp.RSH, Reg.R0, Number(NAME_COOKIE_SHIFT)),
    ...lookupOrLeave(em, names.map, Reg.R0),
    store(8, Reg.FP, em.probeNameSlot(), Reg.R0),
  ];
}
