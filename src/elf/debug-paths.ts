// Where a binary's separate debug file may be: the debug info search path (--debuginfo entries
// first, then bpftrace's defaults: the binary's directory, its .debug/ subdirectory and
// /usr/lib/debug), searched as libdw's standard find_debuginfo does. An absolute directory is
// looked in by build id (DIR/.build-id/xx/rest.debug) and by the .gnu_debuglink name (without
// one, the binary's name + ".debug") under the binary's own directory path (then under ever shorter tails of it, down to DIR itself); a
// relative one is taken from the binary's directory. A file whose build id differs from the
// binary's is never taken; `+DIR` also wants the debuglink's CRC32 to match the file's.

import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, isAbsolute, join } from 'node:path';
import { cstr, ElfFile, NotElfError } from './elf.ts';
import { buildId } from './notes.ts';

const DEFAULT_ENTRIES = ['', '.debug', '/usr/lib/debug'];

let entries: string[] = DEFAULT_ENTRIES;

/** --debuginfo values (each `DIR[:DIR]`), searched before the default places. */
export function setDebuginfoPaths(specs: readonly string[]): void {
  entries = [...specs.flatMap((s) => s.split(':')), ...DEFAULT_ENTRIES];
}

/** The search path as one string: what was found (or not) for a binary holds only while it is the same. */
export function debuginfoSearchKey(): string {
  return entries.join('\0');
}

/** The absolute directories of the search path, where `.build-id/` trees may be. */
export function buildIdRoots(): string[] {
  const out: string[] = [];
  for (const e of entries) {
    const dir = e.replace(/^[+-]/, '');
    if (isAbsolute(dir) && !out.includes(dir)) out.push(dir);
  }
  return out;
}

/** The search path's directories for the binary at `path` (relative entries are from its directory). */
export function debuginfoDirs(path: string): string[] {
  const binDir = dirname(path);
  return entries.map((e) => {
    const dir = e.replace(/^[+-]/, '');
    return isAbsolute(dir) ? dir : join(binDir, dir);
  });
}

export function buildIdDebugPath(root: string, id: string): string {
  return join(root, '.build-id', id.slice(0, 2), `${id.slice(2)}.debug`);
}

interface Candidate {
  path: string;
  /** The debuglink's CRC32 the file must have (`+DIR`), or null. */
  crc: number | null;
}

function candidates(path: string, elf: ElfFile, id: string | null): Candidate[] {
  const out: Candidate[] = [];
  if (id && id.length > 2) for (const root of buildIdRoots()) out.push({ path: buildIdDebugPath(root, id), crc: null });
  const { name, crc } = debuglink(path, elf);
  const binDir = dirname(path);
  for (const entry of entries) {
    const check = entry.startsWith('+');
    const dir = entry.replace(/^[+-]/, '');
    const want = check ? crc : null;
    if (dir === '') out.push({ path: join(binDir, name), crc: want });
    else if (!isAbsolute(dir)) out.push({ path: join(binDir, dir, name), crc: want });
    else {
      // DIR/<binary's dir>/name, then DIR with the leading components of that dir dropped one by one.
      const parts = binDir.split('/').filter(Boolean);
      for (let i = 0; i <= parts.length; i++) out.push({ path: join(dir, ...parts.slice(i), name), crc: want });
    }
  }
  return out;
}

/**
 * The name a separate debug file goes by: the .gnu_debuglink's, with its CRC32; without one,
 * the binary's own name + `.debug` and no CRC to check (libdw's fallback).
 */
function debuglink(path: string, elf: ElfFile): { name: string; crc: number | null } {
  const link = elf.section('.gnu_debuglink');
  const data = link ? elf.sectionData(link) : null;
  const name = data ? cstr(data, 0) : '';
  if (!data || !name) return { name: `${basename(path)}.debug`, crc: null };
  // The CRC follows the name's NUL, 4-byte aligned.
  const crcOff = (name.length + 4) & ~3;
  return { name, crc: crcOff + 4 <= data.length ? data.readUInt32LE(crcOff) : null };
}

let crcTable: Uint32Array | null = null;

/** CRC-32 (IEEE, as zlib and .gnu_debuglink use). */
export function crc32(data: Uint8Array): number {
  if (!crcTable) {
    crcTable = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c >>> 0;
    }
  }
  let c = 0xffffffff;
  for (const b of data) c = (crcTable[(c ^ b) & 0xff] as number) ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

export function openElf(path: string): ElfFile | null {
  if (!existsSync(path)) return null;
  try {
    return ElfFile.open(path);
  } catch (e) {
    if (e instanceof NotElfError) return null;
    throw e;
  }
}

/**
 * The first separate debug file of the binary at `path` that `wanted` accepts (has DWARF, has a
 * symbol table...), open; the caller closes it.
 */
export function findSeparateDebugFile(path: string, elf: ElfFile, wanted: (f: ElfFile) => boolean): { path: string; elf: ElfFile } | null {
  const id = buildId(elf);
  const seen = new Set<string>([path]);
  for (const c of candidates(path, elf, id)) {
    if (seen.has(c.path)) continue;
    seen.add(c.path);
    const f = openElf(c.path);
    if (!f) continue;
    const otherId = buildId(f);
    const matches = !(id && otherId && id !== otherId) && (c.crc === null || crc32(readFileSync(c.path)) === c.crc);
    if (matches && wanted(f)) return { path: c.path, elf: f };
    f.close();
  }
  return null;
}
