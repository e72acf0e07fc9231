// Code generation for one probe program: statements and expressions straight to BPF
// instructions. Scalars are evaluated into temps (r7-r9, spilled to the stack past three);
// aggregates (strings, tuples, keys, event records) are written directly into their destination
// memory, so values are not copied through intermediate buffers. r6 holds the context.
//
// The Emitter holds one program's state (instructions, labels, frame, variables) and the
// primitives every generator uses; the builtins call its methods. What each construct compiles
// to lives by concept: statements.ts, conditions.ts, scalars.ts, memory-reads.ts (kernel/user
// memory), aggregates.ts (values in memory), strings.ts, syscall-filter.ts.

import { Helper, type HelperName } from '../bpf/helpers.ts';
import {
  AluOp,
  alu64Imm,
  alu64Reg,
  call,
  exit,
  type Insn,
  JmpOp,
  ja,
  jmpImm,
  kfuncCall,
  ldMapFd,
  ldMapValue,
  load,
  loadConst,
  movImm,
  movReg,
  Reg,
  type Size,
  store,
  storeImm,
} from '../bpf/insn.ts';
import { lookupBuiltin } from '../builtins/registry.ts';
import type { Block, Call, Expr, NodeId, Span, Stmt } from '../lang/ast.ts';
import { unreachable } from '../lang/ast.ts';
import { UserError } from '../lang/diagnostics.ts';
import type { ArgField, ProbeContext } from '../probes/provider.ts';
import type { SemaResult, VarSymbol } from '../sema/check.ts';
import type { Config } from '../sema/config.ts';
import { INT64, isInteger, sizeOf, type Type } from '../sema/types.ts';
import { emitMem } from './aggregates.ts';
import { copyMem, offsetAlign, zeroMem } from './bulk-memory.ts';
import { emitCond } from './conditions.ts';
import { argField } from './context-args.ts';
import { Frame, type MemLoc, type Temp } from './frame.ts';
import { emitMapDelete } from './maps.ts';
import { optimize } from './optimize.ts';
import { cookieNamePrologue } from './probe-names.ts';
import { BIG_HEAP_MAP, ERRORS_MAP, EXIT_GRACE_NS, EXIT_MAP, HEAP_MAP, PERCPU_VALUE_MAX, type Resources, RINGBUF_MAP } from './resources.ts';
import { emitHelperCheck } from './runtime-errors.ts';
import { emitExtend, emitScalar, operandToTemp } from './scalars.ts';
import { allocateVariables, emitBlock, emitEffect, emitStmt, emitStoreInto } from './statements.ts';
import { syscallFilterPrologue } from './syscall-filter.ts';

export type Operand = { kind: 'imm'; value: bigint } | { kind: 'temp'; temp: Temp } | { kind: 'mem'; loc: MemLoc };

export type HelperArg =
  | { kind: 'imm'; value: bigint }
  | { kind: 'temp'; temp: Temp }
  | { kind: 'addr'; loc: MemLoc }
  | { kind: 'map'; name: string }
  | { kind: 'ctx' };

export class Emitter {
  readonly insns: Insn[] = [];
  readonly frame = new Frame();
  private labelCount = 0;
  private heapSlot: number | null = null;
  private readonly varLocs = new Map<number, MemLoc>();
  /** Enclosing loops' break and continue targets, innermost last. */
  readonly loops: { brk: string; cont: string }[] = [];
  readonly exitLabel = 'Lexit';
  /** Exits with whatever r0 holds (`return expr`). */
  readonly returnLabel = 'Lreturn';
  private zeroKeySlot: number | null = null;

  /** -p PID for probes that see every process: the program leaves early for other pids. */
  pidFilter: number | null = null;
  /** Leave at once once exit() ran more than EXIT_GRACE_NS ago (resources.ts EXIT_MAP). */
  exitGuard = false;
  /** For a loop-body callback: the program that calls it, and where its frame pointer is kept. */
  private parent: Emitter | null = null;
  private outerSlot = 0;

  constructor(
    readonly sema: SemaResult,
    readonly resources: Resources,
    readonly context: ProbeContext,
    readonly config: Config,
    /** Full probe name, for the `probe` builtin. */
    readonly probeName: string,
  ) {}

  // ------------------------------------------------------------------ basics

  /** Appends instructions; labels placed since the last one name the first of them. */
  emit(...is: Insn[]): void {
    const first = is[0];
    if (first && this.pendingLabels.length) {
      first.labels = [...(first.labels ?? []), ...this.pendingLabels];
      this.pendingLabels = [];
    }
    for (const i of is) this.insns.push(i);
  }

  label(prefix = 'L'): string {
    if (this.parent) return this.parent.label(prefix);
    return `${prefix}${this.labelCount++}`;
  }

  /** Names the next emitted instruction. */
  place(label: string): void {
    this.pendingLabels.push(label);
  }

  private pendingLabels: string[] = [];

  typeOf(e: Expr | { id: NodeId }): Type {
    const t = this.sema.types.get(e.id) ?? INT64;
    // A variable's or map's type may widen at a later assignment (integers promoted, strings
    // longer); its slot has the final layout, which every read and write goes by.
    if (!('kind' in e)) return t;
    if (e.kind === 'Variable') return this.sema.vars.get(e.id)?.type ?? t;
    if ((e.kind === 'MapRef' || e.kind === 'MapAccess') && (t.kind === 'int' || isAggregateSlot(t))) {
      const v = this.sema.maps.get(e.kind === 'MapRef' ? e.name : e.map.name)?.value;
      if (v?.kind === 'value' && v.type.kind === t.kind) return v.type;
    }
    return t;
  }

  /** Materialises a temp's value into a register: its own, or `scratch` when spilled. */
  reg(t: Temp, scratch: Reg): Reg {
    if (t.reg !== null) return t.reg;
    this.emit(load(8, scratch, Reg.FP, t.slot as number));
    return scratch;
  }

  /** Writes `src` into the temp's home (register or spill slot). */
  setTemp(t: Temp, src: Reg): void {
    if (t.reg !== null) {
      if (t.reg !== src) this.emit(movReg(t.reg, src));
    } else {
      this.emit(store(8, Reg.FP, t.slot as number, src));
    }
  }

  tempFromReg(src: Reg): Temp {
    const t = this.frame.newTemp();
    this.setTemp(t, src);
    return t;
  }

  tempConst(v: bigint): Temp {
    const t = this.frame.newTemp();
    if (t.reg !== null) this.emit(loadConst(t.reg, v));
    else {
      this.emit(loadConst(Reg.R0, v));
      this.setTemp(t, Reg.R0);
    }
    return t;
  }

  free(t: Temp): void {
    this.frame.free(t);
  }

  /** Puts the address of `loc` in `reg`. */
  addr(loc: MemLoc, reg: Reg, extra = 0): void {
    switch (loc.base) {
      case 'stack':
        this.emit(movReg(reg, Reg.FP), alu64Imm(AluOp.ADD, reg, loc.off + extra));
        return;
      case 'outer':
        this.emit(load(8, reg, Reg.FP, this.outerSlot), alu64Imm(AluOp.ADD, reg, loc.off + extra));
        return;
      case 'heap':
        if (this.parent) {
          // The heap pointer lives in the calling program's frame.
          this.emit(load(8, reg, Reg.FP, this.outerSlot), load(8, reg, reg, this.parent.heapPointerSlot()));
        } else {
          this.emit(load(8, reg, Reg.FP, this.heapPointerSlot()));
        }
        if (loc.off + extra !== 0) this.emit(alu64Imm(AluOp.ADD, reg, loc.off + extra));
        return;
    }
  }

  heapPointerSlot(): number {
    if (this.heapSlot === null) this.heapSlot = this.frame.allocStack(8);
    return this.heapSlot;
  }

  private nameSlot: number | null = null;

  /** Programs that look `probe` up (coalesced syscalls, cookie names): where the prologue keeps the name's address. */
  probeNameSlot(): number {
    if (this.nameSlot === null) this.nameSlot = this.frame.allocStack(8);
    return this.nameSlot;
  }

  /** Puts the address of the fired tracepoint's name (see probeNameSlot) in `reg`. */
  loadProbeNameAddress(reg: Reg): void {
    if (this.parent) {
      this.emit(load(8, reg, Reg.FP, this.outerSlot), load(8, reg, reg, this.parent.probeNameSlot()));
    } else {
      this.emit(load(8, reg, Reg.FP, this.probeNameSlot()));
    }
  }

  allocMem(size: number): MemLoc {
    if (size <= 256) {
      const saved = this.frame.stackUsed;
      try {
        const loc = this.frame.allocMem(size);
        return loc;
      } catch {
        this.frame.stackUsed = saved;
      }
    }
    return { base: 'heap', off: this.frame.allocHeap(size) };
  }

  /** Stores `size` bytes of zeros at loc (8 bytes at a time; sizes are multiples of 8 in our layouts). */
  zero(loc: MemLoc, size: number): void {
    zeroMem(this, loc, size);
  }

  /** Stores a register into memory at loc+off. */
  storeReg(size: Size, loc: MemLoc, off: number, src: Reg, scratchAddr: Reg = Reg.R1): void {
    if (loc.base === 'stack') this.emit(store(size, Reg.FP, loc.off + off, src));
    else {
      this.addr(loc, scratchAddr);
      this.emit(store(size, scratchAddr, off, src));
    }
  }

  loadReg(size: Size, dst: Reg, loc: MemLoc, off: number): void {
    if (loc.base === 'stack') this.emit(load(size, dst, Reg.FP, loc.off + off));
    else {
      this.addr(loc, dst);
      this.emit(load(size, dst, dst, off));
    }
  }

  /** Copies `size` bytes between two memory locations (whole words, then the tail). */
  copy(dst: MemLoc, src: MemLoc, size: number): void {
    this.addr(src, Reg.R1);
    this.addr(dst, Reg.R2);
    copyMem(this, Reg.R2, Reg.R1, size, offsetAlign(src.off | dst.off));
  }

  /** Copies from an address in `srcReg` to one in `dstReg` (verifier-visible memory on both sides). */
  copyPtr(dstReg: Reg, srcReg: Reg, size: number, align: 1 | 2 | 4 | 8 = 8): void {
    copyMem(this, dstReg, srcReg, size, align);
  }

  /**
   * Calls a helper: arguments go into r1-r5 just before the call (temps live in r7-r9 or on
   * the stack, so nothing is clobbered on the way). The result (r0) is returned as a new temp
   * unless `discard`. With `site` (the script location of the call), a failure is reported at
   * run time when the warning level checks this helper (runtime-errors.ts).
   */
  callHelper(name: HelperName, args: HelperArg[], discard = false, site?: Span): Temp | null {
    args.forEach((a, i) => {
      const r = (i + 1) as Reg;
      switch (a.kind) {
        case 'imm':
          this.emit(loadConst(r, a.value));
          break;
        case 'temp': {
          const src = this.reg(a.temp, r);
          if (src !== r) this.emit(movReg(r, src));
          break;
        }
        case 'addr':
          this.addr(a.loc, r);
          break;
        case 'map':
          this.emit(ldMapFd(r, a.name));
          break;
        case 'ctx':
          this.emit(movReg(r, Reg.R6));
          break;
        default:
          unreachable(a);
      }
    });
    this.emit(call(Helper[name]));
    if (site) emitHelperCheck(this, name, site);
    if (discard) return null;
    return this.tempFromReg(Reg.R0);
  }

  // ------------------------------------------------------------------ program structure

  /** Emits a whole probe body; returns the final instruction list with prologue. */
  program(predicate: Expr | null, body: Block): Insn[] {
    this.begin([body]);
    if (predicate) emitCond(this, predicate, this.exitLabel);
    emitBlock(this, body);
    return this.finish();
  }

  /**
   * A kprobe session program (one program run at a function's entry and at its return): the
   * entry probe's body, or the return probe's when the kfunc `isReturn` (bpf_session_is_return,
   * by BTF id) says so. The entry part returns 0, which is what keeps the return part coming.
   */
  sessionProgram(entry: { predicate: Expr | null; body: Block }, ret: { predicate: Expr | null; body: Block }, isReturn: number): Insn[] {
    this.begin([entry.body, ret.body]);
    const atReturn = this.label();
    // Newer kernels give the kfunc the context as its argument; older ones take none.
    this.emit(movReg(Reg.R1, Reg.R6), kfuncCall(isReturn), jmpImm(JmpOp.JNE, Reg.R0, 0, atReturn));
    if (entry.predicate) emitCond(this, entry.predicate, this.exitLabel);
    emitBlock(this, entry.body);
    this.emit(ja(this.exitLabel));
    this.place(atReturn);
    if (ret.predicate) emitCond(this, ret.predicate, this.exitLabel);
    emitBlock(this, ret.body);
    return this.finish();
  }

  /** Before the body: long-lived slots, then the exit guard and the -p filter. */
  private begin(bodies: Block[]): void {
    // Long-lived slots first (heap pointer, map-key scratch, variables), so per-statement
    // scratch memory above them can be reused safely.
    this.heapPointerSlot();
    this.zeroKey();
    if (this.context.syscallFilter?.names || this.context.cookieNames) this.probeNameSlot();
    for (const body of bodies) allocateVariables(this, body);
    if (this.exitGuard) {
      const running = this.label();
      this.emit(
        ...exitStamp(Reg.R1),
        jmpImm(JmpOp.JEQ, Reg.R1, 0, running),
        call(Helper.ktime_get_ns),
        ...exitStamp(Reg.R1),
        alu64Reg(AluOp.SUB, Reg.R0, Reg.R1),
        jmpImm(JmpOp.JGT, Reg.R0, EXIT_GRACE_NS, this.exitLabel),
      );
      this.place(running);
    }
    if (this.pidFilter !== null) {
      this.emit(
        call(Helper.get_current_pid_tgid),
        alu64Imm(AluOp.RSH, Reg.R0, 32),
        jmpImm(JmpOp.JNE, Reg.R0, this.pidFilter, this.exitLabel),
      );
    }
  }

  /** After the body: the return, the prologue, the clean-up; the program's instructions. */
  private finish(): Insn[] {
    this.place(this.exitLabel);
    this.emit(movImm(Reg.R0, 0));
    this.place(this.returnLabel);
    this.emit(exit());
    const prologue: Insn[] = [movReg(Reg.R6, Reg.R1), ...syscallFilterPrologue(this), ...cookieNamePrologue(this)];
    if (this.frame.heapHigh > 0) {
      const slot = this.heapPointerSlot();
      const key = this.zeroKey();
      const big = Math.ceil(this.frame.heapHigh / 8) * 8 > PERCPU_VALUE_MAX;
      if (big) {
        // Programs run with migration disabled: the CPU's slot is theirs until they return.
        this.resources.bigHeapSize = Math.max(this.resources.bigHeapSize, this.frame.heapHigh);
        prologue.push(call(Helper.get_smp_processor_id), store(4, Reg.FP, key, Reg.R0));
      } else {
        this.resources.heapSize = Math.max(this.resources.heapSize, this.frame.heapHigh);
        prologue.push(storeImm(4, Reg.FP, key, 0));
      }
      prologue.push(
        ldMapFd(Reg.R1, big ? BIG_HEAP_MAP : HEAP_MAP),
        movReg(Reg.R2, Reg.FP),
        alu64Imm(AluOp.ADD, Reg.R2, key),
        call(Helper.map_lookup_elem),
        jmpImm(JmpOp.JEQ, Reg.R0, 0, this.exitLabel),
        store(8, Reg.FP, slot, Reg.R0),
      );
    }
    // Subprograms come after the clean-up, which only follows the main program's own jumps.
    return [...optimize([...prologue, ...this.insns]), ...[...this.subprograms.values()].flat()];
  }

  private readonly subprograms = new Map<string, Insn[]>();

  /**
   * Adds a subprogram (a callback for bpf_loop, bpf_for_each_map_elem...) once per name and
   * returns its label. Subprograms go after the main program's exit: the verifier splits a
   * program at each subprogram start, so one placed inline would cut the probe in two.
   */
  subprogram(name: string, build: () => Insn[]): string {
    if (!this.subprograms.has(name)) {
      const body = build();
      const first = body[0];
      if (first) first.labels = [...(first.labels ?? []), name];
      this.subprograms.set(name, body);
    }
    return name;
  }

  /** An 8-byte stack slot for map keys built just before a lookup (array index 0, error slots). */
  zeroKey(): number {
    if (this.zeroKeySlot === null) this.zeroKeySlot = this.frame.allocStack(8);
    return this.zeroKeySlot;
  }

  /** Increments slot `index` of the per-CPU error-counter array (ring buffer full, map full). */
  countError(index: number): void {
    const key = this.zeroKey();
    this.emit(
      storeImm(4, Reg.FP, key, index),
      ldMapFd(Reg.R1, ERRORS_MAP),
      movReg(Reg.R2, Reg.FP),
      alu64Imm(AluOp.ADD, Reg.R2, key),
      call(Helper.map_lookup_elem),
    );
    const skip = this.label();
    this.emit(jmpImm(JmpOp.JEQ, Reg.R0, 0, skip), load(8, Reg.R1, Reg.R0, 0), alu64Imm(AluOp.ADD, Reg.R1, 1), store(8, Reg.R0, 0, Reg.R1));
    this.place(skip);
  }

  /** Sends `size` bytes at loc as one ring buffer record, counting it when the ring is full. */
  output(loc: MemLoc, size: number): void {
    this.callHelper(
      'ringbuf_output',
      [
        { kind: 'map', name: RINGBUF_MAP },
        { kind: 'addr', loc },
        { kind: 'imm', value: BigInt(size) },
        { kind: 'imm', value: 0n },
      ],
      true,
    );
    const ok = this.label();
    this.emit(jmpImm(JmpOp.JEQ, Reg.R0, 0, ok));
    this.countError(0);
    this.place(ok);
  }

  /** The probe's own program: itself, or for a callback the program that calls it. */
  get root(): Emitter {
    return this.parent ?? this;
  }

  /** Whether this emits a callback subprogram rather than the probe program. */
  /**
   * In a for-loop callback: the probe-frame slot that tells the caller `return` ran, and the
   * label that stops the walk. The caller leaves the probe when it finds the slot set.
   */
  callbackReturn: { flagOff: number; stop: string } | null = null;

  get inCallback(): boolean {
    return this.parent !== null;
  }

  /**
   * An emitter for a callback subprogram of this (root) program, called with the probe's frame
   * pointer in r4: it keeps that pointer in its own frame to reach the probe's variables, and
   * its heap scratch starts above the probe's.
   */
  callbackEmitter(): Emitter {
    const sub = new Emitter(this.sema, this.resources, this.context, this.config, this.probeName);
    sub.parent = this;
    sub.frame.heapUsed = this.frame.heapHigh;
    sub.frame.heapHigh = this.frame.heapHigh;
    sub.outerSlot = sub.frame.allocStack(8);
    sub.emit(store(8, Reg.FP, sub.outerSlot, Reg.R4));
    return sub;
  }

  /** Puts the probe's frame pointer in `reg` (a callback's context argument). */
  probeFramePointer(reg: Reg): void {
    this.emit(movReg(reg, Reg.FP));
    if (this.parent) this.emit(load(8, reg, Reg.FP, this.outerSlot));
  }

  /**
   * Notes when exit() first ran (EXIT_MAP) in a probe the kernel fires. BEGIN's exit() is noted
   * by user space when it reads it, after attaching: bpftrace's probes count events until then.
   */
  markExited(): void {
    if (!this.exitGuard) return;
    const noted = this.label();
    this.emit(
      ...exitStamp(Reg.R1),
      jmpImm(JmpOp.JNE, Reg.R1, 0, noted),
      call(Helper.ktime_get_ns),
      ldMapValue(Reg.R1, EXIT_MAP, 0),
      store(8, Reg.R1, 0, Reg.R0),
    );
    this.place(noted);
  }

  /** Ends the probe now (exit(), return). */
  returnNow(): void {
    if (this.callbackReturn) {
      // A loop body (a callback) cannot leave the probe itself: it flags the return and stops
      // the walk; the probe returns when it finds the flag set.
      this.emit(movImm(Reg.R1, 1));
      this.storeReg(8, { base: 'outer', off: this.callbackReturn.flagOff }, 0, Reg.R1, Reg.R2);
      this.emit(ja(this.callbackReturn.stop));
      return;
    }
    this.emit(ja(this.exitLabel));
  }

  varLoc(sym: VarSymbol): MemLoc {
    if (this.parent) {
      // Every variable lives in the probe's frame; a loop body reaches it through the pointer.
      const outer = this.parent.varLoc(sym);
      return outer.base === 'stack' ? { base: 'outer', off: outer.off } : outer;
    }
    let loc = this.varLocs.get(sym.id);
    if (!loc) {
      const t = sym.type ?? INT64;
      loc =
        isInteger(t) || t.kind === 'bool' || t.kind === 'pointer'
          ? { base: 'stack', off: this.frame.allocStack(8) }
          : this.allocMem(sizeOf(t));
      this.varLocs.set(sym.id, loc);
    }
    return loc;
  }

  // ------------------------------------------------------------------ scalar expressions

  // ------------------------------------------------------------------ generators (by concept, in their modules)

  block(b: Block): void {
    emitBlock(this, b);
  }

  stmt(s: Stmt): void {
    emitStmt(this, s);
  }

  /** Evaluates an expression for its side effects only. */
  effect(e: Expr): void {
    emitEffect(this, e);
  }

  /** Evaluates `e` and stores it at loc with the layout of type `t`. */
  storeInto(loc: MemLoc, t: Type, e: Expr): void {
    emitStoreInto(this, loc, t, e);
  }

  /** Jumps to `falseLabel` when e is false (0); falls through otherwise. */
  cond(e: Expr, falseLabel: string): void {
    emitCond(this, e, falseLabel);
  }

  /** Evaluates an integer/bool/pointer expression into a temp. */
  scalar(e: Expr): Temp {
    return emitScalar(this, e);
  }

  operandToTemp(o: Operand): Temp {
    return operandToTemp(this, o);
  }

  /** Sign- or zero-extends the low `size` bytes of a register to 64 bits. */
  extend(r: Reg, size: number, signed: boolean): void {
    emitExtend(this, r, size, signed);
  }

  /** Evaluates an aggregate (string, tuple, record...) into memory; into `dst` when given. */
  mem(e: Expr, dst?: MemLoc): MemLoc {
    return emitMem(this, e, dst);
  }

  argField(e: Expr): ArgField | null {
    return argField(this, e);
  }

  /** Destination a builtin producing memory should write into, when the caller has one. */
  memDest: MemLoc | null = null;

  callBuiltin(c: Call): Operand {
    const b = lookupBuiltin(c.callee);
    if (!b) throw new UserError(`Unknown function: ${c.callee}`);
    return b.emit(c, this);
  }

  /** Deletes a key; r0 is bpf_map_delete_elem's result. With `site`, a failure is warned about. */
  deleteFromMap(target: Expr, keys: Expr[], site?: Span): void {
    emitMapDelete(this, target, keys, site);
  }
}

/** Map values whose layout follows the map's final type rather than one use's. */
function isAggregateSlot(t: Type): boolean {
  return t.kind === 'tuple' || t.kind === 'record' || t.kind === 'string';
}

/** Loads when exit() first ran (0: not yet) into `dst`, through r1. */
function exitStamp(dst: Reg): Insn[] {
  return [ldMapValue(Reg.R1, EXIT_MAP, 0), load(8, dst, Reg.R1, 0)];
}
