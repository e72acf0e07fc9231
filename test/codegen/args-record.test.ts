// `args` as a whole value: every context field goes into one record, each with its own type,
// without the record's fields being made up as expressions in the type checker's tables.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { disasm } from '../../src/bpf/disasm.ts';
import { compileText } from '../helpers/compile.ts';

test('print(args) reads every field and leaves the type table alone', () => {
  const r = compileText('tracepoint:sched:sched_switch { print(args); }');
  assert.equal(r.errors, '');
  const script = r.script;
  assert.ok(script);
  // Only nodes of the script have types: no made-up (negative) ids.
  assert.deepEqual(
    [...script.sema.types.keys()].filter((id) => id < 0),
    [],
  );
  const asm = disasm(script.programs[0]?.spec.insns ?? []);
  // prev_comm and next_comm are inline char arrays: two string reads from the context.
  assert.equal(asm.match(/call bpf_probe_read_kernel_str#/g)?.length, 2);
  // prev_pid, prev_prio, prev_state, next_pid, next_prio: loaded from the context directly.
  assert.ok((asm.match(/= \*\(u(32|64) \*\)\(r6 /g)?.length ?? 0) >= 5);
});

test('print(args) with an array field copies it from the record', () => {
  const r = compileText('tracepoint:tcp:tcp_retransmit_skb { print(args); }');
  assert.equal(r.errors, '');
  const asm = disasm(r.script?.programs[0]?.spec.insns ?? []);
  // saddr[4], daddr[4], saddr_v6[16], daddr_v6[16]: byte copies from the context.
  assert.ok((asm.match(/call bpf_probe_read_kernel#/g)?.length ?? 0) >= 4, asm);
});
