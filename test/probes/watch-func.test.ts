// watchpoint:FUNC+argN / asyncwatchpoint:FUNC+argN: a uprobe on FUNC in the -c/-p process sets
// a hardware watchpoint on the address in argN (test/progs/wpfunc.c writes through it).

import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { ROOT, runCli } from '../helpers/run.ts';

const build = join(ROOT, 'test', 'progs', 'build');
const bin = join(build, 'wpfunc');

before(() => {
  mkdirSync(build, { recursive: true });
  // -O0: increment() has a prologue, so the process is stopped before its write, never after.
  execFileSync('gcc', ['-O0', '-o', bin, join(ROOT, 'test', 'progs', 'wpfunc.c')]);
});

test('watchpoint:FUNC+arg1 stops the process at FUNC until the watchpoint is set: every write is seen', () => {
  const r = runCli(['-e', 'watchpoint:increment+arg1:4:w { @[probe, pid == cpid] = count(); }', '-c', bin]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stderr, 'Attached 1 probe\n');
  // 5 writes in increment() and 5 in main(), as bpftrace 0.17 counts them.
  assert.equal(r.stdout, `10\n\n\n@[watchpoint:${bin}:increment:1:4:w, true]: 10\n`);
});

test('each distinct address is watched once (calls alternate between two counters)', () => {
  const r = runCli(['-e', 'watchpoint:increment+arg1:4:w { @ = count(); }', '-c', `${bin} 6 1000 two`]);
  assert.equal(r.code, 0, r.stderr);
  // 0.17 re-attaches on every call whose pointer differs from the last one: it runs out of
  // debug registers and counts writes twice. Two watchpoints see the 12 writes once each.
  assert.equal(r.stdout, '12\n\n\n@: 12\n');
});

test('asyncwatchpoint does not stop the process; writes after the watchpoint is set are seen', () => {
  // 200 rounds of 10 ms: the watchpoint is set long before the end.
  const r = runCli(['-e', 'asyncwatchpoint:increment+arg1:4:w { @ = count(); }', '-c', `${bin} 200 10000`]);
  assert.equal(r.code, 0, r.stderr);
  const m = /^400\n\n\n@: (\d+)\n$/.exec(r.stdout);
  assert.ok(m, r.stdout);
  const hits = Number(m[1]);
  assert.ok(hits > 0 && hits <= 400, r.stdout);
});

test('with -p the probe is named after /proc/PID/exe and the process is let go at the end', async () => {
  const proc = spawn(bin, ['400', '5000'], { stdio: ['ignore', 'pipe', 'ignore'] });
  let out = '';
  proc.stdout.on('data', (d: Buffer) => {
    out += d.toString();
  });
  const exited = new Promise<number | null>((resolve) => proc.on('exit', (c) => resolve(c)));
  const guard = setTimeout(() => proc.kill('SIGKILL'), 30000);
  try {
    const r = runCli([
      '-e',
      'watchpoint:increment+arg1:4:w { @[probe] = count(); if (@[probe] >= 4) { exit(); } }',
      '-p',
      String(proc.pid),
    ]);
    assert.equal(r.code, 0, r.stderr);
    // exit() at the 4th hit; a write or two more may land before the probes are detached.
    const m = new RegExp(`^\\n\\n@\\[watchpoint:/proc/${proc.pid}/exe:increment:1:4:w\\]: (\\d+)\\n$`).exec(r.stdout);
    assert.ok(m && Number(m[1]) >= 4, r.stdout);
  } finally {
    // Not left stopped: it runs to its own end and prints its total.
    assert.equal(await exited, 0);
    clearTimeout(guard);
  }
  assert.equal(out, '800\n');
});

test('function watchpoint errors', () => {
  for (const [args, msg] of [
    [['-e', 'watchpoint:increment+arg1:4:w { }'], /ERROR: -p PID or -c CMD required for watchpoint/],
    [['-e', 'watchpoint:increment+arg6:4:w { }', '-c', bin], /ERROR: x86_64 doesn't support arg6/],
    [['-e', 'watchpoint:increment+argv:4:w { }', '-c', bin], /ERROR: Invalid function\/address argument: argv/],
    [['-e', 'watchpoint:nosuch+arg1:4:w { }', '-c', bin], /ERROR: Could not resolve symbol: .*wpfunc:nosuch/],
    [['-e', 'asyncwatchpoint:0x1000:4:w { }'], /ERROR: asyncwatchpoint requires a function name/],
  ] as const) {
    const r = runCli([...args]);
    assert.equal(r.code, 1, args.join(' '));
    assert.match(r.stderr, msg);
  }
});
