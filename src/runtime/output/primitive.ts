// The text form of one Value, as bpftrace 0.26's TextEmitter<Primitive> writes it: this is what
// print($x), map keys and values, and printf's %s show.
//
// All text in the runtime output layer is a byte string: one char per byte (code units 0..255),
// written out as latin1 (see runtime/sink.ts). Widths, padding and sorting count bytes that way.

import type { Value } from '../value.ts';

/**
 * bpftrace's hex_format_buffer: printable ASCII kept as is (if keepAscii), other bytes as `\xNN`
 * (escapeHex) or as bare `NN` separated by spaces (%rh).
 */
export function hexFormatBuffer(bytes: Uint8Array, keepAscii = true, escapeHex = true): string {
  let out = '';
  const last = bytes.length - 1;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i] as number;
    if (keepAscii && b >= 32 && b <= 126) out += String.fromCharCode(b);
    else if (escapeHex) out += `\\x${hex2(b)}`;
    else out += i === last ? hex2(b) : `${hex2(b)} `;
  }
  return out;
}

function hex2(b: number): string {
  return b < 16 ? `0${b.toString(16)}` : b.toString(16);
}

/** The number an int Value stands for, as bpftrace holds it (int64 if signed, else uint64). */
export function intValue(v: { value: bigint; signed: boolean; size: number }): bigint {
  if (v.signed || v.value >= 0n) return v.value;
  return BigInt.asUintN(v.size * 8, v.value);
}

export function stackText(frames: readonly string[], indent: string): string {
  let out = '\n';
  for (const f of frames) out += `${indent}${f}\n`;
  return out;
}

/**
 * The text of `v`. `showPos` is the stream's showpos flag, which printf's `+` leaves set for the
 * whole of a `%s` argument, so it reaches every signed integer inside a tuple too.
 */
export function valueText(v: Value, showPos = false): string {
  switch (v.kind) {
    case 'int': {
      const n = intValue(v);
      return showPos && v.signed && n >= 0n ? `+${n}` : `${n}`;
    }
    case 'bool':
      return v.value ? 'true' : 'false';
    case 'str':
    case 'text':
      return v.value;
    case 'sym':
      return v.text;
    case 'buf':
      return hexFormatBuffer(v.bytes);
    case 'tuple':
      return `(${v.elems.map((e) => valueText(e, showPos)).join(', ')})`;
    case 'array':
      return `[${v.elems.map((e) => valueText(e, showPos)).join(',')}]`;
    case 'record':
      if (v.fields.length === 0) return '{}';
      return `{ ${v.fields.map((f) => `.${f.name} = ${valueText(f.value, showPos)}`).join(', ')} }`;
    case 'stack':
      return stackText(v.frames, v.indent);
    case 'none':
      return 'null';
  }
}

/**
 * How many leading characters of valueText(v) bpftrace writes in its first stream operation.
 * A field width (printf `%10s`) pads only that first piece: the `(` of a tuple, the `[` of an
 * array, the `{ ` of a record, or the whole text of anything else.
 */
export function firstPieceLength(v: Value, text: string): number {
  switch (v.kind) {
    case 'tuple':
    case 'array':
      return 1;
    case 'record':
      return 2;
    case 'int':
    case 'bool':
    case 'str':
    case 'text':
    case 'sym':
    case 'buf':
    case 'stack':
    case 'none':
      return text.length;
  }
}
