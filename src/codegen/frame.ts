// Where a program's values live: integers in callee-saved registers (r7-r9) with stack slots
// as spill space, aggregates (strings, tuples, keys, event records) in the 512-byte stack or,
// past a budget, in a per-CPU scratch map ("heap") so long strings don't blow the stack.

import { Reg } from '../bpf/insn.ts';

export const STACK_LIMIT = 512;
/** Aggregates go to the heap once the stack holds this much, keeping room for spills. */
const STACK_BUDGET = 448;

/**
 * `outer` is the stack of the program that called a loop-body callback (for ($kv : @m)):
 * callbacks reach the probe's variables through a pointer to that frame.
 */
export type MemLoc = { base: 'stack'; off: number } | { base: 'heap'; off: number } | { base: 'outer'; off: number };

export interface Temp {
  readonly id: number;
  /** Physical register while it has one. */
  reg: Reg | null;
  /** Stack offset (negative, from fp) when spilled. */
  slot: number | null;
}

const TEMP_REGS: readonly Reg[] = [Reg.R7, Reg.R8, Reg.R9];

export class Frame {
  /** Bytes of stack used so far (grows down from fp). */
  stackUsed = 0;
  heapUsed = 0;
  /** Most heap ever in use at once: the size the scratch map's value needs. */
  heapHigh = 0;
  private nextTemp = 0;
  private readonly freeRegs: Reg[] = [...TEMP_REGS];
  private readonly freeSlots: number[] = [];

  allocStack(size: number, align = 8): number {
    const a = Math.max(align, 1);
    this.stackUsed = Math.ceil((this.stackUsed + size) / a) * a;
    if (this.stackUsed > STACK_LIMIT) throw new FrameOverflow();
    return -this.stackUsed;
  }

  /** Memory for an aggregate value: the stack while it has room, else the heap. */
  allocMem(size: number, align = 8): MemLoc {
    const rounded = Math.ceil(size / 8) * 8;
    if (this.stackUsed + rounded <= STACK_BUDGET) return { base: 'stack', off: this.allocStack(rounded, align) };
    return { base: 'heap', off: this.allocHeap(rounded) };
  }

  allocHeap(size: number): number {
    const off = Math.ceil(this.heapUsed / 8) * 8;
    this.heapUsed = off + Math.ceil(size / 8) * 8;
    this.heapHigh = Math.max(this.heapHigh, this.heapUsed);
    return off;
  }

  /** Memory in use now; `release` gives back everything allocated after it (per statement). */
  mark(): { stack: number; heap: number } {
    return { stack: this.stackUsed, heap: this.heapUsed };
  }

  release(m: { stack: number; heap: number }): void {
    this.stackUsed = m.stack;
    this.heapUsed = m.heap;
    // Spill slots above the mark are gone with it.
    for (let i = this.freeSlots.length - 1; i >= 0; i--) {
      if (-(this.freeSlots[i] as number) > m.stack) this.freeSlots.splice(i, 1);
    }
  }

  /** A scalar temporary; in a register when one is free, otherwise a spill slot. */
  newTemp(): Temp {
    const reg = this.freeRegs.shift();
    if (reg !== undefined) return { id: this.nextTemp++, reg, slot: null };
    const slot = this.freeSlots.pop() ?? this.allocStack(8);
    return { id: this.nextTemp++, reg: null, slot };
  }

  free(t: Temp): void {
    if (t.reg !== null) {
      this.freeRegs.unshift(t.reg);
      this.freeRegs.sort((a, b) => a - b);
    } else if (t.slot !== null) {
      this.freeSlots.push(t.slot);
    }
    t.reg = null;
    t.slot = null;
  }

  get liveRegs(): Reg[] {
    return TEMP_REGS.filter((r) => !this.freeRegs.includes(r));
  }
}

export class FrameOverflow extends Error {
  constructor() {
    super('BPF stack limit of 512 bytes exceeded');
  }
}
