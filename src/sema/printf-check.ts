// Compile-time check of printf-style formats against argument types, in bpftrace 0.26's
// words (the format parser and the rules live with the runtime formatter, so both agree).

import { type ArgClass, checkFormatArgs as check, parseFormat } from '../runtime/printf/format-string.ts';
import { type Type, typeName } from './types.ts';

export interface FormatCheckError {
  message: string;
  /** Argument (after the format) the error is about, or null for the whole call. */
  argIndex: number | null;
}

function argClass(t: Type): ArgClass {
  switch (t.kind) {
    case 'int':
      return 'integer';
    case 'bool':
      return 'boolean';
    case 'pointer':
      return 'pointer';
    case 'buffer':
      return 'buffer';
    case 'void':
      return 'none';
    default:
      return 'other';
  }
}

export function checkFormatArgs(_fn: string, fmt: string, args: Type[]): FormatCheckError | null {
  const r = check(
    parseFormat(fmt),
    args.map((t) => ({ cls: argClass(t), typeName: typeName(t) })),
  );
  return r ? { message: r.error, argIndex: null } : null;
}
