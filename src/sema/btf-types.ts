// Kernel types (BTF) as bpftrace-ts Types. Structs stay opaque handles (name, size, BTF id):
// their members are looked up only when a script touches them.

import { type Btf, loadKernelBtf, loadModuleBtf } from '../btf/btf.ts';
import type { BitfieldAccess } from '../btf/types.ts';
import { type IntSize, intType, type StructOrigin, type Type, UINT64 } from './types.ts';

let kernel: Btf | null | undefined;

/** The kernel's BTF, or null when this kernel has none (scripts without types still run). */
export function kernelBtf(): Btf | null {
  if (kernel === undefined) {
    try {
      kernel = loadKernelBtf();
    } catch {
      kernel = null;
    }
  }
  return kernel;
}

export function btfToType(btf: Btf, id: number): Type {
  const t = btf.get(btf.resolve(id));
  switch (t.kind) {
    case 'int': {
      if (t.bool) return { kind: 'bool' };
      const size = (t.size === 1 || t.size === 2 || t.size === 4 || t.size === 8 ? t.size : 8) as IntSize;
      return intType(size, t.signed || t.char);
    }
    case 'enum':
    case 'enum64': {
      const it = intType((t.size === 1 || t.size === 2 || t.size === 4 ? t.size : 8) as IntSize, t.signed);
      return t.name && it.kind === 'int' ? { ...it, enumName: `enum ${t.name}` } : it;
    }
    case 'ptr': {
      const to = btf.get(btf.resolve(t.type));
      if (to.kind === 'void' || to.kind === 'func_proto') return { kind: 'pointer', to: { kind: 'void' }, user: false };
      return { kind: 'pointer', to: btfToType(btf, t.type), user: false };
    }
    case 'array': {
      const elem = btf.get(btf.resolve(t.type));
      if (elem.kind === 'int' && elem.size === 1) return { kind: 'string', size: t.nelems };
      return { kind: 'array', elem: btfToType(btf, t.type), len: t.nelems };
    }
    case 'struct':
    case 'union':
      return { kind: 'struct', name: `${t.kind} ${t.name}`, size: t.size, origin: btfOrigin(btf, t.id), union: t.kind === 'union' };
    case 'fwd':
      return { kind: 'struct', name: `struct ${t.name}`, size: 0, origin: btfOrigin(btf, t.id), union: false };
    case 'void':
      return { kind: 'void' };
    default:
      return UINT64;
  }
}

/** `struct task_struct` / `union x` / a typedef name → its Type, or null when BTF lacks it. */
export function btfTypeByName(name: string): Type | null {
  const btf = kernelBtf();
  if (!btf) return null;
  const m = /^(struct|union|enum) (.+)$/.exec(name);
  const id = m ? btf.findId(m[2] as string, m[1] as 'struct' | 'union' | 'enum') : btf.findId(name, 'typedef');
  if (id === null) return null;
  return btfToType(btf, id);
}

/** A kernel struct/union by tag (`struct qstr`) with its alignment, for a script's own definitions to embed. */
export function btfStructByTag(tag: string): { type: Type; align: number } | null {
  const btf = kernelBtf();
  const m = /^(struct|union) (.+)$/.exec(tag);
  if (!btf || !m) return null;
  const id = btf.findId(m[2] as string, m[1] as 'struct' | 'union');
  if (id === null) return null;
  return { type: btfToType(btf, id), align: btf.alignof(id) };
}

export interface FieldInfo {
  offset: number;
  bitfield: BitfieldAccess | null;
  type: Type;
}

/** Where a BTF struct is described: module types live in that module's split BTF. */
function btfOrigin(btf: Btf, id: number): StructOrigin {
  return btf.name === 'vmlinux' ? { kind: 'btf', id } : { kind: 'btf', id, module: btf.name };
}

/** The BTF a struct Type's id refers to. */
export function originBtf(origin: StructOrigin): Btf | null {
  if (origin.kind !== 'btf') return null;
  if (!origin.module) return kernelBtf();
  try {
    return loadModuleBtf(origin.module);
  } catch {
    return null;
  }
}

/** A member of a BTF struct (anonymous members searched as C does). */
export function btfField(structType: Extract<Type, { kind: 'struct' }>, field: string): FieldInfo | null {
  const btf = originBtf(structType.origin);
  if (!btf || structType.origin.kind !== 'btf') return null;
  let id = structType.origin.id;
  // A forward declaration: find the full definition by name.
  if (btf.kindOf(id) === 'fwd') {
    const m = /^(struct|union) (.+)$/.exec(structType.name);
    const full = m ? btf.findId(m[2] as string, m[1] as 'struct' | 'union') : null;
    if (full === null) return null;
    id = full;
  }
  const loc = btf.memberPath(id, [field]);
  if (!loc) return null;
  return { offset: loc.offset, bitfield: loc.bitfield, type: btfToType(btf, loc.type) };
}

let enumConstants: Map<string, { value: bigint; enumName: string }> | null = null;

/** A kernel enum constant by name (e.g. TASK_RUNNING... from BTF enums), indexed on first use. */
export function btfEnumConstant(name: string): { value: bigint; enumName: string } | undefined {
  if (!enumConstants) {
    enumConstants = new Map();
    const btf = kernelBtf();
    if (btf) {
      for (const kind of ['enum', 'enum64'] as const) {
        for (const id of btf.ids(kind)) {
          const t = btf.get(id);
          if (t.kind !== 'enum' && t.kind !== 'enum64') continue;
          const enumName = t.name ? `enum ${t.name}` : '';
          for (const v of t.values) if (!enumConstants.has(v.name)) enumConstants.set(v.name, { value: BigInt(v.value), enumName });
        }
      }
    }
  }
  return enumConstants.get(name);
}
