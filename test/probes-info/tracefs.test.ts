import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { findTracefs, mountTracefsAt, releaseTracefs, tracefsMountedByUs, tracefsMounts, unmountAt } from '../../src/util/tracefs.ts';

const MOUNTS = [
  'proc /proc proc rw,relatime 0 0',
  'sysfs /sys sysfs rw,relatime 0 0',
  'tracefs /tmp/with\\040space tracefs rw 0 0',
  'tracefs /sys/kernel/debug/tracing tracefs rw,relatime 0 0',
].join('\n');

test('reads tracefs mount points from /proc/mounts text', () => {
  assert.deepEqual(tracefsMounts(MOUNTS), ['/tmp/with space', '/sys/kernel/debug/tracing']);
  assert.equal(findTracefs(MOUNTS), '/sys/kernel/debug/tracing');
  assert.equal(findTracefs(`${MOUNTS}\nnodev /sys/kernel/tracing tracefs rw 0 0`), '/sys/kernel/tracing');
  assert.equal(findTracefs('tracefs /elsewhere tracefs rw 0 0'), null, 'only the standard places count');
  assert.equal(findTracefs('proc /proc proc rw 0 0'), null);
});

test('release does nothing when we did not mount', () => {
  assert.equal(tracefsMountedByUs(), false);
  assert.equal(releaseTracefs(), false);
});

// Mounting at a private directory exercises mount/unmount without touching the system's
// tracefs (another test process may be using /sys/kernel/tracing at the same time).
test('mounts and unmounts tracefs at a private directory', { skip: process.getuid?.() === 0 ? false : 'needs root' }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'bpftrace-ts-tracefs-'));
  try {
    mountTracefsAt(dir);
    try {
      assert.ok(tracefsMounts().includes(dir));
      assert.ok(readdirSync(dir).includes('events'));
    } finally {
      assert.equal(unmountAt(dir), true);
    }
    assert.ok(!tracefsMounts().includes(dir));
    assert.equal(unmountAt(dir), false, 'a second unmount fails');
  } finally {
    rmdirSync(dir);
  }
});
