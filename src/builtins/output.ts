// Builtins that send events to user space: printf, errorf, warnf, exit, print, clear, zero,
// and the map functions delete, has_key, len.

import { JmpOp, jmpImm, movImm, movReg, Reg } from '../bpf/insn.ts';
import type { Emitter } from '../codegen/emitter.ts';
import type { Call, Expr } from '../lang/ast.ts';
import { emitSeqPrintf } from '../probes/kernel/seq-printf.ts';
import { EventKind, HEADER_SIZE } from '../runtime/events.ts';
import { checkFormatArgs } from '../sema/printf-check.ts';
import { storageType } from '../sema/promotion.ts';
import { BOOL, eventLayout, INT64, sizeOf, type Type, VOID } from '../sema/types.ts';
import { addFormat, literalInt, literalText, NONE, storeImmAt, writeHeader } from './gen-util.ts';
import { keyList } from './map-fns.ts';
import type { Builtin } from './types.ts';

/** Lays out a record: u64 header then the arguments as a tuple. */
export function recordLayout(types: Type[]): { offsets: number[]; size: number } {
  const lay = eventLayout(types);
  return { offsets: lay.offsets.map((o) => o + HEADER_SIZE), size: HEADER_SIZE + lay.size };
}

/** Writes header + evaluated args into one record and sends it. */
export function emitRecord(em: Emitter, kind: EventKind, id: number, args: Expr[], types: Type[]): void {
  const lay = recordLayout(types);
  const loc = em.allocMem(lay.size);
  writeHeader(em, loc, kind, id);
  args.forEach((a, i) => {
    em.storeInto({ base: loc.base, off: loc.off + (lay.offsets[i] ?? 0) }, types[i] as Type, a);
  });
  em.output(loc, lay.size);
}

function formatBuiltin(name: 'printf' | 'errorf' | 'warnf' | 'system', kind: EventKind): Builtin {
  return {
    name,
    ident: false,
    func: true,
    minArgs: 1,
    maxArgs: 128,
    check(call, cx) {
      const [fmtE, ...rest] = call.args as [Expr, ...Expr[]];
      const fmt = cx.literalString(fmtE);
      const types = rest.map((a) => cx.check(a));
      if (name === 'system' && !cx.unsafe) {
        // 0.26 refuses it before looking at the format (a check ahead of type checking).
        cx.diags.error(call.span, 'system() is an unsafe function being used in safe mode', 'use --unsafe to allow it');
        return VOID;
      }
      if (fmt === null) {
        cx.diags.error(fmtE.span, `${name}() expects a string literal as its first argument`);
        return VOID;
      }
      const err = checkFormatArgs(name, fmt, types);
      if (err) cx.diags.error(err.argIndex === null ? call.span : (rest[err.argIndex]?.span ?? call.span), err.message);
      return VOID;
    },
    emit(call, em) {
      const [fmtE, ...rest] = call.args as [Expr, ...Expr[]];
      const types = rest.map((a) => storageType(em.typeOf(a)));
      const lay = recordLayout(types);
      const fmt = literalText(em, fmtE) ?? '';
      if (name === 'printf' && em.context.seqPrintf) {
        // Iterators: the text goes into the iterator's own output (probes/kernel/seq-printf.ts).
        emitSeqPrintf(em, fmt, rest);
        return NONE;
      }
      // --no-warnings silences warnf() (bpftrace documents it so); nothing is sent.
      if (name === 'warnf' && em.resources.warningLevel === 0) {
        for (const a of rest) em.effect(a);
        return NONE;
      }
      const res = addFormat(em, {
        kind: name,
        format: fmt,
        args: types.map((type, i) => ({ type, offset: lay.offsets[i] ?? 0 })),
        size: lay.size,
        span: call.span,
        ...(call.expandedFrom ? { expandedFrom: call.expandedFrom } : {}),
      });
      emitRecord(em, kind, res.id, rest, types);
      return NONE;
    },
  };
}

export const printf = formatBuiltin('printf', EventKind.Printf);
export const errorf = formatBuiltin('errorf', EventKind.Errorf);
export const warnf = formatBuiltin('warnf', EventKind.Warnf);
export const system = formatBuiltin('system', EventKind.System);

export const exit: Builtin = {
  name: 'exit',
  ident: false,
  func: true,
  minArgs: 0,
  maxArgs: 1,
  check(call, cx) {
    const a = call.args[0];
    if (a) {
      const t = cx.check(a);
      if (t.kind !== 'int') cx.diags.error(a.span, `exit() expects an integer exit code`);
    }
    return VOID;
  },
  emit(call, em) {
    const code = call.args[0];
    if (!code) {
      exitWith(em, 0);
      return NONE;
    }
    emitRecord(em, EventKind.Exit, 0, [code], [INT64]);
    em.markExited();
    em.returnNow();
    return NONE;
  },
};

/** Sends exit(code) for a constant code to user space and leaves the probe. */
export function exitWith(em: Emitter, code: number): void {
  const loc = em.allocMem(HEADER_SIZE + 8);
  writeHeader(em, loc, EventKind.Exit, 0);
  storeImmAt(em, loc, HEADER_SIZE, 8, code);
  em.output(loc, HEADER_SIZE + 8);
  em.markExited();
  em.returnNow();
}

function mapEvent(name: 'clear' | 'zero', kind: EventKind): Builtin {
  return {
    name,
    ident: false,
    func: true,
    minArgs: 1,
    maxArgs: 1,
    check(call, cx) {
      cx.checkMapArg(call.args[0] as Expr, name);
      return VOID;
    },
    emit(call, em) {
      const m = call.args[0];
      if (m?.kind !== 'MapRef') return NONE;
      const res = em.resources.mapsByName.get(m.name);
      if (!res) return NONE;
      const loc = em.allocMem(HEADER_SIZE);
      writeHeader(em, loc, kind, res.index);
      em.output(loc, HEADER_SIZE);
      return NONE;
    },
  };
}

export const clear = mapEvent('clear', EventKind.ClearMap);
export const zero = mapEvent('zero', EventKind.ZeroMap);

export const print: Builtin = {
  name: 'print',
  ident: false,
  func: true,
  minArgs: 1,
  maxArgs: 3,
  check(call, cx) {
    const [first, ...rest] = call.args as [Expr, ...Expr[]];
    if (first.kind === 'MapRef') {
      const name = cx.checkMapArg(first, 'print');
      for (const r of rest) if (cx.literalInt(r) === null) cx.diags.error(r.span, 'print() top and div arguments must be integer literals');
      if (name !== null && rest.length > 0) {
        cx.afterMaps((maps) => {
          const v = maps.get(name)?.value;
          if (v?.kind === 'agg' && v.agg === 'stats')
            cx.diags.warning(call.span, "print()'s top and div arguments are ignored when used on stats() maps.");
        });
      }
      return VOID;
    }
    if (rest.length) cx.diags.error(call.span, 'Non-map print() only takes 1 argument');
    cx.check(first);
    return VOID;
  },
  emit(call, em) {
    const [first, ...rest] = call.args as [Expr, ...Expr[]];
    if (first.kind === 'MapRef') {
      const res = em.resources.mapsByName.get(first.name);
      if (!res) return NONE;
      const loc = em.allocMem(HEADER_SIZE + 16);
      writeHeader(em, loc, EventKind.PrintMap, res.index);
      const [top, div] = [rest[0], rest[1]].map((a) => (a ? Number(literalInt(em, a) ?? 0n) : 0)) as [number, number];
      storeImmAt(em, loc, 8, 8, top);
      storeImmAt(em, loc, 16, 8, div);
      em.output(loc, HEADER_SIZE + 16);
      return NONE;
    }
    const t = storageType(em.typeOf(first));
    const res = addFormat(em, {
      kind: 'print',
      format: '',
      args: [{ type: t, offset: HEADER_SIZE }],
      size: HEADER_SIZE + sizeOf(t),
      span: call.span,
    });
    emitRecord(em, EventKind.PrintValue, res.id, [first], [t]);
    return NONE;
  },
};

export const deleteFn: Builtin = {
  name: 'delete',
  ident: false,
  func: true,
  minArgs: 1,
  maxArgs: 2,
  check(call: Call, cx) {
    const [m, k] = call.args as [Expr, Expr | undefined];
    const name = cx.checkMapArg(m, 'delete');
    if (name === null) {
      if (k) cx.check(k);
      return BOOL;
    }
    if (k && cx.scalarMap(name)) {
      cx.diags.error(call.span, 'call to delete() with two arguments expects a map with explicit keys (non-scalar map)');
      cx.check(k);
    } else if (k && m.kind === 'MapRef') {
      // Checked as the access @m[k] would be (0.26's check_key): a key of the wrong type is an
      // argument mismatch, and a map nothing stores into is undefined. (The synthetic node
      // borrows the call's id; the call's own type is recorded after this returns.)
      cx.check({ kind: 'MapAccess', id: call.id, span: call.span, map: m, keys: keyList(k) });
    }
    cx.afterMaps((maps) => {
      const info = maps.get(name);
      if (k) return; // the access above has said what is wrong
      // A map nothing stores into has no type to build the key from (0.26's macro takes typeof(@m)).
      if (!info || (info.value === null && info.valueSpan === null))
        cx.diags.error(m.span, `Undefined map: @${name}`, `a map must be assigned before delete(), e.g. @${name} = value`);
      else if (info.key !== null)
        cx.diags.error(call.span, 'call to delete() with a single argument expects a map without explicit keys (scalar map)');
    });
    return BOOL;
  },
  emit(call, em) {
    const [m, ...keys] = call.args as [Expr, ...Expr[]];
    const keyList = keys.length === 1 && keys[0]?.kind === 'TupleExpr' ? keys[0].elems : keys;
    // A failure (no such key) is only worth a warning when the script ignores the result.
    const site = em.sema.discarded.has(call.id) ? call.span : undefined;
    em.deleteFromMap(m, keyList, site);
    // bool: whether the key was there (bpf_map_delete_elem returned 0).
    const done = em.label();
    em.emit(movReg(Reg.R1, Reg.R0), movImm(Reg.R0, 1), jmpImm(JmpOp.JEQ, Reg.R1, 0, done), movImm(Reg.R0, 0));
    em.place(done);
    return { kind: 'temp', temp: em.tempFromReg(Reg.R0) };
  },
};
