// -c CMD: the command starts stopped (so no event of its life is missed), probes attach,
// then it is let go; the run ends when it exits. Its pid is `cpid`.

import type { ChildProcess } from 'node:child_process';

export class TracedChild {
  readonly pid: number;
  readonly exited: Promise<number | null>;
  private readonly proc: ChildProcess;

  private constructor(proc: ChildProcess) {
    this.proc = proc;
    this.pid = proc.pid as number;
    this.exited = new Promise((resolve) => proc.on('exit', (code) => resolve(code)));
  }

  /** Starts `/bin/sh -c 'kill -STOP $$; exec CMD'` and waits until it has stopped itself. */
  static async start(command: string): Promise<TracedChild> {
    // Loaded on demand: node:child_process is costly to load for runs without -c.
    const { spawn } = await import('node:child_process');
    const proc = spawn('/bin/sh', ['-c', `kill -STOP $$; exec ${command}`], { stdio: 'inherit' });
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
