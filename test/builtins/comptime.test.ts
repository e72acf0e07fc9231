// Builtins decided while compiling (is_* predicates, if comptime, fail, static_assert,
// assert_str, probetype, has_cpid, config, default_str_length) and strcap()/memcmp(): real runs
// through the CLI. bpftrace 0.17 has none of them; expected values follow 0.26's stdlib docs.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compileError, output, run } from './run-script.ts';

test('type predicates are constant bools', () => {
  const out = output(
    'BEGIN { $s = "hello"; $i = (uint8)3; $p = curtask; ' +
      'printf("%d %d %d %d %d\\n", is_str($s), is_str($i), is_integer($i), is_unsigned_integer($i), is_unsigned_integer(-1)); ' +
      'printf("%d %d %d %d %d\\n", is_ptr($p), is_ptr($s), is_array($s), is_literal(5), is_literal($i)); ' +
      '$b = is_literal("x"); if ($b) { printf("literal\\n"); } exit(); }',
  );
  assert.equal(out, '1 0 1 1 0\n1 0 0 1 0\nliteral\n\n\n');
});

test('if comptime keeps only the branch taken: fail() in the other is never reached', () => {
  const out = output(
    'BEGIN { $s = "x"; if comptime (is_str($s)) { printf("str\\n"); } else { fail("not a string"); } ' +
      'if comptime probetype != "special" { fail("wrong probe type %s", probetype); } else if comptime is_str($s) { printf("chain\\n"); } ' +
      'if comptime !is_integer($s) { static_assert(is_str($s), "string wanted"); assert_str($s); } exit(); }',
  );
  assert.equal(out, 'str\nchain\n\n\n');
});

test('a macro whose value is an if comptime chain keeps the branch for its argument type', () => {
  const out = output(
    'macro n(x) { if comptime is_integer(x) { x + 1 } else if comptime is_str(x) { strcap(x) } else { fail("bad argument") } } ' +
      'BEGIN { $s = "abc"; print((n(41), n($s))); exit(); }',
  );
  assert.equal(out, '(42, 4)\n\n\n');
  assert.match(
    compileError('macro n(x) { if comptime is_integer(x) { x } else { fail("bad argument") } } BEGIN { print(n("a")); }'),
    /ERROR: bad argument/,
  );
});

test('fail(), static_assert() and assert_str() errors, with the script location', () => {
  assert.match(
    compileError('BEGIN { if comptime (probetype == "special") { fail("Expected %d, got %s", 2, probetype); } }'),
    /^stdin:1:48-89: ERROR: Expected 2, got special$/m,
  );
  assert.match(compileError('BEGIN { static_assert(1 > 2, "one is not more"); }'), /^stdin:1:9-48: ERROR: one is not more$/m);
  assert.match(compileError('BEGIN { $i = 1; assert_str($i); }'), /ERROR: string-like values must be either strings, arrays or pointers/);
  assert.match(compileError('BEGIN { assert_str(curtask); }'), /ERROR: string-like pointers must point to a char-like type/);
  assert.match(
    compileError('BEGIN { $i = 1; if comptime ($i > 0) { print(1); } }'),
    /^stdin:1:30-36: ERROR: if comptime expects a condition known when compiling$/m,
  );
  assert.match(
    compileError('BEGIN { $i = 1; static_assert($i, "x"); }'),
    /ERROR: static_assert\(\) expects a condition known when compiling/,
  );
  assert.match(compileError('BEGIN { fail("at %d", pid); }'), /ERROR: fail\(\) arguments must be known when compiling/);
});

test('probetype names the kind of the probe', () => {
  // One probe per run: output from BEGIN can be lost when another probe exits at once.
  assert.equal(output('BEGIN { printf("%s\\n", probetype); exit(); }'), 'special\n\n\n');
  // A probe may fire again (or on another CPU) before exit() lands: every line must name it.
  const onlyLines = (out: string, name: string): void => {
    const lines = out.split('\n').filter((l) => l !== '');
    assert.ok(lines.length >= 1 && lines.every((l) => l === name), out);
  };
  onlyLines(output('interval:ms:1 { printf("%s\\n", probetype()); exit(); }'), 'interval');
  assert.equal(output('BEGIN { exit(); } END { if (probetype == "special") { printf("end special\\n"); } }'), 'end special\n\n\n');
  onlyLines(output('tracepoint:raw_syscalls:sys_enter { printf("%s\\n", probetype); exit(); }'), 'tracepoint');
});

test('has_cpid is true only with -c', () => {
  assert.equal(output('BEGIN { printf("%d\\n", has_cpid); exit(); }'), '0\n\n\n');
  assert.equal(output('BEGIN { printf("%d %d\\n", has_cpid(), cpid > 0); exit(); }', { command: '/bin/true' }), '1 1\n\n\n');
});

test('config is a record of the config values; config blocks still parse', () => {
  const out = output(
    'config = { max_strlen = 64; stack_mode = perf } ' +
      'BEGIN { printf("%d %s %s %d\\n", config.max_strlen, config.stack_mode, config().missing_probes, default_str_length()); ' +
      'if (config.print_maps_on_exit) { printf("maps\\n"); } exit(); }',
  );
  assert.equal(out, '64 perf error 64\nmaps\n\n\n');
  assert.equal(output('BEGIN { printf("%d\\n", config.max_strlen); exit(); }', { maxStrlen: 100 }), '100\n\n\n');
  const all = output('BEGIN { print(config); exit(); }');
  assert.match(all, /^\{ \.cpp_demangle = true, .*\.max_strlen = 1024, .*\.license = GPL \}$/m);
  // 0.26 built with blazesym (the reference) shows debug info by default.
  assert.match(all, /\.show_debug_info = true,/);
  const off = 'config = { show_debug_info = 0 } BEGIN { printf("%d\\n", config.show_debug_info); exit(); }';
  assert.equal(output(off), '0\n\n\n');
});

test('strcap: capacity of strings and char arrays, length behind a char pointer', () => {
  const out = output('BEGIN { $s = "hello"; printf("%d %d %d\\n", strcap($s), strcap("ab"), strcap(str((int8 *)0))); exit(); }', {
    maxStrlen: 64,
  });
  assert.equal(out, '6 3 64\n\n\n');
  assert.equal(output('tracepoint:sched:sched_switch { printf("%d\\n", strcap(args.prev_comm)); exit(); }'), '16\n\n\n');
  const r = run(
    'tracepoint:syscalls:sys_enter_openat /pid == cpid && str(args.filename) == "/nonexistent-strcap"/ { printf("%d\\n", strcap(args.filename)); }',
    { command: '/bin/cat /nonexistent-strcap' },
  );
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, '19\n\n\n');
  assert.match(compileError('BEGIN { print(strcap(1)); }'), /ERROR: string-like values must be either strings, arrays or pointers/);
});

test('memcmp compares bytes: 0 when equal, else the first difference as signed chars', () => {
  const out = output(
    'BEGIN { $a = "abcd"; $b = "abzd"; @m[1] = (1, 2); ' +
      'print((memcmp($a, $b, 2), memcmp($a, $b, 4), memcmp($b, $a, 3), memcmp(1, 1, 8), memcmp((1, "x"), (1, "y"), 3))); ' +
      'print(memcmp(@m[1], (1, 2), 2)); print(memcmp((int8)-1, (int8)1, 1)); delete(@m, 1); exit(); }',
  );
  assert.equal(out, '(0, -23, 23, 0, -1)\n0\n-2\n\n\n');
  assert.match(
    compileError('BEGIN { $a = "ab"; print(memcmp($a, "abc", 10)); }'),
    /^stdin:1:44-46: ERROR: memcmp\(\) count 10 is larger than its arguments \(string\[3\] and string\[4\]: 3 bytes to compare\)$/m,
  );
  assert.match(
    compileError('BEGIN { print(memcmp(1, 2, pid)); }'),
    /ERROR: memcmp\(\) expects a non-negative integer count known when compiling/,
  );
});

test('typeinfo describes a static type as a record, folded in comptime conditions', () => {
  // Unstable in 0.26: refused unless the config enables it.
  const refused = compileError('BEGIN { print(typeinfo(1)); }');
  assert.match(
    refused,
    /ERROR: typeinfo feature is not enabled by default\. To enable this unstable feature, set the config flag to enable\. unstable_typeinfo=enable/,
  );
  // The only error, as 0.26 stops there.
  assert.equal(refused.match(/ERROR/g)?.length, 1, refused);
  const out = output(
    'struct Foo { int a; } config = { unstable_typeinfo = enable } BEGIN { $a = (uint32)1; print(typeinfo($a)); print(typeinfo(struct Foo *)); ' +
      'print(typeinfo((1, "ab"))); print(typeinfo((x = 1, y = "s")).full_type); ' +
      'if comptime (typeinfo($a).full_type == "uint32" && typeinfo(comm).base_type == "string") { printf("folded\\n"); } else { fail("not folded"); } ' +
      'static_assert(typeinfo(curtask).base_type == "pointer", "curtask is a pointer"); exit(); }',
  );
  assert.equal(
    out,
    '{ .btf_id = 0, .base_type = int, .full_type = uint32 }\n' +
      '{ .btf_id = 0, .base_type = pointer, .full_type = struct Foo * }\n' +
      '{ .btf_id = 0, .base_type = tuple, .full_type = (int8,string[3]) }\n' +
      'record { .x = int8, .y = string[2] }\n' +
      'folded\n\n\n',
  );
  // The argument is only inspected: a macro passes a type through typeof.
  assert.equal(
    output('config = { unstable_typeinfo = warn } macro ti(t) { typeinfo(t) } BEGIN { print(ti(typeof(int16)).base_type); exit(); }'),
    'int\n\n\n',
  );
});
