import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { Attr, MAP_CREATE, PERF_EVENT_ATTR, PROG_INFO, PROG_LOAD, struct } from '../../src/bpf/attr.ts';
import {
  BPF_MAP_CREATE,
  BPF_PROG_LOAD,
  EFD_CLOEXEC,
  EFD_NONBLOCK,
  EPOLL_CTL_ADD,
  EPOLLIN,
  RLIMIT_MEMLOCK,
} from '../../src/bpf/constants.ts';
import { defaultSys } from '../../src/bpf/default-sys.ts';
import { Helper, helperId, helperName, MAX_HELPER_ID } from '../../src/bpf/helpers.ts';
import { check, checkBpf, errnoName, SyscallError } from '../../src/bpf/sys.ts';
import { ROOT } from '../helpers/run.ts';
import { noLeak } from './util.ts';

describe('SyscallError', () => {
  it('names the syscall, the command, the errno and its symbol', () => {
    const e = new SyscallError('bpf', 'BPF_PROG_LOAD', 1);
    assert.equal(e.message, 'bpf(BPF_PROG_LOAD) failed: Operation not permitted (EPERM)');
    assert.equal(e.code, 'EPERM');
    assert.equal(e.errno, 1);
    assert.equal(e.syscall, 'bpf');
    assert.equal(e.command, 'BPF_PROG_LOAD');
  });

  it('formats commandless syscalls, details and kernel-only errnos', () => {
    assert.equal(
      new SyscallError('perf_event_open', '', 2, 'tracepoint id 7').message,
      'perf_event_open failed: No such file or directory (ENOENT): tracepoint id 7',
    );
    assert.equal(errnoName(524), 'ENOTSUPP');
    assert.equal(errnoName(7), 'E2BIG');
    assert.equal(errnoName(28), 'ENOSPC');
    assert.equal(errnoName(110), 'ETIMEDOUT'); // from libuv's table
  });

  it('check() passes results through and throws on -errno', () => {
    assert.equal(check(5, 'close'), 5);
    assert.throws(() => checkBpf(-22, BPF_MAP_CREATE), /bpf\(BPF_MAP_CREATE\) failed: Invalid argument \(EINVAL\)/);
    assert.throws(
      () => checkBpf(-7, BPF_PROG_LOAD, 'program x'),
      (e: unknown) => e instanceof SyscallError && e.code === 'E2BIG' && /program x$/.test(e.message),
    );
  });
});

describe('struct layouts', () => {
  it('follows C alignment', () => {
    const s = struct({ a: 'u32', b: 'u64', c: 'u8', d: 'u16' });
    assert.deepEqual(s.offsets, { a: 0, b: 8, c: 16, d: 18 });
    assert.equal(s.size, 24);
  });

  it('matches the kernel offsets of the fields we rely on', () => {
    assert.equal(MAP_CREATE.offsets.map_name, 28);
    assert.equal(MAP_CREATE.offsets.map_extra, 64);
    assert.equal(PROG_LOAD.offsets.prog_name, 48);
    assert.equal(PROG_LOAD.offsets.expected_attach_type, 68);
    assert.equal(PROG_LOAD.offsets.attach_btf_id, 108);
    assert.equal(PROG_LOAD.offsets.log_true_size, 140);
    assert.equal(PROG_INFO.offsets.run_time_ns, 192);
    assert.equal(PROG_INFO.offsets.verified_insns, 216);
    assert.equal(PROG_INFO.size, 232);
    assert.equal(PERF_EVENT_ATTR.size, 128); // PERF_ATTR_SIZE_VER7
    assert.equal(PERF_EVENT_ATTR.offsets.config1, 56);
  });

  it('writes names NUL-terminated and truncated', () => {
    const a = new Attr(MAP_CREATE).str('map_name', 'abcdefghijklmnopqrstuvwxyz', 16);
    const name = a.bytes.subarray(28, 44);
    assert.equal(new TextDecoder().decode(name.subarray(0, 15)), 'abcdefghijklmno');
    assert.equal(name[15], 0);
  });
});

describe('koffi Sys (real kernel)', () => {
  it('reaches libc', () => {
    const sys = defaultSys();
    assert.equal(sys.getpid(), process.pid);
    assert.equal(sys.pageSize(), 4096);
    const lim = sys.getrlimit(RLIMIT_MEMLOCK);
    assert.notEqual(typeof lim, 'number');
  });

  it('reports errno as -errno', () => {
    assert.equal(defaultSys().close(987654), -9); // EBADF
    assert.equal(defaultSys().bpf(BPF_MAP_CREATE, new Uint8Array(MAP_CREATE.size)), -22);
  });

  it(
    'waits in epoll on a worker thread: timers keep running, an eventfd wakes it',
    noLeak(async () => {
      const sys = defaultSys();
      const ep = check(sys.epollCreate(), 'epoll_create1');
      const efd = check(sys.eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK), 'eventfd');
      try {
        check(sys.epollCtl(ep, EPOLL_CTL_ADD, efd, EPOLLIN, 7), 'epoll_ctl');
        let ticks = 0;
        const timer = setInterval(() => ticks++, 5);
        const waiting = sys.epollWait(ep, 4, 5000);
        setTimeout(() => sys.eventfdWrite(efd, 1n), 60);
        const events = await waiting;
        clearInterval(timer);
        assert.deepEqual(events, [{ events: EPOLLIN, data: 7 }]);
        assert.ok(ticks >= 3, `the JS thread was blocked (${ticks} ticks)`);
      } finally {
        sys.close(efd);
        sys.close(ep);
      }
    }),
  );

  it(
    'mmaps and views memory without copying',
    noLeak(() => {
      const sys = defaultSys();
      const addr = sys.mmap(4096, 3, 0x22, -1, 0);
      assert.ok(addr > 0n);
      const a = new Uint8Array(sys.view(addr, 4096));
      const b = new Uint8Array(sys.view(addr, 4096));
      a[10] = 99;
      assert.equal(b[10], 99);
      assert.equal(sys.munmap(addr, 4096), 0);
    }),
  );
});

/** Eventfds in `n` groups of 3, for closing concurrently. */
function eventfdGroups(n: number): number[][] {
  const sys = defaultSys();
  return Array.from({ length: n }, () => [0, 1, 2].map(() => check(sys.eventfd(0, EFD_CLOEXEC), 'eventfd')));
}

describe('closing fds concurrently (real kernel)', () => {
  it(
    'koffi: closes every fd of many groups (more than koffi lets run at once)',
    noLeak(async () => {
      await defaultSys().closeConcurrently(eventfdGroups(200));
      await defaultSys().closeConcurrently([]);
    }),
  );

  const bun = join(ROOT, 'node_modules/@oven/bun-linux-x64/bin/bun');
  it('bun:ffi: closes every fd of many groups on worker threads', { skip: !existsSync(bun) && 'Bun is not installed' }, () => {
    // Bun runs the TypeScript source itself. Its worker threads give back their own fds only
    // some time after they end, so the count is awaited.
    const script = `
      import { readdirSync } from 'node:fs';
      import { createBunSys } from ${JSON.stringify(join(ROOT, 'src/bpf/sys-bun.ts'))};
      const sys = createBunSys();
      const count = () => readdirSync('/proc/self/fd').length;
      const before = count();
      const groups = Array.from({ length: 100 }, () => [0, 1, 2].map(() => sys.eventfd(0, 0x80000)));
      if (groups.flat().some((fd) => fd < 0)) throw new Error('eventfd failed');
      await sys.closeConcurrently(groups);
      await sys.closeConcurrently([]);
      const end = Date.now() + 5000;
      while (count() !== before && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
      console.log(JSON.stringify({ before, after: count() }));
    `;
    const r = spawnSync(bun, ['--eval', script], { encoding: 'utf8', timeout: 20000 });
    assert.equal(r.status, 0, r.stderr);
    const { before, after } = JSON.parse(r.stdout) as { before: number; after: number };
    assert.equal(after, before, 'fds left open');
  });
});

describe('helper table', () => {
  it('maps names and ids both ways, through Linux 6.x', () => {
    assert.equal(helperId('map_lookup_elem'), 1);
    assert.equal(helperId('bpf_ringbuf_output'), 130);
    assert.equal(helperId('loop'), 181);
    assert.equal(helperName(211), 'bpf_cgrp_storage_delete');
    assert.equal(helperName(0), undefined);
    assert.equal(helperName(MAX_HELPER_ID + 1), undefined);
    for (const [name, id] of Object.entries(Helper)) {
      assert.equal(helperId(name), id, name);
      assert.equal(helperName(id), `bpf_${name}`);
    }
    assert.equal(Helper.override_return, 58);
    assert.equal(Helper.ktime_get_tai_ns, 208);
    assert.equal(Object.keys(Helper).length, MAX_HELPER_ID);
    assert.equal(helperId('unspec'), undefined);
    assert.equal(helperId('toString'), undefined);
  });
});
