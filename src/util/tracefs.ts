// Where tracefs lives, mounting it when it is not mounted yet (and unmounting only what our
// runs mounted, once none of them uses it, so the system is left as found).

import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { BOOT_CACHE_DIR } from './boot-cache.ts';
import { MountUsers } from './mount-users.ts';

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

/** Where concurrent runs record that they use the tracefs one of them mounted. */
const users = new MountUsers(join(BOOT_CACHE_DIR, 'tracefs'));
/** Whether this process is registered in `users` (and must unregister). */
let registered = false;

/**
 * The tracefs directory. Mounts tracefs at /sys/kernel/tracing if it is not mounted anywhere.
 * Runs of bpftrace-ts share such a mount: the last one to release it (`releaseTracefs()`, or
 * failing that, process exit) unmounts it, so none pulls it from under another.
 * Throws if tracefs is absent and cannot be mounted.
 */
export function tracefsPath(): string {
  if (cached) return cached;
  // Checked under the registry's lock: a mount another run is making counts as its own.
  const ok = users.acquire(() => {
    if (findTracefs()) return false;
    mountTracefsAt(TRACEFS_DIR);
    return true;
  });
  if (ok) {
    registered = true;
  } else if (!findTracefs()) {
    // No registry (no /run): mount for this process alone, as before registries.
    mountTracefsAt(TRACEFS_DIR);
    mountedByUs = TRACEFS_DIR;
  }
  cached = findTracefs() ?? TRACEFS_DIR;
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    // 'exit' handlers must be synchronous; the registry and execFileSync are.
    process.once('exit', () => releaseTracefs());
  }
  return cached;
}

/** Whether the mounted tracefs was mounted by a run of bpftrace-ts (which will unmount it). */
function mountedByOurTool(): boolean {
  return existsSync(join(users.dir, 'mounted'));
}

/** Whether this process holds a tracefs mount of ours (its own, or one shared with other runs). */
export function tracefsMountedByUs(): boolean {
  return mountedByUs !== null || (registered && mountedByOurTool());
}

/**
 * Lets go of tracefs: unmounts it if one of our runs mounted it and no other run still uses it
 * (or, without the registry, if this process mounted it). Returns whether it unmounted. A busy
 * mount (files still open) is left in place and reported as not unmounted.
 */
export function releaseTracefs(): boolean {
  cached = null;
  if (registered) {
    registered = false;
    return users.release(() => unmountAt(TRACEFS_DIR));
  }
  if (!mountedByUs) return false;
  if (!unmountAt(mountedByUs)) return false;
  mountedByUs = null;
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
