// Watchpoints on a process's threads: threads it creates after the probe is attached, threads
// it had before (-p), and execution breakpoints (test/progs/watched_threads.c).

import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { ROOT, runCli } from '../helpers/run.ts';

const build = join(ROOT, 'test', 'progs', 'build');
const bin = join(build, 'watched_threads');
let counter = '';
let fn = '';

before(() => {
  mkdirSync(build, { recursive: true });
  execFileSync('gcc', ['-O0', '-no-pie', '-pthread', '-o', bin, join(ROOT, 'test', 'progs', 'watched_threads.c')]);
  const syms = execFileSync('nm', [bin], { encoding: 'utf8' }).split('\n');
  const addrOf = (name: string): string =>
    `0x${syms
      .find((l) => l.endsWith(` ${name}`))
      ?.split(' ')[0]
      ?.replace(/^0+/, '')}`;
  counter = addrOf('watched_counter');
  fn = addrOf('called_fn');
});

test('a watchpoint follows the threads the -c process creates after attaching', () => {
  const r = runCli(['-e', `watchpoint:${counter}:8:w /tid != pid/ { @writes = count(); }`, '-c', `${bin} 5 1`]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, 'started\n\n\n@writes: 5\n');
});

test('with -p every thread the process already has is watched', async () => {
  // The worker writes every 5 ms for ~5 s; it is running before the tracer starts.
  const proc = spawn(bin, ['1000', '5'], { stdio: ['ignore', 'pipe', 'ignore'] });
  const guard = setTimeout(() => proc.kill('SIGKILL'), 30_000);
  try {
    const started = await new Promise<boolean>((resolve) => {
      proc.stdout.on('data', (d: Buffer) => d.toString().includes('started') && resolve(true));
      proc.on('exit', () => resolve(false));
    });
    assert.ok(started);
    const r = runCli(['-p', String(proc.pid), '-e', `watchpoint:${counter}:8:w /tid != pid/ { @n = count(); if (@n >= 3) { exit(); } }`]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^\n\n@n: [3-9]\n$/);
  } finally {
    clearTimeout(guard);
    proc.kill('SIGKILL');
  }
});

test('an execution breakpoint (x) fires on every call, whatever length the probe names', () => {
  const r = runCli(['-e', `watchpoint:${fn}:1:x { @calls = count(); }`, '-c', `${bin} 7`]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, 'started\n\n\n@calls: 7\n');
});
