// Enums: script definitions and kernel (BTF) enums print their enumerator names with %s,
// as bpftrace 0.26's printf_enum_symbolize runtime tests expect.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runCli } from '../helpers/run.ts';

const FOO = 'enum Foo { ONE = 1, TWO = 2, OTHER = 99999 };';
const cases: [string, string, string][] = [
  ['constants', `${FOO} begin { printf("%d %s %d %s %d %s\\n", ONE, ONE, TWO, TWO, OTHER, OTHER); exit() }`, '1 ONE 2 TWO 99999 OTHER'],
  [
    'variables',
    `${FOO} begin { $one = ONE; $two = TWO; $other = OTHER; printf("%d %s %d %s %d %s\\n", $one, $one, $two, $two, $other, $other); exit() }`,
    '1 ONE 2 TWO 99999 OTHER',
  ],
  [
    'maps',
    `${FOO} begin { @one = ONE; @two = TWO; @other = OTHER; printf("%d %s %d %s %d %s\\n", @one, @one, @two, @two, @other, @other); clear(@one); clear(@two); clear(@other); exit() }`,
    '1 ONE 2 TWO 99999 OTHER',
  ],
  ['width', 'enum Foo { A, B, C, }; begin { printf("%-5s %5s %s\\n", A, B, C); exit() }', 'A         B C'],
  ['cast', `${FOO} begin { printf("%d %s\\n", ONE, (enum Foo)1); exit() }`, '1 ONE'],
  ['cast of a value with no name', `${FOO} begin { $x = 100; printf("%d %s\\n", ONE, (enum Foo)$x); exit() }`, '1 100'],
];

for (const [name, script, expected] of cases) {
  test(`enum symbolization: ${name}`, () => {
    const r = runCli(['-e', script]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, `${expected}\n\n\n`);
  });
}

test('a tracepoint field of a kernel enum type prints its name (BTF)', () => {
  const r = runCli(['-e', 'tracepoint:timer:hrtimer_start { printf("%d %s\\n", args.mode, args.mode); exit(); }']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^\d+ HRTIMER_MODE_[A-Z_]+\n/);
});
