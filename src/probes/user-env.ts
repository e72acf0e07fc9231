// What user-space probe providers need to know about the run beyond the attach point:
// -p PID and the -c child's pid. The compiler sets it before expanding probes.

import { readlinkSync } from 'node:fs';

export interface UserProbeEnv {
  /** -p PID, or null. */
  pid: number | null;
  /** The -c child's pid (stopped before exec'ing the command), or null. */
  cpid: number | null;
  /** The executable the -c command runs (its first word as bpftrace resolves it), or null. */
  childBinary: string | null;
  /** Whether --unsafe was given (uprobes at unchecked offsets). */
  unsafe: boolean;
}

export const userProbeEnv: UserProbeEnv = { pid: null, cpid: null, childBinary: null, unsafe: false };

/** The pid whose objects a target-less probe means: -p, else the -c child. */
export function targetPid(): number | null {
  return userProbeEnv.pid ?? userProbeEnv.cpid;
}

/** The executable of a process (/proc/PID/exe), or null. */
export function processExeOf(pid: number): string | null {
  try {
    return readlinkSync(`/proc/${pid}/exe`);
  } catch {
    return null;
  }
}
