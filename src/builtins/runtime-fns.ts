// Builtins whose value is finished in user space: username, strftime, time, cat, join,
// elapsed and cpid (constants known when the script is compiled).

import { AluOp, alu64Imm, alu64Reg, JmpOp, jmpImm, ldImm64, Reg } from '../bpf/insn.ts';
import type { Expr } from '../lang/ast.ts';
import { EventKind, HEADER_SIZE } from '../runtime/events.ts';
import { checkFormatArgs } from '../sema/printf-check.ts';
import { storageType } from '../sema/promotion.ts';
import { INT64, typeKindWord, UINT32, UINT64, VOID } from '../sema/types.ts';
import { addFormat, literalText, NONE, writeHeader } from './gen-util.ts';
import { emitRecord, recordLayout } from './output.ts';
import type { Builtin } from './types.ts';

export const username: Builtin = {
  name: 'username',
  ident: true,
  func: true,
  minArgs: 0,
  maxArgs: 0,
  check: () => ({ kind: 'symbolic', what: 'username' }),
  emit(_c, em) {
    const t = em.callHelper('get_current_uid_gid', []);
    if (!t) return NONE;
    const r = em.reg(t, Reg.R0);
    em.emit(alu64Imm(AluOp.LSH, r, 32), alu64Imm(AluOp.RSH, r, 32));
    em.setTemp(t, r);
    return { kind: 'temp', temp: t };
  },
};

export const elapsed: Builtin = {
  name: 'elapsed',
  ident: true,
  func: true,
  minArgs: 0,
  maxArgs: 0,
  check: () => UINT64,
  emit(_c, em) {
    const t = em.callHelper('ktime_get_ns', []);
    if (!t) return NONE;
    const r = em.reg(t, Reg.R0);
    em.emit(ldImm64(Reg.R1, em.sema.startNs), alu64Reg(AluOp.SUB, r, Reg.R1));
    em.setTemp(t, r);
    return { kind: 'temp', temp: t };
  },
};

export const cpid: Builtin = {
  name: 'cpid',
  ident: true,
  func: true,
  minArgs: 0,
  maxArgs: 0,
  check: () => UINT32,
  emit: (_c, em) => ({ kind: 'imm', value: BigInt(em.sema.cpid ?? 0) }),
};

export const strftimeFn: Builtin = {
  name: 'strftime',
  ident: false,
  func: true,
  minArgs: 2,
  maxArgs: 2,
  check(call, cx) {
    const [f, ts] = call.args as [Expr, Expr];
    const fmt = cx.literalString(f);
    if (fmt === null) cx.diags.error(f.span, 'strftime() expects a string literal as its first argument');
    const t = cx.check(ts);
    if (t.kind !== 'int') cx.diags.error(ts.span, `strftime() expects an integer timestamp (${typeKindWord(t)} provided)`);
    return { kind: 'strftime', format: fmt ?? '' };
  },
  emit(call, em) {
    const t = em.scalar(call.args[1] as Expr);
    return { kind: 'temp', temp: t };
  },
};

/** A format (first argument) plus arguments, sent as an event the runtime finishes. */
function formatEvent(name: 'time' | 'cat', kind: EventKind, defaultFormat: string | null): Builtin {
  return {
    name,
    ident: false,
    func: true,
    minArgs: defaultFormat === null ? 1 : 0,
    maxArgs: name === 'time' ? 1 : 64,
    check(call, cx) {
      const [f, ...rest] = call.args as [Expr | undefined, ...Expr[]];
      const types = rest.map((a) => cx.check(a));
      if (!f) return VOID;
      const fmt = cx.literalString(f);
      if (fmt === null) {
        cx.diags.error(f.span, `${name}() expects a string literal`);
        return VOID;
      }
      if (name === 'cat') {
        const err = checkFormatArgs('cat', fmt, types);
        if (err) cx.diags.error(call.span, err.message);
      }
      return VOID;
    },
    emit(call, em) {
      const [f, ...rest] = call.args as [Expr | undefined, ...Expr[]];
      const fmt = f ? (literalText(em, f) ?? '') : (defaultFormat as string);
      const types = rest.map((a) => storageType(em.typeOf(a)));
      // The layout emitRecord writes the arguments with.
      const lay = recordLayout(types);
      const args = types.map((type, i) => ({ type, offset: lay.offsets[i] ?? 0 }));
      const res = addFormat(em, { kind: name, format: fmt, args, size: lay.size, span: call.span });
      emitRecord(em, kind, res.id, rest, types);
      return NONE;
    },
  };
}

export const time = formatEvent('time', EventKind.Time, '%H:%M:%S\n');
export const cat = formatEvent('cat', EventKind.Cat, null);

const JOIN_ARGS = 16;

/** join(char **argv[, delim]): up to 16 user strings, joined in user space. */
export const join: Builtin = {
  name: 'join',
  ident: false,
  func: true,
  minArgs: 1,
  maxArgs: 2,
  check(call, cx) {
    const [p, d] = call.args as [Expr, Expr | undefined];
    const t = cx.check(p);
    if (t.kind !== 'int' && t.kind !== 'pointer')
      cx.diags.error(p.span, `join() expects an integer or pointer argument (${typeKindWord(t)} provided)`);
    if (d && cx.literalString(d) === null) cx.diags.error(d.span, 'join() delimiter must be a string literal');
    return VOID;
  },
  emit(call, em) {
    const [p, d] = call.args as [Expr, Expr | undefined];
    const strlen = Math.min(em.config.maxStrlen, 256);
    const size = HEADER_SIZE + JOIN_ARGS * strlen;
    const res = addFormat(em, {
      kind: 'join',
      format: '',
      args: Array.from({ length: JOIN_ARGS }, (_, i) => ({ type: { kind: 'string', size: strlen }, offset: HEADER_SIZE + i * strlen })),
      size,
      span: call.span,
      extra: (d && literalText(em, d)) ?? ' ',
    });
    const rec = em.allocMem(size);
    writeHeader(em, rec, EventKind.Join, res.id);
    // Empty strings mark the end: the first byte of every slot starts as NUL.
    for (let i = 0; i < JOIN_ARGS; i++) {
      em.emit(alu64Imm(AluOp.MOV, Reg.R0, 0));
      em.storeReg(1, rec, HEADER_SIZE + i * strlen, Reg.R0);
    }
    const base = em.scalar(p);
    const slot = em.allocMem(8);
    const done = em.label();
    for (let i = 0; i < JOIN_ARGS; i++) {
      // slot = argv[i] (a user pointer), stop at NULL.
      const addr = em.frame.newTemp();
      em.emit(alu64Reg(AluOp.MOV, Reg.R0, em.reg(base, Reg.R0)), alu64Imm(AluOp.ADD, Reg.R0, i * 8));
      em.setTemp(addr, Reg.R0);
      em.callHelper(
        'probe_read_user',
        [
          { kind: 'addr', loc: slot },
          { kind: 'imm', value: 8n },
          { kind: 'temp', temp: addr },
        ],
        true,
      );
      em.free(addr);
      em.loadReg(8, Reg.R3, slot, 0);
      em.emit(jmpImm(JmpOp.JEQ, Reg.R3, 0, done));
      const ptr = em.tempFromReg(Reg.R3);
      em.callHelper(
        'probe_read_user_str',
        [
          { kind: 'addr', loc: { base: rec.base, off: rec.off + HEADER_SIZE + i * strlen } },
          { kind: 'imm', value: BigInt(strlen) },
          { kind: 'temp', temp: ptr },
        ],
        true,
      );
      em.free(ptr);
    }
    em.place(done);
    em.free(base);
    em.output(rec, size);
    return NONE;
  },
};

const TRUTHY = ['1', 'true', 'on', 'yes'];
const FALSY = ['0', 'false', 'off', 'no'];

/** A named option's integer (decimal or 0x hex), or why it is not one (bpftrace's words). */
function parseOptionInt(text: string, signed: boolean): bigint | string {
  if (!/^[+-]?(0x[0-9a-f]+|\d+)$/i.test(text.trim())) return 'invalid integer';
  const t = text.trim();
  const neg = t.startsWith('-');
  const v = BigInt(t.replace(/^[+-]/, ''));
  const n = neg ? -v : v;
  if (signed ? n < -(1n << 63n) || n >= 1n << 63n : n < 0n || n >= 1n << 64n) return 'value is out of range';
  return n;
}

/**
 * getopt("name"[, default[, description]]): a named option given after `--` on the command
 * line (`-- --name=value`), typed by its default (bool without one). Resolved when compiling.
 */
export const getopt: Builtin = {
  name: 'getopt',
  ident: false,
  func: true,
  minArgs: 1,
  maxArgs: 3,
  check(call, cx) {
    const [nameE, defE, descE] = call.args as [Expr, Expr | undefined, Expr | undefined];
    const name = cx.literalString(nameE);
    if (name === null) {
      cx.diags.error(nameE.span, 'getopt() expects the option name as a string literal');
      return VOID;
    }
    const desc = descE ? cx.literalString(descE) : '';
    if (desc === null && descE) cx.diags.error(descE.span, 'getopt() description must be a string literal');
    cx.declareOption(name, desc ?? '');
    const present = cx.named.has(name);
    // `--name` alone is `true`; bpftrace words a bad value without a script location.
    const given = present ? (cx.named.get(name) ?? null) : undefined;
    const bad = (what: string, value: string): void => {
      cx.diags.error(null, `program command line option --${name} ${what} (value: ${value})`);
    };
    if (!defE || defE.kind === 'BoolLit') {
      let b = defE?.kind === 'BoolLit' ? defE.value : false;
      if (given === null) b = true;
      else if (given !== undefined) {
        const v = given.toLowerCase();
        if (TRUTHY.includes(v)) b = true;
        else if (FALSY.includes(v)) b = false;
        else bad("expects a boolean (e.g. 'true')", given);
      }
      cx.callConstants.set(call.id, b);
      return { kind: 'bool' };
    }
    const dInt = cx.literalInt(defE);
    if (dInt !== null && defE.kind !== 'StringLit') {
      // A default below zero makes a signed option, any other an unsigned one (as bpftrace).
      const signed = dInt < 0n;
      let v = dInt;
      if (given === null) bad('expects an integer', 'true');
      else if (given !== undefined) {
        const parsed = parseOptionInt(given, signed);
        if (typeof parsed === 'string') bad(parsed, given);
        else v = parsed;
      }
      cx.callConstants.set(call.id, v);
      return signed ? INT64 : UINT64;
    }
    const dStr = cx.literalString(defE);
    if (dStr === null) {
      cx.diags.error(defE.span, 'getopt() default must be a literal bool, integer or string');
      return VOID;
    }
    if (given === null) bad('expects a string', 'true');
    const v = given ?? dStr;
    cx.callConstants.set(call.id, v);
    return { kind: 'string', size: Buffer.byteLength(v, 'latin1') + 1 };
  },
  emit(call, em) {
    const v = em.sema.callConstants.get(call.id);
    if (typeof v === 'string') {
      return { kind: 'mem', loc: em.mem({ kind: 'StringLit', id: call.id, span: call.span, value: v }, em.memDest ?? undefined) };
    }
    return { kind: 'imm', value: typeof v === 'bigint' ? v : v ? 1n : 0n };
  },
};
