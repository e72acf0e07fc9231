import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runCli, runUntil } from '../helpers/run.ts';

test('hello world runs in the kernel and prints the pid of the tracer', () => {
  const r = runCli(['-e', 'BEGIN { printf("hello from eBPF, pid %d\\n", pid); exit(); }']);
  assert.equal(r.code, 0, r.stderr);
  const m = /^hello from eBPF, pid (\d+)\n\n\n$/.exec(r.stdout);
  assert.ok(m, `unexpected stdout: ${JSON.stringify(r.stdout)}`);
  assert.match(r.stderr, /^Attached 1 probe\n/);
});

test('new spellings begin/end run like BEGIN/END, END after exit()', () => {
  const r = runCli(['-e', 'begin { printf("a\\n"); exit(); printf("never\\n"); } end { printf("b\\n"); }']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, 'a\nb\n\n\n');
});

test('exit(code) sets the exit status', () => {
  const r = runCli(['-e', 'BEGIN { exit(3); }']);
  assert.equal(r.code, 3, r.stderr);
});

test('printf builtins: tid, uid, gid, cpu, nsecs, comm', () => {
  const r = runCli(['-e', 'BEGIN { printf("%d %d %d %d %d %s|\\n", tid, uid, gid, cpu, nsecs > 0, comm); exit(); }']);
  assert.equal(r.code, 0, r.stderr);
  const m = /^(\d+) 0 0 (\d+) 1 (\S+)\|\n/.exec(r.stdout);
  assert.ok(m, r.stdout);
  // The tracer's thread is named as bpftrace's (scripts filter on comm != "bpftrace").
  assert.equal(m[3], 'bpftrace');
});

test('printf formatting: widths, flags, length modifiers, %%', () => {
  const r = runCli([
    '-e',
    'BEGIN { printf("[%5d|%-5d|%05d|%x|%X|%o|%c|%s|%-4s|%%|%lu|%hhd]\\n", 42, 42, 42, 255, 255, 8, 65, "str", "ab", 7, 300); exit(); }',
  ]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout.split('\n')[0], '[   42|42   |00042|ff|FF|10|A|str|ab  |%|7|44]');
});

test('SIGINT ends the run like exit(): END runs, maps print, exit code 0', async () => {
  // The hour-long interval keeps the run going until the signal (BEGIN/END alone end by themselves).
  const r = await runUntil(['-e', 'BEGIN { @x = 7; printf("go\\n"); } interval:s:3600 { } END { printf("end\\n"); }'], 'go\n', 'SIGINT');
  assert.equal(r.code, 0);
  assert.equal(r.stdout, 'go\nend\n\n\n@x: 7\n');
});

test('only BEGIN/END probes: the run ends by itself after BEGIN, END runs, maps print (bpftrace 0.26)', () => {
  const r = runCli(['-e', 'BEGIN { @x = 7; printf("go\\n"); } END { printf("end\\n"); }']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, 'go\nend\n\n\n@x: 7\n');
  assert.equal(r.stderr, 'Attached 2 probes\n');
  // END alone runs too; so does begin with --no-warnings piped (bpftrace runtime test basic.disable warnings).
  assert.equal(runCli(['-e', 'end { printf("e\\n"); }']).stdout, 'e\n\n\n');
  const quiet = runCli(['--no-warnings', '-e', 'begin { @x = stats(10); print(@x, 2); clear(@x); }']);
  assert.equal(quiet.code, 0, quiet.stderr);
  assert.equal(quiet.stderr, 'Attached 1 probe\n');
});

test('SIGINT under a flood of events that are slow to handle still ends the run promptly, END printing', async () => {
  // system() on every context switch makes more context switches than the tracer can handle:
  // Ctrl-C must still be seen (bpftrace checks its flag per record) and what is left dropped.
  const r = await runUntil(
    ['--unsafe', '-e', 'tracepoint:sched:sched_switch { system("true"); } BEGIN { printf("go\\n"); } END { printf("end\\n"); }'],
    'go\n',
    'SIGINT',
    30_000,
  );
  assert.equal(r.code, 0, r.stdout);
  assert.ok(r.stdout.startsWith('go\n'), r.stdout);
  assert.ok(r.stdout.endsWith('end\n\n\n'), r.stdout.slice(-200));
});

test('the Node runtime runs the same program (BPFTRACE_TS_NODE=1)', () => {
  const r = runCli(['-e', 'BEGIN { @x[comm] = count(); printf("node %d\\n", 1); exit(); }'], { env: { BPFTRACE_TS_NODE: '1' } });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, 'node 1\n\n\n@x[bpftrace]: 1\n');
  // --info names the runtime that ran it.
  const info = runCli(['--info'], { env: { BPFTRACE_TS_NODE: '1' } });
  assert.match(info.stdout, /runtime: node v\d+/);
});
