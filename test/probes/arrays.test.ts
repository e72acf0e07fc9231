// Arrays in a traced program's memory (test/progs/arrays.c), read through uprobes: nested
// arrays and arrays of structs copied into variables and maps and indexed there (at constant
// and run-time indexes), arrays of pointers, byte arrays read as one integer, and 0.26's
// runtime warning for an index past the end.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { ROOT, runCli } from '../helpers/run.ts';

const bin = join(ROOT, 'test', 'progs', 'build', 'arrays');
const OOB = 'WARNING: Array access out of bounds. This can lead to unexpected results.';

before(() => {
  mkdirSync(join(ROOT, 'test', 'progs', 'build'), { recursive: true });
  execFileSync('gcc', ['-O0', '-g', '-o', bin, join(ROOT, 'test', 'progs', 'arrays.c')]);
});

const GRID = 'struct grid { int cells[3]; int rows[2][3]; uint8_t bytes[4]; }';
const TABLE =
  'struct inner { uint32_t id; uint32_t pair[2]; } struct outer { uint32_t tag; struct inner in; } struct table { uint32_t count; struct outer items[4]; }';

test('nested arrays in variables and maps, at constant and run-time indexes; uint8_t arrays are bytes, not text', () => {
  const script = `${GRID} uprobe:${bin}:take_grid {
  $g = (struct grid *)arg0;
  $r = $g->rows;
  @r[0] = $g->rows;
  $i = (uint64)2;
  $row = @r[0][1];
  printf("%d %d %d %d %d %x\\n", $r[1][2], @r[0][0][1], $r[$i - 1][$i], $row[$i - 2], $g->cells[$i], (int32)$g->bytes);
  print($g->bytes);
  clear(@r);
}`;
  const r = runCli(['-e', script, '-c', bin]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, '6 2 6 4 12 44332211\n[17,34,51,68]\n\n\n');
  assert.doesNotMatch(r.stderr, /WARNING/);
});

test('an index past the end at run time is warned about where the access is; held arrays then read 0', () => {
  const script = `${GRID} uprobe:${bin}:take_grid {
  $g = (struct grid *)arg0; $r = $g->rows; $i = (uint64)2;
  printf("%d %d\\n", $r[$i + 1][0], $r[0][$i + 1]);
  $x = $g->cells[$i + 5];
}`;
  const r = runCli(['-e', script, '-c', bin]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, '0 0\n\n\n');
  assert.ok(r.stderr.includes(`stdin:3:21-31: ${OOB}\n`), r.stderr);
  assert.ok(r.stderr.includes(`stdin:3:36-49: ${OOB}\n`), r.stderr);
  assert.ok(r.stderr.includes(`stdin:4:8-25: ${OOB}\n`), r.stderr);
});

test('-f json: the out-of-bounds index is a runtime_error record', () => {
  const script = `struct grid { int cells[3]; } uprobe:${bin}:take_grid { $i = (uint64)3; $g = (struct grid *)arg0; $x = $g->cells[$i]; }`;
  const r = runCli(['-f', 'json', '-e', script, '-c', bin]);
  assert.equal(r.code, 0, r.stderr);
  const rec = r.stdout
    .split('\n')
    .filter((l) => l.includes('runtime_error'))
    .map((l) => JSON.parse(l) as unknown);
  assert.deepEqual(rec, [
    { type: 'runtime_error', msg: OOB.slice('WARNING: '.length), filename: 'stdin', line: 1, col: script.indexOf('$g->cells') + 1 },
  ]);
});

test('arrays of structs in variables (declared or not) and maps, members read at run-time indexes', () => {
  const script = `${TABLE} uprobe:${bin}:take_table {
  let $w: struct outer[4];
  $w = ((struct table *)arg0)->items;
  @w[0] = ((struct table *)arg0)->items;
  $i = (uint64)3;
  printf("%d %d %d %d %d\\n", $w[1].tag, $w[$i].in.id, @w[0][2].in.pair[1], $w[$i - 1].in.pair[$i - 2], @w[0][$i].tag);
  @k[((struct table *)arg0)->items] = 42;
  clear(@w);
}`;
  const r = runCli(['-e', script, '-c', bin]);
  assert.equal(r.code, 0, r.stderr);
  assert.ok(r.stdout.startsWith('51 30 1002 1002 53\n'), r.stdout);
  assert.match(r.stdout, /^@k\[.*\]: 42$/m);
});

test('pointers read from user memory point there: array elements and members, also through a variable', () => {
  const script = `struct refs { long *slots[3]; } uprobe:${bin}:take_refs {
  $p = ((struct refs *)arg0)->slots[2];
  printf("%d %d\\n", *((struct refs *)arg0)->slots[1], *$p);
}`;
  const r = runCli(['-e', script, '-c', bin]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, '200 300\n\n\n');
});
