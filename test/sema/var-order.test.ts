// A variable's reads take the type all its assignments give it, wherever they are in the probe,
// as bpftrace 0.26 resolves types to a fixpoint (its type_resolver tests: variable_promotion,
// map_value_promotion, variable_with_type_decl, typeof, variable_no_type).

import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Type } from '../../src/sema/types.ts';
import { compileText } from '../helpers/compile.ts';
import { isRoot, runCli } from '../helpers/run.ts';

const INT8: Type = { kind: 'int', size: 1, signed: true };
const INT64: Type = { kind: 'int', size: 8, signed: true };
const UINT32: Type = { kind: 'int', size: 4, signed: false };
const UINT64: Type = { kind: 'int', size: 8, signed: false };

/** Every variable's type after checking, by name, and the rendered diagnostics (warnings allowed). */
function check(script: string): { vars: Map<string, Type | null>; maps: Map<string, Type | null>; diags: string } {
  const r = compileText(script);
  assert.doesNotMatch(r.errors, /ERROR/, script);
  const vars = new Map<string, Type | null>();
  for (const sym of r.script?.sema.vars.values() ?? []) vars.set(sym.name, sym.type);
  const maps = new Map<string, Type | null>();
  for (const m of r.script?.sema.maps.values() ?? []) maps.set(m.name, m.value?.kind === 'value' ? m.value.type : null);
  return { vars, maps, diags: r.errors };
}

/** Drops the sign-flexible mark literals carry, which is not part of a type's name. */
function plain(t: Type | null | undefined): Type | null | undefined {
  return t?.kind === 'int' ? { kind: 'int', size: t.size, signed: t.signed } : t;
}

test('a declared variable read before its assignment takes the type the assignment gives', () => {
  let r = check('BEGIN { let $v; $a = $v; $v = 10; }');
  assert.deepEqual(plain(r.vars.get('a')), INT8);
  assert.deepEqual(plain(r.vars.get('v')), INT8);
  assert.match(r.diags, /^stdin:1:22-24: WARNING: Variable used before it was assigned: \$v\n/);
  r = check('BEGIN { let $v; @a = $v; $v = 10; }');
  assert.deepEqual(plain(r.maps.get('a')), INT8);
  r = check('BEGIN { let $v; $t = ($v, "a"); $v = (int16)5; }');
  assert.deepEqual(r.vars.get('t'), {
    kind: 'tuple',
    elems: [
      { kind: 'int', size: 2, signed: true },
      { kind: 'string', size: 2 },
    ],
  });
});

test('reads see the type later assignments widen the variable to', () => {
  let r = check('BEGIN { $a = 1; $b = $a; $a = (uint32)2; }');
  assert.deepEqual(r.vars.get('b'), UINT32);
  r = check('BEGIN { let $a; $a = $a + 1; $a = 1; }');
  assert.deepEqual(r.vars.get('a'), INT64);
  // A chain of reads, each typed by a later statement.
  r = check('BEGIN { let $a; let $b; $x = $a; $a = $b; $b = (uint32)10; }');
  assert.deepEqual(r.vars.get('x'), UINT32);
});

test('typeof of a variable typed later takes its final type', () => {
  let r = check('BEGIN { let $b; let $a: typeof($b) = (uint64)1; $b = (uint32)2; $b = (uint64)3; }');
  assert.deepEqual(r.vars.get('a'), UINT64);
  assert.deepEqual(r.vars.get('b'), UINT64);
  r = check('BEGIN { let $b; let $a: typeof($b) = (uint16)1; $b = (uint32)2; }');
  assert.deepEqual(r.vars.get('a'), UINT32);
  r = check('BEGIN { let $b; $a = (typeof($b))1; $b = 1; $b = (int64)2; }');
  assert.deepEqual(r.vars.get('a'), INT64);
  r = check('BEGIN { let $b; let $c; $a = (typeof($b))1; $b = (typeof($c))1; $c = (int64)2; }');
  assert.deepEqual(r.vars.get('a'), INT64);
  assert.deepEqual(r.vars.get('b'), INT64);
  // Looking at a type reads no value: no warning, as in 0.26.
  r = check('BEGIN { let $x; let $y : typeof($x) = 1; $x = 1; @s = sizeof($x); $x = 2; }');
  assert.equal(r.diags, '');
});

test('a declared variable nothing assigns has no type', () => {
  const r = compileText('BEGIN { let $x; print($x); }');
  assert.match(
    r.errors,
    /stdin:1:23-25: ERROR: Could not resolve the type of this variable\nBEGIN \{ let \$x; print\(\$x\); \}\n {22}~~\n/,
  );
});

test('variables typed only by each other have no type (0.26 refuses the cycle); one typed elsewhere types them all', () => {
  const cycle = compileText('begin { let $a; let $b; $b = $a; $a = $b; }');
  assert.equal(cycle.script, null);
  assert.match(cycle.errors, /stdin:1:30-32: ERROR: Could not resolve the type of this variable/);
  assert.doesNotMatch(compileText('begin { let $a; let $b; $b = $a; $a = $b; $a = 3; print($b); }').errors, /ERROR/);
  assert.match(compileText('begin { let $a; let $b = $a; $a = $b; }').errors, /ERROR: Could not resolve the type of this variable/);
  assert.doesNotMatch(compileText('begin { $x = 1; $y = $x; $x = $y; print($y); }').errors, /ERROR/);
});

test('sizeof and print see the final type', { skip: !isRoot && 'needs root' }, () => {
  const r = runCli([
    '-e',
    'BEGIN { let $v; $a = $v; $v = 10; print(sizeof($a)); print(sizeof(($a, (int16)1))); print(($a, $v)); exit(); }',
  ]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, '1\n4\n(0, 10)\n\n\n');
});
