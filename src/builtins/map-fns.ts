// Functions of whole maps: has_key(@m, k) and len(@m).

import { AluOp, alu64Imm, exit, JmpOp, jmpImm, ldFunc, ldMapFd, movImm, movReg, Reg } from '../bpf/insn.ts';
import type { Emitter, Operand } from '../codegen/emitter.ts';
import type { Temp } from '../codegen/frame.ts';
import { buildKey, mapResource } from '../codegen/maps.ts';
import type { MapResource } from '../codegen/resources.ts';
import type { Call, Expr, MapAccess } from '../lang/ast.ts';
import { UserError } from '../lang/diagnostics.ts';
import { BOOL, INT64, type Type, typeKindWord } from '../sema/types.ts';
import type { Builtin } from './types.ts';

/** The key expressions of `has_key(@m, k)`: a tuple key is the same as several keys. */
export function keyList(k: Expr): Expr[] {
  return k.kind === 'TupleExpr' ? k.elems : [k];
}

export function keyedMap(em: Emitter, m: Expr, fn: string): MapResource {
  if (m.kind !== 'MapRef') throw new UserError(`${fn}() expects a map argument`);
  if (!em.resources.mapsByName.has(m.name)) throw new UserError(`Undefined map: @${m.name}`);
  const res = mapResource(em, m.name);
  if (!res.info.key) throw new UserError(`call to ${fn}() expects a map with explicit keys (non-scalar map)`);
  return res;
}

/** Looks `k` up in the map; leaves the value pointer (or 0) in r0. */
export function lookupKey(em: Emitter, res: MapResource, k: Expr): void {
  const key = buildKey(em, res, keyList(k));
  em.callHelper(
    'map_lookup_elem',
    [
      { kind: 'map', name: res.spec.name },
      { kind: 'addr', loc: key },
    ],
    true,
  );
}

export const hasKey: Builtin = {
  name: 'has_key',
  ident: false,
  func: true,
  minArgs: 2,
  maxArgs: 2,
  check(call: Call, cx) {
    const [m, k] = call.args as [Expr, Expr];
    if (m.kind !== 'MapRef') {
      cx.diags.error(m.span, `has_key() expects a map argument (${typeKindWord(cx.check(m))} provided)`);
      cx.check(k);
      return BOOL;
    }
    if (cx.scalarMap(m.name)) {
      cx.diags.error(call.span, 'call to has_key() expects a map with explicit keys (non-scalar map)');
      cx.check(k);
      return BOOL;
    }
    // Checked as the access @m[k] would be: the key unifies with the map's key type, and a key
    // of the wrong type is reported the way a wrong access is. (The synthetic node borrows the
    // call's id; the call's own type is recorded after this returns.)
    const access: MapAccess = { kind: 'MapAccess', id: call.id, span: call.span, map: m, keys: keyList(k) };
    cx.check(access);
    return BOOL;
  },
  emit(call, em) {
    const [m, k] = call.args as [Expr, Expr];
    lookupKey(em, keyedMap(em, m, 'has_key'), k);
    const yes = em.label();
    em.emit(movReg(Reg.R1, Reg.R0), movImm(Reg.R0, 1), jmpImm(JmpOp.JNE, Reg.R1, 0, yes), movImm(Reg.R0, 0));
    em.place(yes);
    return { kind: 'temp', temp: em.tempFromReg(Reg.R0) };
  },
};

/**
 * len(stack): a stack value here is an id in a stack-trace map, which a program cannot read
 * back; the depth is that of the stack taken again where len() runs (bpf_get_stack's byte count
 * over 8), up to the stack's own depth limit — the same stack when len() is in the probe that
 * took it, as `$s = ustack(3); len($s)` is.
 */
function stackDepth(em: Emitter, t: Extract<Type, { kind: 'stack' }>): Operand {
  const bytes = t.limit * 8;
  const frames = em.allocMem(bytes);
  const got = em.callHelper('get_stack', [
    { kind: 'ctx' },
    { kind: 'addr', loc: frames },
    { kind: 'imm', value: BigInt(bytes) },
    { kind: 'imm', value: t.user ? BPF_F_USER_STACK : 0n },
  ]) as Temp;
  const r = em.reg(got, Reg.R0);
  const ok = em.label();
  em.emit(jmpImm(JmpOp.JSGE, r, 0, ok), movImm(r, 0));
  em.place(ok);
  em.emit(alu64Imm(AluOp.RSH, r, 3));
  em.setTemp(got, r);
  return { kind: 'temp', temp: got };
}

/** bpf_get_stack's flag for the user-space stack. */
const BPF_F_USER_STACK = 1n << 8n;

/**
 * len(@m) counts entries with bpf_for_each_map_elem, whose result is the number of elements
 * visited; the callback does nothing but continue. (Counting inserts and deletes ourselves
 * would miss clear() and entries evicted from LRU maps.)
 */
export const len: Builtin = {
  name: 'len',
  ident: false,
  func: true,
  minArgs: 1,
  maxArgs: 1,
  check(call, cx) {
    const m = call.args[0] as Expr;
    if (m.kind !== 'MapRef') {
      if (cx.check(m).kind !== 'stack') cx.diags.error(call.span, 'call to len() expects a map, ustack, or kstack');
      return INT64;
    }
    cx.checkMapArg(m, 'len');
    return INT64;
  },
  emit(call, em) {
    const arg = call.args[0] as Expr;
    const argType = em.typeOf(arg);
    if (arg.kind !== 'MapRef' && argType.kind === 'stack') return stackDepth(em, argType);
    const res = keyedMap(em, call.args[0] as Expr, 'len');
    const cb = em.subprogram('Fcount_elem', () => [movImm(Reg.R0, 0), exit()]);
    em.emit(ldMapFd(Reg.R1, res.spec.name), ldFunc(Reg.R2, cb), movImm(Reg.R3, 0), movImm(Reg.R4, 0));
    const t = em.callHelper('for_each_map_elem', []);
    return { kind: 'temp', temp: t as NonNullable<typeof t> };
  },
};
