// Integers held with their own size (bpftrace 0.26), run for real: sizeof of literals, variables
// and tuples; values stored in 1-, 2- and 4-byte slots (variables, map keys and values, tuple
// elements next to text at odd offsets) read and print back with their sign; promoted slots
// widen without losing it. Expected texts are those of bpftrace 0.26's runtime tests where
// quoted (tests/runtime/tuples, builtin, macro), else follow from its type rules.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isRoot, runCli } from '../helpers/run.ts';

function run(script: string): string {
  const r = runCli(['-e', script]);
  assert.equal(r.code, 0, r.stderr);
  return r.stdout;
}

test('sizeof of literals, variables and tuples (0.26 runtime cases)', { skip: !isRoot && 'needs root' }, () => {
  const out = run(
    'BEGIN { $x = 1; $y = -1000; print((sizeof(1), sizeof($x), sizeof($y), sizeof(70000), sizeof(1 == 1))); ' +
      'print(sizeof(((int8)1, (int16)1, (int32)1))); print(sizeof(((int32)1, (int16)1, (int8)1))); ' +
      'print(sizeof(((int8)1, (int64)1, (int8)1, (int64)1))); ' +
      '$a = ((int8)-100, (int8)100, "abcdef", 3, (int32)1, (int64)-10, (int8)10, (int16)-555, "abc"); print(sizeof($a)); print($a); exit(); }',
  );
  assert.equal(out, '(1, 1, 2, 4, 1)\n8\n8\n32\n32\n(-100, 100, abcdef, 3, 1, -10, 10, -555, abc)\n\n\n');
});

test('small integers in variables, maps and tuples print back with their sign', { skip: !isRoot && 'needs root' }, () => {
  const out = run(
    'BEGIN { $m = -1; $n = -1000; $m = $n; @a = 1; @a = -1000; @u = (uint8)255; @k[(int8)-1] = (int16)-2; @k[100] = 7; ' +
      '$t = (1, "x", (int16)-7, "hello", (uint8)200, true); ' +
      'if ($t.1 == "x" && $t.3 == "hello") { printf("%d %s %d %s %d\\n", $t.0 + 1, $t.1, $t.2 * 2, $t.3, $t.4); } ' +
      '@t[$t.1, $t.2] = $t; @t["y", 1000] = (100000, "b", (int16)1, "c", (uint8)1, false); ' +
      'print(($m, @a, @u)); print(@k); print(@t); clear(@k); clear(@t); exit(); }',
  );
  assert.equal(
    out,
    '2 x -14 hello 200\n' +
      '(-1000, -1000, 255)\n' +
      '@k[-1]: -2\n@k[100]: 7\n' +
      '@t[x, -7]: (1, x, -7, hello, 200, true)\n@t[y, 1000]: (100000, b, 1, c, 1, false)\n\n\n' +
      '@a: -1000\n@u: 255\n',
  );
});

test('promoted slots widen by sign; declared types convert; counters are 64-bit', { skip: !isRoot && 'needs root' }, () => {
  const out = run(
    'BEGIN { $a = (uint8)200; $a = -1; $b = (int8)-5; $b = (uint8)250; $t = ((int8)-3, "s"); $t = ((int16)300, "longer"); ' +
      'let $d: uint8; $v = 300; $d = $v; $c = 1; $c += 1000; @n = 1; @n += 200; ' +
      'print(($a, sizeof($a), $b, sizeof($b), $d, $c, sizeof($c))); print($t); print(@n); clear(@n); exit(); }',
  );
  assert.equal(out, '(-1, 2, 250, 2, 44, 1001, 8)\n(300, longer)\n@n: 201\n\n\n');
});

test('a tuple slot promoted after a narrower value keeps that value (copied element by element)', { skip: !isRoot && 'needs root' }, () => {
  const out = run(
    'BEGIN { $s = ((int8)-3, "ab"); $t = $s; $t = ((int32)70000, "abcdef"); print($s); $u = $s; $u = $t; print($u); exit(); }',
  );
  assert.equal(out, '(-3, ab)\n(70000, abcdef)\n\n\n');
});

test('(uint8 *)-1 is 0xff: a narrow integer widens to a pointer without its sign', { skip: !isRoot && 'needs root' }, () => {
  assert.equal(run('macro cst(a) { (a*)-1 } BEGIN { print(cst(typeof(uint8))); exit(); }'), '0xff\n\n\n');
});
