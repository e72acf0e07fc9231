// BTF-derived name sources (src/probes/info/symbol-sources.ts): each BTF object is read and
// scanned once per process, and only for the modules a pattern can name.

import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { test } from 'node:test';
import { allBtfs, btfFunctionNames, rawTracepointNames } from '../../src/probes/info/symbol-sources.ts';

const haveBtf = existsSync('/sys/kernel/btf/vmlinux');

test('allBtfs: the same objects on every call, and only the wanted ones', { skip: !haveBtf && 'no kernel BTF' }, () => {
  const first = allBtfs();
  const again = allBtfs();
  assert.equal(first[0]?.name, 'vmlinux');
  assert.equal(again.length, first.length);
  for (const [i, b] of again.entries()) assert.equal(b, first[i], `${b.name} read again`);
  const asked: string[] = [];
  const none = allBtfs((m) => {
    asked.push(m);
    return false;
  });
  assert.deepEqual(none, []);
  assert.deepEqual(
    allBtfs((m) => m === 'vmlinux').map((b) => b.name),
    ['vmlinux'],
  );
  assert.equal(asked[0], 'vmlinux');
  assert.equal(asked.length, first.length, 'every object is asked about, none loaded unasked');
});

test('raw tracepoint and kfunc names of the wanted modules only, the same on a second call', { skip: !haveBtf && 'no kernel BTF' }, () => {
  const vmlinux = (m: string): boolean => m === 'vmlinux';
  const raw = rawTracepointNames(vmlinux);
  assert.ok(raw.includes('vmlinux:sched_switch'));
  assert.ok(raw.every((n) => n.startsWith('vmlinux:')));
  assert.deepEqual(
    raw,
    rawTracepointNames().filter((n) => n.startsWith('vmlinux:')),
  );
  assert.deepEqual(rawTracepointNames(vmlinux), raw);
  assert.deepEqual(
    rawTracepointNames(() => false),
    [],
  );
  const funcs = btfFunctionNames(vmlinux);
  assert.ok(funcs.includes('vmlinux:vfs_read'));
  assert.deepEqual(btfFunctionNames(vmlinux), funcs);
  assert.deepEqual(
    btfFunctionNames(() => false),
    [],
  );
});
