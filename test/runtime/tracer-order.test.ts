// bpftrace 0.26: "begin is triggered before all other probes are attached".

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runCli } from '../helpers/run.ts';

test('BEGIN runs before other probes attach: its output survives a probe that exits at once', () => {
  for (let i = 0; i < 5; i++) {
    const r = runCli(['-e', 'BEGIN { printf("begin\\n"); } interval:ms:1 { printf("tick\\n"); exit(); }']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.split('\n')[0], 'begin');
  }
});
