// The registry concurrent runs share a tracefs mount through: the last live user unmounts it.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { MountUsers } from '../../src/util/mount-users.ts';

const roots: string[] = [];
/** A registry directory under a fresh temporary root, removed after the tests. */
function registryDir(): string {
  const root = mkdtempSync(join(tmpdir(), 'mount-users-'));
  roots.push(root);
  return join(root, 'tracefs');
}
after(() => {
  for (const r of roots) rmSync(r, { recursive: true, force: true });
});

test('two runs share a mount: the first to finish leaves it, the last one unmounts it', async () => {
  const dir = registryDir();
  const other = spawn('sleep', ['30'], { stdio: 'ignore' });
  try {
    const a = new MountUsers(dir, process.pid);
    const b = new MountUsers(dir, other.pid as number);
    let mounted = false;
    let unmounts = 0;
    const mountIfNeeded = (): boolean => {
      if (mounted) return false;
      mounted = true;
      return true;
    };
    const unmount = (): boolean => {
      unmounts++;
      mounted = false;
      return true;
    };
    assert.equal(b.acquire(mountIfNeeded), true);
    assert.equal(a.acquire(mountIfNeeded), true);
    assert.ok(existsSync(join(dir, 'mounted')));
    // `b` (alive) still uses it when `a` finishes.
    assert.equal(a.release(unmount), false);
    assert.equal(unmounts, 0);
    assert.equal(b.release(unmount), true);
    assert.equal(unmounts, 1);
    assert.deepEqual(readdirSync(dir), []);
  } finally {
    other.kill('SIGKILL');
  }
});

test('users that died without releasing, and a mount that is not ours, are handled', () => {
  const dir = registryDir();
  const a = new MountUsers(dir, process.pid);
  // Mounted by someone else (no marker): never unmounted by us.
  assert.equal(
    a.acquire(() => false),
    true,
  );
  assert.equal(
    a.release(() => assert.fail('not ours to unmount')),
    false,
  );
  // Ours, with a user that died (a pid nobody has) and a lock its dead holder left behind.
  assert.equal(
    a.acquire(() => true),
    true,
  );
  writeFileSync(join(dir, '2147483646'), '');
  mkdirSync(join(dir, '.lock'));
  writeFileSync(join(dir, '.lock', 'pid'), '2147483646');
  let unmounted = false;
  assert.equal(
    a.release(() => {
      unmounted = true;
      return true;
    }),
    true,
  );
  assert.ok(unmounted);
  assert.deepEqual(readdirSync(dir), []);
});
