// Shared by the builtin tests: runs a script through the built CLI (build it first with
// `node scripts/build.mjs --cli`) and compiles scripts in-process to look at generated code.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Insn } from '../../src/bpf/insn.ts';
import { compile } from '../../src/codegen/compile.ts';
import { Diagnostics } from '../../src/lang/diagnostics.ts';
import { parseScript } from '../../src/lang/frontend.ts';
import { type RunResult, runCli } from '../helpers/run.ts';

export interface ScriptOptions {
  maxStrlen?: number;
  unsafe?: boolean;
  /** -c command: runs once probes are attached; `cpid` is its pid. */
  command?: string;
  timeoutMs?: number;
}

export function run(script: string, opts: ScriptOptions = {}): RunResult {
  const args = [...(opts.unsafe ? ['--unsafe'] : []), ...(opts.command ? ['-c', opts.command] : []), '-e', script];
  const env = opts.maxStrlen ? { BPFTRACE_MAX_STRLEN: String(opts.maxStrlen) } : {};
  return runCli(args, { env, timeoutMs: opts.timeoutMs });
}

/** Runs a script that must succeed; returns its stdout. */
export function output(script: string, opts: ScriptOptions = {}): string {
  const r = run(script, opts);
  assert.equal(r.code, 0, `exit code ${r.code}\nstderr: ${r.stderr}\nstdout: ${r.stdout}`);
  return r.stdout;
}

/** Runs a script that must be rejected; returns its stderr. */
export function compileError(script: string, opts: ScriptOptions = {}): string {
  const r = run(script, opts);
  assert.equal(r.code, 1, `expected a compile error; stdout: ${r.stdout}\nstderr: ${r.stderr}`);
  return r.stderr;
}

const made: string[] = [];
process.on('exit', () => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

/** A fresh directory under the system's tmp, removed when the test process exits. */
export function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'bt-builtins-'));
  made.push(dir);
  return dir;
}

/** A file whose path the tests look for in openat() calls of a `cat` child. */
export function probeFile(name: string): string {
  const path = join(tempDir(), name);
  writeFileSync(path, 'x\n');
  return path;
}

/** Instruction count of each program of a script compiled in-process (nothing is loaded). */
export function instructionCounts(script: string, maxStrlen: number): number[] {
  return compiledInsns(script, { maxStrlen }).map((insns) => insns.length);
}

/** The instructions of each program of a script compiled in-process (nothing is loaded). */
export function compiledInsns(script: string, opts: { maxStrlen?: number; positional?: string[] } = {}): (readonly Insn[])[] {
  const source = { name: 'stdin', text: script };
  const diags = new Diagnostics(source);
  const program = parseScript(source, diags);
  diags.check();
  const env = opts.maxStrlen ? { BPFTRACE_MAX_STRLEN: String(opts.maxStrlen) } : {};
  const compiled = compile(program, diags, { positional: opts.positional ?? [], unsafe: true, env });
  return compiled.programs.map((p) => p.spec.insns);
}
