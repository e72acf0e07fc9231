// Behaviours bpftrace's own runtime tests (tests/runtime in the bpftrace repository) check and
// bpftrace-ts once differed on: pointer arithmetic, C definitions in scripts, the CLI's long
// options and pid checks, warnf under --no-warnings, the test harness's attach notification.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { isRoot, LAUNCHER, runCli } from '../helpers/run.ts';

const root = { skip: !isRoot && 'needs root (loads BPF programs)' };

test('pointer arithmetic moves by elements: p + n, n + p, p - n, and on maps and variables', root, () => {
  const r = runCli([
    '-e',
    'struct A { int a; int b; char c[28] } BEGIN { @s = (int16 *)0x32; @s += 1; @l = (int64 *)0x32; @l++; @d = (int32 *)0x32; @d -= 6; ' +
      '$v = (int64 *)0x32; $v++; $v += 2; $a = (struct A *)1024; ' +
      'printf("%p %p %p %lu %p\\n", $v, 1 + (int16 *)0x10, (int32 *)0x10 - 1, $a - 5, (void *)0x10 + 3); exit(); }',
  ]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, '0x4a 0x12 0xc 844 0x13\n\n\n@d: 0x1a\n@l: 0x3a\n@s: 0x34\n');
});

test('C definitions: nested and anonymous structs, a missing last semicolon, fixed-width typedefs, 2-D arrays', root, () => {
  const r = runCli([
    '-e',
    'struct Foo { int x; struct Bar { int x; } bar; struct { char m[3] } y; uint8_t u } ' +
      'struct G { int y[2][3]; uint64_t z; } ' +
      'BEGIN { printf("%d %d %d %d %d %d %d\\n", offsetof(struct Foo, bar.x), sizeof(struct Bar), offsetof(struct Foo, y), ' +
      'offsetof(struct Foo, u), sizeof(struct Foo), offsetof(struct G, z), sizeof(struct G)); exit(); }',
  ]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, '4 4 8 11 12 24 32\n\n\n');
});

test('-p checks its value as bpftrace does', () => {
  const cases: [string, string][] = [
    ['a1111', 'ERROR: Failed to parse pid: invalid integer: a1111\n'],
    ['111a1', 'ERROR: Failed to parse pid: invalid trailing bytes: 111a1\n'],
    ['5000000', 'ERROR: Pid out of range: 5000000\n'],
  ];
  for (const [pid, msg] of cases) {
    const r = runCli(['-p', pid, '-e', 'BEGIN { exit(); }']);
    assert.equal(r.code, 1);
    assert.equal(r.stderr, msg);
  }
  const eq = runCli(['--pid=a1', '-e', 'BEGIN { exit(); }']);
  assert.equal(eq.stderr, 'ERROR: Failed to parse pid: invalid integer: a1\n');
});

test('long options: --cmd, --quiet, --list, --mode, --verify-llvm-ir', root, () => {
  const r = runCli(['--quiet', '--verify-llvm-ir', '--cmd', 'true', '-e', 'BEGIN { printf("%d\\n", cpid > 0); exit(); }']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, '1\n\n\n');
  assert.equal(r.stderr, '');
  const l = runCli(['--list', 'tracepoint:syscalls:sys_enter_openat']);
  assert.equal(l.stdout, 'tracepoint:syscalls:sys_enter_openat\n');
  const bad = runCli(['--mode', 'codegen', '-e', 'BEGIN { }']);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /^ERROR: --mode codegen is not supported\n/);
});

test('--no-warnings silences warnf()', root, () => {
  const r = runCli(['--no-warnings', '-e', 'BEGIN { warnf("careful %d", 1); printf("done\\n"); exit(); }']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, 'done\n\n\n');
  assert.doesNotMatch(r.stderr, /careful/);
});

test('__BPFTRACE_NOTIFY_PROBES_ATTACHED prints the marker line once probes are attached', root, () => {
  const r = runCli(['-e', 'BEGIN { printf("hi\\n"); exit(); }'], { env: { __BPFTRACE_NOTIFY_PROBES_ATTACHED: '1' } });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, '__BPFTRACE_NOTIFY_PROBES_ATTACHED\nhi\n\n\n');
});

test('str(p, n) reads at most n bytes with the NUL, n a literal or a run-time value', root, () => {
  const r = runCli([
    '-e',
    'tracepoint:syscalls:sys_enter_execve /str(args.filename) == "/bin/true"/ { $a = (uint16)5; $z = 0; ' +
      'printf("%s|%s|%s|%s|%s|\\n", str(args.argv[1], 5), str(args.argv[1], $a), str(args.argv[1], $a + 1), str(args.argv[1], 0), str(args.argv[1], $z)); exit(); }',
    '-c',
    '/bin/true zztest',
  ]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, 'zzte|zzte|zztes|||\n\n\n');
});

test('numeric positional parameters are C literals: 0775 is octal, 0x123 hex', root, () => {
  const r = runCli(['-e', 'BEGIN { printf("got: %d %o 0x%x\\n", $1, $2, $3); exit(); }', '123', '0775', '0x123']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, 'got: 123 775 0x123\n\n\n');
});

test('unroll bounds are reported one at a time, as bpftrace words them', () => {
  const low = runCli(['-e', 'BEGIN { $a = 1; unroll (0) { $a++; } }']);
  assert.match(low.stderr, /ERROR: unroll minimum value is 1\n/);
  const high = runCli(['-e', 'BEGIN { $a = 1; unroll (101) { $a++; } }']);
  assert.match(high.stderr, /ERROR: unroll maximum value is 100\n/);
});

test('software probes: probe is named as written, counts take the 1e6 form', root, () => {
  const r = runCli(['-e', 'software:cpu:1e6 { print(probe); exit(); }']);
  assert.equal(r.code, 0, r.stderr);
  // One event per CPU may come in before exit() takes effect: each prints the same name.
  const lines = r.stdout.split('\n').filter((l) => l !== '');
  assert.ok(lines.length >= 1, r.stdout);
  for (const l of lines) assert.equal(l, 'software:cpu:1e6');
});

test('attach points that match nothing: "No matches for ...", with " Skipping." under missing_probes=warn', root, () => {
  const err = runCli(['-e', 't:syscalls:nonsense { exit(); }']);
  assert.equal(err.code, 1);
  assert.match(err.stderr, /ERROR: No matches for tracepoint syscalls:nonsense\.\n/);
  const warn = runCli(['-e', 'config = { missing_probes = "warn" } t:syscalls:nonsense, BEGIN { exit(); }']);
  assert.equal(warn.code, 0, warn.stderr);
  assert.match(warn.stderr, /WARNING: No matches for tracepoint syscalls:nonsense\. Skipping\.\n/);
});

test('members of a struct copied into a variable or a map are read from the copy', root, () => {
  const r = runCli([
    '-e',
    'tracepoint:syscalls:sys_enter_clock_nanosleep /pid == cpid/ { $ts = *args.rqtp; @s = *args.rqtp; ' +
      'printf("%d %d %d\\n", $ts.tv_sec, $ts.tv_nsec, @s.tv_nsec); exit(); }',
    '-c',
    '/bin/sleep 0.01',
  ]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, '0 10000000 10000000\n\n\n@s: { .tv_sec = 0, .tv_nsec = 10000000 }\n');
});

test('options after the script file are options (getopt permutes); other words are its parameters', root, () => {
  const file = join(mkdtempSync(join(tmpdir(), 'bt-args-')), 'p.bt');
  writeFileSync(file, 'BEGIN { printf("%d %s %d\\n", $1, str($2), cpid > 0); exit(); }\n');
  const r = runCli([file, '7', '-c', '/bin/true', 'word', '-q']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, '7 word 1\n\n\n');
  assert.equal(r.stderr, '');
});

test('tuples whose strings widen at a later assignment keep every element, in variables and maps', root, () => {
  const r = runCli([
    '-e',
    'BEGIN { $a = ("hi", 1); print($a); $a = ("hellolongstr", 2); print($a); $a = ("by", 3); print($a); ' +
      '$n = ("hi", ("hellolongstr", 2)); print($n); $n = ("hellolongstr", ("hi", 5)); print($n); ' +
      '$t = ("ab", (int8)1); $u = ("abcdef", 7); $u = $t; print($u); ' +
      '@[1] = ("hi", 1); @[1] = ("hellolongstr", 2); @[1] = ("by", 3); exit(); }',
  ]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(
    r.stdout,
    '(hi, 1)\n(hellolongstr, 2)\n(by, 3)\n(hi, (hellolongstr, 2))\n(hellolongstr, (hi, 5))\n(ab, 1)\n\n\n@[1]: (by, 3)\n',
  );
});

test('ternaries of buffers or tuples of different widths take the wider type', root, () => {
  const r = runCli([
    '-e',
    'BEGIN { $a = nsecs ? buf("hi", 2) : buf("bye", 3); print($a); $d = nsecs < 0 ? buf("hi", 2) : buf("bye", 3); print($d); ' +
      '$b = nsecs ? ("hellolongstr", "a") : ("b", "hellolongstr"); print($b); $c = nsecs < 0 ? ("hellolongstr", "a") : ("b", "hellolongstr"); print($c); exit(); }',
  ]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, 'hi\nbye\n(hellolongstr, a)\n(b, hellolongstr)\n\n\n');
});

test('strftime of two nsecs values differs by exactly their difference (%f microseconds)', root, () => {
  const r = runCli(['-e', 'BEGIN { printf("%s %s\\n", strftime("%s.%f", 1000123000), strftime("%s.%f", 0)); exit(); }']);
  assert.equal(r.code, 0, r.stderr);
  const [a, b] = (r.stdout.split('\n')[0] as string).split(' ').map((x) => BigInt(x.replace('.', '')));
  assert.equal((a as bigint) - (b as bigint), 1000123n);
});

test('a listing piped to another command arrives whole; a reader that goes away ends it quietly', () => {
  const whole = runCli(['-l', 'tracepoint:*']).stdout.split('\n').length - 1;
  assert.ok(whole > 100, `${whole} tracepoints listed`);
  for (const env of [{}, { BPFTRACE_TS_NODE: '1' }]) {
    const piped = spawnSync('sh', ['-c', `'${LAUNCHER}' -l 'tracepoint:*' | wc -l`], {
      encoding: 'utf8',
      env: { ...process.env, ...env },
      timeout: 20000,
    });
    assert.equal(Number(piped.stdout.trim()), whole, JSON.stringify(env));
    const head = spawnSync('sh', ['-c', `'${LAUNCHER}' -l 'tracepoint:*' | head -1`], {
      encoding: 'utf8',
      env: { ...process.env, ...env },
      timeout: 20000,
    });
    assert.equal(head.stdout.split('\n').length, 2);
    assert.equal(head.stderr, '');
  }
});
