// Map access code: building keys in place, lookups with a zero default, stores that count a
// full map instead of dropping silently, and the aggregations (per-CPU, updated in place
// without atomics since a per-CPU slot has one writer).

import { AluOp, alu64Imm, alu64Reg, JmpOp, ja, jmpImm, jmpReg, ldImm64, load, movImm, movReg, Reg, store, storeImm } from '../bpf/insn.ts';
import type { Call, Expr, Span } from '../lang/ast.ts';
import { UserError } from '../lang/diagnostics.ts';
import { castableAgg, type TseriesParams } from '../sema/maps.ts';
import { sizeOf, type Type, tupleLayout } from '../sema/types.ts';
import { dummyTimeMap } from '../util/dummy-time.ts';
import { offsetAlign } from './bulk-memory.ts';
import type { Emitter, Operand } from './emitter.ts';
import type { MemLoc, Temp } from './frame.ts';
import { allCpusAgg, emitAllCpusRead, emitAverageDivision } from './percpu-read.ts';
import type { MapResource } from './resources.ts';
import { emitHelperCheck, emitLookupMissCheck } from './runtime-errors.ts';

type MapExpr = Extract<Expr, { kind: 'MapRef' | 'MapAccess' }>;

function mapName(e: MapExpr): string {
  return e.kind === 'MapRef' ? e.name : e.map.name;
}

export function mapResource(em: Emitter, name: string): MapResource {
  const m = em.resources.mapsByName.get(name);
  if (!m) throw new UserError(`internal: no resource for map @${name}`);
  return m;
}

/** Writes the key of `e` into fresh (zeroed) memory; hist maps leave room for the bucket. */
export function buildKey(em: Emitter, res: MapResource, keys: Expr[]): MemLoc {
  const loc = em.allocMem(res.keySize);
  em.zero(loc, res.keySize);
  const userKey = res.info.key;
  if (!userKey || keys.length === 0) return loc;
  if (keys.length === 1) {
    em.storeInto(loc, userKey, keys[0] as Expr);
    return loc;
  }
  const types = userKey.kind === 'tuple' ? userKey.elems : [];
  const lay = tupleLayout(types);
  keys.forEach((k, i) => {
    em.storeInto({ base: loc.base, off: loc.off + (lay.offsets[i] ?? 0) }, types[i] as Type, k);
  });
  return loc;
}

function keysOf(e: MapExpr): Expr[] {
  return e.kind === 'MapAccess' ? e.keys : [];
}

/** Looks the key up; leaves the value pointer (or 0) in r0. */
function lookup(em: Emitter, res: MapResource, key: MemLoc): void {
  em.callHelper(
    'map_lookup_elem',
    [
      { kind: 'map', name: res.spec.name },
      { kind: 'addr', loc: key },
    ],
    true,
  );
}

/** Reads an integer map value; a missing key reads as 0 (and is reported with -k, at `span`). */
export function emitMapLookupScalar(em: Emitter, e: MapExpr, span: Span = e.span): Temp {
  const res = mapResource(em, mapName(e));
  const key = buildKey(em, res, keysOf(e));
  const merged = allCpusAgg(res);
  if (merged) return emitAllCpusRead(em, res, (r) => em.addr(key, r), merged, span);
  lookup(em, res, key);
  const out = em.frame.newTemp();
  const r = out.reg ?? Reg.R1;
  const miss = em.label();
  const done = em.label();
  em.emit(jmpImm(JmpOp.JEQ, Reg.R0, 0, miss));
  const v = res.info.value;
  if (v?.kind === 'agg' && res.perCpu) {
    // Aggregations 0.26 does not merge across CPUs (stats, hist, any in a percpulruhash map) read
    // this CPU's share.
    em.emit(load(8, r, Reg.R0, 0));
    if (v.agg === 'avg') {
      em.emit(load(8, Reg.R2, Reg.R0, 8));
      const nz = em.label();
      em.emit(jmpImm(JmpOp.JNE, Reg.R2, 0, nz), movImm(Reg.R2, 1));
      em.place(nz);
      emitAverageDivision(em, r, Reg.R2, v.signed);
    }
  } else if (v?.kind === 'value' && v.type.kind === 'int' && v.type.size < 8) {
    // Values keep their integer's own size (0.26): read that many bytes, extended by its sign.
    em.emit(load(v.type.size, r, Reg.R0, 0));
    em.extend(r, v.type.size, v.type.signed);
  } else if (v?.kind === 'value' && v.type.kind === 'bool') {
    em.emit(load(1, r, Reg.R0, 0));
  } else {
    em.emit(load(8, r, Reg.R0, 0));
  }
  em.emit(ja(done));
  em.place(miss);
  // 0.26 reads a castable aggregation of a percpulruhash map with map_lookup_elem (-k only).
  // stats or hist values it refuses to read at all; they keep the per-CPU read's report.
  emitLookupMissCheck(em, span, v?.kind === 'agg' && res.perCpu && castableAgg(v) === null ? 'map_lookup_percpu_elem' : 'map_lookup_elem');
  em.emit(movImm(r, 0));
  em.place(done);
  em.setTemp(out, r);
  return out;
}

/** Copies a map value (string, tuple...) into loc; a missing key gives zeros. */
export function emitMapLookupInto(em: Emitter, e: MapExpr, loc: MemLoc, size: number): void {
  const res = mapResource(em, mapName(e));
  const key = buildKey(em, res, keysOf(e));
  lookup(em, res, key);
  const miss = em.label();
  const done = em.label();
  em.emit(jmpImm(JmpOp.JEQ, Reg.R0, 0, miss));
  em.emit(alu64Reg(AluOp.MOV, Reg.R1, Reg.R0));
  em.addr(loc, Reg.R2);
  em.copyPtr(Reg.R2, Reg.R1, Math.min(size, res.spec.valueSize), offsetAlign(loc.off));
  em.emit(ja(done));
  em.place(miss);
  emitLookupMissCheck(em, e.span);
  em.zero(loc, size);
  em.place(done);
}

/** `@m[k] = v` (the statement or expression at `span`): update, reporting a full map. */
export function emitMapStore(em: Emitter, e: MapExpr, value: Operand, span: Span, freeValue = true): void {
  const res = mapResource(em, mapName(e));
  const key = buildKey(em, res, keysOf(e));
  let vloc: MemLoc;
  if (value.kind === 'mem') vloc = value.loc;
  else {
    vloc = em.allocMem(8);
    if (value.kind === 'temp') {
      em.storeReg(8, vloc, 0, em.reg(value.temp, Reg.R0));
      if (freeValue) em.free(value.temp);
    } else {
      em.emit(storeImm(8, Reg.FP, (vloc as { off: number }).off, Number(value.value)));
    }
  }
  update(em, res, key, vloc, span);
}

function update(em: Emitter, res: MapResource, key: MemLoc, value: MemLoc, span: Span): void {
  em.callHelper(
    'map_update_elem',
    [
      { kind: 'map', name: res.spec.name },
      { kind: 'addr', loc: key },
      { kind: 'addr', loc: value },
      { kind: 'imm', value: 0n },
    ],
    true,
  );
  emitHelperCheck(em, 'map_update_elem', span);
}

export function emitMapDelete(em: Emitter, target: Expr, keys: Expr[], site?: Span): void {
  if (target.kind !== 'MapRef') throw new UserError('delete() expects a map');
  const res = mapResource(em, target.name);
  const key = buildKey(em, res, keys);
  em.callHelper(
    'map_delete_elem',
    [
      { kind: 'map', name: res.spec.name },
      { kind: 'addr', loc: key },
    ],
    true,
    site,
  );
}

/**
 * `@m[k] = agg(x)`. The value slot is looked up; when missing it is created with the first
 * sample, otherwise updated in place.
 */
export function emitAggregation(em: Emitter, target: MapExpr, c: Call): void {
  const res = mapResource(em, mapName(target));
  const v = res.info.value;
  if (v?.kind !== 'agg') throw new UserError(`internal: @${res.info.name} is not an aggregation`);
  const arg = c.args[0] ? em.scalar(c.args[0]) : null;
  const key = buildKey(em, res, keysOf(target));
  const userKeySize = res.info.key ? Math.ceil(sizeOf(res.info.key) / 8) * 8 : 0;
  if (v.agg === 'tseries') {
    emitTseries(em, res, key, userKeySize, arg as Temp, v.tseries as TseriesParams, v.signed, c.span);
    em.free(arg as Temp);
    return;
  }
  if (v.agg === 'hist' || v.agg === 'lhist') {
    const idx =
      v.agg === 'hist'
        ? histIndex(em, arg as Temp, v.hist?.bits ?? 0)
        : lhistIndex(em, arg as Temp, v.lhist as { min: bigint; max: bigint; step: bigint });
    em.storeReg(8, key, userKeySize, idx, Reg.R3);
  }
  lookup(em, res, key);
  const miss = em.label();
  const done = em.label();
  em.emit(jmpImm(JmpOp.JEQ, Reg.R0, 0, miss));
  // Present: update in place.
  const a = arg ? em.reg(arg, Reg.R2) : Reg.R2;
  switch (v.agg) {
    case 'count':
    case 'hist':
    case 'lhist':
      em.emit(load(8, Reg.R1, Reg.R0, 0), alu64Imm(AluOp.ADD, Reg.R1, 1), store(8, Reg.R0, 0, Reg.R1));
      break;
    case 'sum':
      em.emit(load(8, Reg.R1, Reg.R0, 0), alu64Reg(AluOp.ADD, Reg.R1, a), store(8, Reg.R0, 0, Reg.R1));
      break;
    case 'avg':
    case 'stats':
      em.emit(
        load(8, Reg.R1, Reg.R0, 0),
        alu64Reg(AluOp.ADD, Reg.R1, a),
        store(8, Reg.R0, 0, Reg.R1),
        load(8, Reg.R1, Reg.R0, 8),
        alu64Imm(AluOp.ADD, Reg.R1, 1),
        store(8, Reg.R0, 8, Reg.R1),
      );
      break;
    case 'min':
    case 'max': {
      const set = em.label();
      const skip = em.label();
      em.emit(load(8, Reg.R1, Reg.R0, 8), jmpImm(JmpOp.JEQ, Reg.R1, 0, set), load(8, Reg.R1, Reg.R0, 0));
      const better = v.agg === 'min' ? (v.signed ? JmpOp.JSGE : JmpOp.JGE) : v.signed ? JmpOp.JSLE : JmpOp.JLE;
      // Keep the old value when the new one is not better.
      em.emit(jmpReg(better, a, Reg.R1, skip));
      em.place(set);
      em.emit(store(8, Reg.R0, 0, a), storeImm(8, Reg.R0, 8, 1));
      em.place(skip);
      break;
    }
  }
  em.emit(ja(done));
  // Missing: create with the first sample.
  em.place(miss);
  const vsize = res.spec.valueSize;
  const init = em.allocMem(vsize);
  const a2 = arg ? em.reg(arg, Reg.R2) : Reg.R2;
  switch (v.agg) {
    case 'count':
    case 'hist':
    case 'lhist':
      em.emit(movImm(Reg.R1, 1));
      em.storeReg(8, init, 0, Reg.R1, Reg.R3);
      break;
    case 'sum':
      em.storeReg(8, init, 0, a2, Reg.R3);
      break;
    case 'avg':
    case 'stats':
    case 'min':
    case 'max':
      em.storeReg(8, init, 0, a2, Reg.R3);
      em.emit(movImm(Reg.R1, 1));
      em.storeReg(8, init, 8, Reg.R1, Reg.R3);
      break;
  }
  update(em, res, key, init, c.span);
  em.place(done);
  if (arg) em.free(arg);
}

/**
 * hist(v, bits) bucket, numbered as runtime/output/hist.ts describes (bpftrace's): 0 for
 * negatives; 1 + v below 2^bits; above, floor(log2 v) = p picks a power of two split into
 * 2^bits buckets by the bits after v's leading 1. With bits = 0 that is floor(log2 v) + 2.
 * log2 is a branch-free binary search over shifts. Result in r2 (returned).
 */
function histIndex(em: Emitter, v: Temp, bits: number): Reg {
  const src = em.reg(v, Reg.R1);
  em.emit(alu64Reg(AluOp.MOV, Reg.R1, src));
  const neg = em.label();
  const small = em.label();
  const done = em.label();
  const n = 1 << bits;
  // r2 starts at what the index adds to floor(log2 v) when bits = 0; the split needs v itself (r4).
  em.emit(
    jmpImm(JmpOp.JSLT, Reg.R1, 0, neg),
    jmpImm(bits === 0 ? JmpOp.JEQ : JmpOp.JLT, Reg.R1, bits === 0 ? 0 : n, small),
    movImm(Reg.R2, bits === 0 ? 2 : 0),
  );
  if (bits > 0) em.emit(movReg(Reg.R4, Reg.R1));
  for (const shift of [32, 16, 8, 4, 2, 1]) {
    const skip = em.label();
    // if (v >= 1 << shift) { v >>= shift; idx += shift } — an immediate compare when 1 << shift fits.
    if (shift < 31) em.emit(jmpImm(JmpOp.JLT, Reg.R1, 1 << shift, skip));
    else em.emit(movImm(Reg.R3, 1), alu64Imm(AluOp.LSH, Reg.R3, shift), jmpReg(JmpOp.JLT, Reg.R1, Reg.R3, skip));
    em.emit(alu64Imm(AluOp.RSH, Reg.R1, shift), alu64Imm(AluOp.ADD, Reg.R2, shift));
    em.place(skip);
  }
  if (bits > 0) {
    // r3 = p - bits; r1 = the `bits` bits after the leading 1; r2 = ((p - bits + 1) << bits) + 1 + r1.
    em.emit(
      movReg(Reg.R3, Reg.R2),
      alu64Imm(AluOp.ADD, Reg.R3, -bits),
      movReg(Reg.R1, Reg.R4),
      alu64Reg(AluOp.RSH, Reg.R1, Reg.R3),
      alu64Imm(AluOp.AND, Reg.R1, n - 1),
      movReg(Reg.R2, Reg.R3),
      alu64Imm(AluOp.ADD, Reg.R2, 1),
      alu64Imm(AluOp.LSH, Reg.R2, bits),
      alu64Imm(AluOp.ADD, Reg.R2, 1),
      alu64Reg(AluOp.ADD, Reg.R2, Reg.R1),
    );
  }
  em.emit(ja(done));
  em.place(neg);
  em.emit(movImm(Reg.R2, 0), ja(done));
  em.place(small);
  // 0 <= v < 2^bits: one bucket per value.
  if (bits === 0) em.emit(movImm(Reg.R2, 1));
  else em.emit(movReg(Reg.R2, Reg.R1), alu64Imm(AluOp.ADD, Reg.R2, 1));
  em.place(done);
  return Reg.R2;
}

/** lhist bucket: 0 below min, (v - min) / step + 1 inside, the last one at or above max. */
function lhistIndex(em: Emitter, v: Temp, p: { min: bigint; max: bigint; step: bigint }): Reg {
  const src = em.reg(v, Reg.R1);
  em.emit(alu64Reg(AluOp.MOV, Reg.R1, src));
  const below = em.label();
  const above = em.label();
  const done = em.label();
  const last = (p.max - p.min) / p.step + 1n;
  em.emit(
    jmpImm(JmpOp.JSLT, Reg.R1, Number(p.min), below),
    jmpImm(JmpOp.JSGE, Reg.R1, Number(p.max), above),
    alu64Reg(AluOp.MOV, Reg.R2, Reg.R1),
    alu64Imm(AluOp.SUB, Reg.R2, Number(p.min)),
    alu64Imm(AluOp.DIV, Reg.R2, Number(p.step)),
    alu64Imm(AluOp.ADD, Reg.R2, 1),
    ja(done),
  );
  em.place(below);
  em.emit(movImm(Reg.R2, 0), ja(done));
  em.place(above);
  em.emit(movImm(Reg.R2, Number(last)));
  em.place(done);
  return Reg.R2;
}

/**
 * The time tseries files a sample under. BPFTRACE_DUMMY_TS_MAP=@name makes it the value of that
 * scalar map instead of the clock, as in bpftrace, so tests can script time.
 */
function tseriesNow(em: Emitter, span: Span): Temp {
  const name = dummyTimeMap();
  const res = name === null ? undefined : em.resources.mapsByName.get(name);
  if (res && res.info.key === null && res.info.value?.kind === 'value' && res.info.value.type.kind === 'int') {
    return emitMapLookupScalar(em, { kind: 'MapRef', id: -1, span, name: res.info.name }, span);
  }
  return em.callHelper('ktime_get_ns', []) as Temp;
}

/**
 * tseries: the slot of the current interval (epoch = now / interval, slot = epoch % N) holds
 * {epoch, value, count}; a slot still holding an older epoch starts over.
 */
function emitTseries(
  em: Emitter,
  res: MapResource,
  key: MemLoc,
  userKeySize: number,
  arg: Temp,
  t: TseriesParams,
  signed: boolean,
  span: Span,
): void {
  const now = tseriesNow(em, span);
  const r = em.reg(now, Reg.R0);
  em.emit(ldImm64(Reg.R2, t.intervalNs), alu64Reg(AluOp.DIV, r, Reg.R2));
  em.setTemp(now, r);
  // slot = epoch % N into the key's tail.
  const e = em.reg(now, Reg.R1);
  em.emit(alu64Reg(AluOp.MOV, Reg.R3, e), ldImm64(Reg.R2, BigInt(t.numIntervals)), alu64Reg(AluOp.MOD, Reg.R3, Reg.R2));
  em.storeReg(8, key, userKeySize, Reg.R3, Reg.R2);
  lookup(em, res, key);
  const miss = em.label();
  const fresh = em.label();
  const done = em.label();
  em.emit(jmpImm(JmpOp.JEQ, Reg.R0, 0, miss));
  // r1 = this epoch, r3 = the sample, on both paths below.
  const ep = em.reg(now, Reg.R1);
  if (ep !== Reg.R1) em.emit(alu64Reg(AluOp.MOV, Reg.R1, ep));
  const x = em.reg(arg, Reg.R3);
  if (x !== Reg.R3) em.emit(alu64Reg(AluOp.MOV, Reg.R3, x));
  em.emit(load(8, Reg.R2, Reg.R0, 0), jmpReg(JmpOp.JNE, Reg.R2, Reg.R1, fresh));
  switch (t.fn) {
    case 'none':
      em.emit(store(8, Reg.R0, 8, Reg.R3));
      break;
    case 'sum':
    case 'avg':
      em.emit(load(8, Reg.R2, Reg.R0, 8), alu64Reg(AluOp.ADD, Reg.R2, Reg.R3), store(8, Reg.R0, 8, Reg.R2));
      break;
    case 'min':
    case 'max': {
      const keep = em.label();
      const better = t.fn === 'min' ? (signed ? JmpOp.JSGE : JmpOp.JGE) : signed ? JmpOp.JSLE : JmpOp.JLE;
      em.emit(load(8, Reg.R2, Reg.R0, 8), jmpReg(better, Reg.R3, Reg.R2, keep), store(8, Reg.R0, 8, Reg.R3));
      em.place(keep);
      break;
    }
  }
  em.emit(load(8, Reg.R2, Reg.R0, 16), alu64Imm(AluOp.ADD, Reg.R2, 1), store(8, Reg.R0, 16, Reg.R2), ja(done));
  // An older interval in this slot: start it over in place.
  em.place(fresh);
  em.emit(store(8, Reg.R0, 0, Reg.R1), store(8, Reg.R0, 8, Reg.R3), storeImm(8, Reg.R0, 16, 1), ja(done));
  // No slot yet: create it.
  em.place(miss);
  const init = em.allocMem(24);
  em.storeReg(8, init, 0, em.reg(now, Reg.R1), Reg.R2);
  em.storeReg(8, init, 8, em.reg(arg, Reg.R3), Reg.R2);
  em.emit(movImm(Reg.R4, 1));
  em.storeReg(8, init, 16, Reg.R4, Reg.R2);
  update(em, res, key, init, span);
  em.place(done);
  em.free(now);
}
