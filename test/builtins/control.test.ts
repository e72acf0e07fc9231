// assert(), signal() and `probe`: real kernel runs through the CLI. The `probe` output and the
// signal/probe-type errors were compared with bpftrace 0.17 (which has no assert()).

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compileError, output, probeFile, run } from './run-script.ts';

test('assert passes silently, fails with errorf and exit(1)', () => {
  const r = run(
    'BEGIN { $x = 3; assert($x == 3, "fine"); printf("after\\n"); assert($x > 5, "x too small"); printf("never\\n"); } END { printf("end\\n"); }',
  );
  assert.equal(r.code, 1, r.stderr);
  assert.equal(r.stdout, 'after\nend\n\n\n');
  // Said where 0.26's stdlib macro has its errorf, then where it was expanded from.
  assert.match(r.stderr, /^stdlib\/base\.bt:6:5-37: ERROR: assert failed: x too small\nstdin:1:61-90: ERROR: expanded from\n/m);
  const nested = run('macro check(v) { assert(v > 5, "small"); } BEGIN { check(1); }');
  assert.match(
    nested.stderr,
    /ERROR: assert failed: small\nstdin:1:18-40: ERROR: expanded from\n.*\n.*\nstdin:1:52-60: ERROR: expanded from\n/,
  );
});

test('signal by name, number and run-time value reaches the -c child', () => {
  // The child sleeps for 5 s; a SIGKILL from the probe ends it (and the run) at once.
  for (const sig of ['"KILL"', '"sigkill"', '9', '(int64)(9 + (pid == 0))']) {
    const start = Date.now();
    const out = output(`tracepoint:syscalls:sys_enter_clock_nanosleep /pid == cpid/ { signal(${sig}); printf("sent\\n"); }`, {
      unsafe: true,
      command: '/bin/sleep 5',
    });
    assert.match(out, /^sent\n/, sig);
    assert.ok(Date.now() - start < 4000, `${sig}: the child was not killed`);
  }
});

test('signal with an out-of-range run-time value reports an error and sends nothing', () => {
  const r = run('tracepoint:syscalls:sys_enter_clock_nanosleep /pid == cpid/ { signal((int64)(65 + (pid == 0))); exit(); }', {
    unsafe: true,
    command: '/bin/sleep 0.2',
  });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /ERROR: signal\(\) expects an integer between 1 and 64 \(inclusive\). Got 65/);
});

test('signal errors', () => {
  assert.match(
    compileError('tracepoint:syscalls:sys_enter_openat { signal(1); }'),
    /^stdin:1:40-49: ERROR: signal\(\) is unsafe. To use you need the --unsafe flag\n[^\n]*\n *~+\n$/,
  );
  // bpftrace 0.26's order: the probe type, then safe mode, both reported; BEGIN/END are `special`.
  assert.equal(
    compileError('BEGIN { signal(1); }'),
    [
      'stdin:1:9-18: ERROR: signal() can not be used for this probetype special',
      'BEGIN { signal(1); }',
      '        ~~~~~~~~~',
      'stdin:1:9-18: ERROR: signal() is unsafe. To use you need the --unsafe flag',
      'BEGIN { signal(1); }',
      '        ~~~~~~~~~',
      '',
    ].join('\n'),
  );
  assert.match(
    compileError('END { signal(1); }', { unsafe: true }),
    /^stdin:1:7-16: ERROR: signal\(\) can not be used for this probetype special\n[^\n]*\n *~+\n$/,
  );
  assert.match(
    compileError('interval:s:1 { signal("KILL"); }', { unsafe: true }),
    /^stdin:1:16-30: ERROR: signal\(\) can not be used for this probetype interval\n/,
  );
  // Without --unsafe the argument is not validated (the unsafe error is the only one).
  assert.doesNotMatch(compileError('tracepoint:syscalls:sys_enter_openat { signal(65); }'), /between 1 and 64/);
  assert.match(
    compileError('tracepoint:syscalls:sys_enter_openat { signal("SIGFOO"); }', { unsafe: true }),
    /ERROR: Invalid string for signal: SIGFOO/,
  );
  assert.match(
    compileError('tracepoint:syscalls:sys_enter_openat { signal(65); }', { unsafe: true }),
    /ERROR: signal\(\) accepts a string literal or an integer between 1 and 64 \(inclusive\)/,
  );
  assert.match(
    compileError('tracepoint:syscalls:sys_enter_openat { signal(comm); }', { unsafe: true }),
    /ERROR: signal\(\) accepts a string literal or an integer/,
  );
});

test('probe names the probe that fired, also in multi-target probes', () => {
  assert.equal(output('BEGIN { printf("%s\\n", probe); @[probe] = count(); exit(); }'), 'begin\n\n\n@[begin]: 1\n');
  const path = probeFile('PROBEFILE');
  const out = output('tracepoint:syscalls:sys_enter_openat, tracepoint:syscalls:sys_enter_close /pid == cpid/ { @[probe] = count(); }', {
    command: `/bin/cat ${path}`,
  });
  const keys = [...out.matchAll(/^@\[(.*)\]: \d+$/gm)].map((m) => m[1]);
  assert.deepEqual(keys.sort(), ['tracepoint:syscalls:sys_enter_close', 'tracepoint:syscalls:sys_enter_openat']);
});

test("comm(PID) reads another task's name (bpf_task_from_pid, where the kernel lets the probe's programs call it); an unknown pid is 0.26's warning and N/A", () => {
  const r = run(
    'tracepoint:sched:sched_process_exec /pid == cpid/ { print(comm(pid)); print(comm(0x7ffffff0)); @[comm(pid)] = count(); exit(); }',
    { command: '/bin/true' },
  );
  if (/not supported in this probe type/.test(r.stderr)) {
    // A kernel before 6.2, or one that keeps the kfunc from tracepoints: 0.26's refusal.
    assert.equal(r.code, 1);
    assert.match(r.stderr, /ERROR: Syntax comm\(PID\) is not supported in this probe type yet\. Type: tracepoint/);
    return;
  }
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, 'true\nN/A\n\n\n@[true]: 1\n');
  assert.match(r.stderr, /stdin:1:77-93: WARNING: No such process \(pid=2147483632\)/);
});
