// bpftrace 0.26's own tools that need its stdlib functions (strerror, syscall_name, delete()'s
// bool, getopt, macros): opensnoop, runqlat and syscount run unchanged. The scripts are taken
// from the bpftrace mirror when it is present (they are not copied into this repository).

import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { LAUNCHER, runCli } from '../helpers/run.ts';

const MIRROR = '/work/.mirror/bpftrace+bpftrace/repo';
const dir = mkdtempSync(join(tmpdir(), 'bt-tools-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** The tool's script from the mirror, written to a temp file; null without the mirror. */
function tool(name: string): string | null {
  if (!existsSync(MIRROR)) return null;
  const r = spawnSync('git', ['show', `HEAD:tools/${name}.bt`], { env: { ...process.env, GIT_DIR: MIRROR }, encoding: 'utf8' });
  if (r.status !== 0) return null;
  const path = join(dir, `${name}.bt`);
  writeFileSync(path, r.stdout);
  return path;
}

/**
 * Runs the CLI until `ready` shows on stdout, then runs `action` (which makes events happen),
 * then sends SIGINT and collects the rest. Every wait is bounded.
 */
async function traceWhile(
  args: string[],
  ready: string,
  action: () => void,
): Promise<{ stdout: string; stderr: string; code: number | null }> {
  const child = spawn(LAUNCHER, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  let acted = false;
  child.stderr.on('data', (d: Buffer) => {
    stderr += d.toString('latin1');
  });
  child.stdout.on('data', (d: Buffer) => {
    stdout += d.toString('latin1');
    if (!acted && stdout.includes(ready)) {
      acted = true;
      action();
      child.kill('SIGINT');
    }
  });
  const code = await new Promise<number | null>((resolve) => {
    const t = setTimeout(() => {
      child.kill('SIGKILL');
      resolve(-1);
    }, 20000);
    child.on('exit', (c) => {
      clearTimeout(t);
      resolve(c);
    });
  });
  return { stdout, stderr, code };
}

for (const name of ['opensnoop', 'runqlat', 'syscount']) {
  test(`${name}.bt (bpftrace 0.26) compiles`, (t) => {
    const path = tool(name);
    if (!path) return t.skip('no bpftrace mirror');
    const r = runCli(['--dry-run', path]);
    assert.equal(r.code, 0, r.stderr);
  });
}

test('opensnoop.bt --errname names a failed open with strerror()', async (t) => {
  const path = tool('opensnoop');
  if (!path) return t.skip('no bpftrace mirror');
  const missing = join(dir, 'no-such-file');
  const r = await traceWhile([path, '--', '--errname'], 'PATH\n', () => {
    spawnSync('/bin/cat', [missing], { timeout: 5000 });
  });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^PID {4}COMM {15}FD {14}ERR PATH$/m);
  assert.match(r.stdout, new RegExp(`^\\d+ +cat +-1 No such file or directory ${missing}$`, 'm'));
});

test('runqlat.bt histograms run-queue latency ($ignore = delete(...))', async (t) => {
  const path = tool('runqlat');
  if (!path) return t.skip('no bpftrace mirror');
  const r = await traceWhile([path], 'Hit Ctrl-C to end.\n', () => {
    // A sleeping process is woken and scheduled again: at least one latency sample.
    spawnSync('/bin/sleep', ['0.1'], { timeout: 5000 });
  });
  assert.equal(r.code, 0, r.stderr);
  // Rows are `[lo, hi)` or `[n]`.
  assert.match(r.stdout, /^@usecs:\n(\[[^\n]*[\])] +\d+ \|@*\s*\|\n)+/m);
  // 0.26 types `nsecs - $ns` as int64 (`-` is always signed), so `/ 1000` warns about signed
  // division, as bpftrace 0.26 does; nothing else may.
  const warnings = r.stderr.split('\n').filter((l) => l.includes('WARNING'));
  assert.deepEqual(warnings, [
    `${path}:197:20-39: WARNING: signed operands for '/' can lead to undefined behavior (cast to unsigned to silence warning)`,
  ]);
});

test('syscount.bt --sysname counts syscalls by syscall_name()', async (t) => {
  const path = tool('syscount');
  if (!path) return t.skip('no bpftrace mirror');
  const r = await traceWhile([path, '--', '--sysname'], 'Hit Ctrl-C to end.\n', () => {
    spawnSync('/bin/true', [], { timeout: 5000 });
  });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^Top 10 syscalls NAMEs:$/m);
  assert.match(r.stdout, /^@syscallname\[(execve|exit_group|openat|read|write|close|mmap)\]: \d+$/m);
  assert.match(r.stdout, /^Top 10 processes:$/m);
});
