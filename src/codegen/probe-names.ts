// The prologue of programs shared by targets that read `probe` (probes/probe-names.ts): the
// target's link carries its name's index in the upper half of the attach cookie; the program
// looks the name up once, on entry, and keeps its address for `probe` to copy from.

import { BPF_MAP_TYPE_ARRAY } from '../bpf/constants.ts';
import { Helper } from '../bpf/helpers.ts';
import type { Insn } from '../bpf/insn.ts';
import { AluOp, alu64Imm, call, JmpOp, jmpImm, ldMapFd, movReg, Reg, store } from '../bpf/insn.ts';
import { NAME_COOKIE_SHIFT } from '../probes/probe-names.ts';
import type { Emitter } from './emitter.ts';

export function cookieNamePrologue(em: Emitter): Insn[] {
  const names = em.context.cookieNames;
  if (!names) return [];
  const key = em.zeroKey();
  if (!em.resources.mapInit.has(names.map)) {
    const valueSize = Math.ceil(names.size / 8) * 8;
    em.resources.internalMaps.push({
      name: names.map,
      type: BPF_MAP_TYPE_ARRAY,
      keySize: 4,
      valueSize,
      maxEntries: Math.max(1, names.names.length),
    });
    em.resources.mapInit.set(
      names.map,
      names.names.map((name, i) => {
        const k = new Uint8Array(4);
        new DataView(k.buffer).setUint32(0, i, true);
        const value = new Uint8Array(valueSize);
        value.set(Buffer.from(name, 'latin1').subarray(0, names.size - 1));
        return { key: k, value };
      }),
    );
  }
  return [
    movReg(Reg.R1, Reg.R6),
    call(Helper.get_attach_cookie),
    alu64Imm(AluOp.RSH, Reg.R0, Number(NAME_COOKIE_SHIFT)),
    store(4, Reg.FP, key, Reg.R0),
    ldMapFd(Reg.R1, names.map),
    movReg(Reg.R2, Reg.FP),
    alu64Imm(AluOp.ADD, Reg.R2, key),
    call(Helper.map_lookup_elem),
    jmpImm(JmpOp.JEQ, Reg.R0, 0, em.exitLabel),
    store(8, Reg.FP, em.probeNameSlot(), Reg.R0),
  ];
}
