// find(@m, key, $var): one map lookup that says whether the key is there and, when it is,
// copies its value into $var (left alone otherwise). The checker types it as the block
// `{ $var = @m[key]; true }` would be, so $var takes the map's value type as an assignment
// gives it; the code is a single bpf_map_lookup_elem.

import { AluOp, alu64Reg, JmpOp, ja, jmpImm, load, movImm, Reg, type Size } from '../bpf/insn.ts';
import type { Expr } from '../lang/ast.ts';
import { UserError } from '../lang/diagnostics.ts';
import { storageType } from '../sema/promotion.ts';
import { BOOL, isScalarType, sizeOf, typeKindWord } from '../sema/types.ts';
import { keyedMap, keyList, lookupKey } from './map-fns.ts';
import type { Builtin } from './types.ts';

export const find: Builtin = {
  name: 'find',
  ident: false,
  func: true,
  minArgs: 3,
  maxArgs: 3,
  check(call, cx) {
    const [m, k, v] = call.args as [Expr, Expr, Expr];
    if (m.kind !== 'MapRef') {
      cx.diags.error(m.span, `find() expects a map argument (${typeKindWord(cx.check(m))} provided)`);
      return BOOL;
    }
    if (v.kind !== 'Variable') {
      cx.diags.error(
        v.span,
        'find() expects a scratch variable as its third argument, to receive the value',
        'e.g. let $v; if (find(@m, key, $v)) { ... }',
      );
      return BOOL;
    }
    const span = call.span;
    cx.check({
      kind: 'BlockExpr',
      id: cx.newId(),
      span,
      stmts: [
        {
          kind: 'AssignStmt',
          id: cx.newId(),
          span,
          op: '=',
          opSpan: span,
          target: v,
          value: { kind: 'MapAccess', id: cx.newId(), span, map: m, keys: keyList(k) },
        },
      ],
      value: { kind: 'BoolLit', id: cx.newId(), span, value: true },
    });
    return BOOL;
  },
  emit(call, em) {
    const [m, k, v] = call.args as [Expr, Expr, Expr];
    const res = keyedMap(em, m, 'find');
    const value = res.info.value;
    if (value?.kind !== 'value')
      throw new UserError(`find() cannot read @${res.info.name}: it holds an aggregation`, ['read it as @m[key] after has_key()']);
    const sym = em.sema.vars.get(v.id);
    if (!sym?.type) throw new UserError(`internal: find() variable $${v.kind === 'Variable' ? v.name : '?'} has no type`);
    lookupKey(em, res, k);
    const miss = em.label();
    const done = em.label();
    em.emit(jmpImm(JmpOp.JEQ, Reg.R0, 0, miss));
    const loc = em.varLoc(sym);
    const varType = storageType(sym.type);
    if (isScalarType(varType)) {
      // Map values and variable slots hold integers in 8 bytes; narrow types (bool) keep their own width.
      const size = Math.min(8, sizeOf(varType));
      em.emit(load(8, Reg.R3, Reg.R0, 0));
      em.storeReg((size === 1 || size === 2 || size === 4 ? size : 8) as Size, loc, 0, Reg.R3, Reg.R2);
    } else {
      const varSize = sizeOf(varType);
      const size = Math.min(varSize, sizeOf(storageType(value.type)), res.spec.valueSize);
      const ptr = em.tempFromReg(Reg.R0);
      // A wider variable (a longer string) must not keep bytes of an older value past this one.
      if (size < varSize) em.zero(loc, varSize);
      em.emit(alu64Reg(AluOp.MOV, Reg.R1, em.reg(ptr, Reg.R1)));
      em.free(ptr);
      em.addr(loc, Reg.R2);
      em.copyPtr(Reg.R2, Reg.R1, size);
    }
    em.emit(movImm(Reg.R0, 1), ja(done));
    em.place(miss);
    em.emit(movImm(Reg.R0, 0));
    em.place(done);
    return { kind: 'temp', temp: em.tempFromReg(Reg.R0) };
  },
};
