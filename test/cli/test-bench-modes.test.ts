// --test and --bench: test:/bench: probes run as XDP programs through BPF_PROG_TEST_RUN.

import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { runCli } from '../helpers/run.ts';

const dir = mkdtempSync(join(tmpdir(), 'modes-'));
const file = join(dir, 't.bt');
writeFileSync(
  file,
  `test:okay { print("suppressed"); }
test:failure { print("shown"); return 1; }
test:errors { errorf("oops"); }
bench:count { @b = count(); }
bench:skipped { return 1; }
`,
);

test('--test runs each test probe, shows the output of failures only, exit 1 when any fails', () => {
  const r = runCli(['--test', file]);
  assert.equal(r.code, 1, r.stderr);
  const plain = r.stdout.replace(/\x1b\[\d+m/g, '').replace(/\(\d+ \S+\)/g, '(T)');
  assert.equal(
    plain,
    [
      '[==========] Running 3 tests.',
      '[ RUN      ] okay',
      '[       OK ] okay (T)',
      '[ RUN      ] failure',
      'shown',
      '[  FAILED  ] failure (T)',
      '[ RUN      ] errors',
      `${file}:3:15-29: ERROR: oops`,
      '[  FAILED  ] errors (T)',
      '[==========] 3 tests ran.',
      '[  PASSED  ] 1 test.',
      '[  FAILED  ] 2 tests, listed below:',
      '[  FAILED  ] failure',
      '[  FAILED  ] errors',
      '',
    ].join('\n'),
  );
});

test('--bench reports the kernel-measured time per run; returning 1 skips', () => {
  const r = runCli(['--bench', file]);
  assert.equal(r.code, 0, r.stderr);
  const lines = r.stdout.split('\n');
  assert.match(lines[0] as string, /^Benchmark {32}Time\(ns\) {7}Iterations$/);
  assert.match(lines[2] as string, /^count {36}\d+ +\d+$/);
  assert.equal(lines.length, 4);
});

test('without --test or --bench, a script of only such probes says how to run them', () => {
  const r = runCli([file]);
  assert.equal(r.code, 1);
  assert.equal(r.stderr, 'ERROR: No probes attached; use --test to run test probes.\n');
});
