// The types of bpftrace values. Every expression gets one of these from the type checker;
// code generation and the runtime decode values by the same description, so layouts
// (sizes, alignment, padding) are defined here once.

export type IntSize = 1 | 2 | 4 | 8;

export type Type =
  /** `enumName` (e.g. "enum Foo") makes %s and print() show the enumerator's name. */
  | { kind: 'int'; size: IntSize; signed: boolean; enumName?: string }
  | { kind: 'bool' }
  /** NUL-terminated text in a fixed-capacity buffer (capacity includes the NUL). */
  | { kind: 'string'; size: number }
  /** buf(): length-prefixed bytes. */
  | { kind: 'buffer'; size: number }
  | { kind: 'tuple'; elems: Type[] }
  | { kind: 'record'; fields: { name: string; type: Type }[] }
  /** Pointer into kernel or user memory; `to` is what it points to (void when unknown). */
  | { kind: 'pointer'; to: Type; user: boolean }
  /** C struct/union; `origin` says where its members are described. */
  | { kind: 'struct'; name: string; size: number; origin: StructOrigin; union: boolean }
  | { kind: 'array'; elem: Type; len: number }
  | { kind: 'void' }
  /** Values that are integers in the kernel and text in user space. */
  | { kind: 'symbolic'; what: SymbolicKind }
  /** A stack id from a stack-trace map. */
  | { kind: 'stack'; user: boolean; mode: StackMode; limit: number }
  /** bpftrace's timestamp/strftime, username, etc. that resolve in user space. */
  | { kind: 'strftime'; format: string };

/**
 * Where a struct's members are described: the kernel's BTF (type id), a script's own
 * `struct` definition (by name), or a user binary's DWARF (the DIE at `off` in the DWARF file
 * registered as `file`, see src/elf/dwarf/registry.ts). Plain data, so types stay comparable
 * and printable.
 */
/** `module`: the kernel module whose split BTF holds the type (absent: vmlinux). */
export type StructOrigin = { kind: 'btf'; id: number; module?: string } | { kind: 'script' } | { kind: 'dwarf'; file: number; off: number };

export type SymbolicKind = 'ksym' | 'usym' | 'kaddr' | 'username' | 'cgroup_path' | 'inet' | 'mac' | 'probe' | 'strerror' | 'errno';
export type StackMode = 'bpftrace' | 'perf' | 'raw';

export const INT64: Type = { kind: 'int', size: 8, signed: true };
export const UINT64: Type = { kind: 'int', size: 8, signed: false };
export const UINT32: Type = { kind: 'int', size: 4, signed: false };
export const INT32: Type = { kind: 'int', size: 4, signed: true };
export const UINT8: Type = { kind: 'int', size: 1, signed: false };
export const BOOL: Type = { kind: 'bool' };
export const VOID: Type = { kind: 'void' };

export function intType(size: IntSize, signed: boolean): Type {
  return { kind: 'int', size, signed };
}

export function isInteger(t: Type): t is Extract<Type, { kind: 'int' }> {
  return t.kind === 'int';
}

/** Types whose values live in a register (integers, bools, pointers, ids) rather than in memory. */
export function isScalarType(t: Type): boolean {
  // inet and mac addresses are symbolic but live in memory (24 and 6 bytes).
  if (t.kind === 'symbolic') return t.what !== 'inet' && t.what !== 'mac';
  return t.kind === 'int' || t.kind === 'bool' || t.kind === 'pointer' || t.kind === 'stack' || t.kind === 'void' || t.kind === 'strftime';
}

/** Size in bytes of a value of this type when stored (map key/value, event record). */
export function sizeOf(t: Type): number {
  switch (t.kind) {
    case 'int':
      return t.size;
    case 'bool':
      return 1;
    case 'string':
      return t.size;
    case 'buffer':
      return t.size + 8;
    case 'tuple':
      return tupleLayout(t.elems).size;
    case 'record':
      return tupleLayout(t.fields.map((f) => f.type)).size;
    case 'pointer':
      return 8;
    case 'struct':
      return t.size;
    case 'array':
      return sizeOf(t.elem) * t.len;
    case 'void':
      return 0;
    case 'symbolic':
      return symbolicSize(t.what);
    case 'stack':
      return 8;
    case 'strftime':
      return 8;
  }
}

function symbolicSize(what: SymbolicKind): number {
  switch (what) {
    case 'inet':
      // family (8) + 16 address bytes
      return 24;
    case 'mac':
      return 6;
    case 'usym':
      // address + pid, so the runtime can resolve in the right process
      return 16;
    case 'cgroup_path':
      return 8;
    default:
      return 8;
  }
}

export function alignOf(t: Type): number {
  switch (t.kind) {
    case 'int':
      return t.size;
    case 'bool':
      return 1;
    case 'string':
      // Strings are written and copied 4 or 8 bytes at a time, which the BPF stack only
      // accepts at aligned offsets.
      return 8;
    case 'buffer':
      // Starts with its u64 length, which the stack only accepts 8-aligned.
      return 8;
    case 'tuple':
      return Math.max(1, ...t.elems.map(alignOf));
    case 'record':
      return Math.max(1, ...t.fields.map((f) => alignOf(f.type)));
    case 'array':
      return alignOf(t.elem);
    case 'struct':
      return 8;
    case 'void':
      return 1;
    case 'symbolic':
      return t.what === 'mac' ? 1 : 8;
    case 'pointer':
    case 'stack':
    case 'strftime':
      return 8;
  }
}

export interface Layout {
  offsets: number[];
  size: number;
}

/** C-like layout of consecutive fields (tuples, records): each aligned, total padded. */
export function tupleLayout(types: readonly Type[]): Layout {
  let off = 0;
  let maxAlign = 1;
  const offsets: number[] = [];
  for (const t of types) {
    const a = alignOf(t);
    maxAlign = Math.max(maxAlign, a);
    off = alignUp(off, a);
    offsets.push(off);
    off += sizeOf(t);
  }
  return { offsets, size: alignUp(off, maxAlign) };
}

export function alignUp(n: number, a: number): number {
  return Math.ceil(n / a) * a;
}

export function typeEquals(a: Type, b: Type): boolean {
  return typeName(a) === typeName(b);
}

/** bpftrace-style type names, used in diagnostics and typeof. */
export function typeName(t: Type): string {
  switch (t.kind) {
    case 'int':
      return `${t.signed ? 'int' : 'uint'}${t.size * 8}`;
    case 'bool':
      return 'bool';
    case 'string':
      return `string[${t.size}]`;
    case 'buffer':
      return `buffer[${t.size}]`;
    case 'tuple':
      return `(${t.elems.map(typeName).join(',')})`;
    case 'record':
      return `(${t.fields.map((f) => `${f.name}=${typeName(f.type)}`).join(',')})`;
    case 'pointer':
      return `${typeName(t.to)} *`;
    case 'struct':
      return t.name;
    case 'array':
      return `${typeName(t.elem)}[${t.len}]`;
    case 'void':
      return 'void';
    case 'symbolic':
      return t.what;
    case 'stack':
      return t.user ? 'ustack' : 'kstack';
    case 'strftime':
      return 'timestamp';
  }
}

/** The kind of value a user would name in an error ("integer", "string"...). */
export function typeKindWord(t: Type): string {
  switch (t.kind) {
    case 'int':
      return 'integer';
    case 'bool':
      return 'bool';
    case 'string':
      return 'string';
    case 'buffer':
      return 'buffer';
    case 'tuple':
      return 'tuple';
    case 'record':
      return 'record';
    case 'pointer':
      return 'pointer';
    case 'struct':
      return 'struct';
    case 'array':
      return 'array';
    case 'void':
      return 'none';
    case 'symbolic':
      return t.what;
    case 'stack':
      return t.user ? 'ustack' : 'kstack';
    case 'strftime':
      return 'timestamp';
  }
}

/** Parses the integer type names bpftrace accepts in casts and declarations. */
export function parseIntTypeName(name: string): Type | null {
  const m = /^(u?)int(8|16|32|64)$/.exec(name) ?? /^([us])(8|16|32|64)$/.exec(name);
  if (m) {
    const signed = m[1] === '' || m[1] === 's';
    return intType((Number(m[2]) / 8) as IntSize, signed);
  }
  switch (name) {
    case 'bool':
      return BOOL;
    case 'char':
    case 'signed char':
      return intType(1, true);
    case 'unsigned char':
      return intType(1, false);
    case 'short':
    case 'signed short':
    case 'short int':
      return intType(2, true);
    case 'unsigned short':
    case 'unsigned short int':
      return intType(2, false);
    case 'int':
    case 'signed':
    case 'signed int':
      return intType(4, true);
    case 'unsigned':
    case 'unsigned int':
      return intType(4, false);
    case 'long':
    case 'long int':
    case 'long long':
    case 'signed long':
    case 'long long int':
      return intType(8, true);
    case 'unsigned long':
    case 'unsigned long int':
    case 'unsigned long long':
    case 'unsigned long long int':
    case 'size_t':
      return intType(8, false);
    default:
      return null;
  }
}
