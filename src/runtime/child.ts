// -c CMD: the command starts stopped (so no event of its life is missed), probes attach,
// then it is let go; the run ends when it exits. Its pid is `cpid`.
//
// As bpftrace, CMD is not given to a shell: it is split at every space (no quoting, so
// `echo 'A'` passes `'A'` quotes included) and its first word must name an ELF executable, by
// path or on PATH. A small shell stub stops itself, then execs that file with those words.

import type { ChildProcess } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { binaryCandidates, uniqueFiles } from '../elf/resolve.ts';
import { UserError } from '../lang/diagnostics.ts';

/** A -c command ready to start: its argv as bpftrace splits it and the file it runs. */
export interface ChildCommand {
  argv: string[];
  /** The executable, as bpftrace resolves argv[0] (uprobe targets, watchpoint names). */
  binary: string;
}

/** bpftrace's split (std::getline at ' '): every space ends a word, so two spaces make an empty one; a trailing space does not. */
export function splitCommand(cmd: string): string[] {
  const words = cmd.split(' ');
  if (words[words.length - 1] === '') words.pop();
  return words;
}

const HINT = '-c runs the command without a shell, split at spaces: name an ELF executable by path or on PATH';

/** Splits and resolves a -c command, failing with bpftrace's messages. */
export function planCommand(cmd: string, env: NodeJS.ProcessEnv = process.env): ChildCommand {
  const argv = splitCommand(cmd);
  const word = argv[0];
  if (word === undefined) throw new UserError('Failed to fork child: Empty command (No such file or directory)', [HINT]);
  const found = binaryCandidates(word, env);
  const binary = found[0];
  if (binary === undefined) {
    throw new UserError(`Failed to fork child: Path '${word}' does not exist or is not executable (No such file or directory)`, [HINT]);
  }
  // /bin and /usr/bin are often the same directory: only distinct files are ambiguous.
  if (uniqueFiles(found).length > 1) {
    throw new UserError(`Failed to fork child: Path '${word}' must refer to a unique binary but matched ${found.length} binaries`, [
      'give the program by its path',
    ]);
  }
  return { argv, binary };
}

/** bash, whose `exec -a` runs a file under another argv[0]; null where there is none. */
function findBash(): string | null {
  for (const p of ['/bin/bash', '/usr/bin/bash']) {
    try {
      accessSync(p, constants.X_OK);
      return p;
    } catch {
      // next
    }
  }
  return null;
}

/**
 * The stub that stops itself, then execs the command: one execve of the resolved file with the
 * argv bpftrace passes. dash's `exec NAME` would try each PATH directory (an execve event
 * each), so the file is always given by path; bash's `exec -a` keeps argv[0] as written (its
 * SHLVL, counted up at start, is counted down by exec). Without bash, argv[0] is the path.
 * `--posix`: a non-interactive bash then reads no startup file ($BASH_ENV).
 */
function stubArgs(command: ChildCommand): [string, string[]] {
  const rest = command.argv.slice(1);
  const path = command.binary.includes('/') ? command.binary : `./${command.binary}`;
  const bash = findBash();
  if (bash === null) return ['/bin/sh', ['-c', 'kill -STOP $$; exec "$@"', 'sh', path, ...rest]];
  return [bash, ['--posix', '-c', 'kill -STOP $$; exec -a "$0" "$@"', command.argv[0] as string, path, ...rest]];
}

export class TracedChild {
  readonly pid: number;
  readonly exited: Promise<number | null>;
  private readonly proc: ChildProcess;

  private constructor(proc: ChildProcess) {
    this.proc = proc;
    this.pid = proc.pid as number;
    this.exited = new Promise((resolve) => proc.on('exit', (code) => resolve(code)));
  }

  /** Starts the stub (stubArgs) and waits until it has stopped itself. */
  static async start(command: ChildCommand): Promise<TracedChild> {
    // Loaded on demand: node:child_process is costly to load for runs without -c.
    const { spawn } = await import('node:child_process');
    const [shell, args] = stubArgs(command);
    const proc = spawn(shell, args, { stdio: 'inherit' });
    const child = new TracedChild(proc);
    await waitStopped(child.pid);
    return child;
  }

  resume(): void {
    this.resumed = true;
    this.proc.kill('SIGCONT');
  }

  private resumed = false;

  kill(): void {
    if (this.proc.exitCode !== null || this.proc.signalCode !== null) return;
    // A child still stopped would hold SIGTERM pending forever (and our stdout with it).
    this.proc.kill(this.resumed ? 'SIGTERM' : 'SIGKILL');
  }
}

async function waitStopped(pid: number): Promise<void> {
  const { readFileSync } = await import('node:fs');
  // Bounded (~10 s): a loaded or emulated machine can take a second or more to start a shell.
  for (let i = 0; i < 5000; i++) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
      if (state === 'T' || state === 'Z') return;
    } catch {
      return;
    }
    await new Promise((r) => setTimeout(r, 2));
  }
}
