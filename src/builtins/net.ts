// Network address builtins: pton() (text → bytes, at compile time), ntop() (bytes or an
// integer → inet, printed as text) and macaddr() (6 bytes → mac, printed as text).
//
// An inet value is 24 bytes: the address family as a u64, then 16 address bytes (an IPv4
// address in the first 4). A mac value is the 6 bytes. Both are decoded to text in user space
// (runtime/decode.ts with net-format.ts).

import { load, Reg, store } from '../bpf/insn.ts';
import type { Emitter } from '../codegen/emitter.ts';
import type { MemLoc } from '../codegen/frame.ts';
import type { Expr } from '../lang/ast.ts';
import { sizeOf, type Type, typeKindWord, typeName, UINT8 } from '../sema/types.ts';
import { arrayMem, literalBytes, literalInt, readBytes, storeImmAt, writeBytes } from './gen-util.ts';
import { AF_INET, AF_INET6, parseIPv4, parseIPv6 } from './net-format.ts';
import type { Builtin, CheckCx } from './types.ts';

const INET: Type = { kind: 'symbolic', what: 'inet' };
const MAC: Type = { kind: 'symbolic', what: 'mac' };

/** Parses pton()'s argument the way bpftrace picks the family: a `.` means IPv4. */
function ptonBytes(text: string): { bytes: Uint8Array | null; family: 4 | 6 | null } {
  if (text.includes('.')) return { bytes: parseIPv4(text), family: 4 };
  if (text.includes(':')) return { bytes: parseIPv6(text), family: 6 };
  return { bytes: null, family: null };
}

export const pton: Builtin = {
  name: 'pton',
  ident: false,
  func: true,
  minArgs: 1,
  maxArgs: 1,
  check(call, cx) {
    const a = call.args[0] as Expr;
    const t = cx.check(a);
    const text = t.kind === 'string' ? cx.literalString(a) : null;
    if (text === null) {
      cx.diags.error(call.span, 'pton() expects an string literal at the first argument');
      return { kind: 'array', elem: UINT8, len: 4 };
    }
    const { bytes, family } = ptonBytes(text);
    if (family === null) cx.diags.error(call.span, `pton() expects an string argument of an IPv4/IPv6 address, got ${text}`);
    else if (!bytes) cx.diags.error(call.span, `pton() expects a valid IPv4/IPv6 address, got ${text}`);
    return { kind: 'array', elem: UINT8, len: family === 6 ? 16 : 4 };
  },
  emit(call, em) {
    const text = Buffer.from(literalBytes(em, call.args[0] as Expr) ?? []).toString('latin1');
    const bytes = ptonBytes(text).bytes ?? new Uint8Array(4);
    const dest = em.memDest ?? em.allocMem(bytes.length);
    writeBytes(em, dest, bytes);
    return { kind: 'mem', loc: dest };
  },
};

/** Byte size of an address argument held in memory (string or array), or null for others. */
function addrBytes(t: Type): number | null {
  return t.kind === 'array' || t.kind === 'string' ? sizeOf(t) : null;
}

export const ntop: Builtin = {
  name: 'ntop',
  ident: false,
  func: true,
  minArgs: 1,
  maxArgs: 2,
  check(call, cx) {
    const [first, second] = call.args as [Expr, Expr | undefined];
    if (second) {
      const af = cx.check(first);
      if (af.kind !== 'int') cx.diags.error(call.span, `ntop() only supports integer arguments (${typeKindWord(af)} provided)`);
    }
    const addr = second ?? first;
    const t = cx.check(addr);
    const size = addrBytes(t);
    if (t.kind !== 'int' && size === null) cx.diags.error(call.span, `ntop() expects an integer or array argument, got ${typeKindWord(t)}`);
    else if (size !== null && size !== 4 && size !== 16) cx.diags.error(call.span, 'ntop() argument must be 4 or 16 bytes in size');
    return INET;
  },
  emit(call, em) {
    const [first, second] = call.args as [Expr, Expr | undefined];
    const addr = second ?? first;
    const t = em.typeOf(addr);
    const size = addrBytes(t);
    const dest = em.memDest ?? em.allocMem(24);
    // The family: given, or from the address's size (an integer is IPv4).
    if (second) {
      const lit = literalInt(em, first);
      if (lit !== null) storeImmAt(em, dest, 0, 8, Number(lit));
      else {
        const af = em.scalar(first);
        em.storeReg(8, dest, 0, em.reg(af, Reg.R0), Reg.R2);
        em.free(af);
      }
    } else storeImmAt(em, dest, 0, 8, size === 16 ? AF_INET6 : AF_INET);
    if (size === null) {
      // An integer holds the IPv4 address in its low 32 bits, as stored in memory.
      const v = em.scalar(addr);
      em.storeReg(4, dest, 8, em.reg(v, Reg.R0), Reg.R2);
      em.free(v);
      storeImmAt(em, dest, 12, 4, 0);
      storeImmAt(em, dest, 16, 8, 0);
      return { kind: 'mem', loc: dest };
    }
    const src = t.kind === 'string' ? em.mem(addr) : arrayMem(em, addr, size);
    copyWords(em, dest, 8, src, size);
    if (size === 4) {
      storeImmAt(em, dest, 12, 4, 0);
      storeImmAt(em, dest, 16, 8, 0);
    }
    return { kind: 'mem', loc: dest };
  },
};

/** Copies 4 or 16 address bytes into the inet value (its offset 8 is 8-aligned). */
function copyWords(em: Emitter, dest: MemLoc, off: number, src: MemLoc, size: number): void {
  if (src.base === 'stack' && src.off % 4 !== 0) {
    // A member of a tuple may be unaligned; the verifier wants stack loads aligned.
    em.callHelper(
      'probe_read_kernel',
      [
        { kind: 'addr', loc: { base: dest.base, off: dest.off + off } },
        { kind: 'imm', value: BigInt(size) },
        { kind: 'addr', loc: src },
      ],
      true,
    );
    return;
  }
  em.addr(src, Reg.R2);
  em.addr(dest, Reg.R1, off);
  for (let i = 0; i < size; i += 4) em.emit(load(4, Reg.R3, Reg.R2, i), store(4, Reg.R1, i, Reg.R3));
}

function checkMacArg(cx: CheckCx, e: Expr, t: Type, span: Expr['span']): void {
  if (e.kind === 'StringLit') {
    cx.diags.error(span, 'macaddr() does not support literal string arguments');
    return;
  }
  const size = addrBytes(t);
  if (t.kind !== 'int' && t.kind !== 'pointer' && size === null) {
    cx.diags.error(span, `macaddr() only supports array or pointer arguments (${typeName(t)} provided)`);
  } else if (size !== null && size < 6) cx.diags.error(span, 'macaddr() argument must be at least 6 bytes in size');
}

export const macaddr: Builtin = {
  name: 'macaddr',
  ident: false,
  func: true,
  minArgs: 1,
  maxArgs: 1,
  check(call, cx) {
    const a = call.args[0] as Expr;
    checkMacArg(cx, a, cx.check(a), call.span);
    return MAC;
  },
  emit(call, em) {
    const a = call.args[0] as Expr;
    const t = em.typeOf(a);
    const dest = em.memDest ?? em.allocMem(6);
    const size = addrBytes(t);
    if (size === null) {
      readBytes(em, a, dest, 0, 6);
      return { kind: 'mem', loc: dest };
    }
    // From BPF memory: a helper copy, since a mac inside a record or tuple may sit at any
    // offset and the verifier wants stack accesses aligned to their size.
    const src = t.kind === 'string' ? em.mem(a) : arrayMem(em, a, size);
    em.callHelper(
      'probe_read_kernel',
      [
        { kind: 'addr', loc: dest },
        { kind: 'imm', value: 6n },
        { kind: 'addr', loc: src },
      ],
      true,
    );
    return { kind: 'mem', loc: dest };
  },
};
