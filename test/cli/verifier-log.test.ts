// -v loads programs with the verifier's log in a buffer of log_size bytes (BPFTRACE_LOG_SIZE or
// `config = { log_size = N }`), as bpftrace does: a log that does not fit fails the load.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runCli } from '../helpers/run.ts';

const prog = 'begin { printf("loaded\\n"); exit(); }';

test('-v with a log_size too small for the log: the load fails with bpftrace report', () => {
  const r = runCli(['-v', '-e', prog], { env: { BPFTRACE_LOG_SIZE: '2' } });
  assert.equal(r.code, 1);
  assert.equal(r.stdout, '');
  assert.match(
    r.stderr,
    /^ERROR: Error loading BPF program for begin_1\. Error code: -28 \(No space left on device\)\.\nKernel error log: \n/,
  );
  assert.match(
    r.stderr,
    /\nWARNING: Kernel log seems to be trimmed\. .* beyond the current value of 2 bytes\. Or, add the configuration `config = \{ log_size = N; \}` to the script\.\n$/,
  );
});

test('log_size from the script config counts too; without -v no log is asked for', () => {
  const small = `config = { log_size = 2 } ${prog}`;
  const v = runCli(['-v', '-e', small]);
  assert.equal(v.code, 1);
  assert.match(v.stderr, /current value of 2 bytes/);
  const plain = runCli(['-e', small]);
  assert.equal(plain.code, 0, plain.stderr);
  assert.equal(plain.stdout, 'loaded\n\n\n');
});

test('-v with the default log_size loads and runs', () => {
  const r = runCli(['-v', '-e', prog]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, 'loaded\n\n\n');
});
