// Members of DWARF structs and unions, for `args.p->x` and for printing a struct read from a
// traced process. A struct Type names its DWARF definition by (file number, DIE offset), see
// registry.ts.

import { bitfieldAccess } from '../../btf/btf.ts';
import type { BitfieldAccess } from '../../btf/types.ts';
import type { Type } from '../../sema/types.ts';
import { DW_TAG_class_type, DW_TAG_member, DW_TAG_structure_type, DW_TAG_union_type } from './constants.ts';
import type { Die } from './info.ts';
import { dwarfFileById } from './registry.ts';
import { complete, deref, peel, valueType } from './types.ts';

export interface DwarfMember {
  name: string;
  /** Byte offset from the start of the outermost struct. */
  offset: number;
  bitfield: BitfieldAccess | null;
  type: Type;
}

const AGGREGATES = new Set([DW_TAG_structure_type, DW_TAG_class_type, DW_TAG_union_type]);
/** Anonymous members nest; deeper than this is taken as a cycle in malformed DWARF. */
const MAX_NESTING = 16;

function structDie(file: number, off: number): Die | null {
  return dwarfFileById(file)?.die(off) ?? null;
}

/**
 * The members of the struct at `off` in DWARF file `file`, in declaration order, with those of
 * anonymous struct/union members flattened in (C lets `s.x` name them). Floating-point members
 * are there (bpftrace prints them as null); others bpftrace-ts has no value for (128-bit
 * integers) are left out.
 */
export function dwarfMembers(file: number, off: number): DwarfMember[] {
  const d = structDie(file, off);
  return d ? members(d, 0, 0) : [];
}

/** One member of the struct at `off` in `file` by name (anonymous members searched as C does). */
export function dwarfMember(file: number, off: number, name: string): DwarfMember | null {
  return dwarfMembers(file, off).find((m) => m.name === name) ?? null;
}

function members(s: Die, base: number, depth: number): DwarfMember[] {
  if (depth > MAX_NESTING) return [];
  const out: DwarfMember[] = [];
  for (const m of s.unit.file.children(s)) {
    if (m.tag !== DW_TAG_member || m.attrs.declaration) continue;
    const mt = deref(m.attrs.type);
    const bitOff = m.attrs.dataBitOffset;
    const byteOff = base + (m.attrs.memberOffset ?? (bitOff !== undefined ? Math.floor(bitOff / 8) : 0));
    if (!m.attrs.name) {
      const inner = complete(peel(mt));
      if (inner && AGGREGATES.has(inner.tag)) out.push(...members(inner, byteOff, depth + 1));
      continue;
    }
    const type = valueType(mt);
    if (!type) continue;
    const bits = m.attrs.bitSize;
    if (bits !== undefined) {
      // Bitfields: DW_AT_data_bit_offset counts bits from the struct's start (little-endian);
      // the older DW_AT_bit_offset counts from the top bit of a storage unit at the member offset.
      let abs: number | null = null;
      if (bitOff !== undefined) abs = base * 8 + bitOff;
      else if (m.attrs.bitOffset !== undefined) {
        const unit = m.attrs.byteSize ?? (type.kind === 'int' ? type.size : 0);
        abs = byteOff * 8 + unit * 8 - m.attrs.bitOffset - bits;
      }
      if (abs !== null && abs >= 0) {
        out.push({ name: m.attrs.name, offset: Math.floor(abs / 8), bitfield: bitfieldAccess(abs % 8, bits), type });
        continue;
      }
    }
    out.push({ name: m.attrs.name, offset: byteOff, bitfield: null, type });
  }
  return out;
}
