// percpu_kaddr(name[, cpu]): the address of a per-CPU kernel variable, as bpftrace 0.26 has it.
// The variable is named to the verifier by its BTF id (ld_imm64 with BPF_PSEUDO_BTF_ID, a
// "ksym"), and bpf_this_cpu_ptr / bpf_per_cpu_ptr turn it into this or that CPU's copy. The
// result is a `uint64 *` (cast it to the variable's real type to read members); with a CPU
// argument it is 0 for a CPU that does not exist.

import { Helper } from '../bpf/helpers.ts';
import { call as callInsn, DW, IMM, LD, movReg, Reg } from '../bpf/insn.ts';
import type { Emitter, Operand } from '../codegen/emitter.ts';
import type { Expr } from '../lang/ast.ts';
import { kaddr as lookupKaddr } from '../runtime/ksyms.ts';
import { kernelBtf } from '../sema/btf-types.ts';
import { isInteger, type Type, typeKindWord, UINT64 } from '../sema/types.ts';
import type { Builtin, CheckCx } from './types.ts';

/** ld_imm64 src value naming a kernel variable by BTF id (imm = id, next imm = BTF fd, 0 = vmlinux). */
export const PSEUDO_BTF_ID = 3;

/** The data section of per-CPU variables: only its variables have per-CPU copies. */
const PERCPU_SECTION = '.data..percpu';

let percpuVarIds: Set<number> | null = null;

/** BTF ids of the kernel's per-CPU variables (computed once). */
function percpuVars(): Set<number> {
  if (percpuVarIds) return percpuVarIds;
  percpuVarIds = new Set();
  const btf = kernelBtf();
  const sec = btf?.findByName(PERCPU_SECTION, 'datasec');
  for (const v of sec?.vars ?? []) percpuVarIds.add(v.type);
  return percpuVarIds;
}

const RESULT: Type = { kind: 'pointer', to: UINT64, user: false };

function check(call: Parameters<Builtin['check']>[0], cx: CheckCx): Type {
  const [nameE, cpuE] = call.args as [Expr, Expr | undefined];
  // A positional parameter counts as a literal, as for kaddr() (emit reads the resolved id).
  const name = cx.literalString(nameE);
  if (cpuE) {
    const t = cx.check(cpuE);
    if (!isInteger(t)) cx.diags.error(cpuE.span, `percpu_kaddr() expects an integer CPU number (${typeKindWord(t)} provided)`);
  }
  if (name === null) {
    cx.diags.error(nameE.span, 'percpu_kaddr() expects a string literal as its first argument');
    return RESULT;
  }
  const btf = kernelBtf();
  const id = btf?.findId(name, 'var') ?? null;
  if (id === null) {
    const hint = btf
      ? 'per-CPU variables are listed in the .data..percpu section of /sys/kernel/btf/vmlinux'
      : 'this kernel has no BTF (/sys/kernel/btf/vmlinux)';
    cx.diags.error(call.span, `Could not resolve variable "${name}" from BTF`, hint);
    return RESULT;
  }
  if (!percpuVars().has(id)) {
    cx.diags.error(call.span, `"${name}" is not a per-CPU variable`, 'percpu_kaddr() takes variables declared with DEFINE_PER_CPU');
    return RESULT;
  }
  // The verifier finds the variable's address with kallsyms_lookup_name(): without
  // CONFIG_KALLSYMS_ALL data symbols are not there, and loading would fail with ENOENT.
  if (lookupKaddr(name) === null) {
    cx.diags.error(
      call.span,
      `The kernel cannot resolve the address of per-CPU variable "${name}": it is not in /proc/kallsyms`,
      'programs that use kernel variables need a kernel built with CONFIG_KALLSYMS_ALL',
    );
    return RESULT;
  }
  cx.callConstants.set(call.id, BigInt(id));
  return RESULT;
}

function emit(call: Parameters<Builtin['emit']>[0], em: Emitter): Operand {
  const id = em.sema.callConstants.get(call.id);
  if (typeof id !== 'bigint') throw new Error('internal: percpu_kaddr without a resolved BTF id');
  const cpuE = call.args[1];
  const cpu = cpuE ? em.scalar(cpuE) : null;
  if (cpu) {
    const src = em.reg(cpu, Reg.R2);
    if (src !== Reg.R2) em.emit(movReg(Reg.R2, src));
  }
  em.emit(
    { op: LD | DW | IMM, dst: Reg.R1, src: PSEUDO_BTF_ID, off: 0, imm: Number(id), imm64: id, comment: 'ksym' },
    callInsn(cpu ? Helper.per_cpu_ptr : Helper.this_cpu_ptr),
  );
  if (cpu) em.free(cpu);
  return { kind: 'temp', temp: em.tempFromReg(Reg.R0) };
}

export const percpuKaddr: Builtin = {
  name: 'percpu_kaddr',
  ident: false,
  func: true,
  minArgs: 1,
  maxArgs: 2,
  check,
  emit,
};
