// Copies of large kernel files kept in /run for as long as they can't change: the same boot and
// the same loaded modules. The kernel generates some slowly — ftrace restarts its walk of ~60k
// functions for every page a read() of available_filter_functions returns, so reading the
// whole list costs O(n²) and ~0.5 s on a slow CPU, while a kprobe wildcard needs only a few
// names of it; sysfs hands out /sys/kernel/btf/vmlinux a page per read() (~1300 system calls),
// and what we derive from it (btf/snapshot.ts) is worth keeping too. /run is a tmpfs, emptied
// at every boot.

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

/** Writes all of `bytes` (a regular file may take them in parts). */
function writeAll(fd: number, bytes: Uint8Array): void {
  for (let off = 0; off < bytes.length; ) off += writeSync(fd, bytes, off);
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
 * The header a cached file starts with: the key, a blank line, padding to a multiple of 8 bytes
 * so binary contents after it can be viewed as 32- and 64-bit arrays in place.
 */
function headerFor(k: string): Buffer {
  const text = Buffer.from(`${k}\n\n`, 'latin1');
  return Buffer.concat([text, Buffer.alloc((8 - (text.length % 8)) % 8, 0x0a)]);
}

/** One file of the cache: what it holds for the current key, and a way to replace that. */
export interface BootCacheEntry {
  /** The stored bytes (8-byte aligned), or null when nothing is stored under the current key. */
  cached: Uint8Array | null;
  /** Stores `data` under the current key; a failure only costs the next run time. */
  store(data: Uint8Array): void;
}

/**
 * The cache file `name`; null when there is no usable cache (no key, not root, a foreign
 * directory). `open` gets the file's bytes (a caller may map it instead of reading it).
 */
export function bootCacheEntry(
  name: string,
  dir: string = BOOT_CACHE_DIR,
  open: (file: string) => Uint8Array = readFileSync,
): BootCacheEntry | null {
  key ??= currentKey();
  const where = key === '' ? null : cacheDir(dir);
  if (where === null) return null;
  const file = `${where}/${name}`;
  const header = headerFor(key);
  let cached: Uint8Array | null = null;
  try {
    const bytes = open(file);
    if (bytes.length >= header.length && header.equals(bytes.subarray(0, header.length))) cached = bytes.subarray(header.length);
  } catch {
    // not cached yet
  }
  const store = (data: Uint8Array): void => {
    try {
      // Written aside and renamed: a concurrent run sees the old copy or the new one, whole.
      const tmp = `${file}.${process.pid}`;
      const fd = openSync(tmp, 'w', 0o600);
      try {
        writeAll(fd, header);
        writeAll(fd, data);
      } finally {
        closeSync(fd);
      }
      renameSync(tmp, file);
    } catch {
      // A cache that can't be written costs the next run time, nothing else.
    }
  };
  return { cached, store };
}

/**
 * `read()`'s bytes, from the cache when they were stored under the current key, else read and
 * stored. `read` throws when the kernel's file is unreadable: nothing is cached then.
 */
export function readBootCachedBytes(name: string, read: () => Uint8Array, dir: string = BOOT_CACHE_DIR): Uint8Array {
  const entry = bootCacheEntry(name, dir);
  if (entry?.cached) return entry.cached;
  const data = read();
  entry?.store(data);
  return data;
}

/** `readBootCachedBytes` for a text file (latin1: byte for byte). */
export function readBootCached(name: string, read: () => string, dir: string = BOOT_CACHE_DIR): string {
  const bytes = readBootCachedBytes(name, () => Buffer.from(read(), 'latin1'), dir);
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
}

/** Test hook: forget the key computed for this process. */
export function resetBootCacheKey(): void {
  key = undefined;
}
