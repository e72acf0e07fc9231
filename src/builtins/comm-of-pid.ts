// comm(PID): the name of another task, as 0.26's stdlib finds it: bpf_task_from_pid (a kfunc,
// Linux 6.2+, tracing programs only) takes a reference on the task, its comm is copied, the
// reference is released. No such task: 0.26's warning and "N/A".

import { kfuncCallAllowed } from '../bpf/features.ts';
import { AluOp, alu64Imm, JmpOp, ja, jmpImm, kfuncCall, movReg, Reg } from '../bpf/insn.ts';
import type { Emitter, Operand } from '../codegen/emitter.ts';
import type { Call, Expr } from '../lang/ast.ts';
import { EventKind } from '../runtime/events.ts';
import { btfField, btfTypeByName, kernelBtf } from '../sema/btf-types.ts';
import { UINT32 } from '../sema/types.ts';
import { emitValueRecord, writeBytes } from './gen-util.ts';
import { probeTypeName } from './script-info.ts';
import type { CheckCx } from './types.ts';

/** The result: a string[64], as 0.26's macro declares it. */
export const COMM_OF_PID_SIZE = 64;
const COMM_LEN = 16;

interface Kfuncs {
  fromPid: number;
  release: number;
  commOffset: number;
}

function kfuncs(): Kfuncs | null {
  const btf = kernelBtf();
  const fromPid = btf?.findId('bpf_task_from_pid', 'func') ?? null;
  const release = btf?.findId('bpf_task_release', 'func') ?? null;
  const task = btfTypeByName('struct task_struct');
  const commOffset = task?.kind === 'struct' ? btfField(task, 'comm')?.offset : undefined;
  if (fromPid === null || release === null || commOffset === undefined) return null;
  return { fromPid, release, commOffset };
}

/** Type-checks comm(PID) with 0.26's errors; the result type. */
export function checkCommOfPid(call: Call, pid: Expr, cx: CheckCx): void {
  if (cx.check(pid).kind !== 'int') {
    cx.diags.error(pid.span, "Only integer supported for comm()'s pid");
    return;
  }
  const k = kfuncs();
  const target = cx.probe.targets[0];
  let allowed = false;
  try {
    allowed = k !== null && target !== undefined && kfuncCallAllowed(target.provider.progType, k.fromPid, 'bpf_task_from_pid');
  } catch {
    allowed = false; // no bpf() at all: nothing can be called
  }
  if (!allowed)
    cx.diags.error(call.span, `Syntax comm(PID) is not supported in this probe type yet. Type: ${probeTypeName(cx.probe.providerName)}`);
}

export function emitCommOfPid(call: Call, pid: Expr, em: Emitter): Operand {
  const k = kfuncs();
  if (!k) throw new Error('internal: comm(PID) compiled without its kfuncs');
  const loc = em.memDest ?? em.allocMem(COMM_OF_PID_SIZE);
  em.zero(loc, COMM_OF_PID_SIZE);
  const p = em.scalar(pid);
  const pr = em.reg(p, Reg.R1);
  if (pr !== Reg.R1) em.emit(movReg(Reg.R1, pr));
  em.emit(kfuncCall(k.fromPid));
  // The task holds a reference until released; a spilled copy is tracked by the verifier.
  const task = em.tempFromReg(Reg.R0);
  const missing = em.label();
  const end = em.label();
  em.emit(jmpImm(JmpOp.JEQ, Reg.R0, 0, missing), alu64Imm(AluOp.ADD, Reg.R0, k.commOffset));
  const comm = em.tempFromReg(Reg.R0);
  em.callHelper(
    'probe_read_kernel',
    [
      { kind: 'addr', loc },
      { kind: 'imm', value: BigInt(COMM_LEN) },
      { kind: 'temp', temp: comm },
    ],
    true,
  );
  em.free(comm);
  const tr2 = em.reg(task, Reg.R1);
  if (tr2 !== Reg.R1) em.emit(movReg(Reg.R1, tr2));
  em.emit(kfuncCall(k.release), ja(end));
  em.place(missing);
  const pv = em.reg(p, Reg.R2);
  if (pv !== Reg.R2) em.emit(movReg(Reg.R2, pv));
  emitValueRecord(em, EventKind.Warnf, 'warnf', 'No such process (pid=%d)', UINT32, Reg.R2, call.span);
  writeBytes(em, loc, new TextEncoder().encode('N/A'));
  em.place(end);
  em.free(task);
  em.free(p);
  return { kind: 'mem', loc };
}
