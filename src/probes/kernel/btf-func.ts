// Kernel functions as BTF describes them, turned into what fentry/fexit programs see: a context
// that is an array of u64 slots, one per argument (two for a struct passed by value larger than
// eight bytes), followed in fexit by the return value.

import type { Btf } from '../../btf/btf.ts';
import { btfToType } from '../../sema/btf-types.ts';
import type { Type } from '../../sema/types.ts';
import type { ArgField } from '../provider.ts';

/** Most arguments x86-64 trampolines pass (and bpftrace allows). */
export const MAX_TRAMPOLINE_ARGS = 6;

export interface KernelFuncSignature {
  /** BTF id of the FUNC record: the attach_btf_id of programs on this function. */
  btfId: number;
  /** Typed when first read: only scripts that use `args` need the types. */
  readonly args: ArgField[];
  /** u64 slots the arguments take; fexit's return value is in the next one. */
  slots: number;
  /** null for void functions. */
  returnType: Type | null;
  variadic: boolean;
  /** Why the kernel will not build a trampoline for it, or null when it will. */
  unsupported: string | null;
}

/**
 * What BPF trampolines pass (the kernel's btf_distill_func_proto, Linux 6.1): integers, enums
 * and pointers, structs of up to 16 bytes as arguments; the return value must be void, an
 * integer, an enum or a pointer.
 */
function trampolineProblem(btf: Btf, params: readonly { name: string; type: number }[], returnType: number): string | null {
  const kindOf = (id: number): string => btf.get(btf.resolve(id)).kind;
  const ret = kindOf(returnType);
  if (!['void', 'int', 'enum', 'enum64', 'ptr'].includes(ret)) return `its return type ${btf.typeToString(returnType)} is not supported`;
  for (const [i, p] of params.entries()) {
    const k = kindOf(p.type);
    if (['int', 'enum', 'enum64', 'ptr'].includes(k)) continue;
    if ((k === 'struct' || k === 'union') && btf.sizeof(p.type) <= 16) continue;
    return `its argument ${p.name || i} of type ${btf.typeToString(p.type)} is not supported`;
  }
  if (params.length > MAX_TRAMPOLINE_ARGS) return `it has more than ${MAX_TRAMPOLINE_ARGS} arguments`;
  return null;
}

/** A function's signature from BTF, or null when BTF has no such function. */
export function kernelFuncSignature(btf: Btf, name: string): KernelFuncSignature | null {
  const sig = btf.funcProto(name);
  if (!sig) return null;
  const offsets: number[] = [];
  let slot = 0;
  for (const p of sig.params) {
    offsets.push(slot * 8);
    slot += Math.max(1, Math.ceil(btf.sizeof(p.type) / 8));
  }
  const ret = btf.get(btf.resolve(sig.returnType));
  // Typing every parameter of every function a wildcard names is most of the work here, and
  // most scripts never read `args`.
  let args: ArgField[] | undefined;
  return {
    btfId: sig.funcId,
    get args(): ArgField[] {
      args ??= sig.params.map((p, i) => ({
        name: p.name || `arg${i}`,
        type: btfToType(btf, p.type),
        offset: offsets[i] ?? 0,
        dataLoc: false,
      }));
      return args;
    },
    slots: slot,
    returnType: ret.kind === 'void' ? null : btfToType(btf, sig.returnType),
    variadic: sig.variadic,
    unsupported: sig.variadic ? 'it takes variable arguments' : trampolineProblem(btf, sig.params, sig.returnType),
  };
}

/** The context struct an iterator program gets (`struct bpf_iter__task`), as a pointer Type. */
export function iterContextType(btf: Btf, iter: string): Type | null {
  const id = btf.findId(`bpf_iter__${iter}`, 'struct');
  if (id === null) return null;
  return { kind: 'pointer', to: btfToType(btf, id), user: false };
}
