// printf formatting as bpftrace 0.26 does it. It does not call snprintf: each conversion writes
// the argument to a C++ stream configured from the flags, so the rules are iostream's, not C's:
//   - width pads with spaces, or with `0` given the 0 flag, on the left (or, with `-`, on the
//     right: `%-05d` of 7 is `70000`); the padding goes before any sign or 0x (`%05d` of -5 is
//     `000-5`, `%#08x` of 255 is `00000xff`);
//   - precision is ignored (`%.2s` prints the whole string, `%5.2d` is `%5d`);
//   - the space flag is ignored; `+` adds a sign to signed decimals only; `#` adds 0x/0X to
//     non-zero hex and a leading 0 to non-zero octal;
//   - the length modifier picks the C type the value is cast to first: none = int (32 bits),
//     hh = char, h = short, l/ll/j/z/t = 64 bits (signed for d/i, unsigned for o/u/x/X);
//   - %c writes the low byte; %p writes 0x-prefixed hex of all 64 bits, and `0` for 0;
//   - %s writes the value's text (print()'s form); the width pads only the first piece of a
//     tuple/array/record (its opening bracket).
// An argument that cannot be converted (never, after the type checker) is written as
// `!{invalid integer conversion: TEXT}`, as bpftrace does.

import type { FormatResource } from '../../codegen/resources.ts';
import { firstPieceLength, hexFormatBuffer, intValue, valueText } from '../output/primitive.ts';
import type { Value } from '../value.ts';
import { type FormatSpec, type ParsedFormat, parseFormat } from './format-string.ts';
import { formatGfpFlags } from './gfp.ts';

/**
 * Parsed once per format of a compiled script, not per event. Keyed by the resource itself:
 * format ids restart at 0 in every compiled script.
 */
const parsedFormats = new WeakMap<FormatResource, ParsedFormat>();

/** The text of a printf-like record (printf, errorf, warnf, system, cat) with its arguments. */
export function formatRecord(f: FormatResource, args: readonly Value[]): string {
  let p = parsedFormats.get(f);
  if (!p) {
    p = parseFormat(f.format);
    parsedFormats.set(f, p);
  }
  return formatPrintf(p, args);
}

export function formatPrintf(parsed: ParsedFormat, args: readonly Value[]): string {
  const { fragments, specs } = parsed;
  let out = '';
  const n = Math.min(args.length, specs.length);
  for (let i = 0; i < n; i++) {
    out += fragments[i] as string;
    out += applySpec(specs[i] as FormatSpec, args[i] as Value);
  }
  // Like bpftrace, the text after the last conversion used is the final fragment.
  return out + (fragments[fragments.length - 1] as string);
}

/** The number behind an integer-like argument, or null. */
function numberOf(v: Value): bigint | null {
  switch (v.kind) {
    case 'int':
      return intValue(v);
    case 'bool':
      return v.value ? 1n : 0n;
    case 'sym':
      return v.value;
    case 'str':
    case 'text':
    case 'buf':
    case 'tuple':
    case 'array':
    case 'record':
    case 'stack':
    case 'none':
      return null;
  }
}

/** Bits of the C type a length modifier casts to, for d/i (signed) and o/u/x/X (unsigned). */
function castBits(length: string): number {
  switch (length) {
    case 'hh':
      return 8;
    case 'h':
      return 16;
    case 'l':
    case 'll':
    case 'j':
    case 'z':
    case 't':
      return 64;
    default:
      return 32;
  }
}

function applySpec(spec: FormatSpec, arg: Value): string {
  switch (spec.conversion) {
    case 'd':
    case 'i': {
      const n = numberOf(arg);
      if (n === null) return conversionError(arg);
      const v = BigInt.asIntN(castBits(spec.length), n);
      return pad(spec, spec.showSign && v >= 0n ? `+${v}` : `${v}`);
    }
    case 'u':
    case 'o':
    case 'x':
    case 'X': {
      const n = numberOf(arg);
      if (n === null) return conversionError(arg);
      return pad(spec, unsignedText(spec, BigInt.asUintN(castBits(spec.length), n)));
    }
    case 'c': {
      const n = numberOf(arg);
      if (n === null) return conversionError(arg);
      // The low byte, as a byte-string character.
      return pad(spec, String.fromCharCode(Number(BigInt.asUintN(8, n))));
    }
    case 'p': {
      const n = numberOf(arg);
      if (n === null) return conversionError(arg);
      const v = BigInt.asUintN(64, n);
      return pad(spec, v === 0n ? '0' : `0x${v.toString(16)}`);
    }
    case 'gr': {
      if (arg.kind !== 'int' && arg.kind !== 'sym') {
        return `!{invalid GFP flags conversion: ${valueText(arg)}}`;
      }
      return pad(spec, formatGfpFlags(BigInt.asUintN(64, numberOf(arg) ?? 0n)));
    }
    case 'r':
      return arg.kind === 'buf' ? pad(spec, hexFormatBuffer(arg.bytes, true, true)) : asString(spec, arg);
    case 'rx':
      return arg.kind === 'buf' ? pad(spec, hexFormatBuffer(arg.bytes, false, true)) : asString(spec, arg);
    case 'rh':
      return arg.kind === 'buf' ? pad(spec, hexFormatBuffer(arg.bytes, false, false)) : asString(spec, arg);
    case 's':
    // The type checker rejects the rest; bpftrace would print a double for e/f/g/a, and the
    // value's text for n and g.
    case 'e':
    case 'E':
    case 'f':
    case 'F':
    case 'G':
    case 'a':
    case 'A':
    case 'n':
    case 'g':
      return asString(spec, arg);
  }
}

function unsignedText(spec: FormatSpec, v: bigint): string {
  switch (spec.conversion) {
    case 'o':
      return spec.alternateForm && v !== 0n ? `0${v.toString(8)}` : v.toString(8);
    case 'x':
      return spec.alternateForm && v !== 0n ? `0x${v.toString(16)}` : v.toString(16);
    case 'X':
      return spec.alternateForm && v !== 0n ? `0X${v.toString(16).toUpperCase()}` : v.toString(16).toUpperCase();
    default:
      return `${v}`;
  }
}

function asString(spec: FormatSpec, arg: Value): string {
  const text = valueText(arg, spec.showSign);
  if (spec.width === 0) return text;
  const first = firstPieceLength(arg, text);
  if (first === text.length) return pad(spec, text);
  return pad(spec, text.slice(0, first)) + text.slice(first);
}

function conversionError(arg: Value): string {
  return `!{invalid integer conversion: ${valueText(arg)}}`;
}

/** Pads to the field width. Strings are byte strings (one char per byte), so length is bytes. */
function pad(spec: FormatSpec, s: string): string {
  if (spec.width === 0) return s;
  const len = s.length;
  if (len >= spec.width) return s;
  const fill = (spec.leadZeros ? '0' : ' ').repeat(spec.width - len);
  return spec.leftAlign ? s + fill : fill + s;
}
