// Reading a per-CPU aggregation (count, sum, min, max, avg) inside a probe, as bpftrace 0.26 does:
// every possible CPU's slot is looked up with bpf_map_lookup_percpu_elem in a loop bounded by the
// number of possible CPUs, and the slots are merged the way the printed value merges them. Only
// reads pay for the loop; updates keep touching this CPU's slot alone.

import { BPF_MAP_TYPE_PERCPU_HASH } from '../bpf/constants.ts';
import { Helper } from '../bpf/helpers.ts';
import { AluOp, alu64Imm, alu64Reg, call, JmpOp, ja, jmpImm, jmpReg, ldMapFd, load, movImm, neg64, Reg, storeImm } from '../bpf/insn.ts';
import { possibleCpus } from '../bpf/map.ts';
import type { Span } from '../lang/ast.ts';
import { type CastableAgg, castableAgg } from '../sema/maps.ts';
import type { Emitter } from './emitter.ts';
import type { Temp } from './frame.ts';
import type { MapResource } from './resources.ts';
import { emitCpuCountMismatchRecord, emitLookupMissCheck } from './runtime-errors.ts';

/** What a read of `res` merges across CPUs, or null when it reads one slot as before. */
export function allCpusAgg(res: MapResource): { agg: CastableAgg; signed: boolean } | null {
  const v = res.info.value;
  const agg = castableAgg(v);
  // 0.26 merges percpuhash maps only; a percpulruhash one is read from this CPU's slot.
  if (agg === null || v?.kind !== 'agg' || res.spec.type !== BPF_MAP_TYPE_PERCPU_HASH) return null;
  return { agg, signed: v.signed };
}

/** The loop's bound: possible CPUs, as 0.26 counts them for its num_cpus global. */
function cpuCount(): number {
  return possibleCpus().length;
}

/** Sets a temp to a small constant without going through a scratch register. */
function setConst(em: Emitter, t: Temp, v: number): void {
  if (t.reg !== null) em.emit(movImm(t.reg, v));
  else em.emit(storeImm(8, Reg.FP, t.slot as number, v));
}

/**
 * Merges every CPU's value of the key whose address `keyAddr` puts in a register (it must stay
 * valid across helper calls). A missing key reads as 0 and is reported at `span` as 0.26
 * reports it (helper map_lookup_percpu_elem, retcode 0); a key gone after the first CPU gives its
 * "CPU count mismatch" warning. Returns the merged value in a new temp.
 */
export function emitAllCpusRead(
  em: Emitter,
  res: MapResource,
  keyAddr: (r: Reg) => void,
  how: { agg: CastableAgg; signed: boolean },
  span: Span,
): Temp {
  const { agg, signed } = how;
  // total: the sum, or min/max so far; second: avg's count, or whether min/max has a value yet.
  const total = em.tempConst(0n);
  const second = agg === 'count' || agg === 'sum' ? null : em.tempConst(0n);
  const cpu = em.tempConst(0n);
  const head = em.label();
  const next = em.label();
  const failed = em.label();
  const mismatch = em.label();
  const done = em.label();
  em.place(head);
  const c = em.reg(cpu, Reg.R3);
  em.emit(jmpImm(JmpOp.JGE, c, cpuCount(), done), ldMapFd(Reg.R1, res.spec.name));
  keyAddr(Reg.R2);
  const c2 = em.reg(cpu, Reg.R3);
  if (c2 !== Reg.R3) em.emit(alu64Reg(AluOp.MOV, Reg.R3, c2));
  em.emit(call(Helper.map_lookup_percpu_elem), jmpImm(JmpOp.JEQ, Reg.R0, 0, failed));
  mergeSlot(em, agg, signed, total, second, next);
  em.place(next);
  const c3 = em.reg(cpu, Reg.R1);
  em.emit(alu64Imm(AluOp.ADD, c3, 1));
  em.setTemp(cpu, c3);
  em.emit(ja(head));
  em.place(failed);
  const c4 = em.reg(cpu, Reg.R1);
  em.emit(jmpImm(JmpOp.JNE, c4, 0, mismatch));
  emitLookupMissCheck(em, span, 'map_lookup_percpu_elem');
  em.emit(ja(done));
  em.place(mismatch);
  emitCpuCountMismatchRecord(em, span);
  em.place(done);
  em.free(cpu);
  if (agg === 'avg' && second) divideAverage(em, total, second, signed);
  if (second) em.free(second);
  return total;
}

/** Adds one CPU's slot (r0 points at it) into the running result. */
function mergeSlot(em: Emitter, agg: CastableAgg, signed: boolean, total: Temp, second: Temp | null, next: string): void {
  switch (agg) {
    case 'count':
    case 'sum':
      addInto(em, total, 0);
      return;
    case 'avg':
      addInto(em, total, 0);
      if (second) addInto(em, second, 8);
      return;
    case 'min':
    case 'max': {
      if (!second) return;
      const take = em.label();
      // A CPU that never saw a sample keeps its zero out of the result.
      em.emit(load(8, Reg.R1, Reg.R0, 8), jmpImm(JmpOp.JNE, Reg.R1, 1, next), load(8, Reg.R1, Reg.R0, 0));
      const s = em.reg(second, Reg.R2);
      em.emit(jmpImm(JmpOp.JEQ, s, 0, take));
      const t = em.reg(total, Reg.R3);
      const keep = agg === 'max' ? (signed ? JmpOp.JSLE : JmpOp.JLE) : signed ? JmpOp.JSGE : JmpOp.JGE;
      em.emit(jmpReg(keep, Reg.R1, t, next));
      em.place(take);
      setConst(em, second, 1);
      em.setTemp(total, Reg.R1);
      return;
    }
  }
}

function addInto(em: Emitter, t: Temp, off: number): void {
  const r = em.reg(t, Reg.R2);
  em.emit(load(8, Reg.R1, Reg.R0, off), alu64Reg(AluOp.ADD, r, Reg.R1));
  em.setTemp(t, r);
}

/** total / count, 0 when nothing was counted (BPF's division by zero gives 0, as 0.26 relies on). */
function divideAverage(em: Emitter, total: Temp, count: Temp, signed: boolean): void {
  const r = em.reg(total, Reg.R1);
  emitAverageDivision(em, r, em.reg(count, Reg.R2), signed);
  em.setTemp(total, r);
}

/** r /= n for an average. BPF divides unsigned: a negative total is divided by its magnitude and negated back. */
export function emitAverageDivision(em: Emitter, r: Reg, n: Reg, signed: boolean): void {
  if (!signed) {
    em.emit(alu64Reg(AluOp.DIV, r, n));
    return;
  }
  const positive = em.label();
  const divided = em.label();
  em.emit(jmpImm(JmpOp.JSGE, r, 0, positive), neg64(r), alu64Reg(AluOp.DIV, r, n), neg64(r), ja(divided));
  em.place(positive);
  em.emit(alu64Reg(AluOp.DIV, r, n));
  em.place(divided);
}
