// Who is using a filesystem some bpftrace-ts process mounted (tracefs), so that concurrent runs
// share the mount and the last one to finish unmounts it: a run that unmounted tracefs while
// another was reading it broke the other. A directory holds one file per user process, named by
// its pid, and a `mounted` marker when one of us made the mount; a lock directory (mkdir is
// atomic) serializes "register and mount" against "unregister and unmount".

import { mkdirSync, readdirSync, readFileSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const LOCK_WAIT_MS = 3000;
const LOCK_POLL_MS = 5;

/** A shared-mount registry rooted at `dir` (e.g. /run/bpftrace-ts/tracefs). */
export class MountUsers {
  constructor(
    readonly dir: string,
    readonly pid: number = process.pid,
  ) {}

  /**
   * Registers this process as a user, then runs `mountIfNeeded` under the lock; when it
   * mounted, the mount is marked as ours. False when the registry cannot be used (no /run, not
   * root): the caller then decides alone, as before there were registries.
   */
  acquire(mountIfNeeded: () => boolean): boolean {
    return this.locked(() => {
      writeFileSync(join(this.dir, String(this.pid)), '');
      if (mountIfNeeded()) writeFileSync(join(this.dir, 'mounted'), '');
    });
  }

  /**
   * Unregisters this process; when the mount is ours and no live process uses it any more,
   * runs `unmount` (under the lock) and forgets the mount if it succeeded. Returns whether it unmounted.
   */
  release(unmount: () => boolean): boolean {
    let unmounted = false;
    this.locked(() => {
      rmSync(join(this.dir, String(this.pid)), { force: true });
      const names = readdirSync(this.dir);
      const live = names.filter((n) => /^\d+$/.test(n) && this.alive(Number(n)));
      // Files of processes that died without releasing are dropped on the way.
      for (const n of names) if (/^\d+$/.test(n) && !live.includes(n)) rmSync(join(this.dir, n), { force: true });
      if (!names.includes('mounted') || live.length > 0) return;
      if (unmount()) {
        rmSync(join(this.dir, 'mounted'), { force: true });
        unmounted = true;
      }
    });
    return unmounted;
  }

  private alive(pid: number): boolean {
    if (pid === this.pid) return false;
    try {
      process.kill(pid, 0);
      return true;
    } catch (e) {
      return (e as NodeJS.ErrnoException).code === 'EPERM';
    }
  }

  /** Runs `fn` holding the lock; false (fn not run) when the registry is unusable. */
  private locked(fn: () => void): boolean {
    const lock = join(this.dir, '.lock');
    try {
      mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    } catch {
      return false;
    }
    const deadline = Date.now() + LOCK_WAIT_MS;
    for (;;) {
      try {
        mkdirSync(lock);
        writeFileSync(join(lock, 'pid'), String(this.pid));
        break;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') return false;
        // A holder that died (or is taking far too long) does not keep everyone out.
        if (Date.now() > deadline || this.staleLock(lock)) {
          rmSync(lock, { recursive: true, force: true });
          continue;
        }
        sleepSync(LOCK_POLL_MS);
      }
    }
    try {
      fn();
    } finally {
      rmSync(join(lock, 'pid'), { force: true });
      try {
        rmdirSync(lock);
      } catch {
        // Taken over as stale by another process: it is theirs now.
      }
    }
    return true;
  }

  private staleLock(lock: string): boolean {
    try {
      const holder = Number(readFileSync(join(lock, 'pid'), 'utf8'));
      return Number.isInteger(holder) && holder > 0 && holder !== this.pid && !this.alive(holder);
    } catch {
      return false; // no pid yet: its holder is between mkdir and writing it
    }
  }
}

/** Blocks the thread for `ms` (exit handlers and the lock loop must stay synchronous). */
function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}
