// Under Bun (the launcher's choice when its package is installed), the tracer's wait for
// records moves from polling to a Worker blocked in epoll_wait once the run outlasts its first
// few polls: an idle tracer then makes no more wait calls, and Ctrl-C still ends it at once.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { isRoot, LAUNCHER, ROOT } from '../helpers/run.ts';

const BUN = join(ROOT, 'node_modules', '@oven', 'bun-linux-x64', 'bin', 'bun');
const STRACE = ['/usr/bin/strace', '/bin/strace'].find((p) => existsSync(p));
const skip = !isRoot ? 'needs root' : !existsSync(BUN) ? 'Bun is not installed' : !STRACE ? 'strace is not installed' : false;

test('an idle run under Bun waits in a thread, not by polling', { skip }, () => {
  // About 1.5 s idle: polling every 10 ms would be ~150 epoll_wait calls.
  const r = spawnSync(
    'timeout',
    ['-s', 'INT', '1.5', STRACE as string, '-f', '-c', '-e', 'trace=epoll_wait', LAUNCHER, '-e', 'interval:s:100 { @ = count(); }'],
    { encoding: 'latin1', timeout: 20000 },
  );
  const row = /^\s*[\d.]+\s+[\d.]+\s+\d+\s+(\d+)\s+(?:\d+\s+)?epoll_wait$/m.exec(r.stderr);
  assert.ok(row, r.stderr);
  const calls = Number(row[1]);
  assert.ok(calls > 0 && calls < 60, `${calls} epoll_wait calls`);
  assert.match(r.stderr, /Attached 1 probe/);
});
