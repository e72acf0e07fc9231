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

test('-f json: a test_result and a benchmark_result record per probe, as 0.26 emits them', () => {
  const t = runCli(['-q', '-f', 'json', '--test', '-e', 'test:ok { printf("x\\n"); } test:bad { printf("y\\n"); exit(1); }']);
  assert.equal(t.code, 1);
  const tests = t.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { type: string; data: Record<string, { duration: number; passed: boolean; output: string }> });
  assert.deepEqual(
    tests.map((r) => [r.type, Object.keys(r.data)[0], Object.values(r.data)[0]?.passed, Object.values(r.data)[0]?.output]),
    [
      ['test_result', 'ok', true, 'x\n'],
      ['test_result', 'bad', false, 'y\n'],
    ],
  );
  assert.ok(tests.every((r) => (Object.values(r.data)[0]?.duration ?? 0) > 0));
  const b = runCli(['-q', '-f', 'json', '--bench', '-e', 'bench:a { @a++; } bench:b { @b++; }']);
  assert.equal(b.code, 0, b.stderr);
  assert.match(
    b.stdout,
    /^\{"type": "benchmark_result", "data": \{"a": \{"average": \d+, "iters": \d+\}\}\}\n\{"type": "benchmark_result", "data": \{"b": \{"average": \d+, "iters": \d+\}\}\}\n$/,
  );
});
