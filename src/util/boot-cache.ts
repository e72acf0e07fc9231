// Copies of large kernel lists (available_filter_functions, the kprobe blacklist) kept in /run
// for as long as they can't change: the same boot and the same loaded modules. The kernel
// generates these files slowly — ftrace restarts its walk of ~60k functions for every page a
// read() returns, so reading the whole list costs O(n²) and ~0.5 s on a slow CPU — while a
// kprobe wildcard needs only a few names of it. /run is a tmpfs, emptied at every boot.

import { closeSync, mkdirSync, openSync, readFileSync, renameSync, statSync, writeSync } from 'node:fs';

export const BOOT_CACHE_DIR = '/run/bpftrace-ts';

/** What the lists depend on: the boot, and each live module with its size and load address. */
export function bootCacheKey(bootId: string, modulesText: string): string {
  const mods: string[] = [];
  for (const line of modulesText.split('\n')) {
    // `name size refcount deps state address [taint]`: the refcount and users change while a
    // module stays put; a module still loading has not yet settled its function list.
    const f = line.split(' ');
    if (f.length < 6) continue;
    if (f[4] !== 'Live') return '';
    mods.push(`${f[0]} ${f[1]} ${f[5]}`);
  }
  return `${bootId.trim()}\n${mods.join('\n')}`;
}

function currentKey(): string {
  let modules = '';
  try {
    modules = readFileSync('/proc/modules', 'latin1');
  } catch (e) {
    // A kernel built without module support has no /proc/modules: its lists never change.
    if ((e as { code?: string }).code !== 'ENOENT') return '';
  }
  try {
    return bootCacheKey(readFileSync('/proc/sys/kernel/random/boot_id', 'latin1'), modules);
  } catch {
    return '';
  }
}

/** The cache directory when it is ours alone (root-owned, closed to others), else null. */
function cacheDir(dir: string): string | null {
  try {
    mkdirSync(dir, { mode: 0o700 });
  } catch (e) {
    if ((e as { code?: string }).code !== 'EEXIST') return null;
  }
  try {
    const st = statSync(dir);
    const uid = process.getuid?.() ?? -1;
    return st.isDirectory() && st.uid === uid && (st.mode & 0o077) === 0 ? dir : null;
  } catch {
    return null;
  }
}

let key: string | undefined;

/**
 * `read()`'s text, from the cache when it was stored under the current key, else read and
 * stored. `read` throws when the kernel's file is unreadable: nothing is cached then.
 */
export function readBootCached(name: string, read: () => string, dir: string = BOOT_CACHE_DIR): string {
  key ??= currentKey();
  const where = key === '' ? null : cacheDir(dir);
  if (where === null) return read();
  const file = `${where}/${name}`;
  const header = `${key}\n\n`;
  try {
    const cached = readFileSync(file, 'latin1');
    if (cached.startsWith(header)) return cached.slice(header.length);
  } catch {
    // not cached yet
  }
  const text = read();
  try {
    // Written aside and renamed: a concurrent run sees the old copy or the new one, whole.
    const tmp = `${file}.${process.pid}`;
    const fd = openSync(tmp, 'w', 0o600);
    try {
      writeSync(fd, header + text, null, 'latin1');
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, file);
  } catch {
    // A cache that can't be written costs the next run time, nothing else.
  }
  return text;
}

/** Test hook: forget the key computed for this process. */
export function resetBootCacheKey(): void {
  key = undefined;
}
