// The program behind watchpoint:FUNC+argN (bpftrace ≤ 0.24): a uprobe on FUNC that tells user
// space which address argN holds, so the watchpoint can be set on it. For the synchronous form
// it first stops the traced process (SIGSTOP), which user space lets go (SIGCONT) once the
// watchpoint is in place, so no access right after the call is missed. No script code runs here.

import { Helper } from '../bpf/helpers.ts';
import { AluOp, alu64Imm, call, exit, type Insn, ldImm64, ldMapFd, load, movImm, movReg, Reg, store } from '../bpf/insn.ts';
import { PT_REGS_ARGS } from '../builtins/task.ts';
import { EventKind, eventHeader, HEADER_SIZE } from '../runtime/events.ts';
import { RINGBUF_MAP } from './resources.ts';

const SIGSTOP = 19;

/** Record: u64 header (WatchpointArm, the watchpoint's id), then the address (u64). */
export const WATCHPOINT_ARM_RECORD_SIZE = HEADER_SIZE + 8;

export function watchpointArmProgram(id: number, argN: number, async: boolean): Insn[] {
  const regOffset = PT_REGS_ARGS[argN];
  if (regOffset === undefined) throw new Error(`internal: no register for arg${argN}`);
  const rec = -WATCHPOINT_ARM_RECORD_SIZE;
  const insns: Insn[] = [movReg(Reg.R6, Reg.R1)];
  if (!async) insns.push(movImm(Reg.R1, SIGSTOP), call(Helper.send_signal));
  insns.push(
    load(8, Reg.R1, Reg.R6, regOffset),
    store(8, Reg.FP, rec + HEADER_SIZE, Reg.R1),
    ldImm64(Reg.R1, eventHeader(EventKind.WatchpointArm, id)),
    store(8, Reg.FP, rec, Reg.R1),
    ldMapFd(Reg.R1, RINGBUF_MAP),
    movReg(Reg.R2, Reg.FP),
    alu64Imm(AluOp.ADD, Reg.R2, rec),
    movImm(Reg.R3, WATCHPOINT_ARM_RECORD_SIZE),
    movImm(Reg.R4, 0),
    call(Helper.ringbuf_output),
    movImm(Reg.R0, 0),
    exit(),
  );
  return insns;
}
