// Stack places of arguments under the x86-64 System V convention (src/elf/dwarf/abi.ts): the
// 7th and later integers, arguments that do not fit in the registers left, and 16-aligned
// types, whose slots are aligned in the caller's frame (the return address is at sp+0).

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { assignArgs } from '../../src/elf/dwarf/abi.ts';
import type { CType } from '../../src/elf/dwarf/types.ts';

const LONG: CType = { kind: 'int', size: 8, signed: true };
const CHAR: CType = { kind: 'int', size: 1, signed: true };
const INT128: CType = { kind: 'int', size: 16, signed: true };
const DOUBLE: CType = { kind: 'float', size: 8, complex: false };
const LDOUBLE: CType = { kind: 'float', size: 16, complex: false };
const VOID: CType = { kind: 'void' };

function places(params: CType[]): string[] {
  return assignArgs(VOID, params).map((p) => (p.kind === 'intreg' ? `r${p.index}` : p.kind === 'stack' ? `sp+${p.offset}` : p.why));
}

describe('stack-passed arguments', () => {
  test('integers past the sixth take eightbyte slots above the return address', () => {
    assert.deepEqual(places([LONG, LONG, LONG, LONG, LONG, LONG, CHAR, LONG]), ['r0', 'r1', 'r2', 'r3', 'r4', 'r5', 'sp+8', 'sp+16']);
  });

  test('a long double is 16-aligned in the caller frame: sp+24 after two slots', () => {
    const six = [LONG, LONG, LONG, LONG, LONG, LONG];
    assert.deepEqual(places([...six, LONG, LONG, LDOUBLE, LONG]).slice(6), ['sp+8', 'sp+16', 'sp+24', 'sp+40']);
    assert.deepEqual(places([...six, LONG, LDOUBLE, LONG]).slice(6), ['sp+8', 'sp+24', 'sp+40']);
  });

  test('a two-register integer that does not fit goes on the stack whole; later integers still take registers', () => {
    assert.deepEqual(places([LONG, LONG, LONG, LONG, LONG, INT128, LONG]), ['r0', 'r1', 'r2', 'r3', 'r4', 'sp+8', 'r5']);
  });

  test('floating-point arguments past the eighth SSE register go on the stack too', () => {
    const p = places([DOUBLE, DOUBLE, DOUBLE, DOUBLE, DOUBLE, DOUBLE, DOUBLE, DOUBLE, DOUBLE, LONG]);
    assert.equal(p[7], 'it is passed in an SSE register');
    assert.deepEqual(p.slice(8), ['sp+8', 'r0']);
  });
});
