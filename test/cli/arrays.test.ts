// Values held by the program seen as arrays, as bpftrace 0.26 does: integer/bool/string casts to
// int arrays and back, tuples indexed like arrays with a constant index, strings indexed at run
// time, the address of a variable (&$x), and == on buf() values. Arrays in a traced program's
// memory are in test/probes/arrays.test.ts.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runCli } from '../helpers/run.ts';

function run(script: string): string {
  const r = runCli(['-e', script]);
  assert.equal(r.code, 0, r.stderr);
  return r.stdout;
}

function fails(script: string): string {
  const r = runCli(['-e', script]);
  assert.equal(r.code, 1, r.stdout);
  return r.stderr;
}

test('casts between integers, strings and int/bool arrays (little end first; [] sizes from the value)', () => {
  const out = run(
    'BEGIN { printf("%x %x\\n", ((int8[8])12345)[0], ((int8[])12345)[1]); print((int8[])"hello"); @a = (bool[2])(uint16)1; printf("%x\\n", (uint32)pton("127.0.0.1")); exit() }',
  );
  assert.equal(out, '39 30\n[104,101,108,108,111,0]\n100007f\n\n\n@a: [true,false]\n');
});

test('array casts whose sizes do not match are refused as bpftrace refuses them', () => {
  // 12345 is an int16 (0.26): it widens into an array of up to 8 bytes, no further.
  assert.match(fails('BEGIN { print((int8[16])12345) }'), /ERROR: Cannot cast from "int16" to "int8\[16\]"/);
  assert.match(
    fails('BEGIN { print((int32[])(uint16)1) }'),
    /ERROR: Cannot determine array size: the element size is incompatible with the cast integer size/,
  );
  assert.match(fails('BEGIN { print((uint16)pton("127.0.0.1")) }'), /ERROR: Cannot cast from "uint8\[4\]" to "uint16"/);
});

test('a tuple indexed like an array takes a constant index, folded; a run-time index is an error', () => {
  assert.equal(run('BEGIN { $t = (1, "two", 3); print(($t[1 + 1], $t[0], $t[1])); exit() }'), '(3, 1, two)\n\n\n');
  assert.match(
    fails('BEGIN { $t = (1, 2); $i = 1; print($t[$i]) }'),
    /stdin:1:36-42: ERROR: Array-style access for tuples only valid for integer literals/,
  );
  assert.match(fails('BEGIN { $t = (1, 2); print($t[2]) }'), /ERROR: Invalid tuple index: 2\. Found 2 elements in tuple\./);
});

test('a string held by the program indexed at run time; past its end the element reads as 0', () => {
  const out = run('BEGIN { $s = "foo"; $i = (uint64)1; $j = (uint64)10; printf("%c|%d\\n", $s[$i], $s[$j]); exit() }');
  assert.equal(out, 'o|0\n\n\n');
});

test('&$x points at the variable: integers, tuples and strings read back through it', () => {
  const out = run(
    'BEGIN { $a = 5; $p = &$a; $t = (1, "x"); print(*(&$t)); $s = "hey"; $c = (int8 *)&$s; printf("%c%c %d\\n", *$c, *($c + 2), *$p); print(($p, 1)); exit() }',
  );
  const lines = out.split('\n');
  assert.equal(lines[0], '(1, x)');
  assert.equal(lines[1], 'hy 5');
  assert.match(lines[2] as string, /^\(0x[0-9a-f]+, 1\)$/);
});

test('& on anything but a variable is a clear error', () => {
  assert.match(fails('BEGIN { $x = &pid }'), /stdin:1:14-18: ERROR: address-of operator \(&\) can only be used on a map or variable/);
  assert.match(fails('BEGIN { @m = 1; $x = &@m }'), /ERROR: the address of a map \(&@m\) is not supported yet/);
});

test('== and != on buf() values compare lengths, then bytes up to the length', () => {
  assert.equal(
    run(
      'BEGIN { $a = buf("hi", 2); $b = buf("bye", 3); $c = buf("hix", 2); printf("%d %d %d %d\\n", $a == $c, $a != $b, $a == $b, $b != $b); exit() }',
    ),
    '1 1 0 0\n\n\n',
  );
  assert.match(fails('BEGIN { $a = buf("hi", 2); print($a == 1) }'), /ERROR: Type mismatch for '==': comparing 'buffer\[2\]' with 'int8'/);
});
