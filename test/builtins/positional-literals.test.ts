// Literal arguments given as positional parameters: the checker accepts `$1` wherever it takes a
// literal string or integer, so the generated code must use the parameter's value, exactly as it
// uses the literal's. Real kernel runs through the CLI, plus in-process compiles for uprobes.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Insn } from '../../src/bpf/insn.ts';
import { runCli } from '../helpers/run.ts';
import { compiledInsns } from './run-script.ts';

function cli(script: string, positional: string[], extra: string[] = []): string {
  const r = runCli([...extra, '-e', script, ...positional]);
  assert.equal(r.code, 0, `exit code ${r.code}\nstderr: ${r.stderr}\nstdout: ${r.stdout}`);
  return r.stdout;
}

const shape = (insns: readonly Insn[]) => insns.map((i) => [i.op, i.dst, i.src, i.off, i.imm]);

test('kaddr($1) resolves the symbol the parameter names', () => {
  assert.match(cli('BEGIN { printf("%d\\n", kaddr($1) == kaddr("vfs_read")); exit(); }', ['vfs_read']), /^1\n/);
});

test('percpu_kaddr($1) looks up the variable the parameter names', () => {
  const r = runCli(['-e', 'BEGIN { $p = percpu_kaddr($1); exit(); }', 'no_such_percpu_var_x']);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /ERROR: Could not resolve variable "no_such_percpu_var_x" from BTF/);
  assert.doesNotMatch(r.stderr, /expects a string literal/);
});

test('print(@m, $1) keeps the top $1 entries, as print(@m, 1) does', () => {
  const script = (top: string) => `BEGIN { @a[1] = 1; @a[2] = 2; @a[3] = 3; print(@a, ${top}); clear(@a); exit(); }`;
  const out = cli(script('$1'), ['1']);
  assert.equal(out, cli(script('1'), []));
  assert.match(out, /^@a\[3\]: 3$/m);
  assert.doesNotMatch(out, /@a\[2\]/);
});

test('join(argv, $1) joins with the delimiter the parameter gives', () => {
  const out = cli(
    'tracepoint:syscalls:sys_enter_execve /pid == cpid/ { join(args.argv, $1); exit(); }',
    ['+'],
    ['-c', '/bin/echo alpha beta'],
  );
  assert.match(out, /^\/bin\/echo\+alpha\+beta$/m);
});

test('reg($1) reads the register the parameter names', () => {
  const [byParam] = compiledInsns('uprobe:/bin/bash:readline { @ = reg($1); }', { positional: ['si'] });
  const [byLiteral] = compiledInsns('uprobe:/bin/bash:readline { @ = reg("si"); }');
  const [other] = compiledInsns('uprobe:/bin/bash:readline { @ = reg("r15"); }');
  assert.deepEqual(shape(byParam ?? []), shape(byLiteral ?? []));
  assert.notDeepEqual(shape(byLiteral ?? []), shape(other ?? []));
});
