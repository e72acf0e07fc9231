// Listings against the real kernel, compared with what /usr/bin/bpftrace (0.17) prints for the
// same arguments. Everything that touches /sys/kernel/tracing lives in this one file, so a
// tracefs mounted for the test is unmounted by the same process that mounted it.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { formatListResult, type ListOptions, listAttachPoints, listProbes } from '../../src/probes/info/listing.ts';
import { listTracepoints, readTracepointFormat, tracepointId } from '../../src/probes/info/tracepoint-format.ts';
import { findTracefs, releaseTracefs, tracefsMountedByUs, tracefsPath } from '../../src/util/tracefs.ts';

const BPFTRACE = '/usr/bin/bpftrace';
const haveBpftrace = existsSync(BPFTRACE);
const isRoot = process.getuid?.() === 0;
const BPFTRACE_TIMEOUT_MS = 120_000;

let wasMounted = false;
/** What the installed bpftrace concluded about kfunc support (its -l '*' depends on it). */
let bpftraceKfunc = false;

before(() => {
  wasMounted = findTracefs() !== null;
  tracefsPath();
  if (haveBpftrace && isRoot) {
    const info = spawnSync(BPFTRACE, ['--info'], { encoding: 'utf8', timeout: BPFTRACE_TIMEOUT_MS });
    bpftraceKfunc = /^\s*kfunc: yes/m.test(`${info.stdout}${info.stderr}`);
  }
});

after(() => {
  // Leave the system as found: a mount of ours goes with its last user (another test process
  // may still be using it, then that one unmounts it).
  releaseTracefs();
  assert.equal(tracefsMountedByUs(), false);
  if (wasMounted) assert.ok(findTracefs());
});

function bpftrace(args: string[]): { stdout: string; stderr: string; status: number | null } {
  const r = spawnSync(BPFTRACE, args, { encoding: 'utf8', timeout: BPFTRACE_TIMEOUT_MS, maxBuffer: 256 << 20 });
  assert.ok(!r.error, `bpftrace ${args.join(' ')}: ${r.error?.message}`);
  return { stdout: r.stdout, stderr: r.stderr, status: r.status };
}

function ours(search: string, opts: ListOptions = {}): { stdout: string; stderr: string; ms: number } {
  const t0 = performance.now();
  const r = listProbes(search, { kfuncAvailable: bpftraceKfunc, ...opts });
  const ms = performance.now() - t0;
  return { ...formatListResult(r, search), ms };
}

const skipCompare = !haveBpftrace ? `${BPFTRACE} is absent` : !isRoot ? 'bpftrace -l needs root' : false;

describe('-l output identical to bpftrace 0.17', { skip: skipCompare }, () => {
  const same = [
    'tracepoint:syscalls:sys_enter_open*',
    't:sched:*',
    'tracepoint:*sched_switch*',
    'tracepoint:*',
    't:syscalls:sys_enter_execve',
    'tracepoint:sched:no_such_event',
    'tracepoint:raw_syscalls:*',
    'software:*',
    'hardware:*',
    'software:*:*',
    's:cpu*',
    'iter:*',
    'struct task_struct',
    'struct task_*',
    'union *',
    'enum *',
  ];
  for (const search of same) {
    test(search, (t) => {
      const want = bpftrace(['-l', search]);
      const got = ours(search);
      t.diagnostic(`${got.stdout.split('\n').length - 1} lines in ${got.ms.toFixed(1)} ms`);
      assert.equal(got.stdout, want.stdout);
    });
  }

  test('* (all kernel probes)', (t) => {
    const want = bpftrace(['-l', '*']);
    const got = ours('*');
    let mine = got.stdout;
    if (want.stderr.includes('available_filter_functions')) {
      // bpftrace could not read available_filter_functions and lists no kprobes; we fall back
      // to kallsyms. Compare everything else.
      t.diagnostic('bpftrace listed no kprobes (available_filter_functions unreadable): comparing the rest');
      assert.match(mine, /^kprobe:vfs_read$/m);
      mine = mine
        .split('\n')
        .filter((l) => !l.startsWith('kprobe:'))
        .join('\n');
    }
    assert.equal(mine, want.stdout);
  });
});

describe('-lv output identical to bpftrace 0.17', { skip: skipCompare }, () => {
  const same = [
    'tracepoint:raw_syscalls:sys_exit',
    't:syscalls:sys_enter_execve',
    't:sched:*',
    'tracepoint:*',
    'iter:*',
    'struct css_task_iter',
    'struct task_struct',
    'struct list_head',
    'enum pid_type',
  ];
  for (const search of same) {
    test(search, (t) => {
      const want = bpftrace(['-lv', search]);
      const got = ours(search, { verbose: true });
      t.diagnostic(`${got.stdout.split('\n').length - 1} lines in ${got.ms.toFixed(1)} ms`);
      assert.equal(got.stdout, want.stdout);
    });
  }
});

describe('errors identical to bpftrace 0.17', { skip: skipCompare }, () => {
  for (const search of ['software', 'tracepoint:foo', 'iter', 'kprobe:a:b']) {
    test(search, () => {
      const want = bpftrace(['-l', search]);
      const got = ours(search);
      assert.equal(got.stdout, want.stdout);
      assert.equal(got.stderr, want.stderr);
      assert.notEqual(want.status, 0);
    });
  }
});

describe('probe kinds bpftrace 0.17 cannot list here', () => {
  test('kprobe wildcards', () => {
    const got = listProbes('kprobe:vfs_*');
    assert.ok(got.lines.includes('kprobe:vfs_read'));
    assert.ok(got.lines.every((l) => /^kprobe:vfs_/.test(l)));
    assert.deepEqual(got.lines, [...new Set(got.lines)].sort());
    if (haveBpftrace && isRoot) {
      const want = bpftrace(['-l', 'kprobe:vfs_*']);
      if (!want.stderr.includes('available_filter_functions')) assert.equal(formatListResult(got).stdout, want.stdout);
    }
  });

  test('kfunc with arguments', () => {
    const got = listProbes('kfunc:vfs_read', { verbose: true, kfuncAvailable: true });
    assert.deepEqual(got.lines, [
      'kfunc:vmlinux:vfs_read',
      '    struct file * file',
      '    char * buf',
      '    size_t count',
      '    loff_t * pos',
      '    ssize_t retval',
    ]);
    const fentry = listProbes('fentry:vfs_read', { verbose: true, style: '0.26' });
    assert.deepEqual(fentry.lines, [
      'fentry:vmlinux:vfs_read',
      '    struct file * file',
      '    char * buf',
      '    size_t count',
      '    loff_t * pos',
    ]);
  });

  test('rawtracepoints, with module prefix and named arguments', (t) => {
    const t0 = performance.now();
    const all = listProbes('rawtracepoint:*');
    t.diagnostic(`${all.lines.length} rawtracepoints in ${(performance.now() - t0).toFixed(1)} ms`);
    assert.ok(all.lines.includes('rawtracepoint:vmlinux:sched_switch'));
    const v = listProbes('rt:sched_switch', { verbose: true });
    assert.equal(v.lines[0], 'rawtracepoint:vmlinux:sched_switch');
    assert.ok(v.lines.includes('    struct task_struct * prev'));
    assert.ok(v.lines.includes('    struct task_struct * next'));
    assert.ok(!v.lines.some((l) => l.includes('__data')), 'the hidden first argument is left out');
  });

  test('0.26 style: software and hardware events are expanded', () => {
    const sw = listProbes('software:*', { style: '0.26' }).lines;
    assert.ok(sw.includes('software:cpu-clock:'));
    assert.ok(sw.includes('software:cs:'), 'aliases are listed too');
    assert.deepEqual(listProbes('hardware:cache-*', { style: '0.26' }).lines, ['hardware:cache-misses:', 'hardware:cache-references:']);
  });

  test('0.26 style: profile/interval list their time units; 0.17 says it cannot', () => {
    assert.deepEqual(listProbes('interval:*', { style: '0.26' }).lines, ['interval:hz:', 'interval:ms:', 'interval:s:', 'interval:us:']);
    assert.deepEqual(listProbes('profile:*s', { style: '0.26' }).lines, ['profile:ms:', 'profile:s:', 'profile:us:']);
    assert.deepEqual(listProbes('interval:*').warnings, ['listing interval probes is not supported']);
  });

  test("a program's attach points: counted events as their event, begin/end left out", () => {
    const got = listAttachPoints([
      'begin',
      'interval:ms:100',
      'software:cpu-clock:1000',
      'hardware:cache-misses:10',
      't:sched:sched_switch',
      'rawtracepoint:vmlinux:sched_switch',
      'self:signal:SIGUSR1',
    ]);
    assert.deepEqual(got.lines, [
      'interval:ms:',
      'software:cpu-clock:',
      'hardware:cache-misses:',
      'tracepoint:sched:sched_switch',
      'rawtracepoint:vmlinux:sched_switch',
    ]);
  });

  test('0.26 style: types among probes, -lv naming their BTF', () => {
    const got = listProbes('t:sched:sched_switch,struct file,struct fd', { style: '0.26' }).lines;
    assert.deepEqual(got, ['tracepoint:sched:sched_switch', 'struct file', 'struct fd'], 'each search in turn');
    const v = listProbes('struct fd', { style: '0.26', verbose: true }).lines;
    assert.equal(v[0], 'vmlinux: struct fd {');
  });

  test('several attach points and glob alternatives', () => {
    const got = listProbes('t:sched:sched_{switch,wakeup},software:cpu');
    assert.deepEqual(got.lines, ['tracepoint:sched:sched_switch', 'tracepoint:sched:sched_wakeup', 'software:cpu:']);
  });
});

describe('tracepoint formats from tracefs', () => {
  test('sched_switch and sched_process_exec', () => {
    const sw = readTracepointFormat('sched', 'sched_switch');
    assert.equal(sw.name, 'sched_switch');
    assert.ok(sw.id > 0);
    assert.equal(tracepointId('sched', 'sched_switch'), sw.id);
    assert.equal(tracepointId('sched', 'no_such_event'), null);
    const prevComm = sw.fields.find((f) => f.name === 'prev_comm');
    assert.equal(prevComm?.type.kind, 'array');
    assert.equal(prevComm?.size, 16);
    assert.ok(sw.fields.some((f) => f.name === 'common_pid' && f.common));
    const exec = readTracepointFormat('sched', 'sched_process_exec');
    assert.deepEqual(exec.fields.find((f) => f.name === 'filename')?.type, {
      kind: 'data_loc',
      elemType: 'char',
      relative: false,
    });
  });

  test('every format file parses, and fields fit their record', () => {
    let n = 0;
    for (const { category, name } of listTracepoints()) {
      let f: ReturnType<typeof readTracepointFormat>;
      try {
        f = readTracepointFormat(category, name);
      } catch {
        continue; // some events have no readable format
      }
      n++;
      assert.ok(f.fields.length > 0, `${category}:${name}`);
      for (const field of f.fields) assert.notEqual(field.name, '', `${category}:${name}: ${field.decl}`);
    }
    assert.ok(n > 100);
  });

  test('listTracepoints matches available_events', (t) => {
    const t0 = performance.now();
    const walked = listTracepoints().map((x) => `${x.category}:${x.name}`);
    t.diagnostic(`walked events/ in ${(performance.now() - t0).toFixed(1)} ms: ${walked.length} tracepoints`);
    const events = readFileSync(`${tracefsPath()}/available_events`, 'latin1').split('\n').filter(Boolean).sort();
    assert.deepEqual([...walked].sort(), events);
  });
});
