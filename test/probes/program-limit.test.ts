// max_bpf_progs as bpftrace 0.26 counts it: attach points it expands into a program per match
// (wildcards without a multi-attach link, every attach point of a probe reading `probe`) add
// their matches over the script; the one past the limit is refused with 0.26's words.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compileText } from '../helpers/compile.ts';
import { isRoot } from '../helpers/run.ts';

const skip = !isRoot ? 'reads tracefs: needs root' : false;

test('a tracepoint wildcard counts its matches; the attach point past the limit is refused', { skip }, () => {
  const env = { BPFTRACE_MAX_BPF_PROGS: '100' };
  const r = compileText('tracepoint:syscalls:sys_enter_* { @ = count(); }', { env });
  assert.match(
    r.errors,
    /^stdin:1:1-32: ERROR: Your program is trying to generate more than \d+ BPF programs, which exceeds the current limit of 100\ntracepoint:syscalls:sys_enter_\* \{ @ = count\(\); \}\n~{31}\nHINT: You can increase the limit through the BPFTRACE_MAX_BPF_PROGS environment variable\.\n/,
  );
  // Counted over the script: two wildcards of 60 each pass 100 at the second.
  const two = compileText('tracepoint:syscalls:sys_enter_s* { @a = count(); } tracepoint:syscalls:sys_exit_s* { @b = count(); }', { env });
  assert.match(two.errors, /^stdin:1:52-83: ERROR: Your program is trying to generate more than \d+ BPF programs/);
  // Within the default limit (1024), and without a wildcard, nothing is said.
  assert.equal(compileText('tracepoint:syscalls:sys_enter_* { @ = count(); }').errors, '');
  assert.equal(compileText('tracepoint:syscalls:sys_enter_read { @ = count(); }', { env: { BPFTRACE_MAX_BPF_PROGS: '0' } }).errors, '');
});

test('a probe reading `probe` counts every attach point; others without wildcards do not', { skip }, () => {
  const env = { BPFTRACE_MAX_BPF_PROGS: '1' };
  assert.equal(compileText('interval:s:1 { @ = count(); } interval:s:2 { @ = count(); }', { env }).errors, '');
  assert.match(
    compileText('interval:s:1,interval:s:2 { @[probe] = count(); }', { env }).errors,
    /^stdin:1:14-26: ERROR: Your program is trying to generate more than 2 BPF programs, which exceeds the current limit of 1\n/,
  );
});
