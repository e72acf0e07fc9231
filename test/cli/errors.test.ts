import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runCli } from '../helpers/run.ts';

function expectError(args: string[], stderr: string | RegExp): void {
  const r = runCli(args);
  assert.equal(r.code, 1, `exit code; stderr: ${r.stderr}`);
  if (typeof stderr === 'string') assert.equal(r.stderr, stderr);
  else assert.match(r.stderr, stderr);
  assert.doesNotMatch(r.stderr, /\n\s+at .*\(/, 'no stack trace');
}

test('syntax error: location, source line, underline', () => {
  expectError(['-e', 'BEGIN { printf("%d\\n", 1 +); }'], /^stdin:1:\d+-\d+: ERROR: .*\nBEGIN \{ printf\("%d\\n", 1 \+\); \}\n *~+\n/);
});

test('unknown function', () => {
  expectError(['-e', 'BEGIN { foo(1); }'], 'stdin:1:9-12: ERROR: Unknown function: foo\nBEGIN { foo(1); }\n        ~~~\n');
});

test('printf argument count mismatch, with bpftrace wording', () => {
  expectError(
    ['-e', 'BEGIN { printf("%d %s\\n", 1); }'],
    /^stdin:1:9-\d+: ERROR: not enough arguments for format string \(1 supplied, 2 expected\)\n/,
  );
});

test('printf argument type mismatch', () => {
  expectError(['-e', 'BEGIN { printf("%d\\n", comm); }'], /ERROR: unsupported format specifier for type 'string\[16\]': d/);
});

test('script file not found', () => {
  expectError(['/nonexistent/x.bt'], "ERROR: failed to open file '/nonexistent/x.bt': No such file or directory\n");
});

test('unknown identifier', () => {
  expectError(
    ['-e', 'BEGIN { printf("%d\\n", fake); }'],
    /^stdin:1:24-28: ERROR: Unknown identifier: 'fake'\nBEGIN \{ printf\("%d\\n", fake\); \}\n {23}~~~~\n/,
  );
});

test('system() without --unsafe', () => {
  expectError(
    ['-e', 'BEGIN { system("true"); }'],
    /^stdin:1:9-23: ERROR: system\(\) is an unsafe function being used in safe mode\n[\s\S]*HINT: use --unsafe to allow it\n$/,
  );
});

test('not root: says what is needed', { skip: process.getuid?.() !== 0 ? 'needs root to drop privileges' : false }, async () => {
  const { spawnSync } = await import('node:child_process');
  const { LAUNCHER } = await import('../helpers/run.ts');
  const r = spawnSync(
    'setpriv',
    ['--reuid=65534', '--regid=65534', '--clear-groups', '--inh-caps=-all', LAUNCHER, '-e', 'BEGIN { exit(); }'],
    { encoding: 'utf8', timeout: 20000 },
  );
  assert.equal(r.status, 1, r.stderr);
  assert.match(r.stderr, /^ERROR: .*root.*CAP_BPF.*CAP_PERFMON/);
});
