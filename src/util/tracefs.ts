// Where tracefs lives, mounting it when it is not mounted yet (and unmounting only what we
// mounted, so the system is left as found).

import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

export const TRACEFS_DIR = '/sys/kernel/tracing';
export const DEBUGFS_TRACEFS_DIR = '/sys/kernel/debug/tracing';

const MOUNT_TIMEOUT_MS = 5000;

let cached: string | null = null;
let mountedByUs: string | null = null;
let exitHookInstalled = false;

/** /proc/mounts escapes blanks and backslashes in paths as octal (`\040`). */
function unescapeMountPath(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_m, oct: string) => String.fromCharCode(Number.parseInt(oct, 8)));
}

/** Mount points of tracefs as listed in /proc/mounts, in file order. */
export function tracefsMounts(mountsText?: string): string[] {
  let text = mountsText;
  if (text === undefined) {
    try {
      text = readFileSync('/proc/mounts', 'utf8');
    } catch {
      return [];
    }
  }
  const out: string[] = [];
  for (const line of text.split('\n')) {
    const f = line.split(' ');
    if (f.length >= 3 && f[2] === 'tracefs') out.push(unescapeMountPath(f[1]));
  }
  return out;
}

/**
 * The mounted tracefs directory at one of the two standard places (like bpftrace, we do not
 * use tracefs mounted elsewhere: such a mount may belong to someone about to unmount it).
 */
export function findTracefs(mountsText?: string): string | null {
  const mounts = tracefsMounts(mountsText);
  if (mounts.includes(TRACEFS_DIR)) return TRACEFS_DIR;
  if (mounts.includes(DEBUGFS_TRACEFS_DIR)) return DEBUGFS_TRACEFS_DIR;
  return null;
}

/**
 * The tracefs directory. Mounts tracefs at /sys/kernel/tracing if it is not mounted anywhere;
 * such a mount is undone by `releaseTracefs()` or, failing that, when the process exits.
 * Throws if tracefs is absent and cannot be mounted.
 */
export function tracefsPath(): string {
  if (cached) return cached;
  const found = findTracefs();
  if (found) {
    cached = found;
    return found;
  }
  mountTracefsAt(TRACEFS_DIR);
  mountedByUs = TRACEFS_DIR;
  cached = TRACEFS_DIR;
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    // 'exit' handlers must be synchronous; execFileSync is.
    process.once('exit', () => releaseTracefs());
  }
  return TRACEFS_DIR;
}

/** Whether tracefsPath() mounted tracefs itself (and has not released it yet). */
export function tracefsMountedByUs(): boolean {
  return mountedByUs !== null;
}

/**
 * Unmounts tracefs if (and only if) tracefsPath() mounted it. Returns whether it unmounted.
 * A busy mount (files still open) is left in place and reported as not unmounted.
 */
export function releaseTracefs(): boolean {
  if (!mountedByUs) return false;
  if (!unmountAt(mountedByUs)) return false;
  mountedByUs = null;
  cached = null;
  return true;
}

/** Mounts a tracefs instance at `dir` (via mount(8)); throws with mount's message on failure. */
export function mountTracefsAt(dir: string): void {
  try {
    childProcess().execFileSync('mount', ['-t', 'tracefs', 'nodev', dir], {
      stdio: ['ignore', 'ignore', 'pipe'],
      timeout: MOUNT_TIMEOUT_MS,
    });
  } catch (e) {
    const stderr = (e as { stderr?: Buffer }).stderr?.toString().trim();
    throw new Error(`tracefs is not mounted and mounting it at ${dir} failed${stderr ? `: ${stderr}` : ''}`);
  }
}

/** Unmounts `dir`; false if that failed (busy, not mounted). */
export function unmountAt(dir: string): boolean {
  try {
    childProcess().execFileSync('umount', [dir], { stdio: 'ignore', timeout: MOUNT_TIMEOUT_MS });
    return true;
  } catch {
    return false;
  }
}

/** Path of a file under tracefs (mounting tracefs if needed). */
export function tracefsFile(rel: string): string {
  return `${tracefsPath()}/${rel}`;
}

/** node:child_process, loaded only when tracefs has to be (un)mounted: it is costly to load. */
function childProcess(): typeof import('node:child_process') {
  return createRequire(import.meta.url)('node:child_process') as typeof import('node:child_process');
}
