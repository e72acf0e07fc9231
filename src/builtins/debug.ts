// debugf(): printf into the kernel's trace buffer through bpf_trace_printk, as bpftrace does.
// The kernel formats the text (bpf_bprintf_prepare), so only what it understands is accepted:
// at most three arguments, and bpftrace's subset of conversions (d u x p for integers, s for
// strings). The text shows up in tracefs (`trace`, `trace_pipe`), not in our output.

import { Helper } from '../bpf/helpers.ts';
import { call as callInsn, ldMapValue, loadConst, movReg, Reg } from '../bpf/insn.ts';
import type { Emitter, Operand } from '../codegen/emitter.ts';
import type { Temp } from '../codegen/frame.ts';
import type { Expr } from '../lang/ast.ts';
import { formatOffset, ITER_FMT_MAP } from '../probes/kernel/seq-printf.ts';
import { debugfArgClass, type FormatSpec, parseFormat } from '../runtime/printf/format-string.ts';
import { checkFormatArgs } from '../sema/printf-check.ts';
import { type Type, VOID } from '../sema/types.ts';
import { literalText } from './gen-util.ts';
import type { Builtin, CheckCx } from './types.ts';

/** bpf_trace_printk takes the format, its size and at most three values (bpf-helpers(7)). */
export const TRACE_PRINTK_MAX_ARGS = 3;

/**
 * What bpf_trace_printk itself would refuse at run time (returning -EINVAL and printing
 * nothing) although bpftrace's parser accepts it: a precision, `#`, `*` widths, and length
 * modifiers other than l/ll on integers.
 */
function kernelFormatProblem(spec: FormatSpec): string | null {
  if (spec.alternateForm) return `the '#' flag in ${spec.text}`;
  if (spec.text.includes('.')) return `a precision in ${spec.text}`;
  if (spec.text.includes('*')) return `a '*' width in ${spec.text}`;
  if (spec.length === '') return null;
  const integer = spec.conversion === 'd' || spec.conversion === 'u' || spec.conversion === 'x';
  if (integer && (spec.length === 'l' || spec.length === 'll')) return null;
  return `the '${spec.length}' length in ${spec.text}`;
}

function argFits(cls: 'integer' | 'string', t: Type, conversion: string): boolean {
  if (cls === 'string') return t.kind === 'string';
  // Pointers print with %p and %x as the addresses they are (bpftrace 0.26 wants a cast first).
  if (t.kind === 'pointer') return conversion === 'p' || conversion === 'x';
  return t.kind === 'int';
}

function check(call: Parameters<Builtin['check']>[0], cx: CheckCx): Type {
  const [fmtE, ...rest] = call.args as [Expr, ...Expr[]];
  const types = rest.map((a) => cx.check(a));
  const fmt = cx.literalString(fmtE);
  if (fmt === null) {
    cx.diags.error(fmtE.span, 'debugf() expects a string literal as its first argument');
    return VOID;
  }
  cx.diags.warning(
    call.span,
    'The debugf() builtin is not recommended for production use. For more information see bpf_trace_printk in bpf-helpers(7).',
  );
  if (rest.length > TRACE_PRINTK_MAX_ARGS) {
    cx.diags.error(
      call.span,
      `cannot use more than ${TRACE_PRINTK_MAX_ARGS} conversion specifiers`,
      'bpf_trace_printk takes at most three values; split the message into several debugf() calls',
    );
    return VOID;
  }
  const err = checkFormatArgs('debugf', fmt, types);
  if (err) {
    cx.diags.error(call.span, err.message);
    return VOID;
  }
  parseFormat(fmt).specs.forEach((spec, i) => {
    const cls = debugfArgClass(spec.conversion);
    const arg = rest[i] as Expr;
    if (cls === null) {
      cx.diags.error(
        fmtE.span,
        `Invalid format specifier for \`debugf\`: ${spec.conversion}`,
        'debugf() (bpf_trace_printk) formats %d %u %x %p integers and %s strings',
      );
      return;
    }
    const problem = kernelFormatProblem(spec);
    if (problem) {
      cx.diags.error(fmtE.span, `bpf_trace_printk does not support ${problem}`, 'use flags -+ 0 and a width, and l or ll on %d %u %x');
      return;
    }
    if (!argFits(cls, types[i] as Type, spec.conversion)) {
      cx.diags.error(arg.span, `Type does not match format specifier: ${spec.conversion}`);
    }
  });
  return VOID;
}

/**
 * r1 = the format in the read-only string map, r2 = its size with the NUL, r3-r5 = the values:
 * integers by value, strings by address (the kernel copies them while formatting).
 */
function emit(call: Parameters<Builtin['emit']>[0], em: Emitter): Operand {
  const [fmtE, ...rest] = call.args as [Expr, ...Expr[]];
  const fmt = literalText(em, fmtE) ?? '';
  const values: ({ kind: 'temp'; temp: Temp } | { kind: 'str'; expr: Expr })[] = rest.map((a) =>
    em.typeOf(a).kind === 'string' ? { kind: 'str', expr: a } : { kind: 'temp', temp: em.scalar(a) },
  );
  // Strings are placed after the integers are computed: their memory stays valid until the call.
  const locs = values.map((v) => (v.kind === 'str' ? em.mem(v.expr) : null));
  values.forEach((v, i) => {
    const r = (Reg.R3 + i) as Reg;
    const loc = locs[i];
    if (v.kind === 'str' && loc) em.addr(loc, r);
    else if (v.kind === 'temp') {
      const src = em.reg(v.temp, r);
      if (src !== r) em.emit(movReg(r, src));
    }
  });
  em.emit(
    ldMapValue(Reg.R1, ITER_FMT_MAP, formatOffset(em.resources, fmt)),
    loadConst(Reg.R2, BigInt(Buffer.byteLength(fmt, 'latin1') + 1)),
    callInsn(Helper.trace_printk),
  );
  for (const v of values) if (v.kind === 'temp') em.free(v.temp);
  return { kind: 'imm', value: 0n };
}

export const debugf: Builtin = {
  name: 'debugf',
  ident: false,
  func: true,
  minArgs: 1,
  maxArgs: 128,
  check,
  emit,
};
