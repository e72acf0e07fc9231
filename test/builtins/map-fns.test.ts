// has_key(), len() and delete()'s result: real kernel runs through the CLI (bpftrace 0.17 has
// neither function and its delete() returns nothing; expected values follow bpftrace 0.26's
// documentation and runtime tests).

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compileError, instructionCounts, output, run } from './run-script.ts';

test('has_key on single, tuple and aggregation keys', () => {
  const out = output(
    'BEGIN { @a[1] = 1; @a[2] = 2; @s[1, "a"] = sum(3); @c[comm] = count(); ' +
      'printf("%d %d %d %d %d %d\\n", has_key(@a, 1), has_key(@a, 3), has_key(@s, (1, "a")), has_key(@s, (1, "b")), has_key(@c, comm), has_key(@c, "zzz"));' +
      'delete(@a, 1); if (!has_key(@a, 1)) { printf("deleted\\n"); } clear(@a); clear(@s); clear(@c); exit(); }',
  );
  assert.equal(out, '1 0 1 0 1 0\ndeleted\n\n\n');
});

test('len counts entries of hash, per-CPU and LRU maps', () => {
  const out = output(
    'BEGIN { @a[1] = 1; @a[2] = 2; @a[3] = 3; @c["x"] = count(); @c["y"] = count(); @c["y"] = count(); @e[1] = 1; delete(@e, 1); ' +
      'printf("%d %d %d\\n", len(@a), len(@c), len(@e)); delete(@a, 2); printf("%d\\n", len(@a)); clear(@a); clear(@c); exit(); }',
  );
  assert.equal(out, '3 2 0\n2\n\n\n');
  const lru = output('let @m = lruhash(2); BEGIN { @m[1] = 1; @m[2] = 2; @m[3] = 3; printf("%d\\n", len(@m)); clear(@m); exit(); }');
  assert.equal(lru, '2\n\n\n');
});

test('len of several maps shares one callback', () => {
  const [withTwo] = instructionCounts('BEGIN { @a[1] = 1; @b[1] = 1; printf("%d %d\\n", len(@a), len(@b)); }', 64);
  const [withOne] = instructionCounts('BEGIN { @a[1] = 1; @b[1] = 1; printf("%d %d\\n", len(@a), 0); }', 64);
  assert.ok(withTwo !== undefined && withOne !== undefined);
  // The second len() adds its call (6 insns + result move), not a second callback.
  assert.ok(withTwo - withOne <= 8, `${withOne} → ${withTwo}`);
});

test('map function errors', () => {
  assert.match(
    compileError('BEGIN { @s = 5; printf("%d\\n", len(@s)); }'),
    /ERROR: call to len\(\) expects a map with explicit keys \(non-scalar map\)/,
  );
  assert.match(
    compileError('BEGIN { printf("%d\\n", len(5)); }'),
    /^stdin:1:24-30: ERROR: call to len\(\) expects a map, ustack, or kstack\n/,
  );
  assert.match(compileError('BEGIN { printf("%d\\n", len(@nope)); }'), /ERROR: Undefined map: @nope/);
  assert.match(
    compileError('BEGIN { @a[1] = 5; printf("%d\\n", has_key(@a, "x")); }'),
    /ERROR: Argument mismatch for @a: trying to access with arguments: 'string\[2\]' when map expects arguments: 'int8'/,
  );
  assert.match(
    compileError('BEGIN { @s = 5; printf("%d\\n", has_key(@s, 1)); }'),
    /ERROR: call to has_key\(\) expects a map with explicit keys \(non-scalar map\)/,
  );
  assert.match(compileError('BEGIN { printf("%d\\n", has_key(1, 1)); }'), /ERROR: has_key\(\) expects a map argument \(integer provided\)/);
});

test('delete returns whether the key was there; only a discarded failure warns', () => {
  // bpftrace 0.26's tests/runtime/stdlib "delete map" and "bad delete".
  const r = run(
    'BEGIN { @ = 1; @a[1] = 1; @b[1, 2] = 2; if (delete(@)) { printf("ok1\\n"); } delete(@a, 1); ' +
      'if (delete(@b, (1, 2))) { printf("ok2\\n"); } if (!delete(@b, (5, 6))) { printf("ok3\\n"); } ' +
      '@a[1] = 1; $x = delete(@a, 2); $y = delete(@a, 1); if ($x == false && $y == true) { printf("SUCCESS\\n"); } ' +
      'delete(@a, 7); exit(); }',
  );
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, 'ok1\nok2\nok3\nSUCCESS\n\n\n');
  // One warning: the discarded delete of a missing key, at its location.
  const warnings = r.stderr.match(/WARNING/g) ?? [];
  assert.equal(warnings.length, 1, r.stderr);
  assert.match(
    r.stderr,
    /^stdin:1:290-303: WARNING: Can't delete map element because it does not exist\.\nAdditional Info - helper: map_delete_elem, retcode: -2$/m,
  );
});
