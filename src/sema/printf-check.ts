// Compile-time check of printf-style formats against argument types, with bpftrace's wording.

import { type Type, typeKindWord } from './types.ts';

export interface FormatCheckError {
  message: string;
  /** Argument (after the format) the error is about, or null for the whole call. */
  argIndex: number | null;
}

const CONVERSION = /%(%|[-+ #0]*(\*|\d+)?(\.(\*|\d+))?(hh|h|ll|l|z|j|t)?([a-zA-Z]))/g;

/** Conversions and the kind of value each takes. */
function expects(conv: string): 'integer' | 'string' | 'any' | null {
  switch (conv) {
    case 'd':
    case 'i':
    case 'u':
    case 'x':
    case 'X':
    case 'o':
    case 'c':
    case 'p':
      return 'integer';
    case 's':
      return 'any';
    case 'r':
      return 'any';
    default:
      return null;
  }
}

export function countConversions(fmt: string): string[] {
  const out: string[] = [];
  for (const m of fmt.matchAll(CONVERSION)) {
    if (m[1] === '%') continue;
    out.push(m[6] as string);
  }
  return out;
}

export function checkFormatArgs(fn: string, fmt: string, args: Type[]): FormatCheckError | null {
  const convs = countConversions(fmt);
  if (args.length < convs.length) {
    return { message: `${fn}: Not enough arguments for format string (${args.length} supplied, ${convs.length} expected)`, argIndex: null };
  }
  if (args.length > convs.length) {
    return { message: `${fn}: Too many arguments for format string (${args.length} supplied, ${convs.length} expected)`, argIndex: null };
  }
  for (let i = 0; i < convs.length; i++) {
    const conv = convs[i] as string;
    const want = expects(conv);
    const t = args[i] as Type;
    if (want === null) return { message: `${fn}: Invalid format string conversion: %${conv}`, argIndex: null };
    if (want === 'integer' && t.kind !== 'int' && t.kind !== 'bool' && t.kind !== 'pointer' && t.kind !== 'symbolic') {
      return { message: `${fn}: %${conv} specifier expects a value of type integer (${typeKindWord(t)} supplied)`, argIndex: i };
    }
  }
  return null;
}
