// The stdlib batch in real runs: cgroup ids and paths, leader_comm/leader_tid of a thread,
// container_of and is_err on a test program's values, find, signal_thread and write_user.
// Outputs follow bpftrace's documentation and tests (runtime/stdlib); cgroup_path's text was
// compared with bpftrace 0.17.

import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, rmdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { buildProgs } from '../progs/build.ts';
import { output, run } from './run-script.ts';

let prog = '';
before(() => {
  prog = buildProgs().stdlib;
});

/** Where cgroup2 is mounted, or null. */
function cgroup2Root(): string | null {
  for (const line of readFileSync('/proc/mounts', 'latin1').split('\n')) {
    const [fs, dir] = line.split(' ');
    if (fs === 'cgroup2' && dir) return dir;
  }
  return null;
}

test('cgroupid and cgroup_path of a cgroup made for the test', (t) => {
  const root = cgroup2Root();
  if (!root) {
    t.skip('no cgroup2 hierarchy is mounted');
    return;
  }
  const name = `bpftrace-ts-test-${process.pid}`;
  const dir = join(root, name, 'sub');
  mkdirSync(dir, { recursive: true });
  try {
    const id = statSync(dir, { bigint: true }).ino;
    const out = output(
      `BEGIN { $i = cgroupid("${dir}"); printf("%d\\n", $i); print(cgroup_path($i)); printf("[%s]\\n", cgroup_path($i, "uni*")); ` +
        `print(cgroup_path($i, "nomatch")); $p = cgroup_path($i); print(($p, 1)); @[cgroup_path($i, "unified")] = count(); exit(); }`,
    );
    // Only the cgroup2 hierarchy has the new cgroup (v1 hierarchies, if any, do not).
    const path = `unified:/${name}/sub`;
    assert.equal(out, `${id}\n${path}\n[${path}]\n\n(${path}, 1)\n\n\n@[${path}]: 1\n`);
  } finally {
    rmdirSync(dir);
    rmdirSync(join(root, name));
  }
});

test('cgroup_path of the root names every hierarchy holding the id, cgroup2 first', (t) => {
  const root = cgroup2Root();
  if (!root) {
    t.skip('no cgroup2 hierarchy is mounted');
    return;
  }
  const id = statSync(root, { bigint: true }).ino;
  const out = output(`BEGIN { print(cgroup_path(${id}, "unified")); exit(); }`);
  assert.equal(out, 'unified:/\n\n\n');
});

test('leader_comm and leader_tid name the thread group leader, not the thread', () => {
  const out = output(
    `uprobe:${prog}:stub { printf("%s %s %d %d\\n", comm, leader_comm, leader_tid == pid, leader_tid(curtask) == pid); }`,
    {
      command: `${prog} threads`,
    },
  );
  assert.equal(out, 'tworker tmain 1 1\ntmain tmain 1 1\n\n\n');
});

test('container_of gives the struct a member pointer is in', () => {
  const out = output(
    `struct Foo { int m; int n; } uprobe:${prog}:n_func { $n = (int32 *)arg0; $foo = container_of($n, typeof(struct Foo), n); print(*$foo); printf("%d %d\\n", $foo->m, $foo.n); exit(); }`,
    { command: `${prog} struct` },
  );
  assert.equal(out, '{ .m = 2, .n = 3 }\n2 3\n\n\n');
});

test('is_err is true exactly for -4095..-1', () => {
  assert.equal(
    output(
      'BEGIN { printf("%d %d %d %d %d %d\\n", is_err(-22), is_err(-1), is_err(-4095), is_err(-4096), is_err(0), is_err(curtask)); exit(); }',
    ),
    '1 1 1 0 0 0\n\n\n',
  );
  const out = output(`uretprobe:${prog}:errptr { printf("%d %d\\n", is_err(retval), retval == (uint64)-22); }`, { command: `${prog} err` });
  assert.equal(out, '1 1\n0 0\n\n\n');
});

test('find copies the value when the key is there and leaves the variable alone when not', () => {
  const out = output(
    'BEGIN { @map[2] = (1, "hello"); @s["a"] = "x"; @i[1] = 5; let $val; ' +
      'if (find(@map, 2, $val)) { print($val); } if (!find(@map, 3, $val)) { printf("kept %d %s\\n", $val.0, $val.1); } ' +
      '$s = "a longer string"; if (find(@s, "a", $s)) { printf("<%s>\\n", $s); } ' +
      'if (find(@i, 1, $n)) { print($n + 1); } print(find(@i, 7, $n)); print($n); clear(@map); clear(@s); clear(@i); exit(); }',
  );
  assert.equal(out, '(1, hello)\nkept 1 hello\n<x>\n6\nfalse\n5\n\n\n');
});

test('signal_thread reaches the traced thread', () => {
  const out = output(`uprobe:${prog}:sig_stub { signal_thread("SIGUSR1"); }`, { unsafe: true, command: `${prog} signal` });
  assert.equal(out, 'signal handled by worker\n\n\n');
  const byNumber = output(`uprobe:${prog}:sig_stub { signal_thread(10); }`, { unsafe: true, command: `${prog} signal` });
  assert.equal(byNumber, 'signal handled by worker\n\n\n');
});

test('write_user rewrites user memory, or the kernel refusal is explained', () => {
  const r = run(`uprobe:${prog}:fill { printf("ok=%d\\n", write_user(arg0, "hacked", 7)); }`, { unsafe: true, command: `${prog} write` });
  if (r.code !== 0) {
    // Kernels under lockdown withhold bpf_probe_write_user from every program type.
    assert.match(r.stderr, /HINT: this kernel does not allow bpf_probe_write_user \(write_user\(\)\)/);
    return;
  }
  assert.equal(r.stdout, 'ok=1\nbuf=hacked\n\n\n');
});
