// The pieces providers share: per-target sites and attaching a program to many targets.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Link } from '../../src/bpf/link.ts';
import { EBUSY, EILSEQ, ENOTSUPP, SyscallError } from '../../src/bpf/sys.ts';
import { UserError } from '../../src/lang/diagnostics.ts';
import { kprobe } from '../../src/probes/kprobe.ts';
import {
  type AttachEnv,
  type AttachHints,
  attachEach,
  attachError,
  type MissingProbes,
  type ProbeTarget,
  TargetSites,
} from '../../src/probes/provider.ts';

const SPAN = { start: 0, end: 0, line: 1, col: 1 } as never;
const target = (name: string): ProbeTarget => ({ provider: kprobe, name, parts: [], span: SPAN });

const env = (missingProbes: MissingProbes, warnings: string[] = []): AttachEnv => ({
  pid: null,
  missingProbes,
  warn: (m) => warnings.push(m),
});

test('attachEach: every target attached, or none left attached when one fails', () => {
  const closed: string[] = [];
  const link = (t: ProbeTarget): Link => ({ kind: 'test', target: t.name, close: () => closed.push(t.name), release: () => [] });
  const ts = ['a', 'b', 'c'].map(target);
  const all = attachEach(ts, env('error'), (t) => [link(t)]);
  assert.deepEqual(
    all.links.map((l) => l.target),
    ['a', 'b', 'c'],
  );
  assert.equal(all.count, 3);
  assert.deepEqual(closed, []);
  assert.throws(
    () =>
      attachEach(ts, env('error'), (t) => {
        if (t.name === 'c') throw new UserError('refused', ['why']);
        return [link(t)];
      }),
    (e) =>
      e instanceof UserError &&
      e.message === "refused\nERROR: Unable to attach probe: c. If this is expected, set the 'missing_probes' config variable to 'warn'." &&
      e.hints.length === 1 &&
      e.hints[0] === 'why',
  );
  assert.deepEqual(closed, ['b', 'a'], 'the attached ones detached, last first');
});

test('attachEach: missing_probes = "warn" / "ignore" skip a target that cannot attach', () => {
  const link = (t: ProbeTarget): Link => ({ kind: 'test', target: t.name, close: () => undefined, release: () => [] });
  const failB = (t: ProbeTarget): Link[] => {
    if (t.name === 'b') throw new SyscallError('perf_event_open', '', ENOTSUPP, 'uprobe b');
    return [link(t)];
  };
  const ts = ['a', 'b', 'c'].map(target);
  const warnings: string[] = [];
  const warned = attachEach(ts, env('warn', warnings), failB);
  assert.deepEqual(
    warned.links.map((l) => l.target),
    ['a', 'c'],
  );
  assert.equal(warned.count, 2);
  assert.deepEqual(warnings, [
    'cannot attach b: perf_event_open failed: Operation is not supported (ENOTSUPP): uprobe b',
    'Unable to attach probe: b. Skipping.',
  ]);
  const quiet: string[] = [];
  assert.equal(attachEach(ts, env('ignore', quiet), failB).count, 2);
  assert.deepEqual(quiet, []);
  // A bug is not a missing probe: it propagates whatever the policy.
  assert.throws(
    () =>
      attachEach(ts, env('ignore'), () => {
        throw new TypeError('bug');
      }),
    TypeError,
  );
});

test('TargetSites: a target the provider did not expand is an internal error', () => {
  const sites = new TargetSites<{ n: number }>();
  const [a, b] = [target('x:a'), target('x:b')];
  sites.set(a, { n: 1 });
  assert.deepEqual(sites.of(a), { n: 1 });
  assert.equal(sites.get(b), undefined);
  assert.throws(() => sites.of(b), /internal: unresolved x:b/);
});

test('attachError: the provider says what an errno means, else the syscall speaks for itself', () => {
  const hints: AttachHints = { [EILSEQ]: { why: 'mid-instruction', hints: ['try another offset'] } };
  const known = attachError(new SyscallError('perf_event_open', '', EILSEQ), 'kprobe:f+1', hints);
  assert.ok(known instanceof UserError);
  assert.equal(known.message, 'cannot attach kprobe:f+1: mid-instruction (EILSEQ: Invalid or incomplete multibyte or wide character)');
  assert.deepEqual(known.hints, ['try another offset']);
  const other = attachError(new SyscallError('perf_event_open', '', EBUSY, 'kprobe f'), 'kprobe:f', hints);
  assert.ok(other instanceof UserError);
  assert.equal(other.message, 'cannot attach kprobe:f: perf_event_open failed: Device or resource busy (EBUSY): kprobe f');
  // Not a syscall's refusal: passed on untouched.
  const bug = new TypeError('bug');
  assert.equal(attachError(bug, 'kprobe:f', hints), bug);
});
