// String functions: strlen, strncmp, strstr, strcontains, str_concat (bpftrace 0.26 semantics).
//
// Strings are fixed-capacity NUL-terminated buffers. A literal side is never materialised: it is
// compared as immediates. Scans over memory are bounded loops with a known trip count (the
// capacity), so code size does not grow with max_strlen; each loop is laid out so that the way
// out of the loop is the fall-through and the way round is the jump, which keeps the verifier's
// stack of pending branches short. strstr with a needle only known at run time uses bpf_loop
// over the haystack positions, so the verifier walks the inner comparison once instead of once
// per position.

import {
  AluOp,
  alu64Imm,
  alu64Reg,
  exit,
  type Insn,
  JmpOp,
  ja,
  jmpImm,
  jmpReg,
  ldFunc,
  load,
  movImm,
  movReg,
  Reg,
  store,
  storeImm,
} from '../bpf/insn.ts';
import type { Emitter, Operand } from '../codegen/emitter.ts';
import type { MemLoc, Temp } from '../codegen/frame.ts';
import { compareLoop, compareWithLiteral } from '../codegen/strings.ts';
import type { Call, Expr } from '../lang/ast.ts';
import { BOOL, INT64, type Type, typeKindWord, UINT64 } from '../sema/types.ts';
import {
  Asm,
  checkLiteralBytes,
  checkStringLike,
  literalBytes,
  literalInt,
  readStr,
  type StrArg,
  stringArg,
  stringMem,
  writeBytes,
} from './gen-util.ts';
import type { Builtin, CheckCx } from './types.ts';

const imm = (v: number | bigint): Operand => ({ kind: 'imm', value: BigInt(v) });

/** Capacity of the string str_concat() returns, as bpftrace's `string[1024]`. */
const CONCAT_MAX = 1024;

function checkStrings(call: Call, cx: CheckCx): void {
  for (const a of call.args) checkStringLike(cx, call.callee, call.span, cx.check(a));
}

/** A temp that is `trueValue` when control reaches (or falls into) trueLabel, else `falseValue`. */
function boolTemp(em: Emitter, trueLabel: string, falseLabel: string, trueValue: number, falseValue: number): Temp {
  const end = em.label();
  em.place(trueLabel);
  em.emit(movImm(Reg.R0, trueValue), ja(end));
  em.place(falseLabel);
  em.emit(movImm(Reg.R0, falseValue));
  em.place(end);
  return em.tempFromReg(Reg.R0);
}

// ------------------------------------------------------------------ strlen

export const strlen: Builtin = {
  name: 'strlen',
  ident: false,
  func: true,
  minArgs: 1,
  maxArgs: 1,
  check(call, cx) {
    checkStrings(call, cx);
    return UINT64;
  },
  emit(call, em) {
    const e = call.args[0] as Expr;
    const lit = literalBytes(em, e);
    if (lit) return imm(lit.length);
    if (em.typeOf(e).kind === 'pointer') {
      // Reading the string measures it: the helper returns its length plus the NUL.
      const r = readStr(em, e, em.allocMem(em.config.maxStrlen), em.config.maxStrlen) as Temp;
      const reg = em.reg(r, Reg.R0);
      const ok = em.label();
      em.emit(alu64Imm(AluOp.ADD, reg, -1), jmpImm(JmpOp.JSGE, reg, 0, ok), movImm(reg, 0));
      em.place(ok);
      em.setTemp(r, reg);
      return { kind: 'temp', temp: r };
    }
    const s = stringArg(em, e) as Extract<StrArg, { kind: 'mem' }>;
    return { kind: 'temp', temp: strlenLoop(em, s.loc, s.cap) };
  },
};

/** Index of the first NUL within `cap` bytes (cap when there is none). */
function strlenLoop(em: Emitter, loc: MemLoc, cap: number): Temp {
  const top = em.label();
  const more = em.label();
  const done = em.label();
  em.addr(loc, Reg.R1);
  em.emit(movReg(Reg.R2, Reg.R1), movImm(Reg.R4, cap));
  em.place(top);
  em.emit(load(1, Reg.R3, Reg.R1, 0), jmpImm(JmpOp.JNE, Reg.R3, 0, more), ja(done));
  em.place(more);
  em.emit(alu64Imm(AluOp.ADD, Reg.R1, 1), alu64Imm(AluOp.ADD, Reg.R4, -1), jmpImm(JmpOp.JNE, Reg.R4, 0, top));
  em.place(done);
  // A pointer difference: an unknown scalar to the verifier, so the code after the loop is
  // verified once rather than once per possible length.
  em.emit(movReg(Reg.R0, Reg.R1), alu64Reg(AluOp.SUB, Reg.R0, Reg.R2));
  return em.tempFromReg(Reg.R0);
}

// ------------------------------------------------------------------ strncmp

export const strncmp: Builtin = {
  name: 'strncmp',
  ident: false,
  func: true,
  minArgs: 3,
  maxArgs: 3,
  check(call, cx) {
    const [a, b, n] = call.args as [Expr, Expr, Expr];
    let ok = true;
    for (const s of [a, b]) {
      const t = cx.check(s);
      if (t.kind !== 'string' && ok) {
        cx.diags.error(call.span, `strncmp() only supports string arguments (${typeKindWord(t)} provided)`);
        ok = false;
      }
    }
    const nt = cx.check(n);
    const lit = cx.literalInt(n);
    if (lit === null || nt.kind !== 'int') cx.diags.error(call.span, `strncmp() expects a integer literal (${typeKindWord(nt)} provided)`);
    else if (lit < 0n) cx.diags.error(n.span, `strncmp() length must not be negative (${lit} provided)`);
    return UINT64;
  },
  emit(call, em) {
    const [a, b, n] = call.args as [Expr, Expr, Expr];
    const nLit = literalInt(em, n) ?? 0n;
    const la = literalBytes(em, a);
    const lb = literalBytes(em, b);
    const capOf = (e: Expr, lit: Buffer | null): number =>
      lit ? lit.length + 1 : (em.typeOf(e) as Extract<Type, { kind: 'string' }>).size;
    // bpftrace compares at most the shorter capacity: it never reads past either buffer.
    const count = Math.min(Number(nLit), capOf(a, la), capOf(b, lb));
    if (count === 0) return imm(0);
    if (la && lb) return imm(constCompare(la, lb, count));
    const same = em.label();
    const differ = em.label();
    if (la || lb) {
      const lit = (la ?? lb) as Buffer;
      const s = stringArg(em, la ? b : a) as Extract<StrArg, { kind: 'mem' }>;
      compareWithLiteral(em, s.loc, lit, count, differ);
    } else {
      const sa = stringArg(em, a) as Extract<StrArg, { kind: 'mem' }>;
      const sb = stringArg(em, b) as Extract<StrArg, { kind: 'mem' }>;
      compareLoop(em, sa.loc, sb.loc, count, same, differ);
    }
    return { kind: 'temp', temp: boolTemp(em, same, differ, 0, 1) };
  },
};

/** strncmp of two literals: 0 when the first `count` bytes (up to a NUL) agree, else 1. */
function constCompare(a: Buffer, b: Buffer, count: number): number {
  for (let i = 0; i < count; i++) {
    const x = a[i] ?? 0;
    if (x !== (b[i] ?? 0)) return 1;
    if (x === 0) return 0;
  }
  return 0;
}

// ------------------------------------------------------------------ strstr / strcontains

function searchBuiltin(name: 'strstr' | 'strcontains'): Builtin {
  const wantIndex = name === 'strstr';
  return {
    name,
    ident: false,
    func: true,
    minArgs: 2,
    maxArgs: 2,
    check(call, cx) {
      checkStrings(call, cx);
      return wantIndex ? INT64 : BOOL;
    },
    emit(call, em) {
      const [h, n] = call.args as [Expr, Expr];
      const notFound = wantIndex ? -1 : 0;
      const found = (i: number) => imm(wantIndex ? i : 1);
      const needle = literalBytes(em, n);
      // An empty needle is found at 0, whatever the haystack (bpftrace's special case).
      if (needle && needle.length === 0) return found(0);
      const hay = literalBytes(em, h);
      if (hay && needle) {
        const i = hay.indexOf(needle);
        return i < 0 ? imm(notFound) : found(i);
      }
      if (needle) {
        const hayCap = hay ? hay.length + 1 : capacity(em, h);
        // The needle does not fit in the haystack's buffer.
        if (needle.length > hayCap) return imm(notFound);
        const s = stringMem(em, h);
        return { kind: 'temp', temp: searchLiteral(em, s.loc, s.cap, needle, wantIndex) };
      }
      const s = stringMem(em, h);
      const t = stringMem(em, n);
      return { kind: 'temp', temp: searchLoop(em, s, t, wantIndex) };
    },
  };
}

export const strstr = searchBuiltin('strstr');
export const strcontains = searchBuiltin('strcontains');

function capacity(em: Emitter, e: Expr): number {
  const t = em.typeOf(e);
  if (t.kind === 'string') return t.size;
  if (t.kind === 'array') return t.len;
  return em.config.maxStrlen;
}

/**
 * Finds a literal needle: at each haystack position the first needle byte is compared, and
 * only on a hit the rest (immediates again). The haystack's NUL ends the search, so bytes
 * after the string never match.
 */
function searchLiteral(em: Emitter, loc: MemLoc, cap: number, needle: Buffer, wantIndex: boolean): Temp {
  const top = em.label();
  const cand = em.label();
  const next = em.label();
  const hit = em.label();
  const miss = em.label();
  const end = em.label();
  // Start positions where the whole needle still fits in the buffer.
  const positions = cap - needle.length + 1;
  em.addr(loc, Reg.R1);
  em.emit(movReg(Reg.R2, Reg.R1), movImm(Reg.R4, positions));
  em.place(top);
  em.emit(load(1, Reg.R3, Reg.R1, 0), jmpImm(JmpOp.JEQ, Reg.R3, needle[0] as number, cand), jmpImm(JmpOp.JNE, Reg.R3, 0, next), ja(miss));
  em.place(cand);
  for (let j = 1; j < needle.length; j++) em.emit(load(1, Reg.R3, Reg.R1, j), jmpImm(JmpOp.JNE, Reg.R3, needle[j] as number, next));
  em.emit(ja(hit));
  em.place(next);
  em.emit(alu64Imm(AluOp.ADD, Reg.R1, 1), alu64Imm(AluOp.ADD, Reg.R4, -1), jmpImm(JmpOp.JNE, Reg.R4, 0, top));
  em.place(miss);
  em.emit(movImm(Reg.R0, wantIndex ? -1 : 0), ja(end));
  em.place(hit);
  // The index as a pointer difference, which the verifier treats as unknown (see strlenLoop).
  if (wantIndex) em.emit(movReg(Reg.R0, Reg.R1), alu64Reg(AluOp.SUB, Reg.R0, Reg.R2));
  else em.emit(movImm(Reg.R0, 1));
  em.place(end);
  return em.tempFromReg(Reg.R0);
}

/** Stack context shared with the bpf_loop callback: haystack, needle, result. */
const CTX_HAY = 0;
const CTX_NEEDLE = 8;
const CTX_RESULT = 16;

/**
 * Finds a needle known only at run time: bpf_loop calls a callback for each haystack position,
 * which compares the needle there in a bounded loop and stores the position when it matches.
 */
function searchLoop(em: Emitter, hay: { loc: MemLoc; cap: number }, needle: { loc: MemLoc; cap: number }, wantIndex: boolean): Temp {
  const ctx = em.frame.allocStack(24);
  const go = em.label();
  const end = em.label();
  em.addr(hay.loc, Reg.R1);
  em.emit(store(8, Reg.FP, ctx + CTX_HAY, Reg.R1));
  em.addr(needle.loc, Reg.R1);
  em.emit(store(8, Reg.FP, ctx + CTX_NEEDLE, Reg.R1), storeImm(8, Reg.FP, ctx + CTX_RESULT, -1));
  // An empty needle matches at 0.
  em.emit(load(1, Reg.R3, Reg.R1, 0), jmpImm(JmpOp.JNE, Reg.R3, 0, go), storeImm(8, Reg.FP, ctx + CTX_RESULT, 0), ja(end));
  em.place(go);
  const cb = em.subprogram(`Fstrstr_${hay.cap}_${needle.cap}`, () => searchCallback(em, hay.cap, needle.cap));
  em.emit(movImm(Reg.R1, hay.cap), ldFunc(Reg.R2, cb), movReg(Reg.R3, Reg.FP), alu64Imm(AluOp.ADD, Reg.R3, ctx), movImm(Reg.R4, 0));
  em.callHelper('loop', [], true);
  em.place(end);
  em.emit(load(8, Reg.R0, Reg.FP, ctx + CTX_RESULT));
  if (!wantIndex) {
    const yes = em.label();
    em.emit(movReg(Reg.R1, Reg.R0), movImm(Reg.R0, 1), jmpImm(JmpOp.JSGE, Reg.R1, 0, yes), movImm(Reg.R0, 0));
    em.place(yes);
  }
  return em.tempFromReg(Reg.R0);
}

/**
 * bpf_loop callback(i, ctx): returns 1 to stop (match found, haystack ended), 0 to try the next
 * position. The haystack is read at i + j, bounds-checked on the same register that offsets
 * the pointer, since the verifier does not relate separate registers.
 */
function searchCallback(em: Emitter, hayCap: number, needleCap: number): Insn[] {
  const a = new Asm(em);
  const go = a.label();
  const scan = a.label();
  const inner = a.label();
  const c1 = a.label();
  const c2 = a.label();
  const c3 = a.label();
  const stop = (): void => a.emit(movImm(Reg.R0, 1), exit());
  const next = (): void => a.emit(movImm(Reg.R0, 0), exit());
  const foundHere = (): void => {
    a.emit(store(8, Reg.R2, CTX_RESULT, Reg.R1));
    stop();
  };
  a.emit(jmpImm(JmpOp.JLT, Reg.R1, hayCap, go));
  stop();
  a.place(go);
  a.emit(
    load(8, Reg.R6, Reg.R2, CTX_HAY),
    load(8, Reg.R8, Reg.R2, CTX_NEEDLE),
    movReg(Reg.R3, Reg.R6),
    alu64Reg(AluOp.ADD, Reg.R3, Reg.R1),
  );
  a.emit(load(1, Reg.R5, Reg.R3, 0), jmpImm(JmpOp.JNE, Reg.R5, 0, scan));
  // The haystack ended before the needle was found.
  stop();
  a.place(scan);
  a.emit(movReg(Reg.R7, Reg.R1), movImm(Reg.R9, needleCap));
  a.place(inner);
  a.emit(load(1, Reg.R5, Reg.R8, 0), jmpImm(JmpOp.JNE, Reg.R5, 0, c1));
  // The needle ended: everything before matched.
  foundHere();
  a.place(c1);
  a.emit(jmpImm(JmpOp.JLT, Reg.R7, hayCap, c2));
  next();
  a.place(c2);
  a.emit(movReg(Reg.R3, Reg.R6), alu64Reg(AluOp.ADD, Reg.R3, Reg.R7), load(1, Reg.R0, Reg.R3, 0), jmpReg(JmpOp.JEQ, Reg.R0, Reg.R5, c3));
  next();
  a.place(c3);
  a.emit(
    alu64Imm(AluOp.ADD, Reg.R7, 1),
    alu64Imm(AluOp.ADD, Reg.R8, 1),
    alu64Imm(AluOp.ADD, Reg.R9, -1),
    jmpImm(JmpOp.JNE, Reg.R9, 0, inner),
  );
  // A needle filling its whole buffer without a NUL, all of it matched.
  foundHere();
  return a.insns;
}

// ------------------------------------------------------------------ str_concat

export const strConcat: Builtin = {
  name: 'str_concat',
  ident: false,
  func: true,
  minArgs: 2,
  maxArgs: 64,
  check(call, cx) {
    let total = 1;
    call.args.forEach((a) => {
      const t = cx.check(a);
      const lit = checkLiteralBytes(cx, a, t);
      const cap = lit ? lit.length + 1 : checkStringLike(cx, call.callee, call.span, t);
      total += (cap ?? 1) - 1;
    });
    return { kind: 'string', size: Math.min(total, CONCAT_MAX) };
  },
  emit(call, em) {
    const t = em.typeOf(call) as Extract<Type, { kind: 'string' }>;
    // Read before the parts are evaluated: evaluating them resets it.
    const memDest = em.memDest;
    const parts = call.args.map((a) => stringArg(em, a));
    // Leading literals are written as immediates at known offsets; the rest are appended with
    // bpf_probe_read_kernel_str at the running length, which returns how much it copied.
    let prefix = 0;
    const head: Buffer[] = [];
    while (prefix < parts.length && parts[prefix]?.kind === 'lit') {
      head.push((parts[prefix] as Extract<StrArg, { kind: 'lit' }>).bytes);
      prefix++;
    }
    const size = t.size;
    // A literal prefix longer than the result keeps only what fits.
    const headBytes = Buffer.concat(head).subarray(0, size - 1);
    const rest = parts.slice(prefix).map((p, i) => (p.kind === 'mem' ? p : stringMem(em, call.args[prefix + i] as Expr)));
    const direct = memDest ?? em.allocMem(size);
    if (rest.length === 0 || headBytes.length === size - 1) {
      writeBytes(em, direct, Buffer.concat([headBytes, Buffer.alloc(1)]));
      return { kind: 'mem', loc: direct };
    }
    const only = rest[0] as { loc: MemLoc; cap: number };
    if (rest.length === 1) {
      if (headBytes.length > 0) writeBytes(em, direct, headBytes);
      // One part read at a known offset: its read size alone bounds the result.
      appendAt(em, direct, headBytes.length, null, only.loc, Math.min(only.cap, size - headBytes.length));
      return { kind: 'mem', loc: direct };
    }
    // Several parts: the second lands at a run-time offset, which the verifier bounds by the
    // largest lengths before it, so the buffer is as long as all capacities together.
    const physical = headBytes.length + rest.reduce((n, p) => n + p.cap - 1, 0) + 1;
    const dest = physical <= size ? direct : em.allocMem(physical);
    // A helper may write at a variable stack offset only into stack already initialised.
    if (dest.base === 'stack') em.zero(dest, physical);
    if (headBytes.length > 0) writeBytes(em, dest, headBytes);
    let len: Temp | null = null;
    rest.forEach((p, i) => {
      const r0 = appendAt(em, dest, headBytes.length, len, p.loc, p.cap);
      if (i === rest.length - 1) return;
      // r0 = bytes copied with the NUL (or an error): the string grows by r0 - 1, at least 0.
      const ok = em.label();
      em.emit(jmpImm(JmpOp.JSGT, r0, 0, ok), movImm(r0, 1));
      em.place(ok);
      em.emit(alu64Imm(AluOp.ADD, r0, -1));
      if (len) {
        const r = em.reg(len, Reg.R1);
        em.emit(alu64Reg(AluOp.ADD, r, r0));
        em.setTemp(len, r);
      } else len = em.tempFromReg(r0);
    });
    if (len) em.free(len);
    if (dest === direct) return { kind: 'mem', loc: dest };
    // Longer than bpftrace's string[1024]: cut there and move the result (one helper call).
    em.addr(dest, Reg.R3);
    em.emit(storeImm(1, Reg.R3, size - 1, 0));
    em.addr(direct, Reg.R1);
    em.emit(movImm(Reg.R2, size));
    em.callHelper('probe_read_kernel', [], true);
    return { kind: 'mem', loc: direct };
  },
};

/** bpf_probe_read_kernel_str(dest + off + len, size, src); returns r0 (the helper's result). */
function appendAt(em: Emitter, dest: MemLoc, off: number, len: Temp | null, src: MemLoc, size: number): Reg {
  em.addr(dest, Reg.R1, off);
  if (len) em.emit(alu64Reg(AluOp.ADD, Reg.R1, em.reg(len, Reg.R2)));
  em.addr(src, Reg.R3);
  em.emit(movImm(Reg.R2, size));
  em.callHelper('probe_read_kernel_str', [], true);
  return Reg.R0;
}
