// Aggregations read inside a probe see every CPU's slot merged, as bpftrace 0.26 reads them: a
// program pinned first to one CPU and then to another fires the exec tracepoint, and what the
// probes read must equal what is printed at exit (merged in user space), not one CPU's share.

import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { onlineCpus } from '../../src/bpf/map.ts';
import { runCli, shellCommand } from '../helpers/run.ts';

const online = onlineCpus();
const skip = online.length < 2 && 'needs two online CPUs';

describe('per-CPU aggregations read inside probes', { skip }, () => {
  const a = online[0] as number;
  const b = online[online.length - 1] as number;
  const dir = mkdtempSync(join(tmpdir(), 'bpftrace-ts-percpu-'));
  // A name no other process on the machine has, so only this test's execs count.
  const comm = `pcpu${process.pid}`.slice(0, 15);
  const bin = join(dir, comm);
  copyFileSync('/bin/true', bin);
  after(() => rmSync(dir, { recursive: true, force: true }));

  // Three execs on CPU a, five on CPU b; each event's value tells its CPU (5 on a, 15 on b).
  const command = shellCommand(`for i in 1 2 3; do taskset -c ${a} ${bin}; done\nfor i in 1 2 3 4 5; do taskset -c ${b} ${bin}; done`);
  const value = `(cpu == ${a} ? 5 : 15)`;

  test('count, sum, min, max and avg: the reads in a probe and in END equal the printed maps', () => {
    const script = `tracepoint:sched:sched_process_exec /comm == "${comm}"/ {
      @c = count(); @s = sum(${value}); @mi = min(${value}); @ma = max(${value}); @av = avg(${value}); @neg = avg(-${value});
      @k[comm] = count(); @per[cpu] = count();
      if (@c == 8) { printf("eighth: s=%d k=%d\\n", @s, @k[comm]); }
    }
    END {
      printf("end: c=%d s=%d mi=%d ma=%d av=%d neg=%d k=%d\\n", @c, @s, @mi, @ma, @av, @neg, @k["${comm}"]);
      for ($kv : @k) { printf("for: %s %d\\n", $kv.0, $kv.1); }
      clear(@per);
    }`;
    const r = runCli(['-c', command, '-e', script], { timeoutMs: 30_000 });
    assert.equal(r.code, 0, r.stderr);
    // 3 x 5 + 5 x 15 = 90 over 8 events; the negated average divides the magnitude (-90 / 8 = -11).
    assert.equal(
      r.stdout,
      `eighth: s=90 k=8\nend: c=8 s=90 mi=5 ma=15 av=11 neg=-11 k=8\nfor: ${comm} 8\n\n\n@av: 11\n@c: 8\n@k[${comm}]: 8\n@ma: 15\n@mi: 5\n@neg: -11\n@s: 90\n`,
    );
    assert.doesNotMatch(r.stderr, /WARNING/);
  });

  test('min and max skip the CPUs that never saw a sample', () => {
    // Only CPU b's events reach min/max: CPU a's slot exists (created for the key) but is unset.
    const script = `tracepoint:sched:sched_process_exec /comm == "${comm}"/ {
      @c[1] = count();
      if (cpu == ${b}) { @mi[1] = min(${value}); @ma[1] = max(-${value}); }
      else { @mi[2] = min(1); @ma[2] = max(1); }
    }
    END { printf("%d %d %d\\n", @c[1], @mi[1], @ma[1]); clear(@c); clear(@mi); clear(@ma); }`;
    const r = runCli(['-c', command, '-e', script], { timeoutMs: 30_000 });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, '8 15 -15\n\n\n');
  });
});
