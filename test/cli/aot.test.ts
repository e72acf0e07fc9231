// --aot FILE (bpftrace 0.26's ahead-of-time mode): the program is compiled and checked when
// FILE is written, and FILE runs it with the AOT runtime's options (-f, -o, -q, -v, named
// parameters after `--`, no positional ones), as bpftrace's corpus runs its PROG cases with
// --run-aot-tests.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { isRoot, runCli } from '../helpers/run.ts';

const dir = mkdtempSync(join(tmpdir(), 'aot-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function runFile(file: string, args: string[]): { stdout: string; stderr: string; code: number | null } {
  const r = spawnSync(file, args, { encoding: 'latin1', timeout: 20000 });
  return { stdout: r.stdout ?? '', stderr: r.stderr ?? '', code: r.status };
}

const GETOPT = 'begin { print((getopt("aa", 10), getopt("cc", true), getopt("dd"), getopt("ee", "hello"))); }';

test('--aot writes an executable; it runs the program with named parameters (other.named command line params aot)', {
  skip: !isRoot,
}, () => {
  const file = join(dir, 'getopt.btaot');
  const made = runCli(['-e', GETOPT, '--aot', file]);
  assert.equal(made.code, 0, made.stderr);
  assert.equal(made.stdout, '');
  assert.ok((statSync(file).mode & 0o111) !== 0, 'executable');
  const r = runFile(file, ['--', '--dd', '--aa=20', '--cc=False']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, '(20, false, true, hello)\n\n\n');
  assert.match(r.stderr, /^Attached 1 probe\n$/);
});

test('options given with --aot shape the run; the runtime -f overrides', { skip: !isRoot }, () => {
  const file = join(dir, 'json.btaot');
  assert.equal(runCli(['-q', '-f', 'json', '-e', 'begin { printf("hi\\n"); exit(); }', '--aot', file]).code, 0);
  const r = runFile(file, []);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, '{"type": "printf", "data": "hi\\n"}\n');
  assert.equal(runFile(file, ['-f', 'text']).stdout, 'hi\n\n\n');
});

test('messages at run time point into the script file the program came from', { skip: !isRoot }, () => {
  const script = join(dir, 'divide.bt');
  writeFileSync(script, 'BEGIN { @z = (uint64)0; print((uint64)10 / @z); exit(); }\n');
  const file = join(dir, 'divide.btaot');
  assert.equal(runCli([script, '--aot', file]).code, 0);
  const r = runFile(file, []);
  assert.equal(r.code, 0, r.stderr);
  assert.ok(r.stderr.includes(`${script}:1:31-46: WARNING: Divide or modulo by 0 detected.`), r.stderr);
});

test('a program that does not compile writes no file; -k is refused with --aot', () => {
  const file = join(dir, 'bad.btaot');
  const r = runCli(['-e', 'begin { nosuch }', '--aot', file]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /^stdin:1:9-15: ERROR: Unknown identifier: 'nosuch'\n/);
  assert.equal(existsSync(file), false);
  const k = runCli(['-k', '-e', 'begin { }', '--aot', file]);
  assert.equal(k.code, 1);
  assert.equal(k.stderr, 'ERROR: Cannot use -k with --aot\n');
});

test("the file's own command line: usage, no positional parameters", () => {
  const file = join(dir, 'usage.btaot');
  assert.equal(runCli(['-e', GETOPT, '--aot', file]).code, 0);
  const help = runFile(file, ['-h']);
  assert.equal(help.code, 0);
  assert.ok(help.stdout.startsWith(`USAGE: ${file} [options]\n\nOPTIONS:\n    -f FORMAT`), help.stdout);
  const positional = runFile(file, ['1']);
  assert.equal(positional.code, 1);
  assert.equal(positional.stderr, 'ERROR: AOT does not support positional parameters\n');
  const bad = runFile(file, ['-x']);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /^USAGE: /);
});
