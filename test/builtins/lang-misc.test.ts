// Language details bpftrace 0.26's runtime tests pin down: stdlib-style builtin spellings,
// macros shadowing builtins, pid namespaces, early reads of declared variables, records in
// another field order, named options, attach points built from positional parameters, loops
// whose body is a callback, and output details (empty scalar maps, tseries with a scripted
// clock, JSON). Real programs on this kernel.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { LAUNCHER, runCli } from '../helpers/run.ts';
import { compileError, output } from './run-script.ts';

test('__builtin_ spellings read the builtin values; usermode is 1 in BEGIN and END', () => {
  const out = output(
    'BEGIN { if (__builtin_comm == comm() && __builtin_cpu == cpu && __builtin_ncpus == ncpus) { printf("same %d\\n", __builtin_usermode); } ' +
      'printf("%d\\n", usermode); exit(); } END { printf("end %d\\n", usermode()); }',
  );
  assert.equal(out, 'same 1\n1\nend 1\n\n\n');
});

test('pid/tid take curr_ns or init; ppid takes a task', () => {
  const out = output(
    'BEGIN { printf("%d %d %d\\n", pid == pid(curr_ns) && pid == pid(init), tid(init) == tid, ppid(curtask) == ppid); exit(); }',
  );
  assert.equal(out, '1 1 1\n\n\n');
  // In a new pid namespace our process is pid 1 there, while init's view is the host's pid.
  const script = 'BEGIN { printf("%d %d %d\\n", pid, tid(curr_ns), pid(init) > 1); exit(); }';
  const ns = spawnSync('unshare', ['--fork', '--pid', '--mount-proc', LAUNCHER, '-e', script], { encoding: 'utf8', timeout: 20000 });
  assert.equal(ns.stdout, '1 1 1\n\n\n', ns.stderr);
  assert.match(compileError('BEGIN { print(pid(foo)); }'), /ERROR: Invalid PID namespace mode: foo \(expects: curr_ns or init\)/);
  assert.match(compileError('BEGIN { print(tid(1)); }'), /ERROR: tid\(\) only supports curr_ns and init as the argument/);
});

test('user macros shadow builtins only with the same signature', () => {
  assert.equal(output('macro cpu() { "hi\\n" } BEGIN { printf(cpu()); exit(); }'), 'hi\n\n\n');
  assert.match(output('macro cpu(x) { x } BEGIN { print(cpu("hi")); printf("SUCCESS %llu\\n", cpu()); exit(); }'), /^hi\nSUCCESS \d+\n/);
  assert.equal(output('macro three(x) { x; x; x; } BEGIN { three({ printf("hi") }); exit(); }'), 'hihihi\n\n');
});

test('print() of a scalar map never written prints its zero', () => {
  assert.equal(output('BEGIN { print(@); exit(); } END { @ = 1; clear(@); }'), '@: 0\n\n\n');
  assert.equal(
    output('BEGIN { print(@s); exit(); } END { @s = stats(1); clear(@s); }'),
    '@s: { .count = 0, .average = 0, .total = 0 }\n\n\n',
  );
  assert.equal(output('BEGIN { print(@r); exit(); } END { @r = (a=1, b=(2, "hi")); clear(@r); }'), '@r: { .a = 0, .b = (0, ) }\n\n\n');
  assert.match(
    compileError('BEGIN { @g = 2; if (has_key(@g, 2)) { } }'),
    /ERROR: call to has_key\(\) expects a map with explicit keys \(non-scalar map\)/,
  );
});

test('a declared variable reads zero before assignment (a warning)', () => {
  const r = runCli(['-e', 'BEGIN { let $a; if ($a) { $a = 1; } printf("%d\\n", $a); exit(); }']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, '0\n\n\n');
  assert.match(r.stderr, /WARNING: Variable used before it was assigned: \$a/);
});

test('records with the same fields in another order are one type, assigned by name', () => {
  const out = output(
    'BEGIN { $a = (foo={ printf("h"); 1 }, bar={ printf("w"); 2 }); $a = (bar={ printf("H"); 1 }, foo={ printf("W\\n"); 2 }); print($a); ' +
      '$b = (bar=5, foo=6); $a = $b; print($a); exit(); }',
  );
  assert.equal(out, 'hwHW\n{ .foo = 2, .bar = 1 }\n{ .foo = 6, .bar = 5 }\n\n\n');
});

test('a map assigned a block ending in an aggregation', () => {
  assert.equal(output('BEGIN { @ = { let $a = 100; avg($a) }; exit(); }'), '\n\n@: 100\n');
});

test('for loops: return in a map walk leaves the probe; ranges bounded at run time', () => {
  assert.equal(
    output(
      'BEGIN { @m["foo"] = 1; @m["bar"] = 2; for ($i : @m) { if ($i.0 == "bar") { print($i.0); return; } } print("end"); } i:ms:1 { clear(@m); exit(); }',
    ),
    'bar\n\n\n',
  );
  assert.equal(output('BEGIN { @n[5] = 3; for ($i : 0..@n[5]) { print($i); } clear(@n); exit(); }'), '0\n1\n2\n\n\n');
  assert.equal(output('BEGIN { @a = 2; for ($i : 0..@a) { @a += 1; } print(@a); clear(@a); exit(); }'), '@a: 4\n\n\n');
  assert.equal(
    output('BEGIN { $n = 5; for ($i : 1..$n) { if ($i == 2) { continue; } if ($i == 4) { break; } print($i); } exit(); }'),
    '1\n3\n\n\n',
  );
});

test('positional parameters in attach points', () => {
  assert.equal(runCli(['-e', 'i:ms:$1 { printf("hello\\n"); exit(); }', '1']).stdout, 'hello\n\n\n');
  assert.equal(runCli(['-e', 'BEG$1 { printf("hello\\n"); exit(); }', 'IN']).stdout, 'hello\n\n\n');
  assert.equal(runCli(['-e', '$1 { printf("hello\\n"); exit(); }', 'i:ms:1']).stdout, 'hello\n\n\n');
});

test('named options: values, bpftrace messages, unexpected ones and --help', () => {
  const ok = runCli([
    '-e',
    'BEGIN { print((getopt("aa", 20), getopt("bb", -1), getopt("cc", true), getopt("dd"), getopt("ee", "hello"))); exit(); }',
    '--',
    '--dd',
    '--aa=0xffffffffffffffff',
    '--bb=-10',
    '--cc=False',
  ]);
  assert.equal(ok.stdout, '(18446744073709551615, -10, false, true, hello)\n\n\n', ok.stderr);
  const bad = runCli(['-e', 'BEGIN { print(getopt("aa", 10)); }', '--', '--aa=False']);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /^ERROR: program command line option --aa invalid integer \(value: False\)$/m);
  const unknown = runCli(['-e', 'BEGIN { print(getopt("aa", 10)); }', '--', '--bb']);
  assert.equal(unknown.code, 1);
  assert.match(unknown.stderr, /^ERROR: unexpected program command line options: --bb\nHINT: expected program options: --aa$/m);
  const help = runCli(['-e', 'BEGIN { print((getopt("aa", 10, "Description of aa"), getopt("bb", 1), getopt("cc"))); }', '--', '--help']);
  assert.equal(help.code, 1);
  assert.match(help.stderr, /HINT: expected program options:\n--aa: Description of aa\n--bb\n--cc\n/);
});

test('errorf in a macro names the macro use it came through', () => {
  const r = runCli(['-e', 'macro bad() { errorf("Something bad"); } BEGIN { bad(); exit(); }']);
  assert.match(
    r.stderr,
    /stdin:1:15-38: ERROR: Something bad\nstdin:1:50-55: ERROR: expanded from\nmacro bad\(\) \{ errorf\("Something bad"\); \} BEGIN \{ bad\(\); exit\(\); \}\n {49}~~~~~\n/,
  );
});

test('tseries reads its clock from BPFTRACE_DUMMY_TS_MAP; exit() stops probes still firing', () => {
  const script =
    'BEGIN { @ts = (uint64)0; } i:ms:1 { $i = (uint64)0; while ($i < 100) { @a = tseries($i % 10, 100ms, 5); @ts += 10000000; $i++; } clear(@ts); exit(); }';
  const r = runCli(['-e', script], { env: { BPFTRACE_DUMMY_TS_MAP: '@ts', TZ: 'UTC' } });
  assert.equal(r.code, 0, r.stderr);
  const rows = r.stdout.split('\n').filter((l) => /^\d\d:\d\d:\d\d\.\d{3} /.test(l));
  assert.deepEqual(
    rows.map((l) => l.slice(0, 12)),
    ['00:00:00.500', '00:00:00.600', '00:00:00.700', '00:00:00.800', '00:00:00.900'],
  );
  assert.ok(rows.every((l) => l.endsWith('| 9')));
  // A second firing would have left @ts behind after clear().
  assert.doesNotMatch(r.stdout, /@ts/);
});

test("exit() in BEGIN: probes count events until everything is attached and the exit is read, as bpftrace's do", () => {
  // Attaching each tracepoint is itself a few syscalls, which the ones attached before see.
  const r = runCli(['-e', 'BEGIN { exit(); } tracepoint:syscalls:sys_enter_* { @ = count(); }']);
  assert.equal(r.code, 0, r.stderr);
  const n = Number(/^@: (\d+)$/m.exec(r.stdout)?.[1]);
  assert.ok(n > 0, r.stdout);
});

/** bpftrace's tseries runtime tests' clock: @ts advanced by the script itself (BPFTRACE_DUMMY_TS_MAP). */
function dummyClockRun(body: string, args: string[] = []): { stdout: string; stderr: string; code: number | null } {
  const script = `BEGIN { @ts = (uint64)0; } i:ms:1 { $ms = (uint64)1000000; $i = (uint64)0; ${body} clear(@ts); exit(); }`;
  return runCli([...args, '-e', script], { env: { BPFTRACE_DUMMY_TS_MAP: '@ts', TZ: 'UTC' } });
}

test('tseries: a slot filed at time 0 reads 0 there (bpftrace takes epoch 0 for a slot never written)', () => {
  const body =
    'while ($i < 5) { @a["one"] = tseries(5, 100ms, 10); @ts += 100 * $ms; $i++; } ' +
    '$i = 0; while ($i < 5) { @a["two"] = tseries(4, 100ms, 10); @ts += 100 * $ms; $i++; }';
  const r = dummyClockRun(body);
  assert.equal(r.code, 0, r.stderr);
  const one = r.stdout.slice(r.stdout.indexOf('@a[one]:'), r.stdout.indexOf('@a[two]:')).split('\n');
  assert.equal(one[1], '             0                                                   5');
  assert.equal(one[3], '00:00:00.000 *                                                   | 0');
  assert.equal(one[4], '00:00:00.100 |                                                   * 5');
  assert.equal(one[8], '00:00:00.500 |                                                   | -');
  const json = dummyClockRun(body, ['-q', '-f', 'json']);
  assert.equal(json.code, 0, json.stderr);
  assert.match(
    json.stdout,
    /"one": \[\{"interval_start":"1970-01-01 00:00:00.000000000","value":0\},\{"interval_start":"1970-01-01 00:00:00.100000000","value":5\}/,
  );
});

test('tseries: a flat series is drawn from one below to one above, within its type (unsigned 0 gives 0..1)', () => {
  const flat = (value: string): string[] => {
    const r = dummyClockRun(`while ($i < 20) { @a = tseries(${value}, 100ms, 5, "min"); @ts += 50 * $ms; $i++; }`);
    assert.equal(r.code, 0, r.stderr);
    return r.stdout.split('\n').filter((l) => l.length > 0);
  };
  // `$i % 1` is unsigned (0.26: a literal takes the other operand's sign), so 0 cannot go lower.
  const unsigned = flat('$i % 1');
  assert.equal(unsigned[1], '             0                                                   1');
  assert.equal(unsigned[3], '00:00:00.500 *                                                   | 0');
  const signed = flat('(int64)$i % 1');
  assert.equal(signed[1], '             -1                                                  1');
  assert.equal(signed[3], '00:00:00.500 |                         *                         | 0');
  const four = flat('$i * 0 + 4');
  assert.equal(four[1], '             3                                                   5');
  assert.equal(four[3], '00:00:00.500 |                         *                         | 4');
});

test('an integer literal takes the sign of the other operand (0.26 sign-flexible literals), except in `-`', () => {
  const out = output(
    'config = { unstable_typeinfo = enable } BEGIN { $u = (uint64)7; $s = (int32)7; $w = (uint32)7; ' +
      'printf("%s %s %s %s %s\\n", typeinfo($u % 10).full_type, typeinfo(10 * $u).full_type, typeinfo($s + 1).full_type, ' +
      'typeinfo($w + 1).full_type, typeinfo($u - 1).full_type); exit(); }',
  );
  assert.equal(out, 'uint64 uint64 int64 uint64 int64\n\n\n');
});

test('JSON: -q leaves out attached_probes; join data has no newline', () => {
  const r = runCli(['-q', '-f', 'json', '-e', 'BEGIN { $t = (1, strftime("%m/%d/%y", nsecs)); print($t); exit(); }']);
  assert.match(r.stdout, /^\{"type": "value", "data": \[1,"\d\d\/\d\d\/\d\d"\]\}\n/);
  const j = runCli([
    '--unsafe',
    '-q',
    '-f',
    'json',
    '-e',
    'tracepoint:syscalls:sys_enter_execve { join(args.argv, ","); }',
    '-c',
    '/bin/echo A',
  ]);
  assert.match(j.stdout, /\{"type": "join", "data": "\/bin\/echo,A"\}\n/);
});

test('script struct definitions: only char arrays are strings', () => {
  assert.match(
    compileError('struct S { uint8_t c[4]; char s[4]; } BEGIN { $p = (struct S *)0; print(buf($p.s)); }'),
    /buf\(\) expects a length argument for non-array type string/,
  );
  const r = runCli(['-e', 'struct S { uint8_t c[4]; } BEGIN { $p = (struct S *)0; $b = buf($p.c); exit(); }']);
  assert.equal(r.code, 0, r.stderr);
});

test('a script struct task_struct types curtask', () => {
  const r = runCli(['-e', 'struct task_struct { int x; } i:ms:1 { printf("SUCCESS %d\\n", curtask.x); exit(); }']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^SUCCESS -?\d+\n/);
});

test('a map walked before its first assignment in the source takes the type assigned later', () => {
  const r = runCli([
    '-e',
    'interval:ms:50 { $x = 1; for ($kv : @a) { print(($x, $kv.0, $kv.1)); break; } if (@a[1]) { clear(@a); exit(); } @a[1] = 1; }',
  ]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, '(1, 1, 1)\n\n\n');
});

test('len() of a stack is its depth, up to the stack limit', () => {
  const out = output('t:syscalls:sys_enter_execve { $s = ustack(3); printf("%d %d\\n", len($s), len(kstack(2))); exit(); }', {
    command: '/bin/true',
  });
  assert.match(out, /^[1-3] [1-2]\n/);
  assert.match(compileError('BEGIN { print(len(1)); }'), /ERROR: call to len\(\) expects a map, ustack, or kstack/);
});
