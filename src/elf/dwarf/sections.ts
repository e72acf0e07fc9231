// Finds a binary's DWARF and reads its sections: from the binary itself, or from a separate
// debug file (by GNU build id or .gnu_debuglink, on the search path of debug-paths.ts), plus the
// dwz supplementary file a .gnu_debugaltlink names. Compressed sections (SHF_COMPRESSED with
// zlib or zstd, and the older .zdebug_* spelling) are inflated; every other section is one read.

import { createRequire } from 'node:module';
import { dirname, isAbsolute, join } from 'node:path';

/** node:zlib, loaded only when a compressed section is met (it is costly to load at start-up). */
function inflateSync(data: Buffer): Buffer {
  const zlib = createRequire(import.meta.url)('node:zlib') as typeof import('node:zlib');
  return zlib.inflateSync(data);
}

/**
 * zstd through fzstd (pure JS: node:zlib has zstd only from Node 23.8, Bun not at all). A plain
 * require() so the bundler keeps the package in the one bundle, wrapped to run only when the
 * first zstd section is met.
 */
function zstdDecompress(data: Buffer, size: number): Buffer {
  const fzstd = require('fzstd') as typeof import('fzstd');
  const out = fzstd.decompress(data, new Uint8Array(size));
  return Buffer.from(out.buffer, out.byteOffset, out.byteLength);
}

import { buildIdDebugPath, buildIdRoots, findSeparateDebugFile, openElf } from '../debug-paths.ts';
import { cstr, ElfFile, type SectionHeader, SHT_NOBITS } from '../elf.ts';

/** The sections the reader uses; absent ones are empty. */
export interface DwarfSections {
  info: Buffer;
  abbrev: Buffer;
  str: Buffer;
  lineStr: Buffer;
  strOffsets: Buffer;
  addr: Buffer;
  aranges: Buffer;
  /** Line number programs. */
  line: Buffer;
  /** DWARF 4 type units. */
  types: Buffer;
  /** Address range lists: DWARF 2-4 .debug_ranges, DWARF 5 .debug_rnglists. */
  ranges: Buffer;
  rnglists: Buffer;
}

export interface DebugSource {
  /** The file the DWARF was read from (the binary or its separate debug file). */
  path: string;
  sections: DwarfSections;
  /** The dwz supplementary file's sections (DW_FORM_GNU_ref_alt/strp_alt), when there is one. */
  alt: DwarfSections | null;
}

const SHF_COMPRESSED = 0x800;
const ELFCOMPRESS_ZLIB = 1;
const ELFCOMPRESS_ZSTD = 2;

export function sectionBytes(elf: ElfFile, name: string): Buffer {
  const s = elf.section(name);
  if (s) return decompressed(elf, s);
  // Before SHF_COMPRESSED, compressed sections were renamed .zdebug_*.
  const z = elf.section(name.replace(/^\.debug_/, '.zdebug_'));
  if (!z) return Buffer.alloc(0);
  const raw = elf.sectionData(z);
  if (raw.length >= 12 && raw.toString('latin1', 0, 4) === 'ZLIB') return inflateSync(raw.subarray(12));
  return raw;
}

function decompressed(elf: ElfFile, s: SectionHeader): Buffer {
  const raw = elf.sectionData(s);
  if (!(s.flags & SHF_COMPRESSED)) return raw;
  // Elf64_Chdr: type, reserved, uncompressed size, alignment; the data follows.
  if (raw.length < 24) return Buffer.alloc(0);
  const type = raw.readUInt32LE(0);
  if (type === ELFCOMPRESS_ZLIB) return inflateSync(raw.subarray(24));
  if (type === ELFCOMPRESS_ZSTD) {
    const size = Number(raw.readBigUInt64LE(8));
    // A corrupt header must not make us allocate gigabytes: zstd compresses DWARF ~10x at best.
    if (size > raw.length * 1024 + (1 << 20)) throw new Error(`${elf.path}: ${s.name} claims an implausible size (${size} bytes)`);
    const out = zstdDecompress(raw.subarray(24), size);
    if (out.length !== size) throw new Error(`${elf.path}: ${s.name} inflates to ${out.length} bytes, not ${size}`);
    return out;
  }
  throw new Error(`${elf.path}: ${s.name} uses unknown compression ${type}`);
}

function hasDebugInfo(elf: ElfFile): boolean {
  const s = elf.section('.debug_info') ?? elf.section('.zdebug_info');
  return !!s && s.type !== SHT_NOBITS && s.size > 0;
}

export function readSections(elf: ElfFile): DwarfSections {
  return {
    info: sectionBytes(elf, '.debug_info'),
    abbrev: sectionBytes(elf, '.debug_abbrev'),
    str: sectionBytes(elf, '.debug_str'),
    lineStr: sectionBytes(elf, '.debug_line_str'),
    strOffsets: sectionBytes(elf, '.debug_str_offsets'),
    addr: sectionBytes(elf, '.debug_addr'),
    aranges: sectionBytes(elf, '.debug_aranges'),
    line: sectionBytes(elf, '.debug_line'),
    types: sectionBytes(elf, '.debug_types'),
    ranges: sectionBytes(elf, '.debug_ranges'),
    rnglists: sectionBytes(elf, '.debug_rnglists'),
  };
}

/** The dwz file a debug file shares types and strings with (.gnu_debugaltlink: path, build id). */
function altFile(debugPath: string, elf: ElfFile): ElfFile | null {
  const s = elf.section('.gnu_debugaltlink');
  if (!s) return null;
  const data = elf.sectionData(s);
  const name = cstr(data, 0);
  const id = data.subarray(name.length + 1).toString('hex');
  const candidates = [isAbsolute(name) ? name : join(dirname(debugPath), name)];
  if (id) for (const root of buildIdRoots()) candidates.push(buildIdDebugPath(root, id));
  for (const c of candidates) {
    const f = openElf(c);
    if (f && hasDebugInfo(f)) return f;
    f?.close();
  }
  return null;
}

/** The DWARF of `path` (a binary or shared library), or null when none is found. */
export function loadDebugSource(path: string): DebugSource | null {
  const elf = ElfFile.open(path);
  let dbg: ElfFile | null = null;
  let dbgPath = path;
  try {
    if (hasDebugInfo(elf)) dbg = elf;
    else {
      const found = findSeparateDebugFile(path, elf, hasDebugInfo);
      if (found) {
        dbg = found.elf;
        dbgPath = found.path;
      }
    }
    if (!dbg) return null;
    const alt = altFile(dbgPath, dbg);
    try {
      return { path: dbgPath, sections: readSections(dbg), alt: alt ? readSections(alt) : null };
    } finally {
      alt?.close();
    }
  } finally {
    if (dbg && dbg !== elf) dbg.close();
    elf.close();
  }
}
