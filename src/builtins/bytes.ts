// Byte-level builtins: bswap(n) and buf(data, length).

import { ALU, AluOp, alu64Imm, type Insn, JmpOp, jmpImm, movImm, Reg, X } from '../bpf/insn.ts';
import type { Emitter } from '../codegen/emitter.ts';
import type { MemLoc } from '../codegen/frame.ts';
import type { Expr } from '../lang/ast.ts';
import { BUF_HEADER, type IntSize, intType, sizeOf, type Type, typeKindWord } from '../sema/types.ts';
import { arrayMem, isUserPointer, literalInt, storeImmAt } from './gen-util.ts';
import type { Builtin } from './types.ts';

/** BPF_ALU | BPF_END | BPF_TO_BE: on a little-endian host a byte swap of the low `bits`. */
function toBigEndian(r: Reg, bits: 16 | 32 | 64): Insn {
  return { op: ALU | AluOp.END | X, dst: r, src: 0, off: 0, imm: bits };
}

function swapConst(v: bigint, size: IntSize): bigint {
  let x = BigInt.asUintN(size * 8, v);
  let out = 0n;
  for (let i = 0; i < size; i++) {
    out = (out << 8n) | (x & 0xffn);
    x >>= 8n;
  }
  return out;
}

export const bswap: Builtin = {
  name: 'bswap',
  ident: false,
  func: true,
  minArgs: 1,
  maxArgs: 1,
  check(call, cx) {
    const t = cx.check(call.args[0] as Expr);
    if (t.kind !== 'int') {
      cx.diags.error(call.span, `bswap() only supports integer arguments (${typeKindWord(t)} provided)`);
      return intType(8, false);
    }
    return intType(t.size, false);
  },
  emit(call, em) {
    const e = call.args[0] as Expr;
    const t = em.typeOf(e) as Extract<Type, { kind: 'int' }>;
    const lit = literalInt(em, e);
    if (lit !== null) return { kind: 'imm', value: swapConst(lit, t.size) };
    const v = em.scalar(e);
    const r = em.reg(v, Reg.R0);
    // One byte has nothing to swap, but the result is unsigned: drop a sign extension.
    if (t.size === 1) em.emit(alu64Imm(AluOp.AND, r, 0xff));
    else em.emit(toBigEndian(r, (t.size * 8) as 16 | 32 | 64));
    em.setTemp(v, r);
    return { kind: 'temp', temp: v };
  },
};

export const buf: Builtin = {
  name: 'buf',
  ident: false,
  func: true,
  minArgs: 1,
  maxArgs: 2,
  check(call, cx) {
    const [data, n] = call.args as [Expr, Expr | undefined];
    const t = cx.check(data);
    // bpftrace keeps the length header's bytes out of max_strlen.
    const max = Math.max(0, cx.config.maxStrlen - BUF_HEADER);
    if (t.kind !== 'int' && t.kind !== 'string' && t.kind !== 'pointer' && t.kind !== 'array') {
      cx.diags.error(call.span, `buf() expects an integer, string, or array argument but saw ${typeKindWord(t)}`);
    }
    if (!n) {
      if (t.kind !== 'array') {
        cx.diags.error(call.span, `buf() expects a length argument for non-array type ${typeKindWord(t)}`);
        return { kind: 'buffer', size: max };
      }
      return { kind: 'buffer', size: Math.min(sizeOf(t), max) };
    }
    const nt = cx.check(n);
    if (nt.kind !== 'int') cx.diags.error(n.span, `buf() only supports integer lengths (${typeKindWord(nt)} provided)`);
    const lit = cx.literalInt(n);
    if (lit !== null && lit < 0n) cx.diags.error(call.span, `buf() cannot use negative length (${lit})`);
    const size = lit !== null && lit >= 0n ? Math.min(Number(lit), max) : max;
    return { kind: 'buffer', size };
  },
  emit(call, em) {
    const [data, n] = call.args as [Expr, Expr | undefined];
    const cap = (em.typeOf(call) as Extract<Type, { kind: 'buffer' }>).size;
    // {u32 length, bytes}, as 0.26 lays a buffer out.
    const dest = em.memDest ?? em.allocMem(BUF_HEADER + cap);
    const bytes: MemLoc = { base: dest.base, off: dest.off + BUF_HEADER };
    const src = source(em, data);
    const lit = n ? literalInt(em, n) : BigInt(cap);
    if (lit !== null) {
      storeImmAt(em, dest, 0, BUF_HEADER, cap);
      if (cap > 0) em.callHelper(src.read, [{ kind: 'addr', loc: bytes }, { kind: 'imm', value: BigInt(cap) }, src.arg], true, call.span);
      if (src.arg.kind === 'temp') em.free(src.arg.temp);
      return { kind: 'mem', loc: dest };
    }
    // A length known at run time: clamped to the capacity (which bounds it for the verifier),
    // and the bytes zeroed first so what follows the data is the same in every record and key.
    const len = em.scalar(n as Expr);
    const r = em.reg(len, Reg.R0);
    const ok = em.label();
    em.emit(jmpImm(JmpOp.JLE, r, cap, ok), movImm(r, cap));
    em.place(ok);
    em.setTemp(len, r);
    em.storeReg(BUF_HEADER, dest, 0, r, Reg.R2);
    em.zero(bytes, cap);
    em.callHelper(src.read, [{ kind: 'addr', loc: bytes }, { kind: 'temp', temp: len }, src.arg], true, call.span);
    em.free(len);
    if (src.arg.kind === 'temp') em.free(src.arg.temp);
    return { kind: 'mem', loc: dest };
  },
};

type ReadHelper = 'probe_read' | 'probe_read_user' | 'probe_read_kernel';

/** Where buf() reads from: an address in kernel/user memory, or a value in BPF memory. */
function source(
  em: Emitter,
  e: Expr,
): { read: ReadHelper; arg: { kind: 'temp'; temp: ReturnType<Emitter['scalar']> } | { kind: 'addr'; loc: MemLoc } } {
  const t = em.typeOf(e);
  if (t.kind === 'string') return { read: 'probe_read_kernel', arg: { kind: 'addr', loc: em.mem(e) } };
  if (t.kind === 'array') return { read: 'probe_read_kernel', arg: { kind: 'addr', loc: arrayMem(em, e, sizeOf(t)) } };
  return { read: isUserPointer(em, e) ? 'probe_read_user' : 'probe_read', arg: { kind: 'temp', temp: em.scalar(e) } };
}
