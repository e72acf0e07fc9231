// What user-space probe providers need to know about the run beyond the attach point:
// -p PID and the -c child's pid. The compiler sets it before expanding probes.

import { readFileSync, readlinkSync } from 'node:fs';

export interface UserProbeEnv {
  /** -p PID, or null. */
  pid: number | null;
  /** The -c child's pid (stopped before exec'ing the command), or null. */
  cpid: number | null;
  /** Whether --unsafe was given (uprobes at unchecked offsets). */
  unsafe: boolean;
}

export const userProbeEnv: UserProbeEnv = { pid: null, cpid: null, unsafe: false };

/** The pid whose objects a target-less probe means: -p, else the -c child. */
export function targetPid(): number | null {
  return userProbeEnv.pid ?? userProbeEnv.cpid;
}

/**
 * The program the -c child is about to exec: the child runs `/bin/sh -c 'kill -STOP $$; exec CMD'`
 * (src/runtime/child.ts), so CMD's first word is read back from its command line.
 */
export function childCommand(cpid: number): string | null {
  try {
    const argv = readFileSync(`/proc/${cpid}/cmdline`, 'latin1').split('\0');
    const script = argv[2] ?? '';
    const m = /exec (.*)$/s.exec(script);
    const cmd = m ? (m[1] as string).trim() : '';
    const first = /^(?:"([^"]*)"|'([^']*)'|(\S+))/.exec(cmd);
    return first ? (first[1] ?? first[2] ?? first[3] ?? null) : null;
  } catch {
    return null;
  }
}

/** The executable of a process (/proc/PID/exe), or null. */
export function processExeOf(pid: number): string | null {
  try {
    return readlinkSync(`/proc/${pid}/exe`);
  } catch {
    return null;
  }
}
