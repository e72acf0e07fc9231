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
