// write_user(dst, src, len): bpf_probe_write_user, copying `len` bytes of a value the program
// holds (a string, array, record or integer) to a user-space address of the current task.
// Unsafe (it changes the traced process), so only with --unsafe; true when the write succeeded.

import { JmpOp, ja, jmpImm, movImm, Reg } from '../bpf/insn.ts';
import type { Emitter } from '../codegen/emitter.ts';
import type { MemLoc } from '../codegen/frame.ts';
import type { Expr } from '../lang/ast.ts';
import { storageType } from '../sema/promotion.ts';
import { BOOL, isScalarType, sizeOf, type Type, typeKindWord, typeName } from '../sema/types.ts';
import { literalInt } from './gen-util.ts';
import type { Builtin } from './types.ts';

/** Whether the source is a value held in BPF memory or a register (not an address to read). */
function copyable(t: Type): boolean {
  return t.kind === 'int' || t.kind === 'bool' || (!isScalarType(t) && t.kind !== 'void');
}

export const writeUser: Builtin = {
  name: 'write_user',
  ident: false,
  func: true,
  minArgs: 3,
  maxArgs: 3,
  check(call, cx) {
    const [dst, src, len] = call.args as [Expr, Expr, Expr];
    if (!cx.unsafe) {
      // As 0.26's macro: the only complaint in safe mode; the arguments are not validated further.
      cx.diags.error(call.span, 'write_user() is unsafe. To use you need the --unsafe flag');
      for (const a of call.args) cx.check(a);
      return BOOL;
    }
    const dt = cx.check(dst);
    if (dt.kind !== 'int' && dt.kind !== 'pointer')
      cx.diags.error(dst.span, `write_user() expects a user-space address as its destination (${typeKindWord(dt)} provided)`);
    const st = cx.check(src);
    if (!copyable(st)) {
      cx.diags.error(
        src.span,
        `write_user() copies a value the program holds (a string, array, record or integer), not a ${typeName(st)}`,
        'to copy memory a pointer refers to, read it into a variable first (e.g. $v = *$p)',
      );
      return BOOL;
    }
    const n = cx.literalInt(len);
    const size = sizeOf(storageType(st));
    if (n === null) {
      cx.check(len);
      cx.diags.error(
        len.span,
        'write_user() expects the length as an integer literal',
        'the verifier needs to know how many bytes are read',
      );
    } else if (n < 1n || n > BigInt(size)) {
      cx.diags.error(len.span, `write_user() length must be between 1 and the size of the source (${size} bytes), got ${n}`);
    }
    return BOOL;
  },
  emit(call, em) {
    const [dst, src, len] = call.args as [Expr, Expr, Expr];
    const n = literalInt(em, len) ?? 1n;
    const from = sourceMem(em, src);
    const to = em.scalar(dst);
    em.callHelper(
      'probe_write_user',
      [
        { kind: 'temp', temp: to },
        { kind: 'addr', loc: from },
        { kind: 'imm', value: n },
      ],
      true,
    );
    em.free(to);
    const fail = em.label();
    const done = em.label();
    em.emit(jmpImm(JmpOp.JNE, Reg.R0, 0, fail), movImm(Reg.R0, 1), ja(done));
    em.place(fail);
    em.emit(movImm(Reg.R0, 0));
    em.place(done);
    return { kind: 'temp', temp: em.tempFromReg(Reg.R0) };
  },
};

/** The source's bytes in BPF memory: an integer is stored (little-endian) in a slot of its own. */
function sourceMem(em: Emitter, src: Expr): MemLoc {
  const t = storageType(em.typeOf(src));
  if (!isScalarType(t)) return em.mem(src);
  const slot = em.allocMem(8);
  const v = em.scalar(src);
  em.storeReg(8, slot, 0, em.reg(v, Reg.R0), Reg.R2);
  em.free(v);
  return slot;
}
