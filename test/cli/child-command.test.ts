// -c CMD as bpftrace 0.26 runs it: split at every space without a shell (quotes stay in the
// words), the first word resolved to one ELF executable by path or on PATH, bpftrace's
// messages when it is not; the command's own execve is the only one its pid makes.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { UserError } from '../../src/lang/diagnostics.ts';
import { planCommand, splitCommand } from '../../src/runtime/child.ts';
import { isRoot, ROOT, runCli } from '../helpers/run.ts';

const needsRoot = !isRoot && 'needs root';
const dir = mkdtempSync(join(tmpdir(), 'bpftrace-ts-child-'));
const build = join(ROOT, 'test', 'progs', 'build');
const wpfunc = join(build, 'wpfunc');

before(() => {
  mkdirSync(build, { recursive: true });
  execFileSync('gcc', ['-O0', '-o', wpfunc, join(ROOT, 'test', 'progs', 'wpfunc.c')]);
});

test('split at every space as std::getline does: quotes kept, two spaces make an empty word, a trailing one does not', () => {
  assert.deepEqual(splitCommand("./prog execve /bin/echo 'A'"), ['./prog', 'execve', '/bin/echo', "'A'"]);
  assert.deepEqual(splitCommand('a  b'), ['a', '', 'b']);
  assert.deepEqual(splitCommand('a '), ['a']);
  assert.deepEqual(splitCommand('a  '), ['a', '']);
  assert.deepEqual(splitCommand(' a'), ['', 'a']);
  assert.deepEqual(splitCommand('"x y"'), ['"x', 'y"']);
});

test('the first word resolves as bpftrace resolves it: itself, then each PATH directory; the same file twice is one', () => {
  const a = join(dir, 'a');
  const b = join(dir, 'b');
  mkdirSync(a);
  mkdirSync(b);
  copyFileSync('/bin/true', join(a, 'tru'));
  copyFileSync('/bin/true', join(b, 'tru'));
  symlinkSync(a, join(dir, 'a-again'));
  assert.deepEqual(planCommand('tru x', { PATH: `/nonexistent:${a}` }), { argv: ['tru', 'x'], binary: join(a, 'tru') });
  assert.deepEqual(planCommand('tru', { PATH: `${a}:${join(dir, 'a-again')}` }).binary, join(a, 'tru'));
  assert.equal(planCommand(`${b}/tru`, { PATH: a }).binary, `${b}/tru`);
  assert.throws(
    () => planCommand('tru', { PATH: `${a}:${b}` }),
    (e: unknown) =>
      e instanceof UserError && e.message === "Failed to fork child: Path 'tru' must refer to a unique binary but matched 2 binaries",
  );
});

test("bpftrace's messages for a program that is missing or not an ELF executable, before the script is read", () => {
  const script = join(dir, 'script.sh');
  writeFileSync(script, '#!/bin/sh\necho hi\n');
  chmodSync(script, 0o755);
  const cases: [string, string][] = [
    ['nosuchprogram-bt arg', "Path 'nosuchprogram-bt'"],
    [script, `Path '${script}'`],
    [' /bin/true', "Path ''"],
  ];
  for (const [cmd, path] of cases) {
    // The script does not parse: the command is checked first, as bpftrace does.
    const r = runCli(['-e', 'BEGIN {', '-c', cmd]);
    assert.equal(r.code, 1, cmd);
    assert.equal(r.stdout, '');
    assert.match(
      r.stderr,
      new RegExp(`^ERROR: Failed to fork child: ${path} does not exist or is not executable \\(No such file or directory\\)\\nHINT: `),
    );
  }
});

test('-c and -p together are refused', () => {
  const r = runCli(['-e', 'BEGIN { exit(); }', '-c', '/bin/true', '-p', String(process.pid)]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /^ERROR: USAGE: Cannot use both -c and -p\.\n/);
});

test("the command's execve is the only one of its pid, with bpftrace's argv (quotes included)", { skip: needsRoot }, () => {
  const r = runCli([
    '-e',
    'tracepoint:syscalls:sys_enter_execve /pid == cpid/ { printf("%s|", str(args.filename)); join(args.argv, ","); }',
    '-c',
    "/bin/echo 'A' b",
  ]);
  assert.equal(r.code, 0, r.stderr);
  // The command's output and ours interleave as they come; each is checked on its own.
  const lines = r.stdout.split('\n');
  assert.deepEqual(
    lines.filter((l) => l.includes('|')),
    ["/bin/echo|/bin/echo,'A',b"],
  );
  assert.ok(lines.includes("'A' b"), r.stdout);
});

test('a program named without a path runs from PATH under that name, once', { skip: needsRoot }, () => {
  const r = runCli(
    [
      '-e',
      'tracepoint:syscalls:sys_enter_execve /pid == cpid/ { printf("%s|", str(args.filename)); join(args.argv, ","); } uprobe:increment { @[probe, comm] = count(); }',
      '-c',
      'wpfunc 3',
    ],
    { env: { PATH: `${build}:${process.env.PATH}` } },
  );
  assert.equal(r.code, 0, r.stderr);
  const lines = r.stdout.split('\n');
  assert.deepEqual(
    lines.filter((l) => l.includes('|')),
    [`${wpfunc}|wpfunc,3`],
  );
  assert.ok(lines.includes('6'), r.stdout);
  // The uprobe's binary is the command's, found on PATH as the command is.
  assert.ok(r.stdout.endsWith(`\n@[uprobe:${wpfunc}:increment, wpfunc]: 3\n`), r.stdout);
});
