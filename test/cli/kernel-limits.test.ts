// What a user sees on kernels that lack something, and what is left behind after SIGKILL.

import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { BPF_MAP_CREATE, BPF_MAP_TYPE_RINGBUF } from '../../src/bpf/constants.ts';
import { setDefaultSys } from '../../src/bpf/default-sys.ts';
import { EINVAL } from '../../src/bpf/sys.ts';
import { UserError } from '../../src/lang/diagnostics.ts';
import { TextSink, Writer } from '../../src/runtime/sink.ts';
import { Tracer } from '../../src/runtime/tracer.ts';
import { FakeSys } from '../bpf/fake-sys.ts';
import { compileText } from '../helpers/compile.ts';
import { LAUNCHER } from '../helpers/run.ts';

// This kernel has ring buffers, so the old-kernel answer (EINVAL for the map type) is scripted.
test('a kernel without BPF ring buffers gets a clear message, not a syscall dump', async () => {
  const fake = new FakeSys();
  fake.onBpf = (cmd, attr) =>
    cmd === BPF_MAP_CREATE && new DataView(attr.buffer, attr.byteOffset).getUint32(0, true) === BPF_MAP_TYPE_RINGBUF ? -EINVAL : undefined;
  const prev = setDefaultSys(fake);
  try {
    const { script } = compileText('BEGIN { printf("x\\n"); }');
    assert.ok(script);
    const tracer = new Tracer(script, new TextSink(new Writer(1, true), new Writer(2, true), true));
    await assert.rejects(
      () => tracer.run(),
      (e: unknown) => e instanceof UserError && /no BPF ring buffer/.test(e.message) && e.hints.some((h) => /5\.8/.test(h)),
    );
  } finally {
    setDefaultSys(prev);
  }
});

test('SIGKILL of the tracer leaves nothing attached: the kernel drops our programs with our fds', async () => {
  const progIds = (): Set<number> => {
    const r = spawnSync('bpftool', ['prog', 'show', '-j'], { encoding: 'utf8' });
    return new Set((JSON.parse(r.stdout || '[]') as { id: number }[]).map((p) => p.id));
  };
  const mountsBefore = readFileSync('/proc/mounts', 'utf8').includes(' /sys/kernel/tracing ');
  const before = progIds();
  const child = spawn(LAUNCHER, ['-e', 'tracepoint:sched:sched_switch { @ = count(); } BEGIN { printf("up\\n"); }'], {
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  await new Promise<void>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error('tracer did not start')), 15000);
    child.stdout.on('data', (d: Buffer) => {
      if (d.toString().includes('up')) {
        clearTimeout(t);
        resolve();
      }
    });
  });
  const ours = [...progIds()].filter((id) => !before.has(id));
  assert.ok(ours.length > 0);
  child.kill('SIGKILL');
  await new Promise((r) => child.on('exit', r));
  // Closing a killed process's fds is the kernel's job; give it a moment, bounded.
  let left = ours;
  for (let i = 0; i < 50 && left.length; i++) {
    await new Promise((r) => setTimeout(r, 100));
    const now = progIds();
    left = ours.filter((id) => now.has(id));
  }
  assert.deepEqual(left, []);
  // A tracefs we mounted is unmounted by our exit path, which SIGKILL skips: it stays mounted
  // only if it was mounted before or by us; never a second mount.
  const mounts = readFileSync('/proc/mounts', 'utf8')
    .split('\n')
    .filter((l) => l.includes(' /sys/kernel/tracing tracefs '));
  assert.ok(mounts.length <= 1, String(mountsBefore));
});
