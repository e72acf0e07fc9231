// Integer typing as in bpftrace 0.26: a literal is the smallest signed type holding it (a
// non-negative one takes the sign of what it meets); variables, map keys and map values keep
// the type assigned and are promoted when a later assignment needs more; arithmetic is 64-bit.
// Cases follow bpftrace 0.26's type resolver tests (variable/map promotion, unop, binop).

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { promoteInt } from '../../src/sema/promotion.ts';
import { intType, sizeOf, type Type, tupleLayout, typeName } from '../../src/sema/types.ts';
import { compileText } from '../helpers/compile.ts';

/** Type names of every variable and of every map's key and value after checking. */
function typesOf(script: string): Map<string, string> {
  const r = compileText(script);
  assert.equal(r.errors, '', script);
  const out = new Map<string, string>();
  for (const sym of r.script?.sema.vars.values() ?? []) out.set(`$${sym.name}`, sym.type ? typeName(sym.type) : 'none');
  for (const m of r.script?.sema.maps.values() ?? []) {
    if (m.key) out.set(`@${m.name}[]`, typeName(m.key));
    if (m.value?.kind === 'value') out.set(`@${m.name}`, typeName(m.value.type));
  }
  return out;
}

function typeOf(script: string, name: string): string | undefined {
  return typesOf(script).get(name);
}

test('literals are the smallest signed type holding them; past int64 they are uint64', () => {
  assert.equal(typeOf('BEGIN { $a = 0; }', '$a'), 'int8');
  assert.equal(typeOf('BEGIN { $a = 127; }', '$a'), 'int8');
  assert.equal(typeOf('BEGIN { $a = 128; }', '$a'), 'int16');
  assert.equal(typeOf('BEGIN { $a = -1; }', '$a'), 'int8');
  assert.equal(typeOf('BEGIN { $a = -128; }', '$a'), 'int8');
  assert.equal(typeOf('BEGIN { $a = -129; }', '$a'), 'int16');
  assert.equal(typeOf('BEGIN { $a = -1000; }', '$a'), 'int16');
  assert.equal(typeOf('BEGIN { $a = 70000; }', '$a'), 'int32');
  assert.equal(typeOf('BEGIN { $a = 5000000000; }', '$a'), 'int64');
  assert.equal(typeOf('BEGIN { $a = 10446744073709551615; }', '$a'), 'uint64');
  // A cast names its type.
  assert.equal(typeOf('BEGIN { $a = (uint16)1; }', '$a'), 'uint16');
});

test('arithmetic on literals alone is folded first, then typed as the literal it makes', () => {
  assert.equal(typeOf('BEGIN { $a = 1 + 2; }', '$a'), 'int8');
  assert.equal(typeOf('BEGIN { $a = 100 * 100; }', '$a'), 'int16');
  assert.equal(typeOf('BEGIN { $a = 5 - 10; }', '$a'), 'int8');
  assert.equal(typeOf('BEGIN { $a = -(1 << 20); }', '$a'), 'int32');
  // A folded non-negative literal is sign-flexible like any other.
  assert.equal(typeOf('BEGIN { $a = (uint32)1; $a = 2 * 3; }', '$a'), 'uint32');
});

test('variables are promoted to hold every value assigned', () => {
  const cases: [string, string][] = [
    ['$a = 1; $a = (uint32)2;', 'uint32'],
    ['$a = 1; $a = 2; $a = (uint64)3;', 'uint64'],
    ['$a = 1; $a = -1; $a = (int32)3;', 'int32'],
    ['$a = -1; $a = (uint64)2;', 'int64'],
    ['$a = (int8)1; $a = (uint8)2;', 'int16'],
    ['$a = (uint32)1; $a = (int32)2;', 'int64'],
    ['$a = (uint64)1; $a = (int64)2;', 'int64'],
    ['$a = (uint32)1; $b = (int32)2; $a = $b;', 'int64'],
    ['$a = 1; $b = -1000; $a = $b;', 'int16'],
  ];
  for (const [body, want] of cases) assert.equal(typeOf(`BEGIN { ${body} }`, '$a'), want, body);
});

test('map values and keys are promoted the same way', () => {
  assert.equal(typeOf('BEGIN { @a = 1; }', '@a'), 'int8');
  assert.equal(typeOf('BEGIN { @a = 1; @a = (uint32)2; }', '@a'), 'uint32');
  assert.equal(typeOf('BEGIN { @a = (int64)1; @a = (uint64)2; }', '@a'), 'int64');
  assert.equal(typeOf('BEGIN { @a = (int8)1; @a = (uint8)2; }', '@a'), 'int16');
  assert.equal(typeOf('BEGIN { @a[1] = 1; }', '@a[]'), 'int8');
  assert.equal(typeOf('BEGIN { @a[-1] = 1; }', '@a[]'), 'int8');
  assert.equal(typeOf('BEGIN { @a[1] = 1; @a[(uint64)2] = 1; }', '@a[]'), 'uint64');
  assert.equal(typeOf('BEGIN { @a[(uint32)1] = 1; @a[(int32)2] = 1; }', '@a[]'), 'int64');
  // Across probes too: the map has one type.
  assert.equal(typeOf('BEGIN { @a = 1; } END { @a = 100000; }', '@a'), 'int32');
});

test('tuples and records keep their elements types, promoted element by element', () => {
  assert.equal(typeOf('BEGIN { $a = (1, "str"); }', '$a'), '(int8,string[4])');
  assert.equal(typeOf('BEGIN { $a = ((uint32)1, "str"); $a = (1, "longer"); }', '$a'), '(uint32,string[7])');
  assert.equal(typeOf('BEGIN { $a = ((uint64)1, "str"); $a = ((int64)1, "longer"); }', '$a'), '(int64,string[7])');
  assert.equal(
    typeOf('BEGIN { $a = ((uint32)1, ("str", (int16)2)); $a = (1, ("longer", (uint16)2)); }', '$a'),
    '(uint32,(string[7],int32))',
  );
  assert.equal(
    typeOf('BEGIN { $a = (x = (uint32)1, y = "str"); $a = (y = "longer", x = (int32)1); }', '$a'),
    'record { .x = int64, .y = string[7] }',
  );
  assert.equal(typeOf('BEGIN { @a["hellotherelongstr", 4] = 1; @a["by", 600] = 2; }', '@a[]'), '(string[18],int16)');
});

test('arithmetic is 64-bit: unsigned only when both sides are and never for -', () => {
  const cases: [string, string][] = [
    ['(uint32)1 + (uint32)2', 'uint64'],
    ['(int32)1 + (int32)2', 'int64'],
    ['(uint32)1 + (int32)2', 'int64'],
    ['(uint8)1 / (uint8)2', 'uint64'],
    ['(uint64)10 + 2', 'uint64'],
    ['(uint64)10 % 2', 'uint64'],
    ['(uint32)2 - (uint32)1', 'int64'],
    ['(int8)1 * 2', 'int64'],
    ['(uint64)10 + (-1)', 'int64'],
    ['(uint16)1 & (uint16)2', 'uint64'],
    ['(uint32)1 << (int32)2', 'int64'],
    ['(uint8)1 * sizeof(uint64 *)', 'uint64'],
    ['(uint32)1 == 2', 'bool'],
  ];
  for (const [expr, want] of cases) assert.equal(typeOf(`BEGIN { $a = ${expr}; }`, '$a'), want, expr);
});

test('++, -- and compound assignment leave a 64-bit value; declared types stay', () => {
  assert.equal(typeOf('BEGIN { @a = (int16)2; ++@a; }', '@a'), 'int64');
  assert.equal(typeOf('BEGIN { ++@a; --@b; }', '@b'), 'int64');
  assert.equal(typeOf('BEGIN { @a = 0; ++@a; $b = @a; }', '$b'), 'int64');
  assert.equal(typeOf('BEGIN { @a = (uint32)1; @a++; }', '@a'), 'uint64');
  assert.equal(typeOf('BEGIN { $a = 1; $c = ++$a; }', '$a'), 'int64');
  assert.equal(typeOf('BEGIN { $a = 0; --$a; }', '$a'), 'int64');
  assert.equal(typeOf('BEGIN { $a = 1; $a += 1; }', '$a'), 'int64');
  assert.equal(typeOf('BEGIN { @a = 1; @a += 1; }', '@a'), 'int64');
  assert.equal(typeOf('BEGIN { let $a: int16; ++$a; $a = (int32)5; }', '$a'), 'int16');
});

test('a ternary takes the promoted type of its branches', () => {
  assert.equal(typeOf('BEGIN { $a = nsecs > 0 ? (uint8)1 : -1; }', '$a'), 'int16');
  assert.equal(typeOf('BEGIN { $a = nsecs > 0 ? 1 : 1000; }', '$a'), 'int16');
});

test('promoteInt follows get_promoted_int, sign-flexible sides taking the other sign', () => {
  const flex = (size: 1 | 2 | 4 | 8): Type => ({ kind: 'int', size, signed: true, flexible: true });
  const p = (a: Type, b: Type): string => (a.kind === 'int' && b.kind === 'int' ? typeName(promoteInt(a, b)) : '');
  assert.equal(p(flex(1), intType(4, false)), 'uint32');
  assert.equal(p(intType(8, false), flex(2)), 'uint64');
  assert.equal(p(intType(1, true), intType(1, false)), 'int16');
  assert.equal(p(intType(4, true), intType(2, false)), 'int32');
  assert.equal(p(intType(8, false), intType(8, true)), 'int64');
  const both = promoteInt(flex(1) as Extract<Type, { kind: 'int' }>, flex(2) as Extract<Type, { kind: 'int' }>);
  assert.equal(both.flexible, true);
});

test('tuples are laid out with bpftrace 0.26 in-tuple alignments', () => {
  const i = (size: 1 | 2 | 4 | 8, signed = true): Type => intType(size, signed);
  assert.equal(sizeOf({ kind: 'tuple', elems: [i(1), i(2), i(4)] }), 8);
  assert.equal(sizeOf({ kind: 'tuple', elems: [i(4), i(2), i(1)] }), 8);
  assert.equal(sizeOf({ kind: 'tuple', elems: [i(1), i(8), i(1), i(8)] }), 32);
  const complex: Type[] = [i(1), i(1), { kind: 'string', size: 7 }, i(1), i(4), i(8), i(1), i(2), { kind: 'string', size: 4 }];
  assert.equal(sizeOf({ kind: 'tuple', elems: complex }), 32);
  // Text aligns to 1: right after the int8.
  assert.deepEqual(tupleLayout([i(1), { kind: 'string', size: 3 }, i(2)]).offsets, [0, 1, 4]);
  // An int array aligns as its element, a 2-byte one as its size.
  assert.deepEqual(tupleLayout([i(4), { kind: 'array', elem: i(4), len: 4 }]), { offsets: [0, 4], size: 20 });
  assert.deepEqual(tupleLayout([i(1), { kind: 'array', elem: i(1), len: 2 }]).offsets, [0, 2]);
});

test('messages name a literal by its own type', () => {
  assert.match(
    compileText('BEGIN { @x[1, 2] = 1; @x[1, "a"] = 2; }').errors,
    /Argument mismatch for @x: trying to access with arguments: '\(int8,string\[2\]\)' when map expects arguments: '\(int8,int8\)'/,
  );
  assert.match(
    compileText('BEGIN { $x = 1; $x = "a"; }').errors,
    /Type mismatch for \$x: trying to assign value of type 'string\[2\]' when variable already contains a value of type 'int8'/,
  );
  assert.match(
    compileText('BEGIN { $x = "a"; $x = -1000; }').errors,
    /Type mismatch for \$x: trying to assign value of type 'int16' when variable already contains a value of type 'string\[2\]'/,
  );
});
