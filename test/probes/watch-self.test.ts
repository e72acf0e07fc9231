// Watchpoints (the breakpoint PMU) on a test program's global, and self:signal probes.

import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { LAUNCHER, ROOT, runCli, runUntil } from '../helpers/run.ts';

const build = join(ROOT, 'test', 'progs', 'build');
const bin = join(build, 'watched');
let addr = '';

before(() => {
  mkdirSync(build, { recursive: true });
  execFileSync('gcc', ['-O0', '-no-pie', '-o', bin, join(ROOT, 'test', 'progs', 'watched.c')]);
  const sym = execFileSync('nm', [bin], { encoding: 'utf8' })
    .split('\n')
    .find((l) => l.endsWith(' watched_counter'));
  addr = `0x${sym?.split(' ')[0]?.replace(/^0+/, '')}`;
});

// exec itself clears the tail of the page holding .bss (one write from the loader), so the
// program's own writes are told apart by the writing instruction: main's, a user address
// inside the non-PIE binary (below 0x1000000).
test('watchpoint:ADDR:8:w sees every write of the -c program to its global', () => {
  const r = runCli(['-e', `watchpoint:${addr}:8:w { @writes[ustack(raw, 1)] = count(); }`, '-c', bin]);
  assert.equal(r.code, 0, r.stderr);
  // raw frames print without indentation (0.26).
  assert.match(r.stdout, /@writes\[\n4[0-9a-f]{5}\n\]: 5\n/);
});

test('watchpoint reads and writes (rw) fire on both', () => {
  const r = runCli(['-e', `watchpoint:${addr}:8:rw { @hits[ustack(raw, 1)] = count(); }`, '-c', bin]);
  assert.equal(r.code, 0, r.stderr);
  // Each `x = x + 1` reads then writes: 10 accesses from main (two instructions, 5 each).
  const fromMain = [...r.stdout.matchAll(/\n4[0-9a-f]{5}\n\]: (\d+)/g)].reduce((n, m) => n + Number(m[1]), 0);
  assert.equal(fromMain, 10, r.stdout);
});

test('bad watchpoint specs are clear errors', () => {
  for (const [spec, msg] of [
    ['watchpoint:0x1000:3:w', /Invalid watchpoint length: 3/],
    ['watchpoint:0x1000:8:q', /Invalid watchpoint mode: q/],
    ['watchpoint:0x1000:8', /Invalid watchpoint/],
  ] as const) {
    const r = runCli(['-e', `${spec} { }`]);
    assert.equal(r.code, 1, spec);
    assert.match(r.stderr, msg);
  }
});

test('self:signal:SIGUSR1 runs when the tracer receives SIGUSR1', async () => {
  const { stdout: out, code } = await runUntil(
    ['-e', 'self:signal:SIGUSR1 { printf("got it\\n"); @n = count(); exit(); } BEGIN { printf("ready\\n"); }'],
    'ready\n',
    'SIGUSR1',
  );
  assert.equal(code, 0);
  assert.equal(out, 'ready\ngot it\n\n\n@n: 1\n');
});

test('self probes only take SIGUSR1', () => {
  const r = runCli(['-e', 'self:signal:SIGHUP { }']);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /Unsupported signal for a self probe: SIGHUP/);
});

test('hardware events name the missing PMU', () => {
  const r = runCli(['-e', 'hardware:cache-misses:1000 { @ = count(); }']);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /cannot open hardware event cache-misses[\s\S]*HINT: .*PMU/);
});

test('the tracer answers to the name bpftrace: found by pidof, as scripts and tools signal it', async () => {
  const child = spawn(LAUNCHER, ['-e', 'self:signal:SIGUSR1 { printf("by name\\n"); exit(); } BEGIN { printf("ready\\n"); }'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => {
    out += d.toString('latin1');
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
  const deadline = Date.now() + 20_000;
  while (!out.includes('ready') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  try {
    // Other tracers may run at the same time: signal ours only, found among pidof's answers.
    const pids = execFileSync('pidof', ['bpftrace'], { encoding: 'latin1' }).trim().split(/\s+/).map(Number);
    assert.ok(pids.includes(child.pid as number), `pidof bpftrace: ${pids.join(' ')}; ours ${child.pid}`);
    assert.equal(readFileSync(`/proc/${child.pid}/comm`, 'latin1'), 'bpftrace\n');
    process.kill(child.pid as number, 'SIGUSR1');
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    assert.equal(await exited, 0);
    clearTimeout(timer);
    assert.equal(out, 'ready\nby name\n\n\n');
  } finally {
    child.kill('SIGKILL');
  }
});
