import { ja, Reg } from '../bpf/insn.ts';
import { lookupBuiltin } from '../builtins/registry.ts';
import type { Call, Expr } from '../lang/ast.ts';
import { UserError } from '../lang/diagnostics.ts';
import { isScalarType, sizeOf, type Type, tupleLayout } from '../sema/types.ts';
import { emitCond } from './conditions.ts';
import { argField, argIntoMem, argsRecord } from './context-args.ts';
import type { Emitter } from './emitter.ts';
import type { MemLoc } from './frame.ts';
import { emitMapLookupInto } from './maps.ts';
import { elemSize, inMemory, readKernelMem, runtimeHeldIndex } from './memory-reads.ts';
import { emitScalar, literalArith } from './scalars.ts';
import { emitStmt, emitStoreInto } from './statements.ts';
import { storeStringLiteral } from './strings.ts';

/** Evaluates an aggregate (string, tuple, record...) into memory; into `dst` when given. */
export function emitMem(em: Emitter, e: Expr, dst?: MemLoc): MemLoc {
  const t = em.typeOf(e);
  const size = sizeOf(t);
  const out = (): MemLoc => dst ?? em.allocMem(size);
  switch (e.kind) {
    case 'StringLit': {
      const loc = out();
      storeStringLiteral(em, loc, e.value, size);
      return loc;
    }
    case 'PositionalParam': {
      const v = em.sema.positional[e.index - 1] ?? '';
      return emitMem(em, { kind: 'StringLit', id: e.id, span: e.span, value: v }, dst);
    }
    case 'Variable': {
      const sym = em.sema.vars.get(e.id);
      if (!sym) return out();
      const src = em.varLoc(sym);
      if (!dst) return src;
      em.copy(dst, src, Math.min(size, sizeOf(sym.type ?? t)));
      return dst;
    }
    case 'MapRef':
    case 'MapAccess': {
      const loc = out();
      emitMapLookupInto(em, e, loc, size);
      return loc;
    }
    case 'Identifier':
    case 'Call': {
      if (e.kind === 'Identifier' && e.name === 'args') return argsRecord(em, t, out(), e.span);
      const call: Call = e.kind === 'Call' ? e : { kind: 'Call', id: e.id, span: e.span, callee: e.name, calleeSpan: e.span, args: [] };
      const b = lookupBuiltin(call.callee);
      if (!b) throw new UserError(`unknown builtin ${call.callee}`);
      em.memDest = dst ?? null;
      const o = b.emit(call, em);
      em.memDest = null;
      if (o.kind !== 'mem') throw new UserError(`${call.callee} did not produce a value in memory`);
      if (dst && (o.loc.base !== dst.base || o.loc.off !== dst.off)) em.copy(dst, o.loc, size);
      return dst ?? o.loc;
    }
    case 'TupleExpr':
    case 'RecordExpr': {
      const loc = out();
      const elems = e.kind === 'TupleExpr' ? e.elems : e.fields.map((f) => f.value);
      const types = t.kind === 'tuple' ? t.elems : t.kind === 'record' ? t.fields.map((f) => f.type) : [];
      const lay = tupleLayout(types);
      // Padding, and the tail of a size off the 8-byte grid (map updates read whole words), must
      // read as initialised.
      if (lay.size > types.reduce((s, x) => s + sizeOf(x), 0) || lay.size % 8 !== 0) em.zero(loc, lay.size);
      elems.forEach((x, i) => {
        const et = types[i] as Type;
        const sub: MemLoc = { base: loc.base, off: loc.off + (lay.offsets[i] ?? 0) };
        emitStoreInto(em, sub, et, x);
      });
      return loc;
    }
    case 'Ternary': {
      const taken = em.sema.comptimeIfs.get(e.id);
      if (taken !== undefined) return emitMem(em, taken ? e.then : e.else, dst);
      const loc = out();
      const elseL = em.label();
      const end = em.label();
      emitCond(em, e.cond, elseL);
      emitStoreInto(em, loc, t, e.then);
      em.emit(ja(end));
      em.place(elseL);
      emitStoreInto(em, loc, t, e.else);
      em.place(end);
      return loc;
    }
    case 'FieldAccess': {
      if (em.sema.fields.has(e.id)) {
        const loc = out();
        if (t.kind === 'string') em.zero(loc, size);
        readKernelMem(em, e, loc, size);
        return loc;
      }
      const f = argField(em, e);
      if (f && (f.onStack || t.kind === 'string')) {
        const loc = out();
        argIntoMem(em, f, t, loc, e.span);
        return loc;
      }
      const { loc, offset } = memberOf(em, e);
      const src: MemLoc = { base: loc.base, off: loc.off + offset };
      if (!dst) return src;
      em.copy(dst, src, size);
      return dst;
    }
    case 'TupleIndex': {
      const { loc, offset } = memberOf(em, e);
      const src: MemLoc = { base: loc.base, off: loc.off + offset };
      if (!dst) return src;
      em.copy(dst, src, size);
      return dst;
    }
    case 'Unary':
    case 'IndexExpr': {
      // A struct, array or char array in kernel/user memory (`*args.p`, `args.n->rows[1]`).
      if (isScalarType(t)) return scalarInto(em, e, t, out);
      if (e.kind === 'IndexExpr' && !inMemory(em, e) && !runtimeHeldIndex(em, e)) {
        // An element at a constant index of an array held by the program (`$m[1]` of an int[2][2]).
        const { loc, offset } = memberOf(em, e);
        const src: MemLoc = { base: loc.base, off: loc.off + offset };
        if (!dst) return src;
        em.copy(dst, src, size);
        return dst;
      }
      if (e.kind === 'Unary' && !inMemory(em, e)) return scalarInto(em, e, t, out);
      const loc = out();
      if (t.kind === 'string') em.zero(loc, size);
      readKernelMem(em, e, loc, size);
      return loc;
    }
    case 'BlockExpr':
      for (const s of e.stmts) emitStmt(em, s);
      return emitMem(em, e.value, dst);
    case 'Cast': {
      if (t.kind === 'array') return castToArray(em, e.expr, size, dst);
      if (t.kind !== 'string') return scalarInto(em, e, t, out);
      // `(string[64])$s`: the same text in a wider string (sema refuses narrowing).
      const loc = out();
      emitStoreInto(em, loc, t, e.expr);
      return loc;
    }
    default:
      return scalarInto(em, e, t, out);
  }
}

/**
 * `(int8[8])x`, `(int8[])"text"`: a string's bytes are the array's; an integer is stored
 * little end first (a narrower array keeps its low bytes, as bpftrace's store does).
 */
function castToArray(em: Emitter, from: Expr, size: number, dst?: MemLoc): MemLoc {
  if (em.typeOf(from).kind === 'string') return emitMem(em, from, dst);
  const v = emitScalar(em, from);
  const word = em.allocMem(8);
  em.storeReg(8, word, 0, em.reg(v, Reg.R0));
  em.free(v);
  if (!dst) return word;
  em.copy(dst, word, size);
  return dst;
}

/** A scalar expression's value stored in memory (8 bytes), for callers that want memory. */
export function scalarInto(em: Emitter, e: Expr, t: Type, out: () => MemLoc): MemLoc {
  if (!isScalarType(t)) throw new UserError(`${e.kind} values of type ${t.kind} are not supported yet`);
  const v = emitScalar(em, e);
  const loc = out();
  em.storeReg(8, loc, 0, em.reg(v, Reg.R0));
  em.free(v);
  return loc;
}

/** Location of a tuple element / record field evaluated into memory. */
export function memberOf(em: Emitter, e: Expr): { loc: MemLoc; offset: number } {
  if (e.kind === 'TupleIndex') {
    const bt = em.typeOf(e.base);
    const loc = emitMem(em, e.base);
    if (bt.kind !== 'tuple') throw new UserError('not a tuple');
    return { loc, offset: tupleLayout(bt.elems).offsets[e.index] ?? 0 };
  }
  if (e.kind === 'FieldAccess') {
    const bt = em.typeOf(e.base);
    const loc = emitMem(em, e.base);
    if (bt.kind !== 'record') throw new UserError('not a record');
    const i = bt.fields.findIndex((f) => f.name === e.field);
    return { loc, offset: tupleLayout(bt.fields.map((f) => f.type)).offsets[i] ?? 0 };
  }
  const at = e.kind === 'IndexExpr' ? literalArith(em, e.index) : null;
  if (e.kind === 'IndexExpr' && at !== null) {
    // An element at a constant index of a string, array or tuple held by the program
    // (`$path[0]`, `"/"[0]`, `$t[1 + 1]`); sema has checked the index against the length.
    const bt = em.typeOf(e.base);
    const loc = emitMem(em, e.base);
    if (bt.kind === 'tuple') return { loc, offset: tupleLayout(bt.elems).offsets[Number(at)] ?? 0 };
    return { loc, offset: Number(at) * elemSize(em, bt) };
  }
  if (e.kind === 'IndexExpr') throw new UserError('indexing a tuple needs a constant index');
  throw new UserError(`${e.kind} is not supported yet`);
}
