// Internal array maps whose entries are known at compile time (syscall filters, probe names),
// and the lookup a prologue does in them: the verifier inlines array lookups, so one costs a
// few instructions per event.

import { BPF_MAP_TYPE_ARRAY } from '../bpf/constants.ts';
import { Helper } from '../bpf/helpers.ts';
import type { Insn } from '../bpf/insn.ts';
import { AluOp, alu64Imm, call, JmpOp, jmpImm, ldMapFd, movReg, Reg, store } from '../bpf/insn.ts';
import type { Emitter } from './emitter.ts';

/** Declares array map `name` (u32 keys) filled with `entries` at load, once per program set. */
export function declareConstArray(
  em: Emitter,
  name: string,
  valueSize: number,
  maxEntries: number,
  entries: readonly { index: number; value: Uint8Array }[],
): void {
  if (em.resources.mapInit.has(name)) return;
  em.resources.internalMaps.push({ name, type: BPF_MAP_TYPE_ARRAY, keySize: 4, valueSize, maxEntries });
  em.resources.mapInit.set(
    name,
    entries.map(({ index, value }) => {
      const key = new Uint8Array(4);
      new DataView(key.buffer).setUint32(0, index, true);
      return { key, value };
    }),
  );
}

/** A probe name as a table value: NUL-padded to `valueSize`, cut to `size - 1` bytes of text. */
export function nameValue(name: string, size: number, valueSize: number): Uint8Array {
  const value = new Uint8Array(valueSize);
  value.set(Buffer.from(name, 'latin1').subarray(0, size - 1));
  return value;
}

/** Looks entry `indexReg` of array map `map` up (r0: its address); the program leaves when there is none. */
export function lookupOrLeave(em: Emitter, map: string, indexReg: Reg): Insn[] {
  const key = em.zeroKey();
  return [
    store(4, Reg.FP, key, indexReg),
    ldMapFd(Reg.R1, map),
    movReg(Reg.R2, Reg.FP),
    alu64Imm(AluOp.ADD, Reg.R2, key),
    call(Helper.map_lookup_elem),
    jmpImm(JmpOp.JEQ, Reg.R0, 0, em.exitLabel),
  ];
}
