// What the tests expect of test/progs/dwarfargs.c, shared by the reader and end-to-end tests.

import assert from 'node:assert/strict';
import type { StructOrigin, Type } from '../../src/sema/types.ts';

/** What bpftrace 0.17 (libdw) prints under `-lv uprobe:BIN:FUNC` for each function of dwarfargs.c. */
export const DECLS: Record<string, string[]> = {
  bigval: ['struct big b', 'int after'],
  greet: ['int a', 'const char* s'],
  kinds: ['char c', 'unsigned char uc', 'short int sh', 'short unsigned int us', 'long int l', 'long long unsigned int ull'],
  main: ['int argc', 'char** argv'],
  makebig: ['long int x', 'int y'],
  mix2: ['struct dl s', 'struct ff f', 'int after'],
  mixed: ['double d', 'int a', 'struct point pt', 'float f', 'long int b'],
  noargs: [],
  ptrs: ['struct point* p', 'const point_t* cp', 'void* v', 'int** pp', 'union num* u', 'enum color col'],
  quals: ['_Bool b', 'ulong_t t', '<unknown type> vi', '<unknown type> r', 'int8_t i8', 'uint16_t u16'],
  seven: ['int a1', 'int a2', 'int a3', 'int a4', 'int a5', 'int a6', 'int a7'],
  twice: ['long int v', 'const char* why'],
  wide: ['__int128 v', 'long double ld', 'int after'],
};

/** The DWARF origin of the struct a pointer type points to (asserted to be DWARF's). */
export function dwarfOriginOf(t: Type | undefined): StructOrigin {
  assert.ok(
    t?.kind === 'pointer' && t.to.kind === 'struct' && t.to.origin.kind === 'dwarf',
    `a pointer to a DWARF struct: ${JSON.stringify(t)}`,
  );
  return t.to.origin;
}
