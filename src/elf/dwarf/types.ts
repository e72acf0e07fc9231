// DWARF types as bpftrace sees them: the C spelling -lv prints (bpftrace's, including its
// "<unknown type>" for qualifiers other than const), and the bpftrace-ts Type of a value
// (typedefs and qualifiers peeled; pointers are user-space pointers).

import type { IntSize, Type } from '../../sema/types.ts';
import {
  DW_ATE_boolean,
  DW_ATE_complex_float,
  DW_ATE_float,
  DW_ATE_signed,
  DW_ATE_signed_char,
  DW_ATE_UTF,
  DW_ATE_unsigned,
  DW_ATE_unsigned_char,
  DW_TAG_array_type,
  DW_TAG_atomic_type,
  DW_TAG_base_type,
  DW_TAG_class_type,
  DW_TAG_compile_unit,
  DW_TAG_const_type,
  DW_TAG_enumeration_type,
  DW_TAG_immutable_type,
  DW_TAG_packed_type,
  DW_TAG_partial_unit,
  DW_TAG_pointer_type,
  DW_TAG_reference_type,
  DW_TAG_restrict_type,
  DW_TAG_rvalue_reference_type,
  DW_TAG_shared_type,
  DW_TAG_structure_type,
  DW_TAG_subrange_type,
  DW_TAG_type_unit,
  DW_TAG_typedef,
  DW_TAG_union_type,
  DW_TAG_volatile_type,
} from './constants.ts';
import type { Die, DieRef, DwarfFile } from './info.ts';
import { dwarfFileId } from './registry.ts';

/** Typedef and qualifier chains longer than this are taken as cycles in malformed DWARF. */
const MAX_CHAIN = 32;

export function deref(r: DieRef | undefined): Die | null {
  return r ? r.file.die(r.off) : null;
}

/** The type `d` refers to (DW_AT_type), or null for void. */
function typeOf(d: Die): Die | null {
  return deref(d.attrs.type);
}

function tagPrefix(tag: number): string {
  return tag === DW_TAG_structure_type ? 'struct ' : tag === DW_TAG_union_type ? 'union ' : 'enum ';
}

/**
 * A parameter's type as bpftrace -lv spells it: `const char*`, `struct point*`, `int**`. Like
 * bpftrace, declarations completed by a type unit are not followed (`struct <anonymous>*`).
 */
export function typeSpelling(t: Die | null, depth = 0): string {
  if (!t || depth > MAX_CHAIN) return '<unknown type>';
  switch (t.tag) {
    case DW_TAG_base_type:
    case DW_TAG_typedef:
      return t.attrs.name ?? '';
    case DW_TAG_pointer_type:
      return t.attrs.type ? `${typeSpelling(typeOf(t), depth + 1)}*` : 'void*';
    case DW_TAG_structure_type:
    case DW_TAG_union_type:
    case DW_TAG_enumeration_type:
      return tagPrefix(t.tag) + (t.attrs.name ?? '<anonymous>');
    case DW_TAG_const_type: {
      const inner = typeOf(t);
      if (inner?.tag === DW_TAG_pointer_type) return `${typeSpelling(inner, depth + 1)} const`;
      return `const ${typeSpelling(inner, depth + 1)}`;
    }
    default:
      return '<unknown type>';
  }
}

const QUALIFIERS = new Set([
  DW_TAG_typedef,
  DW_TAG_const_type,
  DW_TAG_volatile_type,
  DW_TAG_restrict_type,
  DW_TAG_atomic_type,
  DW_TAG_immutable_type,
  DW_TAG_packed_type,
  DW_TAG_shared_type,
]);

/** The type under typedefs and qualifiers (null: void, or a broken chain). */
export function peel(t: Die | null): Die | null {
  for (let i = 0; t && QUALIFIERS.has(t.tag); i++) {
    if (i > MAX_CHAIN) return null;
    t = typeOf(t);
  }
  return t;
}

/** A peeled type reduced to what matters for values and for the calling convention. */
export type CType =
  | { kind: 'int'; size: number; signed: boolean }
  | { kind: 'float'; size: number; complex: boolean }
  | { kind: 'pointer'; to: Die | null }
  | { kind: 'struct'; die: Die; name: string; size: number; union: boolean }
  | { kind: 'array'; elem: Die | null; len: number }
  | { kind: 'void' }
  /** Function types, unspecified types (nullptr_t), and what this reader does not know. */
  | { kind: 'other'; size: number };

/**
 * The full definition of a type declared here but defined in a type unit (GCC's
 * -fdebug-types-section leaves `struct x` in the unit as a stub with only DW_AT_signature).
 */
export function complete(t: Die | null): Die | null {
  if (t?.attrs.signature) return deref(t.attrs.signature) ?? t;
  if (t?.attrs.declaration && t.attrs.name && AGGREGATE_TAGS.has(t.tag)) return definitionOf(t) ?? t;
  return t;
}

const AGGREGATE_TAGS: ReadonlySet<number> = new Set([DW_TAG_structure_type, DW_TAG_class_type, DW_TAG_union_type]);
const TOP_LEVEL: ReadonlySet<number> = new Set([DW_TAG_compile_unit, DW_TAG_partial_unit, DW_TAG_type_unit]);
/** Per file: tag and name → the first definition (null: none), found by one walk per name. */
const definitions = new WeakMap<DwarfFile, Map<string, Die | null>>();

/**
 * The definition of a struct only declared here (`struct s;` in a unit that uses `struct s *`
 * only): the first unit-level definition of the same tag and name in the file, as C's one
 * definition rule lets a debugger take it.
 */
function definitionOf(decl: Die): Die | null {
  return decl.attrs.name ? namedType(decl.unit.file, decl.tag, decl.attrs.name) : null;
}

/** The first unit-level definition tagged `tag` and named `name` in `file` (one walk per name). */
export function namedType(file: DwarfFile, tag: number, name: string): Die | null {
  let byName = definitions.get(file);
  if (!byName) {
    byName = new Map();
    definitions.set(file, byName);
  }
  const key = `${tag}:${name}`;
  const hit = byName.get(key);
  if (hit !== undefined) return hit;
  let found: Die | null = null;
  file.walk(new Set([tag]), TOP_LEVEL, (d) => {
    if (!found && d.attrs.name === name && !d.attrs.declaration) found = d;
    return false;
  });
  byName.set(key, found);
  return found;
}

export function ctype(t: Die | null): CType {
  const p = complete(peel(t));
  if (!p) return { kind: 'void' };
  const size = p.attrs.byteSize ?? (p.attrs.bitSize !== undefined ? Math.ceil(p.attrs.bitSize / 8) : 0);
  switch (p.tag) {
    case DW_TAG_base_type:
      switch (p.attrs.encoding) {
        case DW_ATE_signed:
        case DW_ATE_signed_char:
          return { kind: 'int', size, signed: true };
        case DW_ATE_unsigned:
        case DW_ATE_unsigned_char:
        case DW_ATE_boolean:
        case DW_ATE_UTF:
          return { kind: 'int', size, signed: false };
        case DW_ATE_float:
          return { kind: 'float', size, complex: false };
        case DW_ATE_complex_float:
          return { kind: 'float', size, complex: true };
        default:
          return { kind: 'other', size };
      }
    case DW_TAG_enumeration_type:
      // As bpftrace: an enum is an unsigned integer of its size.
      return { kind: 'int', size: size || 4, signed: false };
    case DW_TAG_pointer_type:
    case DW_TAG_reference_type:
    case DW_TAG_rvalue_reference_type:
      return { kind: 'pointer', to: typeOf(p) };
    case DW_TAG_structure_type:
    case DW_TAG_class_type:
    case DW_TAG_union_type:
      return {
        kind: 'struct',
        die: p,
        name: `${p.tag === DW_TAG_union_type ? 'union' : 'struct'} ${p.attrs.name ?? '<anonymous>'}`,
        size,
        union: p.tag === DW_TAG_union_type,
      };
    case DW_TAG_array_type:
      return arrayType(p);
    default:
      return { kind: 'other', size };
  }
}

/** An array as nested arrays, outermost dimension first (`int a[2][3]`: 2 of 3 of int). */
function arrayType(a: Die): CType {
  const dims: number[] = [];
  for (const s of a.unit.file.children(a)) {
    if (s.tag !== DW_TAG_subrange_type) continue;
    const n = s.attrs.count ?? (s.attrs.upperBound !== undefined ? s.attrs.upperBound + 1 : 0);
    dims.push(n);
  }
  if (!dims.length) dims.push(0);
  const elem = typeOf(a);
  // Inner dimensions are not separate DIEs: describe them by length around the element.
  return { kind: 'array', elem, len: dims.reduce((x, y) => x * y, 1) };
}

function isIntSize(n: number): n is IntSize {
  return n === 1 || n === 2 || n === 4 || n === 8;
}

/**
 * The bpftrace-ts Type of a value of DWARF type `t`, or null when bpftrace-ts has no such
 * value (128-bit integers, functions). Floats are bpftrace's "none": room in a struct that
 * prints as null, never read. Pointers point into user memory.
 */
export function valueType(t: Die | null, depth = 0): Type | null {
  const c = ctype(t);
  switch (c.kind) {
    case 'int':
      return isIntSize(c.size) ? { kind: 'int', size: c.size, signed: c.signed } : null;
    case 'pointer': {
      // What a pointer points to: void when bpftrace-ts cannot describe it.
      const to = depth > MAX_CHAIN ? null : valueType(c.to, depth + 1);
      return { kind: 'pointer', to: to ?? { kind: 'void' }, user: true };
    }
    case 'struct':
      return {
        kind: 'struct',
        name: c.name,
        size: c.size,
        origin: { kind: 'dwarf', file: dwarfFileId(c.die.unit.file), off: c.die.off },
        union: c.union,
      };
    case 'array': {
      const e = ctype(c.elem);
      // char arrays are strings, as for BTF types.
      if (e.kind === 'int' && e.size === 1) return { kind: 'string', size: c.len };
      const elem = depth > MAX_CHAIN ? null : valueType(c.elem, depth + 1);
      return elem ? { kind: 'array', elem, len: c.len } : null;
    }
    case 'void':
      return { kind: 'void' };
    case 'float': {
      const name = peel(t)?.attrs.name;
      return { kind: 'float', size: c.size, name: typeof name === 'string' ? name : 'float' };
    }
    case 'other':
      return null;
  }
}

/** Size in bytes of a CType's value. */
export function ctypeSize(c: CType): number {
  switch (c.kind) {
    case 'int':
    case 'float':
    case 'struct':
    case 'other':
      return c.size;
    case 'pointer':
      return 8;
    case 'array':
      return c.len * ctypeSize(ctype(c.elem));
    case 'void':
      return 0;
  }
}
