// Code-generation pieces shared by the builtin modules: a small assembler for subprograms,
// string-like arguments (literals kept as bytes, everything else evaluated into memory),
// reads of kernel/user memory, and event records built from registers.

import { AluOp, alu64Imm, type Insn, JmpOp, jmpImm, ldImm64, load, movImm, Reg, store, storeImm } from '../bpf/insn.ts';
import type { Emitter, Operand } from '../codegen/emitter.ts';
import type { MemLoc, Temp } from '../codegen/frame.ts';
import type { FormatResource } from '../codegen/resources.ts';
import type { Expr, Span } from '../lang/ast.ts';
import { type EventKind, eventHeader, HEADER_SIZE } from '../runtime/events.ts';
import { type Type, typeKindWord, typeName } from '../sema/types.ts';
import type { CheckCx } from './types.ts';

export const NONE: Operand = { kind: 'imm', value: 0n };

/**
 * Collects the instructions of a subprogram (a callback). It cannot go through Emitter.emit,
 * which appends to the probe body, but it shares the emitter's label counter.
 */
export class Asm {
  readonly insns: Insn[] = [];
  private pending: string[] = [];

  constructor(private readonly em: Emitter) {}

  label(): string {
    return this.em.label('S');
  }

  place(label: string): void {
    this.pending.push(label);
  }

  emit(...is: Insn[]): void {
    const first = is[0];
    if (first && this.pending.length) {
      first.labels = [...(first.labels ?? []), ...this.pending];
      this.pending = [];
    }
    this.insns.push(...is);
  }
}

// ------------------------------------------------------------------ string-like arguments

/**
 * The text of an argument the checker accepted as a literal string (`cx.literalString`): a string
 * literal or a positional parameter, or null for anything else. Emitters read literal arguments
 * through this so that `$1` works wherever the checker let it through.
 */
export function literalText(em: Emitter, e: Expr): string | null {
  if (e.kind === 'StringLit') return e.value;
  if (e.kind === 'PositionalParam') return em.sema.positional[e.index - 1] ?? '';
  // A macro whose body is a literal (`macro fmt() { "hi" }`) still gives printf its format.
  if (e.kind === 'BlockExpr' && e.stmts.length === 0) return literalText(em, e.value);
  return null;
}

/** The bytes of a literal string argument up to its first NUL, or null when not a literal. */
export function literalBytes(em: Emitter, e: Expr): Buffer | null {
  // A positional parameter is a string only where the checker typed it as one (`$1` may be a number).
  if (e.kind === 'PositionalParam' && em.typeOf(e).kind !== 'string') return null;
  const text = literalText(em, e);
  return text === null ? null : untilNul(text);
}

/** Value of an integer literal argument (positional parameters resolved), or null. */
export function literalInt(em: Emitter, e: Expr): bigint | null {
  switch (e.kind) {
    case 'IntegerLit':
      return e.value;
    case 'PositionalCount':
      return BigInt(em.sema.positional.length);
    case 'PositionalParam':
      try {
        return BigInt(em.sema.positional[e.index - 1] ?? '0');
      } catch {
        return null;
      }
    case 'Unary': {
      const v = e.op === '-' ? literalInt(em, e.operand) : null;
      return v === null ? null : -v;
    }
    default:
      return null;
  }
}

/** A builtin argument that must be a string literal (or `$N`): its text, or null after an error. */
export function literalStringArg(cx: CheckCx, fn: string, a: Expr): string | null {
  const text = cx.literalString(a);
  if (text === null) cx.diags.error(a.span, `${fn}() expects a string literal (${typeKindWord(cx.check(a))} provided)`);
  return text;
}

/** Same as literalBytes, for the checker (which sees positional parameters through cx). */
export function checkLiteralBytes(cx: CheckCx, e: Expr, t: Type): Buffer | null {
  if (t.kind !== 'string') return null;
  const text = cx.literalString(e);
  return text === null ? null : untilNul(text);
}

/** A literal's bytes as the kernel sees the string: up to its first NUL. */
function untilNul(text: string): Buffer {
  const b = Buffer.from(text, 'latin1');
  const nul = b.indexOf(0);
  return nul < 0 ? b : b.subarray(0, nul);
}

/**
 * Checks a string-like argument as bpftrace 0.26's assert_str() does: strings, arrays of chars
 * and pointers to chars (in 0.17's words for the common mistake). Returns the capacity in bytes
 * (NUL included) the value will have once evaluated, or null after reporting an error.
 */
export function checkStringLike(cx: CheckCx, fn: string, span: Span, t: Type): number | null {
  switch (t.kind) {
    case 'string':
      return t.size;
    case 'array':
      if (t.elem.kind === 'int' && t.elem.size === 1) return t.len;
      cx.diags.error(span, `${fn}(): string-like arrays must contain a char-like type (${typeName(t)} provided)`);
      return null;
    case 'pointer':
      if (t.to.kind === 'int' && t.to.size === 1) return cx.config.maxStrlen;
      cx.diags.error(span, `${fn}(): string-like pointers must point to a char-like type (${typeName(t)} provided)`);
      return null;
    default:
      cx.diags.error(span, `${fn}() only supports string arguments (${typeKindWord(t)} provided)`);
      return null;
  }
}

/** A string-like value ready for code generation. */
export type StrArg = { kind: 'lit'; bytes: Buffer } | { kind: 'mem'; loc: MemLoc; cap: number };

/**
 * Evaluates a string-like argument: literals stay bytes (compared as immediates), strings and
 * char arrays are evaluated in place (no copy), pointers are read like str() reads them.
 */
export function stringArg(em: Emitter, e: Expr): StrArg {
  const lit = literalBytes(em, e);
  if (lit) return { kind: 'lit', bytes: lit };
  const t = em.typeOf(e);
  if (t.kind === 'string') return { kind: 'mem', loc: em.mem(e), cap: t.size };
  if (t.kind === 'array') return { kind: 'mem', loc: arrayMem(em, e, t.len * (t.elem.kind === 'int' ? t.elem.size : 8)), cap: t.len };
  const size = em.config.maxStrlen;
  const loc = em.allocMem(size);
  readStr(em, e, loc, size);
  return { kind: 'mem', loc, cap: size };
}

/** Materialises a string-like argument in memory (a literal is written out). */
export function stringMem(em: Emitter, e: Expr): { loc: MemLoc; cap: number } {
  const a = stringArg(em, e);
  if (a.kind === 'mem') return a;
  const loc = em.allocMem(a.bytes.length + 1);
  writeBytes(em, loc, Buffer.concat([a.bytes, Buffer.alloc(1)]));
  return { loc, cap: a.bytes.length + 1 };
}

/**
 * An array value in memory. Tracepoint array fields are not in memory yet: they sit in the
 * context, which the program can load from directly, so they are copied out of it.
 */
export function arrayMem(em: Emitter, e: Expr, size: number): MemLoc {
  const f = em.argField(e);
  if (!f) return em.mem(e);
  const loc = em.allocMem(size);
  em.addr(loc, Reg.R2);
  let i = 0;
  for (const s of [8, 4, 2, 1] as const) {
    for (; i + s <= size; i += s) em.emit(load(s, Reg.R3, Reg.R6, f.offset + i), store(s, Reg.R2, i, Reg.R3));
  }
  return loc;
}

/** Writes constant bytes at loc with 4-byte immediate stores (the tail zero-padded). */
export function writeBytes(em: Emitter, loc: MemLoc, bytes: Uint8Array): void {
  const words = Math.ceil(bytes.length / 4);
  const padded = Buffer.alloc(words * 4);
  padded.set(bytes);
  if (loc.base === 'heap') em.addr(loc, Reg.R1);
  for (let i = 0; i < words; i++) {
    const v = padded.readInt32LE(i * 4);
    if (loc.base === 'stack') em.emit(storeImm(4, Reg.FP, loc.off + i * 4, v));
    else em.emit(storeImm(4, Reg.R1, i * 4, v));
  }
}

/** An immediate store of `size` bytes at loc+off (through r1 for the heap). */
export function storeImmAt(em: Emitter, loc: MemLoc, off: number, size: 1 | 2 | 4 | 8, v: number): void {
  if (loc.base === 'stack') em.emit(storeImm(size, Reg.FP, loc.off + off, v));
  else {
    em.addr(loc, Reg.R1);
    em.emit(storeImm(size, Reg.R1, off, v));
  }
}

/**
 * A temp whose value `build` computes in one register: the temp's own, or r0 when the temp lives
 * in a stack slot (so `build` may use r1-r5 as scratch, not r0).
 */
export function tempWith(em: Emitter, build: (r: Reg) => void): Temp {
  const t = em.frame.newTemp();
  const r = t.reg ?? Reg.R0;
  build(r);
  em.setTemp(t, r);
  return t;
}

/** Whether a pointer-ish expression reads user memory (the rule of str(), buf() and the read helpers here). */
export function isUserPointer(em: Emitter, e: Expr): boolean {
  const t = em.typeOf(e);
  return t.kind === 'pointer' ? t.user : em.context.argN === 'pt_regs' && em.probeName.startsWith('u');
}

/**
 * str()'s read of a NUL-terminated string at the address `e` evaluates to. Returns the helper's
 * result (the length read, NUL included) unless `discard`.
 */
export function readStr(
  em: Emitter,
  e: Expr,
  loc: MemLoc,
  size: number,
  site: Span = e.span,
  discard = false,
  limit: Expr | null = null,
): Temp | null {
  const ptr = em.scalar(e);
  let len: { kind: 'imm'; value: bigint } | { kind: 'temp'; temp: Temp } = { kind: 'imm', value: BigInt(size) };
  if (limit) {
    // str(p, n) with n known only at run time: read at most min(n, size) bytes, NUL included,
    // as bpftrace does; the bound check also lets the verifier size the read.
    em.zero(loc, 1);
    const t = em.scalar(limit);
    const r = em.reg(t, Reg.R2);
    const ok = em.label();
    em.emit(jmpImm(JmpOp.JLE, r, size, ok), movImm(r, size));
    em.place(ok);
    em.setTemp(t, r);
    len = { kind: 'temp', temp: t };
  }
  const r = em.callHelper(
    isUserPointer(em, e) ? 'probe_read_user_str' : 'probe_read_str',
    [{ kind: 'addr', loc }, len, { kind: 'temp', temp: ptr }],
    discard,
    site,
  );
  em.free(ptr);
  if (len.kind === 'temp') em.free(len.temp);
  return r;
}

/**
 * str(p) as bpftrace 0.26 reads it below 1024 bytes: up to `size` characters, the NUL dropped
 * when the string fills them all (bpftrace reads size + 1 bytes into a padded buffer; the
 * value then prints with str_trunc_trailer). Here the string is read into its own `size` bytes;
 * only when it filled them (the helper returns `size`) is the last byte read again from the
 * source, replacing the NUL with the character that was there. No extra buffer, no copy, one
 * compare on the usual short string.
 */
export function readStrKeepingLastByte(em: Emitter, e: Expr, loc: MemLoc, size: number, site: Span): void {
  const ptr = em.scalar(e);
  const user = isUserPointer(em, e);
  const r = em.callHelper(
    user ? 'probe_read_user_str' : 'probe_read_str',
    [
      { kind: 'addr', loc },
      { kind: 'imm', value: BigInt(size) },
      { kind: 'temp', temp: ptr },
    ],
    false,
    site,
  ) as Temp;
  const done = em.label();
  em.emit(jmpImm(JmpOp.JNE, em.reg(r, Reg.R0), size, done));
  em.free(r);
  const src = em.reg(ptr, Reg.R3);
  em.emit(alu64Imm(AluOp.ADD, src, size - 1));
  em.setTemp(ptr, src);
  em.callHelper(
    user ? 'probe_read_user' : 'probe_read',
    [
      { kind: 'addr', loc: { base: loc.base, off: loc.off + size - 1 } },
      { kind: 'imm', value: 1n },
      { kind: 'temp', temp: ptr },
    ],
    true,
  );
  em.place(done);
  em.free(ptr);
}

/** Reads `size` bytes (a constant) from the address `e` evaluates to into loc+off. */
export function readBytes(em: Emitter, e: Expr, loc: MemLoc, off: number, size: number, site: Span = e.span): void {
  const ptr = em.scalar(e);
  const dst: MemLoc = { base: loc.base, off: loc.off + off };
  em.callHelper(
    isUserPointer(em, e) ? 'probe_read_user' : 'probe_read',
    [
      { kind: 'addr', loc: dst },
      { kind: 'imm', value: BigInt(size) },
      { kind: 'temp', temp: ptr },
    ],
    true,
    site,
  );
  em.free(ptr);
}

// ------------------------------------------------------------------ event records

/** Registers a printf-like format for user space; records carry its id in their header. */
export function addFormat(em: Emitter, f: Omit<FormatResource, 'id'>): FormatResource {
  const res: FormatResource = { id: em.resources.formats.length, ...f };
  em.resources.formats.push(res);
  return res;
}

/** Writes a record's u64 header (event kind and id) at loc. */
export function writeHeader(em: Emitter, loc: MemLoc, kind: EventKind, id: number): void {
  em.emit(ldImm64(Reg.R0, eventHeader(kind, id)));
  em.storeReg(8, loc, 0, Reg.R0);
}

/**
 * Sends a printf-family record whose only argument is the 64-bit value in `src` (errorf and
 * warnf of runtime checks). `src` must not be r1 (used for heap addresses).
 */
export function emitValueRecord(
  em: Emitter,
  kind: EventKind,
  fmtKind: FormatResource['kind'],
  format: string,
  type: Type,
  src: Reg,
  span: Span,
): void {
  const res = addFormat(em, { kind: fmtKind, format, args: [{ type, offset: HEADER_SIZE }], size: HEADER_SIZE + 8, span });
  const loc = em.allocMem(HEADER_SIZE + 8);
  em.storeReg(8, loc, HEADER_SIZE, src);
  writeHeader(em, loc, kind, res.id);
  em.output(loc, HEADER_SIZE + 8);
}
