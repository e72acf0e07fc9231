// The types of bpftrace values. Every expression gets one of these from the type checker;
// code generation and the runtime decode values by the same description, so layouts
// (sizes, alignment, padding) are defined here once.

import { structMembers } from './struct-fields.ts';

export type IntSize = 1 | 2 | 4 | 8;

export type Type =
  /**
   * `enumName` (e.g. "enum Foo") makes %s and print() show the enumerator's name. `flexible`:
   * a non-negative literal (or what only such literals made), whose sign follows the other
   * side of an assignment or operation (0.26's sign-flexible integers).
   */
  | { kind: 'int'; size: IntSize; signed: boolean; enumName?: string; flexible?: true }
  | { kind: 'bool' }
  /** NUL-terminated text in a fixed-capacity buffer (capacity includes the NUL). */
  /**
   * `truncatable`: a str() result, read one byte past its size below 1024 bytes; a value that
   * fills the buffer was cut and prints with str_trunc_trailer (0.26). Char arrays never do.
   */
  | { kind: 'string'; size: number; truncatable?: true }
  /** buf(): bytes after their u32 length (0.26's AsyncEvent::Buf header). */
  | { kind: 'buffer'; size: number }
  | { kind: 'tuple'; elems: Type[] }
  | { kind: 'record'; fields: { name: string; type: Type }[] }
  /** Pointer into kernel or user memory; `to` is what it points to (void when unknown). */
  | { kind: 'pointer'; to: Type; user: boolean }
  /** C struct/union; `origin` says where its members are described. */
  | { kind: 'struct'; name: string; size: number; origin: StructOrigin; union: boolean }
  | { kind: 'array'; elem: Type; len: number }
  | { kind: 'void' }
  /**
   * A floating-point struct member (`float`, `double`, `long double` in a script's definition
   * or a binary's DWARF): bpftrace has no such values ("none"), so it only takes its room in
   * the struct and prints as `null`; reading it is an error.
   */
  | { kind: 'float'; size: number; name: string }
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
/** build_id: ustack only, each frame as (object build id, file offset), unsymbolized. */
export type StackMode = 'bpftrace' | 'perf' | 'raw' | 'build_id';

/** A buf() value's length header: a u32, as 0.26's AsyncEvent::Buf. */
export const BUF_HEADER = 4;

export const INT64: Type = { kind: 'int', size: 8, signed: true };
export const UINT64: Type = { kind: 'int', size: 8, signed: false };
export const UINT32: Type = { kind: 'int', size: 4, signed: false };
export const INT32: Type = { kind: 'int', size: 4, signed: true };
export const UINT8: Type = { kind: 'int', size: 1, signed: false };
export const BOOL: Type = { kind: 'bool' };
export const VOID: Type = { kind: 'void' };

export type IntType = Extract<Type, { kind: 'int' }>;

export function intType(size: IntSize, signed: boolean): IntType {
  return { kind: 'int', size, signed };
}

export function isInteger(t: Type): t is Extract<Type, { kind: 'int' }> {
  return t.kind === 'int';
}

/** Types whose values live in a register (integers, bools, pointers, ids) rather than in memory. */
export function isScalarType(t: Type): boolean {
  // inet and mac addresses and cgroup paths are symbolic but live in memory (24, 6 and 16 bytes).
  if (t.kind === 'symbolic') return t.what !== 'inet' && t.what !== 'mac' && t.what !== 'cgroup_path';
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
      return t.size + BUF_HEADER;
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
    case 'float':
      return t.size;
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
      // the cgroup id + the index of the call's hierarchy filter
      return 16;
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
      // Starts with its u32 length, which the stack only accepts 4-aligned.
      return 4;
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
    case 'float':
      // x86-64: float 4, double 8, long double 16 (its 10 bytes padded).
      return t.size;
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

/**
 * A value's alignment inside a tuple or record, as bpftrace 0.26 lays them out
 * (SizedType::GetInTupleAlignment): its byte arrays align to 1 (text, buffers, usym, inet,
 * cgroup_path, mac addresses; see isByteArray), an integer to its size up to 2 bytes, else 4 up
 * to 4 bytes and 8 above; arrays as their element, structs as C does.
 */
export function inTupleAlign(t: Type): number {
  if (isByteArray(t)) return 1;
  switch (t.kind) {
    case 'tuple':
      return Math.max(1, ...t.elems.map(inTupleAlign));
    case 'record':
      return Math.max(1, ...t.fields.map((f) => inTupleAlign(f.type)));
    case 'struct':
      return structAlign(t);
    case 'int':
    case 'bool':
    case 'array': {
      const size = sizeOf(t);
      if (size <= 2) return Math.max(1, size);
      if (t.kind === 'array') return inTupleAlign(t.elem);
      return size <= 4 ? 4 : 8;
    }
    default:
      return alignOf(t);
  }
}

/**
 * The values 0.26 counts as byte arrays (IsByteArray), which sit at any offset in a tuple:
 * writers into a tuple store them in units of their offset's alignment, or build them aligned
 * and copy them in (emitStoreInto). Its timestamp (16 bytes there) is not one here: ours is an
 * 8-byte register value, stored whole.
 */
export function isByteArray(t: Type): boolean {
  if (t.kind === 'string' || t.kind === 'buffer') return true;
  return t.kind === 'symbolic' && (t.what === 'usym' || t.what === 'inet' || t.what === 'cgroup_path' || t.what === 'mac');
}

/** A C struct's alignment: its widest member's (struct values are copied, not stored by word). */
function structAlign(t: Extract<Type, { kind: 'struct' }>): number {
  const cAlign = (m: Type): number =>
    m.kind === 'struct' ? structAlign(m) : m.kind === 'array' ? cAlign(m.elem) : m.kind === 'string' ? 1 : alignOf(m);
  const members = structMembers(t);
  return members.length === 0 ? 8 : Math.min(8, Math.max(1, ...members.map((m) => cAlign(m.type))));
}

/** C-like layout of consecutive fields (tuples, records): each aligned, total padded. */
export function tupleLayout(types: readonly Type[]): Layout {
  return layoutBy(types, inTupleAlign);
}

function layoutBy(types: readonly Type[], align: (t: Type) => number): Layout {
  let off = 0;
  let maxAlign = 1;
  const offsets: number[] = [];
  for (const t of types) {
    const a = align(t);
    maxAlign = Math.max(maxAlign, a);
    off = alignUp(off, a);
    offsets.push(off);
    off += sizeOf(t);
  }
  return { offsets, size: alignUp(off, maxAlign) };
}

/**
 * Layout of an event record's arguments (printf and friends): internal to bpftrace-ts, so text
 * stays on the 8-byte grid where it is written and copied a word at a time.
 */
export function eventLayout(types: readonly Type[]): Layout {
  return layoutBy(types, alignOf);
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
      return `record { ${t.fields.map((f) => `.${f.name} = ${typeName(f.type)}`).join(', ')} }`;
    case 'pointer':
      return `${typeName(t.to)} *`;
    case 'struct':
      return t.name;
    case 'array':
      return `${typeName(t.elem)}[${t.len}]`;
    case 'void':
      return 'void';
    case 'float':
      return t.name;
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
    case 'float':
      return 'floating-point';
    case 'symbolic':
      return t.what;
    case 'stack':
      return t.user ? 'ustack' : 'kstack';
    case 'strftime':
      return 'timestamp';
  }
}

/**
 * C's integer spellings (`unsigned long long int`, `signed char`...), as sized on x86-64. `char`
 * is signed there, and bpftrace 0.17 types a tracepoint's `char` fields as clang does, signed,
 * even where the kernel is built with -funsigned-char and its format file says `signed:0`.
 */
const C_INT_TYPES: ReadonlyMap<string, { size: IntSize; signed: boolean }> = new Map(
  (
    [
      [1, true, ['char', 'signed char']],
      [1, false, ['unsigned char']],
      [2, true, ['short', 'short int', 'signed short', 'signed short int']],
      [2, false, ['unsigned short', 'unsigned short int']],
      [4, true, ['int', 'signed', 'signed int']],
      [4, false, ['unsigned', 'unsigned int']],
      [
        8,
        true,
        ['long', 'long int', 'signed long', 'signed long int', 'long long', 'long long int', 'signed long long', 'signed long long int'],
      ],
      [8, false, ['unsigned long', 'unsigned long int', 'unsigned long long', 'unsigned long long int', 'size_t']],
    ] as const
  ).flatMap(([size, signed, names]) => names.map((n) => [n, { size, signed }] as const)),
);

/** bpftrace's fixed-width names: `int8`..`uint64` and `s8`..`u64`. */
function fixedWidthInt(name: string): { size: IntSize; signed: boolean } | null {
  const m = /^(u?)int(8|16|32|64)$/.exec(name) ?? /^([us])(8|16|32|64)$/.exec(name);
  return m ? { size: (Number(m[2]) / 8) as IntSize, signed: m[1] === '' || m[1] === 's' } : null;
}

/**
 * Size and signedness of an integer type as C code names it: C's spellings, and the kernel's
 * and libc's fixed-width typedefs (`u32`, `__s64`, `uint8_t`); null for anything else.
 */
export function cIntType(name: string): { size: IntSize; signed: boolean } | null {
  return C_INT_TYPES.get(name) ?? fixedWidthInt(name.replace(/^__/, '').replace(/_t$/, ''));
}

/** Parses the integer type names bpftrace accepts in casts and declarations. */
export function parseIntTypeName(name: string): Type | null {
  if (name === 'bool') return BOOL;
  const c = C_INT_TYPES.get(name) ?? fixedWidthInt(name);
  return c ? intType(c.size, c.signed) : null;
}
