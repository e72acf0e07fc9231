// C precedence of the binary operators (higher binds tighter), shared by the parser and the
// printer so that what one reads the other writes back with the same parentheses.

import type { BinaryOp } from './ast.ts';

export const BINARY_PREC: Readonly<Record<BinaryOp, number>> = {
  '||': 1,
  '&&': 2,
  '|': 3,
  '^': 4,
  '&': 5,
  '==': 6,
  '!=': 6,
  '<': 7,
  '>': 7,
  '<=': 7,
  '>=': 7,
  '<<': 8,
  '>>': 8,
  '+': 9,
  '-': 9,
  '*': 10,
  '/': 10,
  '%': 10,
};

/** Precedence of a token or operator spelling, or undefined when it is not a binary operator. */
export function binaryPrecedence(op: string): number | undefined {
  return (BINARY_PREC as Readonly<Record<string, number>>)[op];
}
