// Builtins finished in user space (time, strftime, username, join, cat, system, getopt...) and
// the runtime's own reports (errorf/warnf locations; failed helpers are in helper-errors.test.ts).

import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { runCli, shellCommand } from '../helpers/run.ts';

test('strftime of nsecs and time() print the current local date', () => {
  const r = runCli(['-e', 'BEGIN { printf("%s\\n", strftime("%Y-%m-%d", nsecs)); time("%Y|\\n"); exit(); }']);
  assert.equal(r.code, 0, r.stderr);
  const d = new Date();
  const ymd = `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
  assert.equal(r.stdout, `${ymd}\n${d.getFullYear()}|\n\n\n`);
});

test('username and uid of the tracer (root)', () => {
  const r = runCli(['-e', 'BEGIN { printf("%s %d\\n", username, uid); exit(); }']);
  assert.equal(r.stdout, 'root 0\n\n\n');
});

test('elapsed grows; cpid is the -c child; ncpus matches the machine', () => {
  const r = runCli([
    '-e',
    'BEGIN { $a = elapsed; } tracepoint:syscalls:sys_enter_exit_group /pid == cpid/ { printf("%d %d\\n", elapsed > 0, ncpus); }',
    '-c',
    'true',
  ]);
  assert.equal(r.code, 0, r.stderr);
  const online = readFileSync('/sys/devices/system/cpu/online', 'utf8').trim();
  const n = online.split(',').reduce((k, p) => {
    const [a, b] = p.split('-').map(Number);
    return k + (b === undefined ? 1 : (b as number) - (a as number) + 1);
  }, 0);
  assert.equal(r.stdout, `1 ${n}\n\n\n`);
});

test('join(args.argv) prints the argv of an exec', () => {
  const r = runCli([
    '-e',
    'tracepoint:syscalls:sys_enter_execve /ppid == cpid || pid == cpid/ { join(args.argv); }',
    '-c',
    shellCommand('/bin/echo one two >/dev/null'),
  ]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^\/bin\/echo one two$/m);
});

test('cat() prints a file, and a clear message for a missing one', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cat-'));
  const f = join(dir, 'f.txt');
  writeFileSync(f, 'line one\nline two\n');
  const r = runCli(['-e', `BEGIN { cat("${f}"); cat("%s/missing", "${dir}"); exit(); }`]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, `line one\nline two\nERROR: failed to open file '${dir}/missing' (No such file or directory)\n\n\n`);
});

test('cat() with an integer then a string argument reads the file they name', () => {
  // The record's arguments are laid out as printf's are (an int took 64 bytes here once).
  const dir = mkdtempSync(join(tmpdir(), 'cat-'));
  writeFileSync(join(dir, '7.txt'), 'seven\n');
  const r = runCli(['-e', `BEGIN { cat("${dir}/%d.%s", 7, "txt"); exit(); }`]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, 'seven\n\n\n');
});

test('system() with --unsafe prints what the command printed', () => {
  const r = runCli(['--unsafe', '-e', 'BEGIN { system("echo %d", 42); exit(); }']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, '42\n\n\n\n');
});

test('getopt: named options after --, typed by their defaults', () => {
  const r = runCli([
    '-e',
    'BEGIN { print((getopt("aa", 10, "Description of aa"), getopt("bb", "hello"), getopt("cc"), getopt("dd", false))); printf("%s\\n", $1); exit(); }',
    '--',
    '--cc',
    '--bb=bye',
    'positional',
  ]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, '(10, bye, true, false)\npositional\n\n\n');
});

test('errorf and warnf go to stderr with the call location', () => {
  const r = runCli(['-e', 'BEGIN { errorf("bad %d", 5); warnf("careful %s", "x"); exit(); }']);
  assert.equal(r.code, 0);
  assert.match(r.stderr, /^stdin:1:9-28: ERROR: bad 5\nstdin:1:30-54: WARNING: careful x\n/m);
});

test('kstack and ksym resolve kernel symbols', () => {
  const r = runCli(['-e', 'BEGIN { @s[kstack(3)] = count(); printf("%s\\n", ksym(kaddr("vfs_read"))); exit(); }']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^vfs_read\n/);
  assert.match(r.stdout, /@s\[\n\s+\w+\+\d+\n/);
});

test('print_maps_on_exit=false keeps the maps quiet', () => {
  const r = runCli(['-e', 'config = { print_maps_on_exit = false } BEGIN { @x = 1; exit(); }']);
  assert.equal(r.stdout, '\n\n');
});

test('tseries: intervals with their aggregated values, a warning unless enabled', () => {
  const r = runCli(['-e', 'i:ms:10 { @ = tseries(5, 100ms, 3, "max"); } i:ms:350 { exit(); }']);
  assert.equal(r.code, 0, r.stderr);
  // 0.26's words, once, without a location.
  assert.ok(
    r.stderr.startsWith(
      'WARNING: Script is using an unstable feature: tseries. To prevent this warning you must explicitly enable it in the config e.g. unstable_tseries=enable\n',
    ),
    r.stderr,
  );
  const lines = r.stdout.split('\n');
  assert.equal(lines[2], '@:');
  assert.match(lines[4] as string, /^hh:mm:ss\.ms {2}\|_+\|$/);
  const points = lines.filter((l) => /^\d\d:\d\d:\d\d\.\d{3} /.test(l));
  assert.equal(points.length, 3);
  for (const p of points) assert.match(p, / 5$/);
  const quiet = runCli(['-e', 'config = { unstable_tseries = enable } i:ms:10 { @ = tseries(1, 100ms, 2); } i:ms:120 { exit(); }']);
  assert.doesNotMatch(quiet.stderr, /unstable/);
});
