// Compile-time evaluation, in-process without privileges: `if comptime` keeps only the branch
// its constant condition picks (statements and if/else values), and builtins whose value is
// known while compiling (is_*, probetype, getopt, positional parameters) feed it.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compileText } from '../helpers/compile.ts';

test('the branch not taken is neither checked nor emitted', () => {
  const r = compileText(
    'BEGIN { $s = "x"; if comptime (is_integer($s) || probetype == "kprobe") { fail("never"); $y = $s + 1; } else { printf("%s\\n", $s); } }',
  );
  assert.equal(r.errors, '');
  assert.ok(r.script);
});

test('conditions fold literals, positional parameters and operators', () => {
  const ok = (cond: string, positional: string[] = []): string =>
    compileText(`BEGIN { if comptime ${cond} { } else { fail("false"); } }`, { positional }).errors;
  assert.equal(ok('(1 + 2 * 3 == 7 && !false)'), '');
  assert.equal(ok('($1 > 2)', ['5']), '');
  assert.equal(ok('("a" != "b")'), '');
  assert.equal(ok('(is_unsigned_integer((uint16)1))'), '');
  assert.match(ok('($1 > 2)', ['1']), /^stdin:1:\d+-\d+: ERROR: false$/m);
  assert.match(ok('(3 < 2 || is_str(1))'), /ERROR: false/);
});

test('an if comptime whose branches are values is a value of the branch taken', () => {
  const r = compileText(
    'macro pick(x) { if comptime is_str(x) { strcap(x) } else if comptime is_integer(x) { x * 2 } else { fail("no") } } ' +
      'BEGIN { $s = "abc"; @a = pick($s); @b = pick(21); }',
  );
  assert.equal(r.errors, '');
});

test('a condition not known when compiling is an error', () => {
  assert.match(
    compileText('BEGIN { if comptime (pid > 1) { } }').errors,
    /^stdin:1:22-29: ERROR: if comptime expects a condition known when compiling$/m,
  );
});
