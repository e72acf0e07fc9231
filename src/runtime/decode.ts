// Bytes from the kernel (event records, map keys and values) → Values, by the same type
// layouts the code generator used to write them.

import { formatInet, formatMac } from '../builtins/net-format.ts';
import { enumeratorName } from '../sema/enum-names.ts';
import { structMembers } from '../sema/struct-fields.ts';
import { sizeOf, type Type, tupleLayout } from '../sema/types.ts';
import { stackValue } from './stacks.ts';
import { strftimeValue, symbolicValue } from './symbolic.ts';
import type { Value } from './value.ts';

function bytesAt(view: DataView, off: number, n: number): Uint8Array {
  return new Uint8Array(view.buffer, view.byteOffset + off, n);
}

export function readInt(view: DataView, off: number, size: number, signed: boolean): bigint {
  switch (size) {
    case 1:
      return BigInt(signed ? view.getInt8(off) : view.getUint8(off));
    case 2:
      return BigInt(signed ? view.getInt16(off, true) : view.getUint16(off, true));
    case 4:
      return BigInt(signed ? view.getInt32(off, true) : view.getUint32(off, true));
    default:
      return signed ? view.getBigInt64(off, true) : view.getBigUint64(off, true);
  }
}

/** NUL-terminated text as a byte string (code units 0..255), which is how output is written. */
export function readCString(view: DataView, off: number, max: number): string {
  const end = Math.min(off + max, view.byteLength);
  let s = '';
  for (let i = off; i < end; i++) {
    const c = view.getUint8(i);
    if (c === 0) break;
    s += String.fromCharCode(c);
  }
  return s;
}

export function decodeValue(view: DataView, off: number, t: Type): Value {
  switch (t.kind) {
    case 'int': {
      const value = readInt(view, off, t.size, t.signed);
      if (t.enumName) {
        // %s and print() show the enumerator's name; %d the number (or the number when unnamed).
        return { kind: 'sym', text: enumeratorName(t.enumName, value) ?? String(value), value };
      }
      return { kind: 'int', value, signed: t.signed, size: t.size };
    }
    case 'bool':
      return { kind: 'bool', value: view.getUint8(off) !== 0 };
    case 'string':
      return { kind: 'str', value: readCString(view, off, t.size) };
    case 'buffer': {
      const len = Math.min(Number(view.getBigUint64(off, true)), t.size);
      return { kind: 'buf', bytes: new Uint8Array(view.buffer, view.byteOffset + off + 8, len).slice() };
    }
    case 'tuple': {
      const lay = tupleLayout(t.elems);
      return { kind: 'tuple', elems: t.elems.map((e, i) => decodeValue(view, off + (lay.offsets[i] ?? 0), e)) };
    }
    case 'record': {
      const lay = tupleLayout(t.fields.map((f) => f.type));
      return {
        kind: 'record',
        fields: t.fields.map((f, i) => ({ name: f.name, value: decodeValue(view, off + (lay.offsets[i] ?? 0), f.type) })),
      };
    }
    case 'pointer': {
      // Printed as an address (0x...), still a number for %d/%x.
      const value = view.getBigUint64(off, true);
      return { kind: 'sym', text: `0x${value.toString(16)}`, value };
    }
    case 'void':
      return { kind: 'none' };
    case 'array': {
      const es = sizeOf(t.elem);
      const elems: Value[] = [];
      for (let i = 0; i < t.len; i++) elems.push(decodeValue(view, off + i * es, t.elem));
      // Printed `[1,2,3]` as bpftrace prints arrays (pton() results, int arrays).
      return { kind: 'array', elems };
    }
    case 'symbolic':
      // inet (u64 family + 16 address bytes) and mac (6 bytes) are not u64s: decoded here.
      if (t.what === 'inet') return { kind: 'text', value: formatInet(Number(view.getBigUint64(off, true)), bytesAt(view, off + 8, 16)) };
      if (t.what === 'mac') return { kind: 'text', value: formatMac(bytesAt(view, off, 6)) };
      return symbolicValue(t.what, view, off) ?? { kind: 'int', value: view.getBigUint64(off, true), signed: false, size: 8 };
    case 'strftime':
      return strftimeValue(t.format, view, off);
    case 'stack':
      return stackValue(view.getBigUint64(off, true), t.user, t.mode, t.limit);
    case 'struct':
      return structValue(view, off, t);
  }
}

/**
 * A C struct read from memory, printed as bpftrace prints one: `{ .x = 1, .in = { .a = 2 } }`,
 * members from the struct's BTF, DWARF or script definition.
 */
function structValue(view: DataView, off: number, t: Extract<Type, { kind: 'struct' }>): Value {
  const fields: { name: string; value: Value }[] = [];
  for (const m of structMembers(t)) {
    const at = off + m.offset;
    if (at + (m.bitfield ? m.bitfield.readSize : sizeOf(m.type)) > view.byteLength) continue;
    if (!m.bitfield) {
      fields.push({ name: m.name, value: decodeValue(view, at, m.type) });
      continue;
    }
    const { bits, shift, readSize } = m.bitfield;
    let v = (readInt(view, at, readSize, false) >> BigInt(shift)) & ((1n << BigInt(bits)) - 1n);
    const signed = m.type.kind === 'int' && m.type.signed;
    if (signed) v = BigInt.asIntN(bits, v);
    const size = m.type.kind === 'int' ? m.type.size : 8;
    fields.push({ name: m.name, value: { kind: 'int', value: v, signed, size } });
  }
  return { kind: 'record', fields };
}
