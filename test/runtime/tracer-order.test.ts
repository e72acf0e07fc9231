// bpftrace 0.26: "begin is triggered before all other probes are attached".

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runCli } from '../helpers/run.ts';

test('BEGIN runs before other probes attach: no event sees the state before BEGIN set it', () => {
  // Were the tracepoint attached first, the bpf() call that runs BEGIN would itself enter a
  // syscall with @b still 0, every time.
  const r = runCli([
    '-e',
    'tracepoint:raw_syscalls:sys_enter /@b == 0/ { @early = count(); } BEGIN { @b = 1; printf("begin\\n"); exit(); }',
  ]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, 'begin\n\n\n@b: 1\n');
});

test('begin,end in one probe: END still runs after exit() (bpftrace runtime test probe.begin,end)', () => {
  const r = runCli(['-e', 'begin,end { printf("Hello %s\\n", probe); exit(); }']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, 'Hello begin\nHello end\n\n\n');
  assert.equal(r.stderr, 'Attached 2 probes\n');
});

test('a probe mixing a kernel-fired type with END: each runs its own way, exit() stops only the fired one', () => {
  // The interval program checks the exit flag; END's program (same body) does not.
  const r = runCli(['-e', 'interval:ms:10,end { if (probe == "end") { @e = count(); } else { @i = count(); exit(); } }']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, '\n\n@e: 1\n@i: 1\n');
  assert.equal(r.stderr, 'Attached 2 probes\n');
});
