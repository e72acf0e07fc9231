// path(struct path *p [, size]): the full path of a file, by the kernel's d_path through the
// bpf_d_path helper. Only tracing programs have the helper (fentry/fexit on the functions of the
// kernel's btf_allowlist_d_path, and iterators), and the verifier wants a pointer it knows to be
// a `struct path` (PTR_TO_BTF_ID): so the argument is addressed with direct loads from the
// context and BTF-typed pointers (`args.path`, `&args.file->f_path`, `ctx->file->f_path`),
// never copied through bpf_probe_read, which would leave a plain number.

import { AluOp, alu64Imm, JmpOp, jmpImm, load, Reg } from '../bpf/insn.ts';
import type { Emitter } from '../codegen/emitter.ts';
import type { Temp } from '../codegen/frame.ts';
import type { Expr } from '../lang/ast.ts';
import { UserError } from '../lang/diagnostics.ts';
import { fentryFunction } from '../probes/fentry.ts';
import { requireHelper, requireHelperAllowedAt } from '../probes/kernel/availability.ts';
import { type Type, typeKindWord, typeName } from '../sema/types.ts';
import { literalInt } from './gen-util.ts';
import type { Builtin } from './types.ts';

const PROVIDERS: readonly string[] = ['fentry', 'fexit', 'iter'];

/** The struct a path() argument designates: the pointee of a pointer, or the struct itself. */
function pathStruct(t: Type): Extract<Type, { kind: 'struct' }> | null {
  if (t.kind === 'struct') return t;
  if (t.kind === 'pointer' && t.to.kind === 'struct') return t.to;
  return null;
}

export const path: Builtin = {
  name: 'path',
  ident: false,
  func: true,
  minArgs: 1,
  maxArgs: 2,
  check(call, cx) {
    const [p, n] = call.args as [Expr, Expr | undefined];
    const t = cx.check(p);
    let size = cx.config.maxStrlen;
    if (n) {
      cx.check(n);
      const lit = n.kind === 'IntegerLit' || n.kind === 'PositionalParam' ? cx.literalInt(n) : null;
      if (lit === null || lit < 0n) cx.diags.error(call.span, 'path: invalid size value, need non-negative literal');
      // bpf_d_path gets at most max_strlen bytes, as bpftrace passes it.
      else size = Math.max(1, Math.min(size, Number(lit)));
    }
    if (!PROVIDERS.includes(cx.probe.providerName)) {
      cx.diags.error(call.span, "The path function can only be used with 'fentry', 'fexit', 'iter' probes");
    } else {
      try {
        requireHelper('d_path');
        for (const target of cx.probe.targets) {
          const f = fentryFunction(target);
          // Module functions are left to the verifier (their BTF ids are the module's).
          if (f && f.module === 'vmlinux') requireHelperAllowedAt('d_path', f.func, f.btfId);
        }
      } catch (e) {
        if (!(e instanceof UserError)) throw e;
        cx.diags.error(call.span, e.message, ...e.hints);
      }
    }
    if (t.kind !== 'pointer' && t.kind !== 'struct') {
      cx.diags.error(call.span, `path() only supports pointer or C type argument (${typeKindWord(t)} provided)`);
    } else {
      // bpftrace leaves this to the verifier, whose message names no script location.
      const st = pathStruct(t);
      if (st && st.name !== 'struct path')
        cx.diags.error(p.span, `path() needs a struct path or a pointer to one (${typeName(t)} provided)`, 'e.g. path(args.file->f_path)');
    }
    return { kind: 'string', size };
  },
  emit(call, em) {
    const [p, n] = call.args as [Expr, Expr | undefined];
    const t = em.typeOf(call);
    const size = t.kind === 'string' ? t.size : em.config.maxStrlen;
    const sz = n ? Math.min(size, Number(literalInt(em, n) ?? BigInt(size))) : size;
    const loc = em.memDest ?? em.allocMem(size);
    // bpf_d_path leaves the buffer as it was on most failures: an empty string then.
    em.zero(loc, size);
    const skip = em.label();
    const ptr = em.typeOf(p).kind === 'pointer' ? btfPointer(em, p, skip) : btfAddress(em, p, skip);
    em.callHelper(
      'd_path',
      [
        { kind: 'temp', temp: ptr },
        { kind: 'addr', loc },
        { kind: 'imm', value: BigInt(sz) },
      ],
      true,
      call.span,
    );
    em.free(ptr);
    em.place(skip);
    return { kind: 'mem', loc };
  },
};

/**
 * The value of a pointer-typed expression, as a pointer the verifier has typed: a struct member
 * reached through BTF pointers is loaded directly (the verifier turns such loads into safe
 * reads and types the result), and checked for NULL (jumping to `none`), which the verifier
 * requires before it lets a maybe-NULL pointer be used. Anything else (`args.x`, `ctx`,
 * variables) is evaluated as usual: loads from the context are typed by the verifier too.
 */
function btfPointer(em: Emitter, e: Expr, none: string): Temp {
  const kf = e.kind === 'FieldAccess' ? em.sema.fields.get(e.id) : undefined;
  if (e.kind !== 'FieldAccess' || !kf || kf.bitfield) return em.scalar(e);
  const base = em.typeOf(e.base).kind === 'pointer' ? btfPointer(em, e.base, none) : btfAddress(em, e.base, none);
  const r = em.reg(base, Reg.R0);
  em.emit(load(8, r, r, kf.offset), jmpImm(JmpOp.JEQ, r, 0, none));
  em.setTemp(base, r);
  return base;
}

/** The kernel address of a struct-typed expression (`args.file->f_path`, `*p`), from BTF pointers. */
function btfAddress(em: Emitter, e: Expr, none: string): Temp {
  if (e.kind === 'Unary' && e.op === '*') return btfPointer(em, e.operand, none);
  const kf = e.kind === 'FieldAccess' ? em.sema.fields.get(e.id) : undefined;
  if (e.kind !== 'FieldAccess' || !kf) {
    throw new UserError("path() needs a struct path in kernel memory, reached from the probe's arguments (e.g. args.file->f_path)", [
      'a struct copied into a variable or map has no kernel address',
    ]);
  }
  const base = em.typeOf(e.base).kind === 'pointer' ? btfPointer(em, e.base, none) : btfAddress(em, e.base, none);
  if (kf.offset !== 0) {
    const r = em.reg(base, Reg.R0);
    em.emit(alu64Imm(AluOp.ADD, r, kf.offset));
    em.setTemp(base, r);
  }
  return base;
}
