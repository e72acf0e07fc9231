// The language core running in the kernel: arithmetic, control flow, variables, maps, strings.

import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { runCli, shellCommand } from '../helpers/run.ts';

function run(script: string, ...args: string[]): string {
  const r = runCli(['--no-warnings', '-e', script, ...args]);
  assert.equal(r.code, 0, r.stderr);
  return r.stdout;
}

test('arithmetic, bitwise, comparisons, division and modulo (literals folded as C does)', () => {
  const out = run(`BEGIN {
    $a = 10; $b = 3;
    printf("%d %d %d %d %d\\n", $a + $b, $a - $b, $a * $b, $a / $b, $a % $b);
    printf("%d %d %d %d %d %d\\n", $a & $b, $a | $b, $a ^ $b, $a << 2, $a >> 1, ~$a);
    printf("%d %d %d %d %d %d\\n", $a < $b, $a <= $b, $a > $b, $a >= $b, $a == $b, $a != $b);
    printf("%d %d %d\\n", -7 / 2, -7 % 2, 7 / -2);
    printf("%d %d %d\\n", $a && $b, 0 || 0, !$a);
    printf("%d\\n", 5 / 0);
    exit(); }`);
  // 5 / 0 gives 1 (bpftrace 0.26), reported at run time unless --no-warnings.
  assert.equal(out, '13 7 30 3 1\n2 11 9 40 5 -11\n0 0 1 1 0 1\n-3 -1 -3\n1 0 0\n1\n\n\n');
});

test('ternary, while with break/continue, for ranges, unroll, compound assignment, ++/--', () => {
  const out = run(`BEGIN {
    $c = 10 > 5 ? 100 : 200;
    $i = 0; $sum = 0;
    while ($i < 10) { $i++; if ($i == 3) { continue; } if ($i == 8) { break; } $sum += $i; }
    $f = 0; for ($j : 0..5) { $f += $j; }
    $u = 0; unroll(4) { $u++; }
    $x = 5; $x *= 3; $x -= 1; $x <<= 1; $y = $x--; $z = ++$x;
    printf("%d %d %d %d %d %d %d %d\\n", $c, $sum, $i, $f, $u, $x, $y, $z);
    exit(); }`);
  assert.equal(out, '100 25 8 10 4 28 28 28\n\n\n');
});

test('strings: comparisons, map keys, tuples, records, if/else chains', () => {
  const out = run(`BEGIN {
    $s = "hello";
    if ($s == "world") { printf("no\\n"); } else if ($s == "hello") { printf("yes\\n"); } else { printf("no\\n"); }
    if ($s != "world") { printf("ne\\n"); }
    @t = (1, "two", 3);
    $r = (a = 1, b = "bee");
    printf("%d %s %s\\n", @t.0, @t.1, $r.b);
    @m["a"] = 1; @m["b"] = 2; delete(@m, "a");
    @n = 5; @n++; @n += 10;
    exit(); }`);
  assert.equal(out, 'yes\nne\n1 two bee\n\n\n@m[b]: 2\n@n: 16\n@t: (1, two, 3)\n');
});

test('for ($kv : @map) walks every entry; the body updates probe variables', () => {
  const out = run(`BEGIN {
    @m[1] = 10; @m[2] = 20; @m[3] = 30;
    $sum = 0; for ($kv : @m) { $sum += $kv.1; }
    printf("sum=%d\\n", $sum);
    clear(@m); exit(); }`);
  assert.equal(out, 'sum=60\n\n\n');
});

test('exit() inside a loop body (a callback) ends the probe: nothing after the loop runs', () => {
  const map = run('BEGIN { @m[1] = 10; for ($kv : @m) { printf("key %d\\n", $kv.0); exit(); } printf("after the loop\\n"); }');
  assert.equal(map, 'key 1\n\n\n@m[1]: 10\n');
  const range = run('BEGIN { $n = 5; for ($i : 0..$n) { printf("i %d\\n", $i); if ($i == 1) { exit(); } } printf("after the loop\\n"); }');
  assert.equal(range, 'i 0\ni 1\n\n\n');
});

test('casts truncate and sign-extend; bool casts', () => {
  const out = run('BEGIN { printf("%d %d %d %d\\n", (int8)300, (uint8)-1, (int16)65535, (bool)5); exit(); }');
  assert.equal(out, '44 255 -1 1\n\n\n');
});

test('positional parameters and $#', () => {
  const out = run('BEGIN { printf("%d %s %d\\n", $1 + 1, $2, $#); exit(); }', '41', 'word');
  assert.equal(out, '42 word 2\n\n\n');
});

test('max_strlen=1024 strings live in the scratch map and still work as keys and in printf', () => {
  const dir = mkdtempSync(join(tmpdir(), 'long-'));
  let path = dir;
  while (path.length < 700) path = join(path, 'a-rather-long-directory-name');
  mkdirSync(path, { recursive: true });
  const file = join(path, 'f.txt');
  writeFileSync(file, 'x');
  const r = runCli([
    '-e',
    `config = { max_strlen = 1024 } tracepoint:syscalls:sys_enter_openat /pid == cpid/ { $p = str(args.filename); if ($p == "${file}") { @[$p] = count(); printf("%s\\n", $p); } }`,
    '-c',
    shellCommand(`exec cat ${file} >/dev/null`),
  ]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, `${file}\n\n\n@[${file}]: 1\n`);
});

test('a map assigned in one probe and read in another (types unified across probes)', () => {
  const out = run('BEGIN { @start = nsecs; } END { printf("%d\\n", nsecs > @start); } interval:ms:50 { exit(); }');
  assert.equal(out, '1\n\n\n@start: ' + out.split('@start: ')[1]);
  assert.match(out, /^1\n\n\n@start: \d+\n$/);
});

const haveHeaders = existsSync('/usr/include/linux/fcntl.h') && existsSync('/usr/include/x86_64-linux-gnu/sys/socket.h');

test('#include: integer constants of the headers (as bpftrace 0.17 prints them); types from BTF', {
  skip: !haveHeaders && 'needs libc and kernel uapi headers (libc6-dev, linux-libc-dev)',
}, () => {
  const out = run(
    '#include <linux/fcntl.h>\n#include <sys/socket.h>\n#define LEN 16\n' +
      'BEGIN { printf("%d %d %d %d %d\\n", O_CREAT, AT_FDCWD, AF_INET6, LEN, sizeof(struct task_struct) > 0); exit(); }',
    '-I',
    '/no/such/dir',
    '--include',
    'linux/types.h',
  );
  assert.equal(out, '64 -100 10 16 1\n\n\n');
});

test('a ternary of two void calls runs one of them as a statement; avg of negative values reads signed in the kernel', () => {
  assert.equal(
    run('BEGIN { $x = 1; $x ? printf("yes\\n") : printf("no\\n"); !$x ? printf("yes\\n") : printf("no\\n"); exit(); }'),
    'yes\nno\n\n\n',
  );
  const out = run(
    'BEGIN { @a = avg(-1); @a = avg(-1); @a = avg(-10); if (@a == -4) { printf("done\\n"); } @u = avg(10); @u = avg(5); printf("%d\\n", @u); exit(); }',
  );
  assert.equal(out, 'done\n7\n\n\n@a: -4\n@u: 7\n');
});

test('#include of a header no search dir has fails as bpftrace does (clang: file not found), at the header, exit 1', () => {
  const r = runCli(['-e', '#include <lol/no.h>\nBEGIN { exit(); }']);
  assert.equal(r.code, 1);
  assert.equal(r.stdout, '');
  assert.match(
    r.stderr,
    // First clang's line, as 0.26 prints it (bpftrace's definitions.h starts with its BTF header).
    /^definitions\.h:2:10: fatal error: 'lol\/no\.h' file not found\nstdin:1:10-20: ERROR: 'lol\/no\.h' file not found\n#include <lol\/no\.h>\n {9}~{10}\nHINT: searched .*\/usr\/include/,
  );
  assert.doesNotMatch(r.stderr, /at .*\.js:\d+/);
  const f = runCli(['--include', 'lol/no.h', '-e', 'BEGIN { exit(); }']);
  assert.equal(f.code, 1);
  assert.match(f.stderr, /^ERROR: 'lol\/no\.h' file not found\nHINT: --include lol\/no\.h: searched /);
});

test('(string[N]) widens a string: the text, NUL-padded to N bytes, as value, map key and in sizeof', () => {
  const out = run(`BEGIN {
    $s = (string[64])"abc";
    let $t: string[16] = "hi";
    @m[(string[8])"ab"] = sizeof($s) + sizeof($t);
    printf("%s %s %d %d\\n", $s, $t, sizeof($s), $s == "abc");
    exit(); }`);
  assert.equal(out, 'abc hi 64 1\n\n\n@m[ab]: 80\n');
});

test('type suffixes read left to right, as 0.26: int32*[4] is an array of pointers, int32[4]* a pointer to an array', () => {
  const out = run(`struct S { int a; }
    BEGIN {
      print((sizeof(int32*), sizeof(int32[4]), sizeof(int32*[4]), sizeof(int32[4]*), sizeof(int32*[4]*), sizeof(struct S[2]*)));
      $p = (int32[4]*)0;
      print(sizeof(*$p));
      exit(); }`);
  assert.equal(out, '(8, 16, 32, 8, 8, 8)\n16\n\n\n');
});
