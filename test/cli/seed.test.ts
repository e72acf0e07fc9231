// The examples of the tutorial this project started from (shared/seed), as a user would type
// them. kprobe examples need a kernel with kprobes: tested in the VM suite (test/vm).

import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { runCli } from '../helpers/run.ts';

test('seed: BEGIN/END with print() of strings (0.17 needed Ctrl-C; 0.26 and we end after BEGIN)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'seed-'));
  const file = join(dir, 'hello.bt');
  writeFileSync(file, 'BEGIN{\n    print("hello world.\\n");\n}\n\nEND {\n    print("bye world.\\n");\n}\n');
  const { stdout: out, code } = runCli([file]);
  assert.equal(code, 0);
  // Same bytes as bpftrace 0.17 for this script (its "Attaching" line aside).
  assert.equal(out, 'hello world.\n\nbye world.\n\n\n\n');
});

test('seed: bpftrace -lv tracepoint:raw_syscalls:sys_exit', () => {
  const r = runCli(['-lv', 'tracepoint:raw_syscalls:sys_exit']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, 'tracepoint:raw_syscalls:sys_exit\n    long id\n    long ret\n');
});

test('seed: tracepoint:timer:tick_stop attaches and counts', () => {
  const r = runCli(['-e', 'tracepoint:timer:tick_stop { @stops = count(); } interval:ms:200 { exit(); }']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /Attached 2 probes/);
});

test('seed: args->field in a tracepoint (raw_syscalls:sys_exit ret)', () => {
  const r = runCli(['-e', 'tracepoint:raw_syscalls:sys_exit /pid == cpid/ { @ret[args->ret >= 0] = count(); }', '-c', 'true']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /@ret\[true\]: \d+/);
});

test('seed: the tutorial\'s "probe:filter:" shape gets a hint about /filter/', () => {
  const r = runCli(['-e', 'kprobe:do_sys_open:filter: { printf("x\\n"); }']);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /HINT: a filter is written \/expr\/ between the probe and the block/);
});
