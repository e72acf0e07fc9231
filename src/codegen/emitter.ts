// Code generation for one probe program: statements and expressions straight to BPF
// instructions. Scalars are evaluated into temps (r7-r9, spilled to the stack past three);
// aggregates (strings, tuples, keys, event records) are written directly into their destination
// memory, so values are not copied through intermediate buffers. r6 holds the context.

import { BPF_MAP_TYPE_ARRAY } from '../bpf/constants.ts';
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
  jmpReg,
  ldFunc,
  ldMapFd,
  load,
  loadConst,
  movImm,
  movReg,
  neg64,
  Reg,
  type Size,
  store,
  storeImm,
} from '../bpf/insn.ts';
import { lookupBuiltin } from '../builtins/registry.ts';
import { PT_REGS_ORIG_AX, PT_REGS_SP } from '../builtins/task.ts';
import type { Block, Call, Expr, NodeId, Span, Stmt } from '../lang/ast.ts';
import { unreachable } from '../lang/ast.ts';
import { UserError } from '../lang/diagnostics.ts';
import { visitAll } from '../lang/walk.ts';
import type { ArgField, ProbeContext } from '../probes/provider.ts';
import { SYSCALL_FILTER_ENTRIES } from '../probes/syscalls/coalesce.ts';
import { type SemaResult, storageType, type VarSymbol } from '../sema/check.ts';
import type { Config } from '../sema/config.ts';
import { INT64, isInteger, isScalarType, sizeOf, type Type, tupleLayout } from '../sema/types.ts';
import { Frame, type MemLoc, type Temp } from './frame.ts';
import { emitHelperCheck } from './helper-errors.ts';
import { emitAggregation, emitMapDelete, emitMapLookupInto, emitMapLookupScalar, emitMapStore } from './maps.ts';
import { optimize } from './optimize.ts';
import { ERRORS_MAP, HEAP_MAP, type MapInitEntry, type Resources, RINGBUF_MAP } from './resources.ts';

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
  private readonly loops: { brk: string; cont: string }[] = [];
  readonly exitLabel = 'Lexit';
  /** Exits with whatever r0 holds (`return expr`). */
  private readonly returnLabel = 'Lreturn';
  private zeroKeySlot: number | null = null;

  /** -p PID for probes that see every process: the program leaves early for other pids. */
  pidFilter: number | null = null;
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
    return this.sema.types.get(e.id) ?? INT64;
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
    const words = Math.ceil(size / 8);
    if (loc.base === 'stack') {
      for (let i = 0; i < words; i++) this.emit(storeImm(8, Reg.FP, loc.off + i * 8, 0));
      return;
    }
    this.addr(loc, Reg.R1);
    for (let i = 0; i < words; i++) this.emit(storeImm(8, Reg.R1, i * 8, 0));
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
    this.copyPtr(Reg.R2, Reg.R1, size);
  }

  /** Copies from an address in `srcReg` to one in `dstReg` (verifier-visible memory on both sides). */
  copyPtr(dstReg: Reg, srcReg: Reg, size: number): void {
    let i = 0;
    for (; i + 8 <= size; i += 8) this.emit(load(8, Reg.R3, srcReg, i), store(8, dstReg, i, Reg.R3));
    for (const s of [4, 2, 1] as const) {
      if (i + s <= size) {
        this.emit(load(s, Reg.R3, srcReg, i), store(s, dstReg, i, Reg.R3));
        i += s;
      }
    }
  }

  /**
   * Calls a helper: arguments go into r1-r5 just before the call (temps live in r7-r9 or on
   * the stack, so nothing is clobbered on the way). The result (r0) is returned as a new temp
   * unless `discard`. With `site` (the script location of the call), a failure is reported at
   * run time when the warning level checks this helper (helper-errors.ts).
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
    // Long-lived slots first (heap pointer, map-key scratch, variables), so per-statement
    // scratch memory above them can be reused safely.
    this.heapPointerSlot();
    this.zeroKey();
    this.allocateVariables(body);
    if (this.pidFilter !== null) {
      this.emit(
        call(Helper.get_current_pid_tgid),
        alu64Imm(AluOp.RSH, Reg.R0, 32),
        jmpImm(JmpOp.JNE, Reg.R0, this.pidFilter, this.exitLabel),
      );
    }
    if (predicate) this.cond(predicate, this.exitLabel);
    this.block(body);
    this.place(this.exitLabel);
    this.emit(movImm(Reg.R0, 0));
    this.place(this.returnLabel);
    this.emit(exit());
    const prologue: Insn[] = [movReg(Reg.R6, Reg.R1), ...this.syscallFilterPrologue()];
    if (this.frame.heapHigh > 0) {
      const slot = this.heapPointerSlot();
      const key = this.zeroKey();
      this.resources.heapSize = Math.max(this.resources.heapSize, this.frame.heapHigh);
      prologue.push(
        storeImm(4, Reg.FP, key, 0),
        ldMapFd(Reg.R1, HEAP_MAP),
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

  /**
   * Coalesced syscall tracepoints run on raw sys_enter/sys_exit: leave unless the syscall
   * number is one of those the script named (array map lookup, inlined by the verifier).
   */
  private syscallFilterPrologue(): Insn[] {
    const f = this.context.syscallFilter;
    if (!f) return [];
    const key = this.zeroKey();
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
      jmpImm(JmpOp.JGE, Reg.R3, SYSCALL_FILTER_ENTRIES, this.exitLabel),
      store(4, Reg.FP, key, Reg.R3),
      ldMapFd(Reg.R1, f.map),
      movReg(Reg.R2, Reg.FP),
      alu64Imm(AluOp.ADD, Reg.R2, key),
      call(Helper.map_lookup_elem),
      jmpImm(JmpOp.JEQ, Reg.R0, 0, this.exitLabel),
      load(1, Reg.R1, Reg.R0, 0),
      jmpImm(JmpOp.JEQ, Reg.R1, 0, this.exitLabel),
    );
    if (!this.resources.mapInit.has(f.map)) {
      this.resources.internalMaps.push({
        name: f.map,
        type: BPF_MAP_TYPE_ARRAY,
        keySize: 4,
        valueSize: 4,
        maxEntries: SYSCALL_FILTER_ENTRIES,
      });
      this.resources.mapInit.set(f.map, []);
    }
    const init = this.resources.mapInit.get(f.map) as MapInitEntry[];
    for (const nr of f.numbers) {
      const k = new Uint8Array(4);
      new DataView(k.buffer).setUint32(0, nr, true);
      init.push({ key: k, value: new Uint8Array([1, 0, 0, 0]) });
    }
    return out;
  }

  private zeroKey(): number {
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

  /** Ends the probe now (exit(), return). */
  returnNow(): void {
    this.emit(ja(this.exitLabel));
  }

  // ------------------------------------------------------------------ statements

  block(b: Block): void {
    for (const s of b.stmts) {
      // Keys, records and temporaries of one statement are dead after it: reuse their memory.
      const m = this.frame.mark();
      this.stmt(s);
      this.frame.release(m);
    }
  }

  private allocateVariables(body: Block): void {
    visitAll(body, (n) => {
      if (n.kind !== 'Variable') return;
      const sym = this.sema.vars.get(n.id);
      if (sym) this.varLoc(sym);
    });
  }

  stmt(s: Stmt): void {
    switch (s.kind) {
      case 'ExprStmt':
        this.effect(s.expr);
        return;
      case 'AssignStmt':
        // Reported at `@m[k] = v` without the `;`, as bpftrace locates an assignment.
        this.assign(s.target, s.op, s.value, { start: s.target.span.start, end: s.value.span.end });
        return;
      case 'VarDeclStmt': {
        const sym = this.sema.vars.get(s.variable.id);
        if (!sym) return;
        const loc = this.varLoc(sym);
        if (s.value) this.storeInto(loc, storageType(sym.type ?? INT64), s.value);
        else this.zero(loc, sizeOf(sym.type ?? INT64));
        return;
      }
      case 'IfStmt': {
        const elseL = this.label();
        const end = this.label();
        this.cond(s.cond, elseL);
        this.block(s.then);
        if (s.else) {
          this.emit(ja(end));
          this.place(elseL);
          if (s.else.kind === 'IfStmt') this.stmt(s.else);
          else this.block(s.else);
          this.place(end);
        } else {
          this.place(elseL);
        }
        return;
      }
      case 'WhileStmt': {
        const top = this.label();
        const end = this.label();
        this.place(top);
        this.cond(s.cond, end);
        this.loops.push({ brk: end, cont: top });
        this.block(s.body);
        this.loops.pop();
        this.emit(ja(top));
        this.place(end);
        return;
      }
      case 'ForRangeStmt': {
        const sym = this.sema.vars.get(s.variable.id);
        if (!sym) return;
        const loc = this.varLoc(sym);
        const endT = this.scalar(s.end);
        const endLoc = this.allocMem(8);
        this.storeReg(8, endLoc, 0, this.reg(endT, Reg.R0));
        this.free(endT);
        this.storeInto(loc, INT64, s.start);
        const top = this.label();
        const cont = this.label();
        const end = this.label();
        this.place(top);
        this.loadReg(8, Reg.R1, loc, 0);
        this.loadReg(8, Reg.R2, endLoc, 0);
        this.emit(jmpReg(JmpOp.JSGE, Reg.R1, Reg.R2, end));
        this.loops.push({ brk: end, cont });
        this.block(s.body);
        this.loops.pop();
        this.place(cont);
        this.loadReg(8, Reg.R1, loc, 0);
        this.emit(alu64Imm(AluOp.ADD, Reg.R1, 1));
        this.storeReg(8, loc, 0, Reg.R1, Reg.R2);
        this.emit(ja(top));
        this.place(end);
        return;
      }
      case 'ForMapStmt':
        this.forMap(s);
        return;
      case 'UnrollStmt': {
        const n = Number(this.literal(s.count) ?? 1n);
        for (let i = 0; i < n; i++) this.block(s.body);
        return;
      }
      case 'JumpStmt': {
        const l = this.loops[this.loops.length - 1];
        if (!l) return;
        this.emit(ja(s.jump === 'break' ? l.brk : l.cont));
        return;
      }
      case 'ReturnStmt':
        if (s.value && !this.parent) {
          // The program's return value (test probes fail on non-zero, bench probes skip on 1).
          const v = this.scalar(s.value);
          const r = this.reg(v, Reg.R0);
          this.emit(movReg(Reg.R0, r));
          this.free(v);
          this.emit(ja(this.returnLabel));
          return;
        }
        this.returnNow();
        return;
      case 'Block':
        this.block(s);
        return;
      default:
        unreachable(s);
    }
  }

  private literal(e: Expr): bigint | null {
    if (e.kind === 'IntegerLit') return e.value;
    if (e.kind === 'PositionalParam') {
      const v = this.sema.positional[e.index - 1];
      try {
        return v === undefined ? 0n : BigInt(v);
      } catch {
        return null;
      }
    }
    return null;
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

  /**
   * `for ($kv : @m) { body }`: the body becomes a callback subprogram run by
   * bpf_for_each_map_elem for each entry. The callback gets the probe's frame pointer as its
   * context, so the body reads and writes the probe's variables in place; `$kv` is filled from
   * the key and value pointers the kernel passes. break stops the walk (return 1), continue
   * goes on to the next entry (return 0).
   */
  private forMap(s: Extract<Stmt, { kind: 'ForMapStmt' }>): void {
    const res = this.resources.mapsByName.get(s.map.name);
    const sym = this.sema.vars.get(s.variable.id);
    if (!res || !sym) return;
    const root = this.parent ?? this;
    const entry = root.label('Ffor_body');
    root.subprogram(entry, () => {
      const sub = new Emitter(this.sema, this.resources, this.context, this.config, this.probeName);
      sub.parent = root;
      sub.frame.heapUsed = root.frame.heapHigh;
      sub.frame.heapHigh = root.frame.heapHigh;
      sub.outerSlot = sub.frame.allocStack(8);
      const done = sub.label('Lfor_next');
      const stop = sub.label('Lfor_break');
      // r1 = map, r2 = key, r3 = value, r4 = the probe's frame pointer.
      sub.emit(store(8, Reg.FP, sub.outerSlot, Reg.R4), movReg(Reg.R6, Reg.R2), movReg(Reg.R7, Reg.R3));
      const kv = sub.varLoc(sym);
      const elems = sym.type?.kind === 'tuple' ? sym.type.elems : [];
      const lay = tupleLayout(elems);
      sub.addr(kv, Reg.R2, lay.offsets[0] ?? 0);
      sub.copyPtr(Reg.R2, Reg.R6, Math.min(res.keySize, sizeOf(elems[0] ?? INT64)));
      sub.addr(kv, Reg.R2, lay.offsets[1] ?? 0);
      sub.copyPtr(Reg.R2, Reg.R7, Math.min(res.spec.valueSize, sizeOf(elems[1] ?? INT64)));
      // Temps must not start in r6/r7 here: they hold key/value only until copied above.
      sub.loops.push({ brk: stop, cont: done });
      sub.block(s.body);
      sub.loops.pop();
      sub.place(done);
      sub.emit(movImm(Reg.R0, 0), exit());
      sub.place(stop);
      sub.emit(movImm(Reg.R0, 1), exit());
      root.frame.heapHigh = Math.max(root.frame.heapHigh, sub.frame.heapHigh);
      return optimize(sub.insns);
    });
    this.emit(ldMapFd(Reg.R1, res.spec.name), ldFunc(Reg.R2, entry), movReg(Reg.R3, Reg.FP));
    if (this.parent) this.emit(load(8, Reg.R3, Reg.FP, this.outerSlot));
    this.emit(movImm(Reg.R4, 0), call(Helper.for_each_map_elem));
  }

  /** Evaluates an expression for its side effects only. */
  effect(e: Expr): void {
    if (e.kind === 'Update') {
      this.update(e.target, e.op, false, false, e.span);
      return;
    }
    const t = this.typeOf(e);
    if (t.kind === 'void') {
      if (e.kind === 'Call') this.callBuiltin(e);
      return;
    }
    if (isScalarType(t)) {
      const r = this.scalar(e);
      this.free(r);
    } else {
      this.mem(e);
    }
  }

  private assign(target: Expr, op: string, value: Expr, span: Span): void {
    if (target.kind === 'Identifier' && target.name === '_') {
      this.effect(value);
      return;
    }
    if (target.kind === 'MapRef' || target.kind === 'MapAccess') {
      if (value.kind === 'Call' && this.sema.aggCalls.has(value.id)) {
        emitAggregation(this, target, value);
        return;
      }
      if (op !== '=') {
        const bin = op.slice(0, -1);
        const cur = emitMapLookupScalar(this, target);
        const rhs = this.scalar(value);
        this.binaryInto(cur, rhs, bin, this.typeOf(target), this.typeOf(value));
        this.free(rhs);
        emitMapStore(this, target, { kind: 'temp', temp: cur }, span);
        return;
      }
      const t = this.typeOf(target);
      if (isScalarType(t)) {
        const v = this.scalar(value);
        emitMapStore(this, target, { kind: 'temp', temp: v }, span);
      } else {
        const loc = this.allocMem(sizeOf(t));
        this.storeInto(loc, t, value);
        emitMapStore(this, target, { kind: 'mem', loc }, span);
      }
      return;
    }
    if (target.kind === 'Variable') {
      const sym = this.sema.vars.get(target.id);
      if (!sym) return;
      const loc = this.varLoc(sym);
      const t = sym.type ?? INT64;
      if (op !== '=') {
        const cur = this.frame.newTemp();
        this.loadReg(8, Reg.R0, loc, 0);
        this.setTemp(cur, Reg.R0);
        const rhs = this.scalar(value);
        this.binaryInto(cur, rhs, op.slice(0, -1), t, this.typeOf(value));
        this.free(rhs);
        this.storeReg(8, loc, 0, this.reg(cur, Reg.R0));
        this.free(cur);
        return;
      }
      // Variable slots hold 8 bytes whatever the integer's width (it keeps its type, e.g. for bswap).
      this.storeInto(loc, storageType(t), value);
    }
  }

  /** Evaluates `e` and stores it at loc with the layout of type `t`. */
  storeInto(loc: MemLoc, t: Type, e: Expr): void {
    if (isScalarType(t)) {
      const v = this.scalar(e);
      // Narrow slots (bools, sized tuple fields) get exactly their bytes, never 8.
      const size = t.kind === 'void' ? 8 : (Math.min(8, sizeOf(t)) as Size);
      this.storeReg(size === 1 || size === 2 || size === 4 ? size : 8, loc, 0, this.reg(v, Reg.R0));
      this.free(v);
      return;
    }
    const et = this.typeOf(e);
    if (et.kind === 'string' && t.kind === 'string' && et.size < t.size) {
      // A shorter string into a wider slot: the tail must read as NULs.
      this.zero(loc, t.size);
    }
    this.mem(e, loc);
  }

  private update(target: Expr, op: '++' | '--', wantValue: boolean, prefix: boolean, span: Span): Temp | null {
    const delta = op === '++' ? 1 : -1;
    if (target.kind === 'Variable') {
      const sym = this.sema.vars.get(target.id);
      if (!sym) return null;
      const loc = this.varLoc(sym);
      this.loadReg(8, Reg.R0, loc, 0);
      const before = wantValue && !prefix ? this.tempFromReg(Reg.R0) : null;
      this.emit(alu64Imm(AluOp.ADD, Reg.R0, delta));
      this.storeReg(8, loc, 0, Reg.R0);
      if (!wantValue) return null;
      return before ?? this.tempFromReg(Reg.R0);
    }
    if (target.kind === 'MapRef' || target.kind === 'MapAccess') {
      const cur = emitMapLookupScalar(this, target, span);
      const before = wantValue && !prefix ? this.tempFromReg(this.reg(cur, Reg.R0)) : null;
      const r = this.reg(cur, Reg.R0);
      this.emit(alu64Imm(AluOp.ADD, r, delta));
      this.setTemp(cur, r);
      emitMapStore(this, target, { kind: 'temp', temp: cur }, span, !wantValue || !prefix);
      if (!wantValue) return null;
      return before ?? cur;
    }
    return null;
  }

  // ------------------------------------------------------------------ conditions

  /** Jumps to `falseLabel` when e is false (0); falls through otherwise. */
  cond(e: Expr, falseLabel: string): void {
    if (e.kind === 'Binary' && e.op === '&&') {
      this.cond(e.left, falseLabel);
      this.cond(e.right, falseLabel);
      return;
    }
    if (e.kind === 'Binary' && e.op === '||') {
      const ok = this.label();
      const tryRight = this.label();
      this.cond(e.left, tryRight);
      this.emit(ja(ok));
      this.place(tryRight);
      this.cond(e.right, falseLabel);
      this.place(ok);
      return;
    }
    if (e.kind === 'Unary' && e.op === '!') {
      const ok = this.label();
      this.cond(e.operand, ok);
      this.emit(ja(falseLabel));
      this.place(ok);
      return;
    }
    if (
      e.kind === 'Binary' &&
      (e.op === '==' || e.op === '!=') &&
      this.typeOf(e.left).kind === 'string' &&
      this.typeOf(e.right).kind === 'string'
    ) {
      this.stringEquals(e.left, e.right, e.op === '==', falseLabel);
      return;
    }
    if (e.kind === 'Binary' && isComparison(e.op) && isScalarType(this.typeOf(e.left)) && isScalarType(this.typeOf(e.right))) {
      const signed = compareSigned(this.typeOf(e.left), this.typeOf(e.right));
      const inverse = invertJump(e.op, signed);
      const rk = this.literal(e.right);
      const l = this.scalar(e.left);
      if (rk !== null && rk >= -0x80000000n && rk <= 0x7fffffffn) {
        const lr = this.reg(l, Reg.R1);
        this.emit(jmpImm(inverse, lr, Number(rk), falseLabel));
        this.free(l);
        return;
      }
      const r = this.scalar(e.right);
      const lr = this.reg(l, Reg.R1);
      const rr = this.reg(r, Reg.R2);
      this.emit(jmpReg(inverse, lr, rr, falseLabel));
      this.free(r);
      this.free(l);
      return;
    }
    const v = this.scalar(e);
    const r = this.reg(v, Reg.R1);
    this.emit(jmpImm(JmpOp.JEQ, r, 0, falseLabel));
    this.free(v);
  }

  /**
   * String (in)equality, byte by byte up to the first NUL. A literal side is compared as
   * immediates (`comm == "cat"` is four byte compares), never copied to memory.
   */
  private stringEquals(left: Expr, right: Expr, wantEqual: boolean, falseLabel: string): void {
    const lit = right.kind === 'StringLit' ? right : left.kind === 'StringLit' ? left : null;
    const other = lit === right ? left : right;
    const equal = this.label();
    const differ = this.label();
    if (lit) {
      const a = this.mem(other);
      const bytes = Buffer.from(lit.value, 'latin1');
      const otherSize = sizeOf(this.typeOf(other));
      this.addr(a, Reg.R1);
      const n = Math.min(bytes.length + 1, otherSize);
      for (let i = 0; i < n; i++) {
        this.emit(load(1, Reg.R3, Reg.R1, i), jmpImm(JmpOp.JNE, Reg.R3, bytes[i] ?? 0, differ));
      }
      // A literal longer than the other side's capacity can never be equal.
      if (bytes.length + 1 > otherSize) this.emit(ja(differ));
    } else {
      const a = this.mem(left);
      const b = this.mem(right);
      const n = Math.min(sizeOf(this.typeOf(left)), sizeOf(this.typeOf(right)));
      this.addr(a, Reg.R1);
      this.addr(b, Reg.R2);
      for (let i = 0; i < n; i++) {
        this.emit(
          load(1, Reg.R3, Reg.R1, i),
          load(1, Reg.R4, Reg.R2, i),
          jmpReg(JmpOp.JNE, Reg.R3, Reg.R4, differ),
          jmpImm(JmpOp.JEQ, Reg.R3, 0, equal),
        );
      }
    }
    this.place(equal);
    if (wantEqual) {
      const end = this.label();
      this.emit(ja(end));
      this.place(differ);
      this.emit(ja(falseLabel));
      this.place(end);
    } else {
      this.emit(ja(falseLabel));
      this.place(differ);
    }
  }

  // ------------------------------------------------------------------ scalar expressions

  /** Evaluates an integer/bool/pointer expression into a temp. */
  scalar(e: Expr): Temp {
    switch (e.kind) {
      case 'IntegerLit':
        return this.tempConst(e.value);
      case 'BoolLit':
        return this.tempConst(e.value ? 1n : 0n);
      case 'PositionalParam':
        return this.tempConst(this.literal(e) ?? 0n);
      case 'PositionalCount':
        return this.tempConst(BigInt(this.sema.positional.length));
      case 'Variable': {
        const sym = this.sema.vars.get(e.id);
        const t = this.frame.newTemp();
        if (!sym) {
          this.setImm(t, 0);
          return t;
        }
        const loc = this.varLoc(sym);
        const scratch = t.reg ?? Reg.R0;
        this.loadReg(8, scratch, loc, 0);
        this.setTemp(t, scratch);
        return t;
      }
      case 'MapRef':
      case 'MapAccess':
        return emitMapLookupScalar(this, e);
      case 'Identifier': {
        const ec = this.sema.enumConsts.get(e.id);
        if (ec !== undefined) return this.tempConst(ec);
        const call: Call = { kind: 'Call', id: e.id, span: e.span, callee: e.name, calleeSpan: e.span, args: [] };
        return this.operandToTemp(this.callBuiltin(call));
      }
      case 'Call':
        return this.operandToTemp(this.callBuiltin(e));
      case 'Binary': {
        if (e.op === '&&' || e.op === '||' || isComparison(e.op)) return this.boolFromCond(e);
        const l = this.scalar(e.left);
        const r = this.scalar(e.right);
        this.binaryInto(l, r, e.op, this.typeOf(e.left), this.typeOf(e.right));
        this.free(r);
        return l;
      }
      case 'Unary': {
        if (e.op === '!') return this.boolFromCond(e);
        if (e.op === '*') return this.deref(e.operand, this.typeOf(e), e.span);
        if (e.op === '&') throw new UserError('the address-of operator is not supported yet');
        const v = this.scalar(e.operand);
        const r = this.reg(v, Reg.R0);
        if (e.op === '-') this.emit(neg64(r));
        else if (e.op === '~') this.emit(alu64Imm(AluOp.XOR, r, -1));
        this.setTemp(v, r);
        return v;
      }
      case 'Update': {
        const t = this.update(e.target, e.op, true, e.prefix, e.span);
        return t ?? this.tempConst(0n);
      }
      case 'Ternary': {
        const out = this.frame.newTemp();
        const elseL = this.label();
        const end = this.label();
        this.cond(e.cond, elseL);
        const a = this.scalar(e.then);
        this.setTemp(out, this.reg(a, Reg.R0));
        this.free(a);
        this.emit(ja(end));
        this.place(elseL);
        const b = this.scalar(e.else);
        this.setTemp(out, this.reg(b, Reg.R0));
        this.free(b);
        this.place(end);
        return out;
      }
      case 'FieldAccess':
        return this.fieldScalar(e);
      case 'Cast': {
        const v = this.scalar(e.expr);
        const to = this.typeOf(e);
        if (to.kind === 'int' && to.size < 8) {
          const r = this.reg(v, Reg.R0);
          this.extend(r, to.size, to.signed);
          this.setTemp(v, r);
        } else if (to.kind === 'bool') {
          const r = this.reg(v, Reg.R0);
          const l = this.label();
          this.emit(jmpImm(JmpOp.JEQ, r, 0, l), movImm(r, 1));
          this.place(l);
          this.setTemp(v, r);
        }
        return v;
      }
      case 'SizeofExpr': {
        const t = e.arg.kind === 'TypeExpr' ? (this.sema.types.get(e.arg.id) ?? INT64) : this.typeOf(e.arg);
        return this.tempConst(BigInt(sizeOf(t)));
      }
      case 'BlockExpr': {
        for (const s of e.stmts) this.stmt(s);
        return this.scalar(e.value);
      }
      case 'OffsetofExpr':
        return this.tempConst(BigInt(this.sema.offsets.get(e.id) ?? 0));
      case 'TupleIndex':
      case 'IndexExpr':
      case 'StringLit':
      case 'TupleExpr':
      case 'RecordExpr':
      case 'TypeofExpr': {
        const t = this.typeOf(e);
        if (e.kind === 'IndexExpr' && isScalarType(t) && this.inMemory(e)) return this.readKernelScalar(e, { bitfield: null, type: t });
        if (isScalarType(t) && (e.kind === 'TupleIndex' || e.kind === 'IndexExpr')) {
          const { loc, offset } = this.memberOf(e);
          const out = this.frame.newTemp();
          const size = Math.min(8, sizeOf(t)) as Size;
          this.loadReg(size, Reg.R0, loc, offset);
          if (t.kind === 'int' && t.size < 8) this.extend(Reg.R0, t.size, t.signed);
          this.setTemp(out, Reg.R0);
          return out;
        }
        throw new UserError(`${e.kind} is not supported as a scalar value yet`);
      }
      default:
        return unreachable(e);
    }
  }

  /** Sets a temp to a small constant without going through a scratch register. */
  private setImm(t: Temp, v: 0 | 1): void {
    if (t.reg !== null) this.emit(movImm(t.reg, v));
    else this.emit(storeImm(8, Reg.FP, t.slot as number, v));
  }

  operandToTemp(o: Operand): Temp {
    switch (o.kind) {
      case 'temp':
        return o.temp;
      case 'imm':
        return this.tempConst(o.value);
      case 'mem': {
        const t = this.frame.newTemp();
        this.loadReg(8, Reg.R0, o.loc, 0);
        this.setTemp(t, Reg.R0);
        return t;
      }
      default:
        return unreachable(o);
    }
  }

  /** Sign- or zero-extends the low `size` bytes of a register to 64 bits. */
  extend(r: Reg, size: number, signed: boolean): void {
    if (size >= 8) return;
    const shift = 64 - size * 8;
    this.emit(alu64Imm(AluOp.LSH, r, shift), alu64Imm(signed ? AluOp.ARSH : AluOp.RSH, r, shift));
  }

  private boolFromCond(e: Expr): Temp {
    const t = this.frame.newTemp();
    const f = this.label();
    const end = this.label();
    this.cond(e, f);
    this.setImm(t, 1);
    this.emit(ja(end));
    this.place(f);
    this.setImm(t, 0);
    this.place(end);
    return t;
  }

  /** l = l op r, with bpftrace's signedness rules for division, modulo and shifts. */
  binaryInto(l: Temp, r: Temp, op: string, lt: Type, rt: Type): void {
    const a = this.reg(l, Reg.R1);
    const b = this.reg(r, Reg.R2);
    const signed = (lt.kind === 'int' && lt.signed) || (rt.kind === 'int' && rt.signed);
    const simple = SIMPLE_ALU[op];
    if (simple !== undefined) {
      this.emit(alu64Reg(simple, a, b));
      this.setTemp(l, a);
      return;
    }
    switch (op) {
      case '>>':
        this.emit(alu64Reg(lt.kind === 'int' && lt.signed ? AluOp.ARSH : AluOp.RSH, a, b));
        break;
      case '/':
      case '%':
        if (signed) this.signedDivMod(a, b, op);
        else this.emit(alu64Reg(op === '/' ? AluOp.DIV : AluOp.MOD, a, b));
        break;
      default:
        throw new UserError(`operator ${op} is not supported here`);
    }
    this.setTemp(l, a);
  }

  /**
   * Signed division and modulo from the unsigned instructions (portable to kernels without
   * ISA v4's sdiv): divide magnitudes, then fix the sign (C semantics: truncate toward zero,
   * remainder takes the dividend's sign). Division by zero gives 0 as in BPF.
   */
  private signedDivMod(a: Reg, b: Reg, op: '/' | '%'): void {
    // r3 = a (dividend copy), r4 = b (divisor copy) to know the signs afterwards.
    this.emit(movReg(Reg.R3, a), movReg(Reg.R4, b));
    const aPos = this.label();
    this.emit(jmpImm(JmpOp.JSGE, a, 0, aPos), neg64(a));
    this.place(aPos);
    const bPos = this.label();
    this.emit(jmpImm(JmpOp.JSGE, b, 0, bPos), neg64(b));
    this.place(bPos);
    this.emit(alu64Reg(op === '/' ? AluOp.DIV : AluOp.MOD, a, b));
    const done = this.label();
    if (op === '/') {
      this.emit(alu64Reg(AluOp.XOR, Reg.R3, Reg.R4), jmpImm(JmpOp.JSGE, Reg.R3, 0, done), neg64(a));
    } else {
      this.emit(jmpImm(JmpOp.JSGE, Reg.R3, 0, done), neg64(a));
    }
    this.place(done);
  }

  private deref(ptrExpr: Expr, t: Type, site: Span): Temp {
    const p = this.scalar(ptrExpr);
    const slot = this.allocMem(8);
    const size = (t.kind === 'int' ? t.size : 8) as Size;
    const pt = this.typeOf(ptrExpr);
    this.probeRead(slot, size, p, pt.kind === 'pointer' && pt.user, site);
    const out = this.frame.newTemp();
    this.loadReg(size, Reg.R0, slot, 0);
    if (t.kind === 'int') this.extend(Reg.R0, t.size, t.signed);
    this.setTemp(out, Reg.R0);
    return out;
  }

  /** args.field for probes whose context holds typed fields at fixed offsets. */
  private fieldScalar(e: Extract<Expr, { kind: 'FieldAccess' }>): Temp {
    const kf = this.sema.fields.get(e.id);
    if (kf) return this.readKernelScalar(e, kf);
    const f = this.argField(e);
    const t = this.typeOf(e);
    if (f?.onStack) return this.readKernelScalar(e, { bitfield: null, type: f.type });
    if (f) {
      const out = this.frame.newTemp();
      const size = (f.type.kind === 'int' ? f.type.size : 8) as Size;
      const r = out.reg ?? Reg.R0;
      this.emit(load(size, r, Reg.R6, f.offset));
      if (f.type.kind === 'int') this.extend(r, f.type.size, f.type.signed);
      this.setTemp(out, r);
      return out;
    }
    if (isScalarType(t)) {
      const { loc, offset } = this.memberOf(e);
      const out = this.frame.newTemp();
      this.loadReg(8, Reg.R0, loc, offset);
      this.setTemp(out, Reg.R0);
      return out;
    }
    throw new UserError(`field access .${e.field} is not supported here yet`);
  }

  /**
   * Address, in kernel memory, of a struct member or of what a struct pointer points to, for
   * chained accesses (`curtask->mm->owner`, `args.file->f_path.dentry`): offsets are added, and
   * only the final member is read.
   */
  private kernelAddr(e: Expr): Temp {
    const stackArg = this.argField(e);
    if (stackArg?.onStack) {
      // A stack-passed argument of a user function: the stack pointer at entry + its offset.
      const out = this.frame.newTemp();
      const r = out.reg ?? Reg.R0;
      this.emit(load(8, r, Reg.R6, PT_REGS_SP), alu64Imm(AluOp.ADD, r, stackArg.offset));
      this.setTemp(out, r);
      return out;
    }
    if (e.kind === 'FieldAccess') {
      const kf = this.sema.fields.get(e.id);
      if (kf) {
        const bt = this.typeOf(e.base);
        const base = bt.kind === 'pointer' ? this.scalar(e.base) : this.kernelAddr(e.base);
        if (kf.offset !== 0) {
          const r = this.reg(base, Reg.R0);
          this.emit(alu64Imm(AluOp.ADD, r, kf.offset));
          this.setTemp(base, r);
        }
        return base;
      }
    }
    if (e.kind === 'Unary' && e.op === '*') return this.scalar(e.operand);
    if (e.kind === 'IndexExpr' && this.inMemory(e)) {
      const bt = this.typeOf(e.base);
      const base = bt.kind === 'pointer' ? this.scalar(e.base) : this.kernelAddr(e.base);
      const es = this.elemSize(bt);
      const lit = this.literal(e.index);
      if (lit !== null) {
        const off = Number(lit) * es;
        if (off !== 0) {
          const r = this.reg(base, Reg.R0);
          this.emit(alu64Imm(AluOp.ADD, r, off));
          this.setTemp(base, r);
        }
        return base;
      }
      const i = this.scalar(e.index);
      const ri = this.reg(i, Reg.R1);
      if (es !== 1) this.emit(alu64Imm(AluOp.MUL, ri, es));
      this.setTemp(i, ri);
      const rb = this.reg(base, Reg.R0);
      const ri2 = this.reg(i, Reg.R1);
      this.emit(alu64Reg(AluOp.ADD, rb, ri2));
      this.setTemp(base, rb);
      this.free(i);
      return base;
    }
    return this.scalar(e);
  }

  /**
   * Whether `e` names an object in kernel or user memory that is addressed rather than already
   * read: a struct member, what a pointer points to, an element of such an array or of a
   * pointer (`args.n->vals[1]`, `$p[2]`). Its value is read with one probe_read at the end.
   */
  private inMemory(e: Expr): boolean {
    if (this.argField(e)?.onStack) return true;
    if (e.kind === 'FieldAccess') return this.sema.fields.has(e.id);
    if (e.kind === 'Unary' && e.op === '*') return this.typeOf(e.operand).kind === 'pointer';
    if (e.kind === 'IndexExpr') {
      const bt = this.typeOf(e.base);
      if (bt.kind === 'pointer') return true;
      return (bt.kind === 'array' || bt.kind === 'string') && this.inMemory(e.base);
    }
    return false;
  }

  /** Bytes between elements of what `t` indexes (arrays, char arrays, pointers). */
  private elemSize(t: Type): number {
    if (t.kind === 'array') return sizeOf(t.elem);
    // void pointers index u64s, as the type checker types their elements.
    if (t.kind === 'pointer') return t.to.kind === 'void' ? 8 : Math.max(1, sizeOf(t.to));
    return 1;
  }

  /** Whether a member access chain starts from a user-space pointer (uprobe casts). */
  private userChain(e: Expr): boolean {
    if (this.argField(e)?.onStack) return true;
    if (e.kind === 'FieldAccess' && this.sema.fields.has(e.id)) {
      // Pointers found in user memory point into user memory too.
      const bt = this.typeOf(e.base);
      return (bt.kind === 'pointer' && bt.user) || this.userChain(e.base);
    }
    if (e.kind === 'Unary' && e.op === '*') {
      const t = this.typeOf(e.operand);
      return t.kind === 'pointer' && t.user;
    }
    if (e.kind === 'IndexExpr') {
      const bt = this.typeOf(e.base);
      return bt.kind === 'pointer' ? bt.user : this.userChain(e.base);
    }
    return false;
  }

  /** Reads a scalar struct member (integer, pointer, bitfield) with bpf_probe_read_kernel. */
  private readKernelScalar(e: Expr, kf: { bitfield: { bits: number; shift: number; readSize: 1 | 2 | 4 | 8 } | null; type: Type }): Temp {
    const addr = this.kernelAddr(e);
    const t = kf.type;
    const size = (kf.bitfield ? kf.bitfield.readSize : Math.min(8, Math.max(1, sizeOf(t)))) as Size;
    const slot = this.allocMem(8);
    this.zero(slot, 8);
    this.probeRead(slot, size, addr, this.userChain(e), e.span);
    const out = this.frame.newTemp();
    const r = out.reg ?? Reg.R0;
    this.loadReg(size, r, slot, 0);
    if (kf.bitfield) {
      const { bits, shift } = kf.bitfield;
      if (shift) this.emit(alu64Imm(AluOp.RSH, r, shift));
      if (bits < 32) this.emit(alu64Imm(AluOp.AND, r, (1 << bits) - 1));
      else if (bits < 64) this.emit(alu64Imm(AluOp.LSH, r, 64 - bits), alu64Imm(AluOp.RSH, r, 64 - bits));
    } else if (t.kind === 'int') this.extend(r, t.size, t.signed);
    this.setTemp(out, r);
    return out;
  }

  /** Reads a string/array/struct member (or pointed-to object, or element) into memory. */
  private readKernelMem(e: Expr, dst: MemLoc, size: number): void {
    this.probeRead(dst, size, this.kernelAddr(e), this.userChain(e), e.span);
  }

  /**
   * `size` bytes from the address in `addr` (freed here) into `dst`, from user or kernel
   * memory; a failure is reported at `site` when the warning level checks probe reads.
   */
  private probeRead(dst: MemLoc, size: number, addr: Temp, user: boolean, site: Span): void {
    this.callHelper(
      user ? 'probe_read_user' : 'probe_read_kernel',
      [
        { kind: 'addr', loc: dst },
        { kind: 'imm', value: BigInt(size) },
        { kind: 'temp', temp: addr },
      ],
      true,
      site,
    );
    this.free(addr);
  }

  /** `args` as a whole value (print(args), @m = args): every context field into a record. */
  private argsRecord(t: Type, loc: MemLoc): MemLoc {
    const fields = this.context.args ?? [];
    if (t.kind !== 'record') return loc;
    const lay = tupleLayout(t.fields.map((f) => f.type));
    this.zero(loc, lay.size);
    fields.forEach((f, i) => {
      const sub: MemLoc = { base: loc.base, off: loc.off + (lay.offsets[i] ?? 0) };
      const access: Expr = {
        kind: 'FieldAccess',
        id: -1000 - i,
        span: { start: 0, end: 0 },
        base: { kind: 'Identifier', id: -2000 - i, span: { start: 0, end: 0 }, name: 'args' },
        field: f.name,
        fieldSpan: { start: 0, end: 0 },
        arrow: false,
      };
      this.sema.types.set(access.id, f.type);
      this.storeInto(sub, f.type, access);
    });
    return loc;
  }

  argField(e: Expr): ArgField | null {
    if (e.kind !== 'FieldAccess' || e.base.kind !== 'Identifier' || e.base.name !== 'args') return null;
    return this.context.args?.find((a) => a.name === e.field) ?? null;
  }

  /** Location of a tuple element / record field evaluated into memory. */
  private memberOf(e: Expr): { loc: MemLoc; offset: number } {
    if (e.kind === 'TupleIndex') {
      const bt = this.typeOf(e.base);
      const loc = this.mem(e.base);
      if (bt.kind !== 'tuple') throw new UserError('not a tuple');
      return { loc, offset: tupleLayout(bt.elems).offsets[e.index] ?? 0 };
    }
    if (e.kind === 'FieldAccess') {
      const bt = this.typeOf(e.base);
      const loc = this.mem(e.base);
      if (bt.kind !== 'record') throw new UserError('not a record');
      const i = bt.fields.findIndex((f) => f.name === e.field);
      return { loc, offset: tupleLayout(bt.fields.map((f) => f.type)).offsets[i] ?? 0 };
    }
    throw new UserError(`${e.kind} is not supported yet`);
  }

  // ------------------------------------------------------------------ aggregate expressions

  /** Evaluates an aggregate (string, tuple, record...) into memory; into `dst` when given. */
  mem(e: Expr, dst?: MemLoc): MemLoc {
    const t = this.typeOf(e);
    const size = sizeOf(t);
    const out = (): MemLoc => dst ?? this.allocMem(size);
    switch (e.kind) {
      case 'StringLit': {
        const loc = out();
        const bytes = Buffer.from(e.value, 'latin1');
        const padded = Math.ceil((bytes.length + 1) / 8) * 8;
        const buf = Buffer.alloc(Math.max(padded, 8));
        bytes.copy(buf);
        const words = Math.ceil(size / 8);
        for (let i = 0; i < words && i * 8 < buf.length; i++) {
          const lo = buf.readInt32LE(i * 8);
          const hi = buf.readInt32LE(i * 8 + 4);
          if (loc.base === 'stack') {
            this.emit(storeImm(4, Reg.FP, loc.off + i * 8, lo), storeImm(4, Reg.FP, loc.off + i * 8 + 4, hi));
          } else {
            this.addr(loc, Reg.R1);
            this.emit(storeImm(4, Reg.R1, i * 8, lo), storeImm(4, Reg.R1, i * 8 + 4, hi));
          }
        }
        return loc;
      }
      case 'PositionalParam': {
        const v = this.sema.positional[e.index - 1] ?? '';
        return this.mem({ kind: 'StringLit', id: e.id, span: e.span, value: v }, dst);
      }
      case 'Variable': {
        const sym = this.sema.vars.get(e.id);
        if (!sym) return out();
        const src = this.varLoc(sym);
        if (!dst) return src;
        this.copy(dst, src, Math.min(size, sizeOf(sym.type ?? t)));
        return dst;
      }
      case 'MapRef':
      case 'MapAccess': {
        const loc = out();
        emitMapLookupInto(this, e, loc, size);
        return loc;
      }
      case 'Identifier':
      case 'Call': {
        if (e.kind === 'Identifier' && e.name === 'args') return this.argsRecord(t, out());
        const call: Call = e.kind === 'Call' ? e : { kind: 'Call', id: e.id, span: e.span, callee: e.name, calleeSpan: e.span, args: [] };
        const b = lookupBuiltin(call.callee);
        if (!b) throw new UserError(`unknown builtin ${call.callee}`);
        this.memDest = dst ?? null;
        const o = b.emit(call, this);
        this.memDest = null;
        if (o.kind !== 'mem') throw new UserError(`${call.callee} did not produce a value in memory`);
        if (dst && (o.loc.base !== dst.base || o.loc.off !== dst.off)) this.copy(dst, o.loc, size);
        return dst ?? o.loc;
      }
      case 'TupleExpr':
      case 'RecordExpr': {
        const loc = out();
        const elems = e.kind === 'TupleExpr' ? e.elems : e.fields.map((f) => f.value);
        const types = t.kind === 'tuple' ? t.elems : t.kind === 'record' ? t.fields.map((f) => f.type) : [];
        const lay = tupleLayout(types);
        if (lay.size > types.reduce((s, x) => s + sizeOf(x), 0)) this.zero(loc, lay.size);
        elems.forEach((x, i) => {
          const et = types[i] as Type;
          const sub: MemLoc = { base: loc.base, off: loc.off + (lay.offsets[i] ?? 0) };
          this.storeInto(sub, et, x);
        });
        return loc;
      }
      case 'Ternary': {
        const loc = out();
        const elseL = this.label();
        const end = this.label();
        this.cond(e.cond, elseL);
        this.storeInto(loc, t, e.then);
        this.emit(ja(end));
        this.place(elseL);
        this.storeInto(loc, t, e.else);
        this.place(end);
        return loc;
      }
      case 'FieldAccess': {
        if (this.sema.fields.has(e.id)) {
          const loc = out();
          if (t.kind === 'string') this.zero(loc, size);
          this.readKernelMem(e, loc, size);
          return loc;
        }
        const f = this.argField(e);
        if (f?.onStack) {
          // A struct passed by value on the user stack.
          const loc = out();
          this.readKernelMem(e, loc, size);
          return loc;
        }
        if (f && t.kind === 'string') {
          const loc = out();
          // Tracepoint strings: __data_loc (u32: len << 16 | offset) or an inline char array.
          if (f.dataLoc) {
            this.emit(load(4, Reg.R3, Reg.R6, f.offset), alu64Imm(AluOp.AND, Reg.R3, 0xffff), alu64Reg(AluOp.ADD, Reg.R3, Reg.R6));
          } else {
            this.emit(movReg(Reg.R3, Reg.R6), alu64Imm(AluOp.ADD, Reg.R3, f.offset));
          }
          const tmp = this.tempFromReg(Reg.R3);
          this.callHelper(
            'probe_read_kernel_str',
            [
              { kind: 'addr', loc },
              { kind: 'imm', value: BigInt(t.size) },
              { kind: 'temp', temp: tmp },
            ],
            true,
          );
          this.free(tmp);
          return loc;
        }
        const { loc, offset } = this.memberOf(e);
        const src: MemLoc = { base: loc.base, off: loc.off + offset };
        if (!dst) return src;
        this.copy(dst, src, size);
        return dst;
      }
      case 'TupleIndex': {
        const { loc, offset } = this.memberOf(e);
        const src: MemLoc = { base: loc.base, off: loc.off + offset };
        if (!dst) return src;
        this.copy(dst, src, size);
        return dst;
      }
      case 'Unary':
      case 'IndexExpr': {
        // A struct, array or char array in kernel/user memory (`*args.p`, `args.n->rows[1]`).
        if (isScalarType(t) || !this.inMemory(e)) return this.scalarInto(e, t, out);
        const loc = out();
        if (t.kind === 'string') this.zero(loc, size);
        this.readKernelMem(e, loc, size);
        return loc;
      }
      case 'BlockExpr':
        for (const s of e.stmts) this.stmt(s);
        return this.mem(e.value, dst);
      default:
        return this.scalarInto(e, t, out);
    }
  }

  /** A scalar expression's value stored in memory (8 bytes), for callers that want memory. */
  private scalarInto(e: Expr, t: Type, out: () => MemLoc): MemLoc {
    if (!isScalarType(t)) throw new UserError(`${e.kind} values of type ${t.kind} are not supported yet`);
    const v = this.scalar(e);
    const loc = out();
    this.storeReg(8, loc, 0, this.reg(v, Reg.R0));
    this.free(v);
    return loc;
  }

  /** Destination a builtin producing memory should write into, when the caller has one. */
  memDest: MemLoc | null = null;

  callBuiltin(c: Call): Operand {
    const b = lookupBuiltin(c.callee);
    if (!b) throw new UserError(`Unknown function: ${c.callee}`);
    return b.emit(c, this);
  }

  deleteFromMap(target: Expr, keys: Expr[]): void {
    emitMapDelete(this, target, keys);
  }
}

/** Operators that are one 64-bit ALU instruction whatever the signedness. */
const SIMPLE_ALU: Readonly<Record<string, AluOp>> = {
  '+': AluOp.ADD,
  '-': AluOp.SUB,
  '*': AluOp.MUL,
  '&': AluOp.AND,
  '|': AluOp.OR,
  '^': AluOp.XOR,
  '<<': AluOp.LSH,
};

function isComparison(op: string): boolean {
  return op === '==' || op === '!=' || op === '<' || op === '<=' || op === '>' || op === '>=';
}

function compareSigned(a: Type, b: Type): boolean {
  const au = a.kind === 'int' && !a.signed;
  const bu = b.kind === 'int' && !b.signed;
  return !(au || bu);
}

/** The jump taken when the comparison is false. */
function invertJump(op: string, signed: boolean): JmpOp {
  switch (op) {
    case '==':
      return JmpOp.JNE;
    case '!=':
      return JmpOp.JEQ;
    case '<':
      return signed ? JmpOp.JSGE : JmpOp.JGE;
    case '<=':
      return signed ? JmpOp.JSGT : JmpOp.JGT;
    case '>':
      return signed ? JmpOp.JSLE : JmpOp.JLE;
    case '>=':
      return signed ? JmpOp.JSLT : JmpOp.JLT;
    default:
      throw new UserError(`not a comparison: ${op}`);
  }
}
