// Bytes from the kernel (event records, map keys and values) → Values, by the same type
// layouts the code generator used to write them.

import { formatInet, formatMac } from '../builtins/net-format.ts';
import { enumeratorName } from '../sema/enum-names.ts';
import { structMembers } from '../sema/struct-fields.ts';
import { BUF_HEADER, sizeOf, type Type, tupleLayout } from '../sema/types.ts';
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

let truncationTrailer = '..';

/** The run's `str_trunc_trailer` config (what a string that filled its buffer ends with). */
export function setTruncationTrailer(trailer: string): void {
  truncationTrailer = trailer;
}

/**
 * A string value as bpftrace 0.26 formats it: one that fills its whole buffer, with no NUL,
 * was cut short (str() reads one byte more than its type keeps to tell), and gets the trailer.
 */
function readTruncatable(view: DataView, off: number, size: number): string {
  const s = readCString(view, off, size);
  return s.length === size ? s + truncationTrailer : s;
}

/** Reads one value of a given type at `off`; built once per Type (see decoderFor). */
export type Decoder = (view: DataView, off: number) => Value;

// Types are shared objects (a format argument's or a map's key/value type is the same object
// for every event and entry), so layouts are worked out once per Type rather than per read.
const decoders = new WeakMap<Type, Decoder>();

export function decoderFor(t: Type): Decoder {
  let d = decoders.get(t);
  if (!d) {
    d = buildDecoder(t);
    decoders.set(t, d);
  }
  return d;
}

/** Decoders of values laid out one after another as a tuple (tuples and records). */
function tupleDecoders(types: readonly Type[]): { offset: number; decode: Decoder }[] {
  const lay = tupleLayout(types);
  return types.map((e, i) => ({ offset: lay.offsets[i] ?? 0, decode: decoderFor(e) }));
}

function buildDecoder(t: Type): Decoder {
  switch (t.kind) {
    case 'int': {
      const { size, signed, enumName } = t;
      if (enumName) {
        // %s and print() show the enumerator's name; %d the number (or the number when unnamed).
        return (view, off) => {
          const value = readInt(view, off, size, signed);
          return { kind: 'sym', text: enumeratorName(enumName, value) ?? String(value), value };
        };
      }
      return (view, off) => ({ kind: 'int', value: readInt(view, off, size, signed), signed, size });
    }
    case 'bool':
      return (view, off) => ({ kind: 'bool', value: view.getUint8(off) !== 0 });
    case 'string': {
      const size = t.size;
      if (t.truncatable) return (view, off) => ({ kind: 'str', value: readTruncatable(view, off, size) });
      return (view, off) => ({ kind: 'str', value: readCString(view, off, size) });
    }
    case 'buffer': {
      const size = t.size;
      return (view, off) => {
        const len = Math.min(view.getUint32(off, true), size);
        return { kind: 'buf', bytes: new Uint8Array(view.buffer, view.byteOffset + off + BUF_HEADER, len).slice() };
      };
    }
    case 'tuple': {
      const elems = tupleDecoders(t.elems);
      return (view, off) => ({ kind: 'tuple', elems: elems.map((e) => e.decode(view, off + e.offset)) });
    }
    case 'record': {
      const names = t.fields.map((f) => f.name);
      const fields = tupleDecoders(t.fields.map((f) => f.type));
      return (view, off) => ({
        kind: 'record',
        fields: fields.map((f, i) => ({ name: names[i] ?? '', value: f.decode(view, off + f.offset) })),
      });
    }
    case 'pointer':
      // Printed as an address (0x...), still a number for %d/%x.
      return (view, off) => {
        const value = view.getBigUint64(off, true);
        return { kind: 'sym', text: `0x${value.toString(16)}`, value };
      };
    case 'void':
    case 'float':
      // bpftrace prints what it has no value for (a float member) as null.
      return () => ({ kind: 'none' });
    case 'array': {
      const es = sizeOf(t.elem);
      const elem = decoderFor(t.elem);
      const len = t.len;
      // Printed `[1,2,3]` as bpftrace prints arrays (pton() results, int arrays).
      return (view, off) => {
        const elems: Value[] = [];
        for (let i = 0; i < len; i++) elems.push(elem(view, off + i * es));
        return { kind: 'array', elems };
      };
    }
    case 'symbolic': {
      // inet (u64 family + 16 address bytes) and mac (6 bytes) are not u64s: decoded here.
      const what = t.what;
      if (what === 'inet')
        return (view, off) => ({ kind: 'text', value: formatInet(Number(view.getBigUint64(off, true)), bytesAt(view, off + 8, 16)) });
      if (what === 'mac') return (view, off) => ({ kind: 'text', value: formatMac(bytesAt(view, off, 6)) });
      return (view, off) => symbolicValue(what, view, off) ?? { kind: 'int', value: view.getBigUint64(off, true), signed: false, size: 8 };
    }
    case 'strftime': {
      const format = t.format;
      return (view, off) => strftimeValue(format, view, off);
    }
    case 'stack': {
      const { user, mode, limit } = t;
      return (view, off) => stackValue(view.getBigUint64(off, true), user, mode, limit);
    }
    case 'struct':
      return structDecoder(t);
  }
}

/**
 * A C struct read from memory, printed as bpftrace prints one: `{ .x = 1, .in = { .a = 2 } }`,
 * members from the struct's BTF, DWARF or script definition (looked up on first use, once).
 */
function structDecoder(t: Extract<Type, { kind: 'struct' }>): Decoder {
  type Member = { name: string; offset: number; end: number; read: Decoder };
  let members: Member[] | null = null;
  const layout = (): Member[] =>
    structMembers(t).map((m): Member => {
      if (!m.bitfield) return { name: m.name, offset: m.offset, end: m.offset + sizeOf(m.type), read: decoderFor(m.type) };
      const { bits, shift, readSize } = m.bitfield;
      const signed = m.type.kind === 'int' && m.type.signed;
      const size = m.type.kind === 'int' ? m.type.size : 8;
      const read: Decoder = (view, at) => {
        let v = (readInt(view, at, readSize, false) >> BigInt(shift)) & ((1n << BigInt(bits)) - 1n);
        if (signed) v = BigInt.asIntN(bits, v);
        return { kind: 'int', value: v, signed, size };
      };
      return { name: m.name, offset: m.offset, end: m.offset + readSize, read };
    });
  return (view, off) => {
    members ??= layout();
    const fields: { name: string; value: Value }[] = [];
    for (const m of members) {
      if (off + m.end > view.byteLength) continue;
      fields.push({ name: m.name, value: m.read(view, off + m.offset) });
    }
    return { kind: 'record', fields };
  };
}
