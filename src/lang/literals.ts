// Meaning of literal spellings: integer suffixes and duration units, and C string escapes.
// Kept apart from the lexer's scanning loop so both the lexer and the config-block parser use
// exactly the same rules.

export type DurationUnit = 'ns' | 'us' | 'ms' | 's' | 'm' | 'h' | 'd';

const U64_MAX = (1n << 64n) - 1n;
const I64_MAX = (1n << 63n) - 1n;
const U32_MAX = (1n << 32n) - 1n;

const UNIT_NS: Record<DurationUnit, bigint> = {
  ns: 1n,
  us: 1_000n,
  ms: 1_000_000n,
  s: 1_000_000_000n,
  m: 60_000_000_000n,
  h: 3_600_000_000_000n,
  d: 86_400_000_000_000n,
};

export function isDurationUnit(s: string): s is DurationUnit {
  return Object.hasOwn(UNIT_NS, s);
}

/** C integer suffixes bpftrace accepts for compatibility with C headers (case-insensitive). */
const C_SUFFIXES = new Set(['u', 'l', 'ul', 'lu', 'll', 'ull', 'llu']);

export function isIntSuffix(s: string): boolean {
  return C_SUFFIXES.has(s.toLowerCase());
}

export interface IntMeaning {
  value: bigint;
  suffix: string | null;
  unit: DurationUnit | null;
}

/**
 * Applies a suffix (already split from the digits) to a parsed magnitude. Returns an error
 * message when the value does not fit what the suffix promises. `spelling` is the whole literal,
 * used in the message the way bpftrace words it.
 */
export function applyIntSuffix(magnitude: bigint, suffixText: string, spelling: string): IntMeaning | string {
  if (suffixText === '') {
    if (magnitude > U64_MAX) return overflow(U64_MAX, spelling);
    return { value: magnitude, suffix: null, unit: null };
  }
  if (isDurationUnit(suffixText)) {
    const value = magnitude * UNIT_NS[suffixText];
    if (value > U64_MAX) return overflow(U64_MAX, spelling);
    return { value, suffix: null, unit: suffixText };
  }
  const lower = suffixText.toLowerCase();
  // `u` alone means C `unsigned int`; any `l` makes it a 64-bit type, signed unless `u` is present.
  const max = lower === 'u' ? U32_MAX : lower.includes('u') ? U64_MAX : I64_MAX;
  if (magnitude > max) return overflow(max, spelling);
  return { value: magnitude, suffix: suffixText, unit: null };
}

function overflow(max: bigint, spelling: string): string {
  return `overflow error, maximum value is ${max}: ${spelling}`;
}

/** Digits of `text` in `radix`, `_` separators already removed by the caller. */
export function digitsValue(digits: string, radix: 2 | 8 | 10 | 16): bigint {
  // Most literals are small: going through a double is exact below 2^53 and much cheaper than
  // BigInt's string parser.
  if (radix === 10) return digits.length <= 15 ? BigInt(+digits) : BigInt(digits);
  const prefix = radix === 16 ? '0x' : radix === 8 ? '0o' : '0b';
  return BigInt(prefix + digits);
}

export function scientificValue(coefficient: bigint, exponent: bigint): bigint {
  // Capped so a silly exponent cannot build a gigantic bigint; anything past 10^20 overflows u64.
  const e = exponent > 25n ? 25n : exponent;
  return coefficient * 10n ** e;
}

// ------------------------------------------------------------------ string escapes

export interface Escape {
  /** Byte value produced, or -1 if the escape is invalid. */
  byte: number;
  /** Index just after the escape sequence. */
  end: number;
  error: string | null;
}

/**
 * Decodes the escape whose backslash is at `text[at]`. Recognises C's escapes: `\n \t \r \\ \"
 * \' \a \b \f \v \e`, octal `\NNN` (1-3 digits) and hex `\xNN` (1-2 digits).
 */
export function decodeEscape(text: string, at: number): Escape {
  const c = text.charCodeAt(at + 1);
  switch (c) {
    case 110 /* n */:
      return { byte: 10, end: at + 2, error: null };
    case 116 /* t */:
      return { byte: 9, end: at + 2, error: null };
    case 114 /* r */:
      return { byte: 13, end: at + 2, error: null };
    case 92 /* \ */:
      return { byte: 92, end: at + 2, error: null };
    case 34 /* " */:
      return { byte: 34, end: at + 2, error: null };
    case 39 /* ' */:
      return { byte: 39, end: at + 2, error: null };
    case 97 /* a */:
      return { byte: 7, end: at + 2, error: null };
    case 98 /* b */:
      return { byte: 8, end: at + 2, error: null };
    case 102 /* f */:
      return { byte: 12, end: at + 2, error: null };
    case 118 /* v */:
      return { byte: 11, end: at + 2, error: null };
    case 101 /* e */:
      return { byte: 27, end: at + 2, error: null };
    case 120 /* x */:
    case 88 /* X */:
      {
        let i = at + 2;
        let v = 0;
        while (i < at + 4 && i < text.length) {
          const d = hexDigit(text.charCodeAt(i));
          if (d < 0) break;
          v = v * 16 + d;
          i++;
        }
        if (i === at + 2) return { byte: -1, end: i, error: 'invalid hex escape sequence' };
        return { byte: v, end: i, error: null };
      }
    default:
      if (c >= 48 && c <= 55) {
        let i = at + 1;
        let v = 0;
        while (i < at + 4 && i < text.length) {
          const d = text.charCodeAt(i) - 48;
          if (d < 0 || d > 7) break;
          v = v * 8 + d;
          i++;
        }
        if (v > 255) {
          return {
            byte: -1,
            end: i,
            error: `octal escape sequence out of range '${text.slice(at, i)}'`,
          };
        }
        return { byte: v, end: i, error: null };
      }
      return {
        byte: -1,
        end: Number.isNaN(c) ? at + 1 : at + 2,
        error: `invalid escape character '${text.slice(at, at + 2)}'`,
      };
  }
}

export function hexDigit(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  if (c >= 65 && c <= 70) return c - 55;
  return -1;
}

/** Appends the UTF-8 bytes of code point `cp` to `out` as code units 0..255. */
export function pushUtf8(out: string[], cp: number): void {
  if (cp < 0x80) out.push(String.fromCharCode(cp));
  else if (cp < 0x800) out.push(String.fromCharCode(0xc0 | (cp >> 6), 0x80 | (cp & 63)));
  else if (cp < 0x10000) {
    out.push(String.fromCharCode(0xe0 | (cp >> 12), 0x80 | ((cp >> 6) & 63), 0x80 | (cp & 63)));
  } else {
    out.push(String.fromCharCode(0xf0 | (cp >> 18), 0x80 | ((cp >> 12) & 63), 0x80 | ((cp >> 6) & 63), 0x80 | (cp & 63)));
  }
}
