// Division and modulo as bpftrace runs them: unsigned in the kernel whatever the operands'
// signs (with bpftrace's warning for signed operands), literal arithmetic folded with C's signed
// rules, and a zero divisor giving 1 with 0.26's runtime warning (a runtime_error record in JSON).

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compileText } from '../helpers/compile.ts';
import { runCli } from '../helpers/run.ts';

const SIGNED_DIV = "WARNING: signed operands for '/' can lead to undefined behavior (cast to unsigned to silence warning)";
const SIGNED_MOD = "WARNING: signed operands for '%' can lead to undefined behavior (cast to unsigned to silence warning)";
const BY_ZERO = 'WARNING: Divide or modulo by 0 detected. This can lead to unexpected results. 1 is being used as the result.';

test('a negative dividend divides unsigned, as bpftrace 0.17 and 0.26 do; the operands are warned about', () => {
  const script = 'BEGIN { $a = -7; print($a / 2); print($a % 3); $a /= -2; print($a); exit(); }';
  const r = runCli(['-e', script]);
  assert.equal(r.code, 0, r.stderr);
  // (2^64 - 7) / 2, (2^64 - 7) % 3, (2^64 - 7) / (2^64 - 2): what bpftrace 0.17 prints.
  assert.equal(r.stdout, '9223372036854775804\n0\n0\n\n\n');
  assert.ok(r.stderr.includes(`stdin:1:24-30: ${SIGNED_DIV}\n${script}\n${' '.repeat(23)}~~~~~~\n`), r.stderr);
  assert.ok(r.stderr.includes(`stdin:1:39-45: ${SIGNED_MOD}\n`), r.stderr);
  assert.ok(r.stderr.includes(`stdin:1:51-56: ${SIGNED_DIV}\n`), r.stderr);
});

test('unsigned operands and non-negative literals divide without a warning; literal arithmetic is folded', () => {
  const r = runCli([
    '-e',
    'BEGIN { $u = (uint64)100; print($u / 7); print($u % 7); print(nsecs / 1000 > 0); print(-7 / 2); print(-7 % 3); exit(); }',
  ]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, '14\n2\ntrue\n-3\n-1\n\n\n');
  assert.doesNotMatch(r.stderr, /WARNING/);
});

test('a zero divisor at run time gives 1 and is reported where the division is', () => {
  const script = 'BEGIN { @z = (uint64)0; print((uint64)10 / @z); print((uint64)10 % @z); exit(); }';
  const r = runCli(['-e', script]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, '1\n1\n\n\n@z: 0\n');
  const lines = r.stderr.split('\n');
  assert.equal(lines.filter((l) => l.endsWith(BY_ZERO.slice('WARNING: '.length))).length, 2, r.stderr);
  assert.ok(r.stderr.includes(`stdin:1:31-46: ${BY_ZERO}\n${script}\n${' '.repeat(30)}${'~'.repeat(15)}\n`), r.stderr);
  assert.doesNotMatch(r.stderr, /signed operands/);
});

test('-f json: the zero divisor is a runtime_error record with the start of its location', () => {
  const r = runCli(['-f', 'json', '-e', 'BEGIN { @z = (uint64)0; $x = (uint64)10 / @z; exit(); }']);
  assert.equal(r.code, 0, r.stderr);
  const records = r.stdout
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as { type: string });
  assert.deepEqual(
    records.find((x) => x.type === 'runtime_error'),
    { type: 'runtime_error', msg: BY_ZERO.slice('WARNING: '.length), filename: 'stdin', line: 1, col: 30 },
  );
});

test('--no-warnings: still 1, nothing reported', () => {
  const r = runCli(['--no-warnings', '-e', 'BEGIN { @z = 0; print(-10 / @z); exit(); }']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, '1\n\n\n@z: 0\n');
  assert.doesNotMatch(r.stderr, /WARNING/);
});

test("the signed-operand warning follows 0.26's rule: only operands of different types, one signed", () => {
  const warns = (body: string): boolean => /signed operands/.test(compileText(`BEGIN { ${body} }`).errors);
  // 0.26's type_checker cases.
  assert.ok(warns('@x = (uint64)1; @y = -1 / @x;'));
  assert.ok(warns('@x = (uint64)1; @y = @x % -1;'));
  assert.ok(!warns('@x = (uint64)1; @y = @x / (uint64)1;'));
  assert.ok(!warns('@y = (uint64)10 / 2;'));
  // Same size and sign: quiet, signed or not; a literal takes the other side's sign first.
  assert.ok(!warns('$a = (int32)nsecs; $b = (int32)pid; @y = $a / $b;'));
  assert.ok(!warns('$a = (int64)nsecs; @y = $a / 100000000000;'));
  // An int64 against a literal that fits 16 bits: types differ, one signed (runqlat.bt's line).
  assert.ok(warns('$a = (int64)nsecs; @y = $a / 1000;'));
  assert.ok(warns('$a = (int32)nsecs; $b = (int64)pid; @y = $a % $b;'));
});
