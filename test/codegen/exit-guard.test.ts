// exit() as bpftrace times it: the first exit() in a probe the kernel fires stamps the time in
// the `exited` array map; every kernel-fired program checks the stamp first and leaves once it
// is more than half a millisecond old (bpftrace's probes run until it has read the exit record
// and detached). BEGIN's exit() is stamped by user space after attaching, so BEGIN has neither.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { disasm } from '../../src/bpf/disasm.ts';
import { compileText } from '../helpers/compile.ts';

function programs(script: string): Map<string, string> {
  const r = compileText(script);
  assert.equal(r.errors, '');
  return new Map((r.script?.programs ?? []).map((p) => [p.targets.map((t) => t.name).join(','), disasm(p.spec.insns)]));
}

const GUARD =
  /^ {2}0: r6 = r1\n {2}1: r1 = map\[exited\]\[0\]\+0\n {2}3: r1 = \*\(u64 \*\)\(r1 \+0\)\n {2}4: if r1 == 0x0 goto (L\d+)\n {2}5: call bpf_ktime_get_ns#5\n {2}6: r1 = map\[exited\]\[0\]\+0\n {2}8: r1 = \*\(u64 \*\)\(r1 \+0\)\n {2}9: r0 -= r1\n 10: if r0 > 0x7a120 goto Lexit\n\1:\n/;
const STAMP =
  /r1 = map\[exited\]\[0\]\+0\n.*r1 = \*\(u64 \*\)\(r1 \+0\)\n.*if r1 != 0x0 goto L\w+\n.*call bpf_ktime_get_ns#5\n.*r1 = map\[exited\]\[0\]\+0\n.*\*\(u64 \*\)\(r1 \+0\) = r0\n/;

test('a kernel-fired probe checks the stamp first and stamps it at exit(); BEGIN does neither', () => {
  const p = programs('BEGIN { exit(); } interval:ms:1 { @ = count(); exit(); }');
  const interval = p.get('interval:ms:1') ?? '';
  assert.match(interval, GUARD);
  assert.match(interval, STAMP);
  const begin = p.get('BEGIN') ?? '';
  assert.doesNotMatch(begin, /exited|ktime/);
});

test('without exit() there is no stamp to check', () => {
  const p = programs('interval:ms:1 { @ = count(); }');
  assert.doesNotMatch(p.get('interval:ms:1') ?? '', /exited/);
});
