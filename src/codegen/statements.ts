// Statements: blocks, assignments, variable declarations, if/while/for/unroll, break/continue/return.

import { Helper } from '../bpf/helpers.ts';
import {
  AluOp,
  alu64Imm,
  alu64Reg,
  call,
  exit,
  JmpOp,
  ja,
  jmpImm,
  jmpReg,
  ldFunc,
  ldMapFd,
  movImm,
  movReg,
  Reg,
  type Size,
} from '../bpf/insn.ts';
import type { Block, Expr, Span, Stmt } from '../lang/ast.ts';
import { unreachable } from '../lang/ast.ts';
import { visitAll } from '../lang/walk.ts';
import type { VarSymbol } from '../sema/check.ts';
import { storageType } from '../sema/promotion.ts';
import { alignOf, INT64, isByteArray, isScalarType, sizeOf, type Type, tupleLayout, typeEquals } from '../sema/types.ts';
import { emitMem } from './aggregates.ts';
import { offsetAlign } from './bulk-memory.ts';
import { emitCond } from './conditions.ts';
import type { Emitter } from './emitter.ts';
import type { MemLoc, Temp } from './frame.ts';
import { emitAggregation, emitMapLookupScalar, emitMapStore } from './maps.ts';
import { optimize } from './optimize.ts';
import { allCpusAgg, emitAllCpusRead } from './percpu-read.ts';
import { emitBinary, emitExtend, emitScalar, literalArith, literalValue, pointerStride } from './scalars.ts';

export function allocateVariables(em: Emitter, body: Block): void {
  visitAll(body, (n) => {
    if (n.kind !== 'Variable') return;
    const sym = em.sema.vars.get(n.id);
    if (sym) em.varLoc(sym);
  });
}

export function emitBlock(em: Emitter, b: Block): void {
  for (const s of b.stmts) {
    // Keys, records and temporaries of one statement are dead after it: reuse their memory.
    const m = em.frame.mark();
    emitStmt(em, s);
    em.frame.release(m);
  }
}

export function emitStmt(em: Emitter, s: Stmt): void {
  switch (s.kind) {
    case 'ExprStmt':
      emitEffect(em, s.expr);
      return;
    case 'AssignStmt':
      // Reported at `@m[k] = v` without the `;`, as bpftrace locates an assignment.
      emitAssign(em, s.target, s.op, s.value, s.span, { start: s.opSpan.start, end: s.value.span.end });
      return;
    case 'VarDeclStmt': {
      const sym = em.sema.vars.get(s.variable.id);
      if (!sym) return;
      const loc = em.varLoc(sym);
      if (s.value) storeVariable(em, loc, sym.type ?? INT64, s.value);
      else em.zero(loc, sizeOf(sym.type ?? INT64));
      return;
    }
    case 'IfStmt': {
      const taken = em.sema.comptimeIfs.get(s.id);
      if (taken !== undefined) {
        // `if comptime`: only the branch sema picked (and checked) exists.
        if (taken) emitBlock(em, s.then);
        else if (s.else?.kind === 'IfStmt') emitStmt(em, s.else);
        else if (s.else) emitBlock(em, s.else);
        return;
      }
      const elseL = em.label();
      const end = em.label();
      emitCond(em, s.cond, elseL);
      emitBlock(em, s.then);
      if (s.else) {
        em.emit(ja(end));
        em.place(elseL);
        if (s.else.kind === 'IfStmt') emitStmt(em, s.else);
        else emitBlock(em, s.else);
        em.place(end);
      } else {
        em.place(elseL);
      }
      return;
    }
    case 'WhileStmt': {
      const top = em.label();
      const end = em.label();
      em.place(top);
      emitCond(em, s.cond, end);
      em.loops.push({ brk: end, cont: top });
      emitBlock(em, s.body);
      em.loops.pop();
      em.emit(ja(top));
      em.place(end);
      return;
    }
    case 'ForRangeStmt': {
      const sym = em.sema.vars.get(s.variable.id);
      if (!sym) return;
      if (literalValue(em, s.start) === null || literalValue(em, s.end) === null) {
        emitForRangeLoop(em, s, sym);
        return;
      }
      const loc = em.varLoc(sym);
      const endT = emitScalar(em, s.end);
      const endLoc = em.allocMem(8);
      em.storeReg(8, endLoc, 0, em.reg(endT, Reg.R0));
      em.free(endT);
      emitStoreInto(em, loc, INT64, s.start);
      const top = em.label();
      const cont = em.label();
      const end = em.label();
      em.place(top);
      em.loadReg(8, Reg.R1, loc, 0);
      em.loadReg(8, Reg.R2, endLoc, 0);
      em.emit(jmpReg(JmpOp.JSGE, Reg.R1, Reg.R2, end));
      em.loops.push({ brk: end, cont });
      emitBlock(em, s.body);
      em.loops.pop();
      em.place(cont);
      em.loadReg(8, Reg.R1, loc, 0);
      em.emit(alu64Imm(AluOp.ADD, Reg.R1, 1));
      em.storeReg(8, loc, 0, Reg.R1, Reg.R2);
      em.emit(ja(top));
      em.place(end);
      return;
    }
    case 'ForMapStmt':
      emitForMap(em, s);
      return;
    case 'UnrollStmt': {
      const n = Number(literalValue(em, s.count) ?? 1n);
      for (let i = 0; i < n; i++) emitBlock(em, s.body);
      return;
    }
    case 'JumpStmt': {
      const l = em.loops[em.loops.length - 1];
      if (!l) return;
      em.emit(ja(s.jump === 'break' ? l.brk : l.cont));
      return;
    }
    case 'ReturnStmt':
      if (s.value && !em.inCallback) {
        // The program's return value (test probes fail on non-zero, bench probes skip on 1).
        const v = emitScalar(em, s.value);
        const r = em.reg(v, Reg.R0);
        em.emit(movReg(Reg.R0, r));
        em.free(v);
        em.emit(ja(em.returnLabel));
        return;
      }
      em.returnNow();
      return;
    case 'Block':
      emitBlock(em, s);
      return;
    default:
      unreachable(s);
  }
}

/**
 * `for ($kv : @m) { body }`: the body becomes a callback subprogram run by
 * bpf_for_each_map_elem for each entry. The callback gets the probe's frame pointer as its
 * context, so the body reads and writes the probe's variables in place; `$kv` is filled from
 * the key and value pointers the kernel passes. break stops the walk (return 1), continue
 * goes on to the next entry (return 0).
 */
export function emitForMap(em: Emitter, s: Extract<Stmt, { kind: 'ForMapStmt' }>): void {
  const res = em.resources.mapsByName.get(s.map.name);
  const sym = em.sema.vars.get(s.variable.id);
  if (!res || !sym) return;
  emitCallbackLoop(em, s.body, s.span, {
    name: 'Ffor_body',
    // r1 = map, r2 = key, r3 = value (r4, the probe's frame pointer, is kept by callbackEmitter).
    enter(sub) {
      sub.emit(movReg(Reg.R6, Reg.R2), movReg(Reg.R7, Reg.R3));
      const kv = sub.varLoc(sym);
      const elems = sym.type?.kind === 'tuple' ? sym.type.elems : [];
      const lay = tupleLayout(elems);
      // The value may sit off the 8-byte grid (text aligns to 1 in tuples): copied in units its
      // offset allows.
      const at = (i: number): number => lay.offsets[i] ?? 0;
      sub.addr(kv, Reg.R2, at(0));
      sub.copyPtr(Reg.R2, Reg.R6, Math.min(res.keySize, sizeOf(elems[0] ?? INT64)), offsetAlign(kv.off + at(0)));
      const merged = allCpusAgg(res);
      if (merged) {
        // As 0.26: the value is every CPU's slot merged, looked up by the key the kernel passed (r6).
        const v = emitAllCpusRead(sub, res, (r) => sub.emit(movReg(r, Reg.R6)), merged, s.span);
        sub.storeReg(8, kv, at(1), sub.reg(v, Reg.R3), Reg.R2);
        sub.free(v);
        return;
      }
      sub.addr(kv, Reg.R2, at(1));
      sub.copyPtr(Reg.R2, Reg.R7, Math.min(res.spec.valueSize, sizeOf(elems[1] ?? INT64)), offsetAlign(kv.off + at(1)));
      // Temps must not start in r6/r7 here: they hold key/value only until copied above.
    },
    run(entry) {
      em.emit(ldMapFd(Reg.R1, res.spec.name), ldFunc(Reg.R2, entry));
      em.probeFramePointer(Reg.R3);
      em.emit(movImm(Reg.R4, 0), call(Helper.for_each_map_elem));
    },
  });
}

/** A slot of the probe's own frame, as `em` reaches it (its stack, or through the frame pointer in a callback). */
function probeSlot(em: Emitter): { off: number; loc: MemLoc } {
  const off = em.root.frame.allocStack(8);
  return { off, loc: em.inCallback ? { base: 'outer', off } : { base: 'stack', off } };
}

/**
 * A loop whose body is a callback subprogram (bpf_for_each_map_elem, bpf_loop): `enter` sets the
 * loop variable from the callback's arguments, `run` calls the helper. break stops the walk
 * (return 1), continue goes on (return 0); `return` sets a flag in the probe's frame, stops the
 * walk, and the caller leaves the probe when it finds the flag set.
 */
function emitCallbackLoop(
  em: Emitter,
  body: Block,
  span: Span,
  how: { name: string; enter(sub: Emitter): void; run(entry: string): void },
): void {
  const root = em.root;
  const entry = root.label(how.name);
  const flag = probeSlot(em);
  em.emit(movImm(Reg.R1, 0));
  em.storeReg(8, flag.loc, 0, Reg.R1, Reg.R2);
  root.subprogram(entry, () => {
    const sub = root.callbackEmitter();
    const done = sub.label('Lfor_next');
    const stop = sub.label('Lfor_break');
    how.enter(sub);
    sub.loops.push({ brk: stop, cont: done });
    sub.callbackReturn = { flagOff: flag.off, stop };
    emitBlock(sub, body);
    sub.loops.pop();
    sub.place(done);
    sub.emit(movImm(Reg.R0, 0), exit());
    sub.place(stop);
    sub.emit(movImm(Reg.R0, 1), exit());
    root.frame.heapHigh = Math.max(root.frame.heapHigh, sub.frame.heapHigh);
    return optimize(sub.insns);
  });
  how.run(entry);
  const goOn = em.label();
  em.loadReg(8, Reg.R1, flag.loc, 0);
  em.emit(jmpImm(JmpOp.JEQ, Reg.R1, 0, goOn));
  emitStmt(em, { kind: 'ReturnStmt', id: -1, span, value: null });
  em.place(goOn);
}

/**
 * `for ($i : a..b)` with a bound known only at run time: the verifier cannot bound a plain
 * loop then, so the body runs under bpf_loop (as bpftrace does), `$i` = a + the loop index.
 */
function emitForRangeLoop(em: Emitter, s: Extract<Stmt, { kind: 'ForRangeStmt' }>, sym: VarSymbol): void {
  const start = probeSlot(em);
  const first = emitScalar(em, s.start);
  em.storeReg(8, start.loc, 0, em.reg(first, Reg.R0));
  em.free(first);
  const last = emitScalar(em, s.end);
  const r = em.reg(last, Reg.R0);
  // Iterations: end - start, none when end <= start (signed, as the plain loop compares).
  const none = em.label();
  const counted = em.label();
  em.loadReg(8, Reg.R2, start.loc, 0);
  em.emit(jmpReg(JmpOp.JSLE, r, Reg.R2, none), movReg(Reg.R1, r), alu64Reg(AluOp.SUB, Reg.R1, Reg.R2), ja(counted));
  em.place(none);
  em.emit(movImm(Reg.R1, 0));
  em.place(counted);
  em.free(last);
  const count = probeSlot(em);
  em.storeReg(8, count.loc, 0, Reg.R1, Reg.R2);
  emitCallbackLoop(em, s.body, s.span, {
    name: 'Ffor_range',
    // bpf_loop calls back with (index, ctx): the probe's frame pointer comes in r2, not r4.
    enter(sub) {
      sub.insns.unshift(movReg(Reg.R4, Reg.R2));
      sub.loadReg(8, Reg.R2, { base: 'outer', off: start.off }, 0);
      sub.emit(alu64Reg(AluOp.ADD, Reg.R2, Reg.R1));
      sub.storeReg(8, sub.varLoc(sym), 0, Reg.R2, Reg.R3);
    },
    run(entry) {
      em.loadReg(8, Reg.R1, count.loc, 0);
      em.emit(ldFunc(Reg.R2, entry));
      em.probeFramePointer(Reg.R3);
      em.emit(movImm(Reg.R4, 0), call(Helper.loop));
    },
  });
}

/** Evaluates an expression for its side effects only. */
export function emitEffect(em: Emitter, e: Expr): void {
  if (e.kind === 'Update') {
    emitUpdate(em, e.target, e.op, false, false, e.span);
    return;
  }
  // `{ printf("hi") }` passed to a macro's expression parameter and used as a statement there.
  if (e.kind === 'BlockExpr') {
    for (const s of e.stmts) emitStmt(em, s);
    emitEffect(em, e.value);
    return;
  }
  const t = em.typeOf(e);
  if (t.kind === 'void') {
    if (e.kind === 'Call') em.callBuiltin(e);
    // `cond ? printf(...) : printf(...)` as a statement: one of the two runs.
    else if (e.kind === 'Ternary') {
      const taken = em.sema.comptimeIfs.get(e.id);
      if (taken !== undefined) {
        emitEffect(em, taken ? e.then : e.else);
        return;
      }
      const elseL = em.label();
      const end = em.label();
      emitCond(em, e.cond, elseL);
      emitEffect(em, e.then);
      em.emit(ja(end));
      em.place(elseL);
      emitEffect(em, e.else);
      em.place(end);
    }
    return;
  }
  if (isScalarType(t)) {
    const r = emitScalar(em, e);
    em.free(r);
  } else {
    emitMem(em, e);
  }
}

/** `opSpan` runs from a compound operator to the end of the value: where 0.26 reports its division. */
export function emitAssign(em: Emitter, target: Expr, op: string, value: Expr, span: Span, opSpan: Span): void {
  if (target.kind === 'Identifier' && target.name === '_') {
    emitEffect(em, value);
    return;
  }
  if (target.kind === 'MapRef' || target.kind === 'MapAccess') {
    if (value.kind === 'Call' && em.sema.aggCalls.has(value.id)) {
      emitAggregation(em, target, value);
      return;
    }
    if (op !== '=') {
      const bin = op.slice(0, -1);
      const cur = emitMapLookupScalar(em, target);
      const rhs = emitScalar(em, value);
      emitBinary(em, cur, rhs, bin, em.typeOf(target), em.typeOf(value), { span: opSpan, divisor: literalArith(em, value) });
      em.free(rhs);
      emitMapStore(em, target, { kind: 'temp', temp: cur }, span);
      return;
    }
    const t = em.typeOf(target);
    if (isScalarType(t)) {
      const v = emitScalar(em, value);
      emitMapStore(em, target, { kind: 'temp', temp: v }, span);
    } else {
      const loc = em.allocMem(sizeOf(t));
      emitStoreInto(em, loc, t, value);
      emitMapStore(em, target, { kind: 'mem', loc }, span);
    }
    return;
  }
  if (target.kind === 'Variable') {
    const sym = em.sema.vars.get(target.id);
    if (!sym) return;
    const loc = em.varLoc(sym);
    const t = sym.type ?? INT64;
    if (op !== '=') {
      const cur = em.frame.newTemp();
      em.loadReg(8, Reg.R0, loc, 0);
      em.setTemp(cur, Reg.R0);
      const rhs = emitScalar(em, value);
      emitBinary(em, cur, rhs, op.slice(0, -1), t, em.typeOf(value), { span: opSpan, divisor: literalArith(em, value) });
      em.free(rhs);
      em.storeReg(8, loc, 0, em.reg(cur, Reg.R0));
      em.free(cur);
      return;
    }
    storeVariable(em, loc, t, value);
  }
}

/** Evaluates `value` into a variable's slot of type `t`. */
function storeVariable(em: Emitter, loc: MemLoc, t: Type, value: Expr): void {
  const vt = em.typeOf(value);
  if (t.kind === 'int' && t.size < 8 && vt.kind === 'int' && (vt.size > t.size || vt.signed !== t.signed)) {
    // Into a declared narrower type: the value as that type holds it, as every read expects.
    const v = emitScalar(em, value);
    const r = em.reg(v, Reg.R0);
    emitExtend(em, r, t.size, t.signed);
    em.setTemp(v, r);
    storeTemp(em, loc, INT64, v);
    return;
  }
  // Variable slots hold 8 bytes whatever the integer's width (it keeps its type, e.g. for bswap).
  emitStoreInto(em, loc, storageType(t), value);
}

/** Evaluates `e` and stores it at loc with the layout of type `t`. */
export function emitStoreInto(em: Emitter, loc: MemLoc, t: Type, e: Expr): void {
  if (t.kind !== 'string' && isByteArray(t) && loc.off % alignOf(t) !== 0) {
    // A buffer, inet, usym or cgroup_path off its own alignment (0.26 aligns them to 1 in
    // tuples): its writers store words, which the stack takes only aligned, so it is built
    // aligned and copied in, in units its offset allows.
    const size = sizeOf(t);
    const tmp = em.allocMem(size);
    emitStoreInto(em, tmp, t, e);
    em.copy(loc, tmp, size);
    return;
  }
  if (isScalarType(t)) {
    storeTemp(em, loc, t, emitScalar(em, e));
    return;
  }
  const et = em.typeOf(e);
  if (et.kind === 'string' && t.kind === 'string' && et.size < t.size) {
    // A shorter string into a wider slot: the tail must read as NULs.
    em.zero(loc, t.size);
  }
  if (t.kind === 'tuple' && et.kind === 'tuple' && !typeEquals(t, et)) {
    // A tuple of narrower strings into a slot typed for wider ones (`$a = ("hi", 1); $a =
    // ("longer", 2)`): the elements go to the slot's offsets, not the value's own.
    storeTupleAs(em, loc, t, e, et);
    return;
  }
  if (t.kind === 'record' && et.kind === 'record' && !typeEquals(t, et)) {
    storeRecordAs(em, loc, t, e, et);
    return;
  }
  emitMem(em, e, loc);
}

/**
 * A record into a slot whose record type lists the same fields in another order (or wider
 * strings): each field goes to the slot's field of that name; a literal's fields are still
 * evaluated in the order written.
 */
function storeRecordAs(
  em: Emitter,
  loc: MemLoc,
  t: Extract<Type, { kind: 'record' }>,
  e: Expr,
  et: Extract<Type, { kind: 'record' }>,
): void {
  const to = tupleLayout(t.fields.map((f) => f.type)).offsets;
  const at = (name: string): { off: number; type: Type } | null => {
    const i = t.fields.findIndex((f) => f.name === name);
    return i < 0 ? null : { off: loc.off + (to[i] ?? 0), type: (t.fields[i] as (typeof t.fields)[number]).type };
  };
  em.zero(loc, sizeOf(t));
  if (e.kind === 'RecordExpr') {
    for (const f of e.fields) {
      const slot = at(f.name);
      if (slot) emitStoreInto(em, { base: loc.base, off: slot.off }, slot.type, f.value);
    }
    return;
  }
  const src = em.mem(e);
  const from = tupleLayout(et.fields.map((f) => f.type)).offsets;
  et.fields.forEach((f, i) => {
    const slot = at(f.name);
    if (slot)
      em.copy(
        { base: loc.base, off: slot.off },
        { base: src.base, off: src.off + (from[i] ?? 0) },
        Math.min(sizeOf(slot.type), sizeOf(f.type)),
      );
  });
}

function storeTupleAs(em: Emitter, loc: MemLoc, t: Extract<Type, { kind: 'tuple' }>, e: Expr, et: Extract<Type, { kind: 'tuple' }>): void {
  const to = tupleLayout(t.elems).offsets;
  em.zero(loc, sizeOf(t));
  if (e.kind === 'TupleExpr') {
    e.elems.forEach((x, i) => {
      emitStoreInto(em, { base: loc.base, off: loc.off + (to[i] ?? 0) }, t.elems[i] as Type, x);
    });
    return;
  }
  copyTupleAs(em, loc, t, em.mem(e), et);
}

/** Copies a tuple held in memory into a slot of a wider tuple type, element by element. */
function copyTupleAs(
  em: Emitter,
  dst: MemLoc,
  t: Extract<Type, { kind: 'tuple' }>,
  src: MemLoc,
  st: Extract<Type, { kind: 'tuple' }>,
): void {
  const to = tupleLayout(t.elems).offsets;
  const from = tupleLayout(st.elems).offsets;
  st.elems.forEach((s, i) => {
    const d = t.elems[i] as Type;
    const dl = { base: dst.base, off: dst.off + (to[i] ?? 0) };
    const sl = { base: src.base, off: src.off + (from[i] ?? 0) };
    if (d.kind === 'tuple' && s.kind === 'tuple' && !typeEquals(d, s)) copyTupleAs(em, dl, d, sl, s);
    else if (isScalarType(d) && isScalarType(s) && !isByteArray(d)) {
      const sz = (t: Type): Size => Math.min(8, sizeOf(t)) as Size;
      em.loadReg(sz(s), Reg.R0, sl, 0);
      // A narrower signed integer widens by its sign (int8 -1 into an int16 slot stays -1).
      if (s.kind === 'int' && s.signed) em.extend(Reg.R0, s.size, true);
      em.storeReg(sz(d), dl, 0, Reg.R0);
    } else em.copy(dl, sl, Math.min(sizeOf(d), sizeOf(s)));
  });
}

export function emitUpdate(em: Emitter, target: Expr, op: '++' | '--', wantValue: boolean, prefix: boolean, span: Span): Temp | null {
  const step = pointerStride(em.typeOf(target));
  const delta = op === '++' ? step : -step;
  if (target.kind === 'Variable') {
    const sym = em.sema.vars.get(target.id);
    if (!sym) return null;
    const loc = em.varLoc(sym);
    em.loadReg(8, Reg.R0, loc, 0);
    const before = wantValue && !prefix ? em.tempFromReg(Reg.R0) : null;
    em.emit(alu64Imm(AluOp.ADD, Reg.R0, delta));
    em.storeReg(8, loc, 0, Reg.R0);
    if (!wantValue) return null;
    return before ?? em.tempFromReg(Reg.R0);
  }
  if (target.kind === 'MapRef' || target.kind === 'MapAccess') {
    const cur = emitMapLookupScalar(em, target, span);
    const before = wantValue && !prefix ? em.tempFromReg(em.reg(cur, Reg.R0)) : null;
    const r = em.reg(cur, Reg.R0);
    em.emit(alu64Imm(AluOp.ADD, r, delta));
    em.setTemp(cur, r);
    emitMapStore(em, target, { kind: 'temp', temp: cur }, span, !wantValue || !prefix);
    if (!wantValue) return null;
    return before ?? cur;
  }
  return null;
}

/** Stores a scalar temp (freed here) at loc with the width of type `t`. */
export function storeTemp(em: Emitter, loc: MemLoc, t: Type, v: Temp): void {
  // Narrow slots (bools, sized tuple fields) get exactly their bytes, never 8.
  const size = t.kind === 'void' ? 8 : (Math.min(8, sizeOf(t)) as Size);
  em.storeReg(size === 1 || size === 2 || size === 4 ? size : 8, loc, 0, em.reg(v, Reg.R0));
  em.free(v);
}
