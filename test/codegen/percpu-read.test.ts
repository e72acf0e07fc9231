// Reading count/sum/min/max/avg inside a probe merges every possible CPU's slot, as bpftrace 0.26
// does: a loop over bpf_map_lookup_percpu_elem (helper 195) bounded by the possible CPU count.
// Only reads pay for it; a kernel without the helper is refused where the value is read.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { disasm } from '../../src/bpf/disasm.ts';
import { possibleCpus } from '../../src/bpf/map.ts';
import { availabilityOptions } from '../../src/probes/kernel/availability.ts';
import { compileText } from '../helpers/compile.ts';

const PERCPU_CALL = /call bpf_map_lookup_percpu_elem#195/g;

/** Every program's and subprogram's instructions of `script`, disassembled. */
function asm(script: string): string {
  const r = compileText(script);
  assert.equal(r.errors, '');
  return (r.script?.programs ?? []).map((p) => disasm(p.spec.insns)).join('\n');
}

function percpuCalls(script: string): number {
  return asm(script).match(PERCPU_CALL)?.length ?? 0;
}

describe('per-CPU aggregation reads', () => {
  test('a read loops over the possible CPUs with map_lookup_percpu_elem', () => {
    const text = asm('BEGIN { @n = count(); printf("%d\\n", @n); }');
    assert.equal(text.match(PERCPU_CALL)?.length, 1);
    // The loop's bound is the possible CPU count, baked in as 0.26's num_cpus global is set.
    const bound = `0x${possibleCpus().length.toString(16)}`;
    assert.match(text, new RegExp(`if r\\d >= ${bound} goto L\\d+\\n(?:.*\\n){0,4}.*call bpf_map_lookup_percpu_elem#195`));
    // The counter steps back to the test.
    assert.match(text, /r\d \+= 1\n\s*\d+: goto L\d+/);
  });

  test('each castable aggregation is merged; the update path has no loop', () => {
    for (const agg of ['count()', 'sum(cpu)', 'min(cpu)', 'max(cpu)', 'avg(cpu)']) {
      assert.equal(percpuCalls(`BEGIN { @a = ${agg}; }`), 0, `${agg} updated only`);
      assert.equal(percpuCalls(`BEGIN { @a = ${agg}; $x = @a; @y = $x; }`), 1, `${agg} read`);
    }
  });

  test('keyed maps, conditions, casts, and for loops over a map read every CPU', () => {
    assert.equal(percpuCalls('BEGIN { @c[comm] = count(); if (@c[comm] > 1000) { exit(); } }'), 1);
    assert.equal(percpuCalls('BEGIN { @c[pid, comm] = sum(2); printf("%d\\n", (int32)@c[pid, comm]); }'), 1);
    assert.equal(percpuCalls('BEGIN { @c[1] = avg(2); for ($kv : @c) { printf("%d %d\\n", $kv.0, $kv.1); } }'), 1);
  });

  test('what 0.26 reads from one slot stays one lookup: percpulruhash maps, stats', () => {
    assert.equal(percpuCalls('let @m = percpulruhash(10); BEGIN { @m = count(); $x = @m; @y = $x; }'), 0);
    assert.equal(percpuCalls('BEGIN { @s = stats(1); $x = @s; @y = $x; }'), 0);
  });

  test('a kernel without bpf_map_lookup_percpu_elem: 0.26 message at the read, not at the update', () => {
    availabilityOptions.lookup = (name) =>
      name === 'helper_map_lookup_percpu_elem' ? { status: 'missing', detail: 'EINVAL' } : { status: 'available' };
    try {
      const e = compileText('BEGIN { @n[1] = count(); printf("%d\\n", @n[1]); }').errors;
      assert.match(e, /^stdin:1:41-46: ERROR: Missing required kernel feature: map_lookup_percpu_elem$/m);
      assert.match(e, /^HINT: reading an aggregation inside a probe needs Linux 5\.19 or later$/m);
      assert.equal(compileText('BEGIN { @n[1] = count(); @m = max(3); print(@m); }').errors, '');
    } finally {
      availabilityOptions.lookup = null;
    }
  });
});
