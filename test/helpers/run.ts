// Runs the built CLI as a child process, with a bound on how long it may take.

import { type ChildProcess, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root: tests run from dist/test/..., so walk up to package.json. */
function findRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir) dir = dirname(dir);
  return dir;
}

export const ROOT = findRoot();
export const CLI = join(ROOT, 'dist', 'bpftrace-ts.js');
/** The launcher users run: Bun when installed, else Node. */
export const LAUNCHER = join(ROOT, 'bpftrace-ts');

export interface RunResult {
  stdout: string;
  stderr: string;
  code: number | null;
}

export function runCli(args: string[], opts: { timeoutMs?: number; env?: NodeJS.ProcessEnv; input?: string } = {}): RunResult {
  const r = spawnSync(LAUNCHER, args, {
    encoding: 'latin1',
    timeout: opts.timeoutMs ?? 20000,
    env: { ...process.env, ...opts.env },
    input: opts.input,
  });
  return { stdout: r.stdout ?? '', stderr: r.stderr ?? '', code: r.status };
}

export const isRoot = process.getuid?.() === 0;

/** Resolves true once a started CLI's stderr contains `text`, false when it exits first or after `timeoutMs`. */
export function waitForStderr(child: ChildProcess, text: string, timeoutMs = 20_000): Promise<boolean> {
  return new Promise<boolean>((resolve) => {
    let err = '';
    const timer = setTimeout(() => resolve(false), timeoutMs);
    child.stderr?.on('data', (d: Buffer) => {
      err += d.toString('latin1');
      if (err.includes(text)) {
        clearTimeout(timer);
        resolve(true);
      }
    });
    child.on('exit', () => resolve(false));
  });
}

/**
 * Starts the CLI, waits (bounded) until its stdout contains `when`, then sends `signal` once
 * and collects the rest of the output until it exits.
 */
export async function runUntil(
  args: string[],
  when: string,
  signal: NodeJS.Signals,
  timeoutMs = 15000,
): Promise<{ stdout: string; code: number | null }> {
  const { spawn } = await import('node:child_process');
  const child = spawn(LAUNCHER, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let sent = false;
  child.stdout.on('data', (d: Buffer) => {
    stdout += d.toString('latin1');
    if (!sent && stdout.includes(when)) {
      sent = true;
      child.kill(signal);
    }
  });
  const code = await new Promise<number | null>((resolve) => {
    const t = setTimeout(() => {
      child.kill('SIGKILL');
      resolve(-1);
    }, timeoutMs);
    child.on('exit', (c) => {
      clearTimeout(t);
      resolve(c);
    });
  });
  return { stdout, code };
}

/**
 * A -c command that runs `script` in a shell: -c itself has none (bpftrace splits the command at
 * spaces), so the script goes to a file the shell is given.
 */
export function shellCommand(script: string, shell = '/bin/sh'): string {
  const file = join(mkdtempSync(join(tmpdir(), 'bpftrace-ts-cmd-')), 'cmd.sh');
  writeFileSync(file, `${script}\n`);
  return `${shell} ${file}`;
}
