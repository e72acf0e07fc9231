// debugf(): compile-time checks in bpftrace 0.26's words, and real bpf_trace_printk output read
// back from tracefs. The text is read from a private tracefs instance with the
// bpf_trace/bpf_trace_printk event enabled, so other users of the global trace buffer (which
// may clear it at any time) neither disturb this test nor are disturbed by it.

import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { after, test } from 'node:test';
import { releaseTracefs, tracefsPath } from '../../src/util/tracefs.ts';
import { isRoot } from '../helpers/run.ts';
import { compileError, run } from './run-script.ts';

test('debugf warns that it is for debugging', () => {
  const r = run('BEGIN { debugf("x"); exit(); }');
  assert.equal(r.code, 0, r.stderr);
  assert.match(
    r.stderr,
    /^stdin:1:9-20: WARNING: The debugf\(\) builtin is not recommended for production use\. For more information see bpf_trace_printk in bpf-helpers\(7\)\.$/m,
  );
});

test('debugf rejects what bpf_trace_printk cannot format', () => {
  assert.match(
    compileError('BEGIN { debugf("%d %d %d %d", 1, 2, 3, 4); }'),
    /^stdin:1:9-42: ERROR: cannot use more than 3 conversion specifiers$/m,
  );
  assert.match(compileError('BEGIN { debugf("%c", 65); }'), /^stdin:1:16-20: ERROR: Invalid format specifier for `debugf`: c$/m);
  assert.match(
    compileError('BEGIN { debugf("%i", 65); }'),
    /ERROR: Invalid format specifier for `debugf`: i\n[\s\S]*HINT: debugf\(\) \(bpf_trace_printk\) formats %d %u %x %p integers and %s strings/,
  );
  assert.match(
    compileError('BEGIN { debugf("%d", comm); }'),
    /^stdin:1:9-27: ERROR: unsupported format specifier for type 'string\[16\]': d$/m,
  );
  assert.match(compileError('BEGIN { debugf("%d", curtask); }'), /^stdin:1:22-29: ERROR: Type does not match format specifier: d$/m);
  assert.match(compileError('BEGIN { debugf("%s", 1); }'), /^stdin:1:22-23: ERROR: Type does not match format specifier: s$/m);
  assert.match(compileError('BEGIN { debugf("%.3d", 1); }'), /ERROR: bpf_trace_printk does not support a precision in %\.3d/);
  assert.match(compileError('BEGIN { debugf("%hd", 1); }'), /ERROR: bpf_trace_printk does not support the 'h' length in %hd/);
  assert.match(compileError('BEGIN { debugf("%d %d", 1); }'), /ERROR: not enough arguments for format string \(1 supplied, 2 expected\)/);
  assert.match(compileError('BEGIN { $f = "x"; debugf($f); }'), /ERROR: debugf\(\) expects a string literal as its first argument/);
});

/** A tracefs instance of our own that records bpf_trace_printk events; removed after the test. */
function traceInstance(): { read(): string; remove(): void } {
  const dir = `${tracefsPath()}/instances/bpftrace_ts_debugf_${process.pid}`;
  mkdirSync(dir);
  const enable = `${dir}/events/bpf_trace/bpf_trace_printk/enable`;
  writeFileSync(enable, '1');
  return {
    read: () => readFileSync(`${dir}/trace`, 'latin1'),
    remove: () => {
      writeFileSync(enable, '0');
      rmdirSync(dir);
    },
  };
}

after(() => releaseTracefs());

/** The text of this test's debugf lines (after the kernel's "bpf_trace_printk: " prefix). */
function printkLines(text: string, token: string): string[] {
  return text
    .split('\n')
    .filter((l) => l.includes(token))
    .map((l) => l.replace(/^.*bpf_trace_printk: /, ''));
}

test('debugf in BEGIN writes through bpf_trace_printk to the trace buffer', { skip: !isRoot && 'needs root' }, () => {
  const inst = traceInstance();
  try {
    const token = `begin${process.pid}`;
    const r = run(
      `BEGIN { $s = "abc"; debugf("${token} %s %d %x", $s, -5, 255); debugf("${token} %lld %u", 1 << 40, (uint8)7); debugf("${token}"); exit(); }`,
    );
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(printkLines(inst.read(), token), [`${token} abc -5 ff`, `${token} 1099511627776 7`, token]);
  } finally {
    inst.remove();
  }
});

test('debugf in a tracepoint probe', { skip: !isRoot && 'needs root' }, () => {
  const inst = traceInstance();
  try {
    const token = `tp${process.pid}`;
    // The -c child's exit_group comes after the probes are attached and the child let go.
    const r = run(
      `tracepoint:syscalls:sys_enter_exit_group /pid == cpid/ { debugf("${token} %s %d", comm, args.error_code + 40); exit(); }`,
      {
        command: '/bin/true',
      },
    );
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(printkLines(inst.read(), token), [`${token} true 40`]);
  } finally {
    inst.remove();
  }
});
