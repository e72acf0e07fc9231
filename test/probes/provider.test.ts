// The pieces providers share: per-target sites and attaching a program to many targets.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Link } from '../../src/bpf/link.ts';
import { kprobe } from '../../src/probes/kprobe.ts';
import { attachEach, type ProbeTarget, TargetSites } from '../../src/probes/provider.ts';

const SPAN = { start: 0, end: 0, line: 1, col: 1 } as never;
const target = (name: string): ProbeTarget => ({ provider: kprobe, name, parts: [], span: SPAN });

test('attachEach: every target attached, or none left attached when one fails', () => {
  const closed: string[] = [];
  const link = (t: ProbeTarget): Link => ({ kind: 'test', target: t.name, close: () => closed.push(t.name), release: () => [] });
  const ts = ['a', 'b', 'c'].map(target);
  assert.deepEqual(
    attachEach(ts, (t) => [link(t)]).map((l) => l.target),
    ['a', 'b', 'c'],
  );
  assert.deepEqual(closed, []);
  const boom = new Error('refused');
  assert.throws(
    () =>
      attachEach(ts, (t) => {
        if (t.name === 'c') throw boom;
        return [link(t)];
      }),
    (e) => e === boom,
  );
  assert.deepEqual(closed, ['b', 'a'], 'the attached ones detached, last first');
});

test('TargetSites: a target the provider did not expand is an internal error', () => {
  const sites = new TargetSites<{ n: number }>();
  const [a, b] = [target('x:a'), target('x:b')];
  sites.set(a, { n: 1 });
  assert.deepEqual(sites.of(a), { n: 1 });
  assert.equal(sites.get(b), undefined);
  assert.throws(() => sites.of(b), /internal: unresolved x:b/);
});
