// strlen, strncmp, strstr, strcontains, str_concat: real kernel runs through the CLI.
// strncmp and strcontains outputs were checked against bpftrace 0.17 on the same scripts.

import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { runCli, shellCommand } from '../helpers/run.ts';
import { compileError, instructionCounts, output, probeFile, run, tempDir } from './run-script.ts';

test('strlen of literals, variables and comm', () => {
  const out = output(
    'BEGIN { $a = "hello world"; $e = ""; printf("%d %d %d %d %d\\n", strlen("abc"), strlen(""), strlen($e), strlen($a), strlen(comm) > 0); exit(); }',
  );
  assert.equal(out, '3 0 0 11 1\n\n\n');
});

test('strncmp (same results as bpftrace 0.17)', () => {
  const out = output(
    'BEGIN { printf("%d %d %d %d\\n", strncmp("abc", "abd", 2), strncmp("abc", "abd", 3), strncmp("abc", "abc", 10), strncmp("ab", "abc", 5));' +
      ' $a = "hello"; $b = "help"; printf("%d %d %d %d %d %d\\n", strncmp($a, $b, 3), strncmp($a, $b, 4), strncmp($a, "hello", 100), strncmp($a, "hellx", 4), strncmp($b, $a, 0), strncmp("hello", $a, 5)); exit(); }',
  );
  assert.equal(out, '0 1 0 1\n0 1 0 0 0 0\n\n\n');
});

test('strstr and strcontains on literals and variables', () => {
  const out = output(
    'BEGIN { $a = "hello world"; $n = "lo w"; $e = ""; ' +
      'printf("%d %d %d %d %d %d\\n", strstr("hello world", "world"), strstr("hello world", "o"), strstr("hello", ""), strstr("", ""), strstr("abc", "abcd"), strstr("abc", "x"));' +
      'printf("%d %d %d %d %d %d\\n", strstr($a, "wor"), strstr($a, $n), strstr($a, $a), strstr($a, $e), strstr($a, "xyz"), strstr($n, $a));' +
      'printf("%d %d %d %d %d\\n", strcontains($a, "wor"), strcontains($a, "xyz"), strcontains($a, ""), strcontains("", "a"), strcontains($a, $a)); exit(); }',
  );
  assert.equal(out, '6 4 0 0 -1 -1\n6 3 0 0 -1 -1\n1 0 1 0 1\n\n\n');
});

test('str_concat of literals and variables', () => {
  const out = output(
    'BEGIN { $a = "hello"; $b = "world"; printf("%s|%s|%s|%s\\n", str_concat("a", "b"), str_concat($a, " ", $b), str_concat($a, $b, "!"), str_concat("", $a, "")); @m[str_concat($a, $b)] = 1; exit(); }',
  );
  assert.equal(out, 'ab|hello world|helloworld!|hello\n\n\n@m[helloworld]: 1\n');
});

for (const maxStrlen of [64, 1024]) {
  test(`string functions on kernel strings (max_strlen ${maxStrlen})`, () => {
    const path = probeFile('NEEDLE-file.txt');
    const at = path.indexOf('NEEDLE');
    const out = output(
      `tracepoint:syscalls:sys_enter_openat /pid == cpid && strcontains(str(args.filename), "NEEDLE")/ { $f = str(args.filename);
        printf("%d %d %d %d %d %d %d\\n", strlen(args.filename), strlen($f), strstr($f, "NEEDLE"), strstr($f, str_concat("NEE", "DLE-")), strncmp($f, "/tmp/", 5), strcontains($f, "nope"), strcontains($f, comm));
        printf("%s|%d\\n", str_concat("[", $f, "]", comm), strlen(str_concat($f, $f))); }`,
      { maxStrlen, command: `/bin/cat ${path}` },
    );
    assert.equal(out, `x\n${path.length} ${path.length} ${at} ${at} 0 0 0\n[${path}]cat|${path.length * 2}\n\n\n`);
  });
}

test('str_concat cuts at 1024 bytes like bpftrace; strlen of a long kernel string', () => {
  // A path of about 620 bytes: concatenated with itself it passes bpftrace's string[1024].
  let dir = tempDir();
  for (const c of ['a', 'b', 'c']) {
    dir = join(dir, c.repeat(200));
    mkdirSync(dir);
  }
  const path = join(dir, 'LONG');
  writeFileSync(path, '');
  const out = output(
    `tracepoint:syscalls:sys_enter_openat /pid == cpid && strcontains(str(args.filename), "LONG")/ { $f = str(args.filename); $c = str_concat($f, $f);
      printf("%d %d %d %s\\n", strlen($f), strlen($c), strstr($c, "LONG"), $c); }`,
    { command: `/bin/cat ${path}` },
  );
  const cut = (path + path).slice(0, 1023);
  assert.equal(out, `${path.length} 1023 ${path.indexOf('LONG')} ${cut}\n\n\n`);
});

test('string argument errors', () => {
  assert.match(
    compileError('BEGIN { printf("%d\\n", strncmp(1, "abd", 2)); }'),
    /^stdin:1:24-44: ERROR: strncmp\(\) only supports string arguments \(integer provided\)\n/,
  );
  assert.match(
    compileError('BEGIN { $n = 2; printf("%d\\n", strncmp("a", "abd", $n)); }'),
    /ERROR: strncmp\(\) expects a integer literal \(integer provided\)/,
  );
  assert.match(
    compileError('BEGIN { printf("%d\\n", strcontains(1, "a")); }'),
    /^stdin:1:24-43: ERROR: strcontains\(\) only supports string arguments \(integer provided\)\n/,
  );
  assert.match(
    compileError('BEGIN { printf("%d\\n", strlen(1)); }'),
    /ERROR: strlen\(\) only supports string arguments \(integer provided\)/,
  );
  assert.match(compileError('BEGIN { printf("%d\\n", strlen()); }'), /ERROR: strlen\(\) requires 1 argument \(0 provided\)/);
  assert.match(compileError('BEGIN { printf("%d\\n", strstr("a")); }'), /ERROR: strstr\(\) requires 2 arguments \(1 provided\)/);
  assert.match(
    compileError('BEGIN { printf("%s\\n", str_concat("a")); }'),
    /ERROR: str_concat\(\) requires 2 to 64 arguments \(1 provided\)/,
  );
});

test('string code size does not grow with max_strlen', () => {
  const exprs = [
    'strlen($s)',
    'strncmp($s, $t, 2000)',
    'strncmp($s, "abc", 3)',
    'strstr($s, "needle")',
    'strcontains($s, $t)',
    'strstr($s, $t)',
  ];
  for (const e of exprs) {
    const script = `BEGIN { $p = 0; $s = str($p); $t = str($p + 8); printf("%d\\n", ${e}); }`;
    const [small] = instructionCounts(script, 64);
    const [large] = instructionCounts(script, 1024);
    assert.ok(small !== undefined && large !== undefined);
    // Only heap addressing differs (1024-byte strings live in the scratch map).
    assert.ok(Math.abs(large - small) <= 16, `${e}: ${small} insns at 64, ${large} at 1024`);
    assert.ok(large < 200, `${e}: ${large} insns`);
  }
});

test('str() of literals and positional parameters is settled at compile time, as bpftrace 0.26 folds it', () => {
  const r = runCli(
    [
      '-e',
      'BEGIN { printf("[%s] [%s] [%s] [%s] [%s] [%s] [%s] [%s] [%s]\\n", str("abcdef", 3), str(123), str(-5), str($1), str($1, 2), str($1 + 1), "xyz" + 1, 2 + "xyz", $1 + 3); printf("[%s]\\n", str($2)); exit(); }',
      'hello',
      '42',
    ],
    {},
  );
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, '[abc] [123] [-5] [hello] [he] [ello] [yz] [z] [lo]\n[42]\n\n\n');
  const empty = runCli(['-e', 'BEGIN { printf("[%s]\\n", "ab" + 2); exit(); }'], {});
  assert.equal(empty.stdout, '[]\n\n\n');
  assert.match(empty.stderr, /WARNING: literal string will always be empty/);
});

test('str() below 1024 bytes keeps a last character in place of the NUL: a string that fills max_strlen prints with the trailer (0.26)', () => {
  // A user path of 20 characters, read by str() under max_strlen 8: 8 characters and "..".
  const script =
    'tracepoint:syscalls:sys_enter_openat /pid == cpid && strcontains(str(args.filename, 6), "/tmp/")/ ' +
    '{ printf("P: %s\\n", str(args.filename)); @[str(args.filename)] = count(); print(str(args.filename, 5)); }';
  const r = run(script, { maxStrlen: 8, command: '/bin/cat /tmp/bpftrace_ts_trunc_xyz' });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, 'P: /tmp/bpf..\n/tmp\n\n\n@[/tmp/bpf..]: 1\n');
  // The trailer is configurable (str_trunc_trailer / BPFTRACE_STR_TRUNC_TRAILER); a string with
  // room for its NUL gets none.
  const custom = runCli([
    '-c',
    '/bin/cat /tmp/bpftrace_ts_trunc_xyz',
    '-e',
    `config = { max_strlen = 8; str_trunc_trailer = "~" } ${script}`,
  ]);
  assert.equal(custom.code, 0, custom.stderr);
  assert.equal(custom.stdout, 'P: /tmp/bpf~\n/tmp\n\n\n@[/tmp/bpf~]: 1\n');
  assert.equal(output('BEGIN { printf("%s\\n", str(comm)); exit(); }', { maxStrlen: 64 }).includes('..'), false);
});

test('strings of a large max_strlen: scratch memory beyond a per-CPU value (32 KiB) comes from a per-CPU slot of a plain array', () => {
  // A map of 9999-byte keys and values walked with for: the loop body's copy of (key, value)
  // and the strings around it need more than 32 KiB, which a per-CPU array refuses (E2BIG).
  const long = `/${'X'.repeat(5555)}`;
  const r = runCli(
    [
      '-e',
      't:syscalls:sys_enter_execve /strncmp(str(args.filename), "/XXX", 4) == 0/ { @m[str(args.filename)] = str(args.filename); for ($kv : @m) { if ($kv.0 == $kv.1) { printf("%d\\n", strlen($kv.0)); exit(); } } }',
      '-c',
      shellCommand(`exec ${long} 2>/dev/null; true`),
    ],
    { env: { BPFTRACE_MAX_STRLEN: '9999' } },
  );
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^5556\n/);
});
