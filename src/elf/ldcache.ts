// /etc/ld.so.cache: the dynamic loader's index of shared libraries, read to find a library
// given by name (`uprobe:libc:malloc`) the way the loader would. Both the new format
// ("glibc-ld.so.cache1.1") and the old one with the new appended are understood.

import { readFileSync } from 'node:fs';

export interface LdCacheEntry {
  /** The soname-like key, e.g. "libc.so.6". */
  name: string;
  path: string;
  flags: number;
}

const NEW_MAGIC = 'glibc-ld.so.cache1.1';
const OLD_MAGIC = 'ld.so-1.7.0';
/** x86-64 libraries: ELF libc6 type with the x86-64 ABI bits (dl-cache.h). */
const FLAG_TYPE_MASK = 0x00ff;
const FLAG_ELF_LIBC6 = 0x0003;
const FLAG_REQUIRED_MASK = 0xff00;
const FLAG_X8664_LIB64 = 0x0300;

let cached: LdCacheEntry[] | null = null;

export function parseLdCache(b: Buffer): LdCacheEntry[] {
  let base = 0;
  if (b.toString('latin1', 0, OLD_MAGIC.length) === OLD_MAGIC) {
    const n = b.readUInt32LE(12);
    base = 16 + n * 12;
    base = (base + 7) & ~7;
    // Some writers do not align: look for the magic near where it should be.
    if (b.toString('latin1', base, base + NEW_MAGIC.length) !== NEW_MAGIC) {
      const at = b.indexOf(NEW_MAGIC, 16, 'latin1');
      if (at < 0) return [];
      base = at;
    }
  }
  if (b.toString('latin1', base, base + NEW_MAGIC.length) !== NEW_MAGIC) return [];
  const n = b.readUInt32LE(base + 20);
  const out: LdCacheEntry[] = [];
  const str = (off: number): string => {
    const at = base + off;
    const end = b.indexOf(0, at);
    return b.toString('latin1', at, end < 0 ? b.length : end);
  };
  for (let i = 0; i < n; i++) {
    const e = base + 48 + i * 24;
    if (e + 24 > b.length) break;
    out.push({ flags: b.readInt32LE(e), name: str(b.readUInt32LE(e + 4)), path: str(b.readUInt32LE(e + 8)) });
  }
  return out;
}

export function ldCache(path = '/etc/ld.so.cache'): LdCacheEntry[] {
  if (!cached) {
    try {
      cached = parseLdCache(readFileSync(path));
    } catch {
      cached = [];
    }
  }
  return cached;
}

/** Entries usable by a 64-bit x86 process. */
export function isNative(e: LdCacheEntry): boolean {
  return (e.flags & FLAG_TYPE_MASK) === FLAG_ELF_LIBC6 && (e.flags & FLAG_REQUIRED_MASK) === FLAG_X8664_LIB64;
}
