// A lazy reader of 64-bit little-endian ELF files (x86-64): the header, program and section
// headers are read on open; section contents only when asked for, each read once with pread
// into its own Buffer and parsed in place through DataViews.

import { closeSync, fstatSync, openSync, readSync } from 'node:fs';

export const ET_EXEC = 2;
export const ET_DYN = 3;
export const PT_LOAD = 1;
export const PT_DYNAMIC = 2;
export const PT_NOTE = 4;
export const SHT_SYMTAB = 2;
export const SHT_STRTAB = 3;
export const SHT_NOTE = 7;
export const SHT_NOBITS = 8;
export const SHT_DYNSYM = 11;
export const PF_X = 1;

export interface SectionHeader {
  index: number;
  name: string;
  type: number;
  flags: number;
  addr: number;
  offset: number;
  size: number;
  link: number;
  info: number;
  entsize: number;
}

export interface ProgramHeader {
  type: number;
  flags: number;
  offset: number;
  vaddr: number;
  filesz: number;
  memsz: number;
}

/** Not an ELF file we can read (wrong magic, 32-bit, big-endian, truncated). */
export class NotElfError extends Error {}

function u64(dv: DataView, off: number): number {
  // User-space addresses and file offsets fit in 53 bits.
  return Number(dv.getBigUint64(off, true));
}

export class ElfFile {
  readonly type: number;
  readonly machine: number;
  readonly entry: number;
  readonly segments: ProgramHeader[] = [];
  readonly sections: SectionHeader[] = [];
  /** Device and inode, to recognise the same object under another path. */
  readonly dev: number;
  readonly ino: number;
  private readonly cache = new Map<number, Buffer>();

  private constructor(
    readonly path: string,
    private fd: number,
    readonly fileSize: number,
  ) {
    const st = fstatSync(fd);
    this.dev = st.dev;
    this.ino = st.ino;
    const h = this.read(0, 64);
    if (h.length < 64 || h.readUInt32BE(0) !== 0x7f454c46) throw new NotElfError(`${path} is not an ELF file`);
    if (h[4] !== 2 || h[5] !== 1) throw new NotElfError(`${path} is not a 64-bit little-endian ELF file`);
    const dv = new DataView(h.buffer, h.byteOffset, h.byteLength);
    this.type = dv.getUint16(16, true);
    this.machine = dv.getUint16(18, true);
    this.entry = u64(dv, 24);
    const phoff = u64(dv, 32);
    const shoff = u64(dv, 40);
    const phentsize = dv.getUint16(54, true);
    const phnum = dv.getUint16(56, true);
    const shentsize = dv.getUint16(58, true);
    let shnum = dv.getUint16(60, true);
    let shstrndx = dv.getUint16(62, true);
    if (phnum && phentsize >= 56) {
      const ph = this.view(this.read(phoff, phnum * phentsize));
      for (let i = 0; i < phnum; i++) {
        const o = i * phentsize;
        this.segments.push({
          type: ph.getUint32(o, true),
          flags: ph.getUint32(o + 4, true),
          offset: u64(ph, o + 8),
          vaddr: u64(ph, o + 16),
          filesz: u64(ph, o + 32),
          memsz: u64(ph, o + 40),
        });
      }
    }
    if (shoff && shentsize >= 64) {
      // More than 0xff00 sections: the real count and string table index are in section 0.
      if (shnum === 0 || shstrndx === 0xffff) {
        const s0 = this.view(this.read(shoff, 64));
        if (shnum === 0) shnum = u64(s0, 32);
        if (shstrndx === 0xffff) shstrndx = s0.getUint32(40, true);
      }
      const sh = this.view(this.read(shoff, shnum * shentsize));
      const nameOffs: number[] = [];
      for (let i = 0; i < shnum; i++) {
        const o = i * shentsize;
        nameOffs.push(sh.getUint32(o, true));
        this.sections.push({
          index: i,
          name: '',
          type: sh.getUint32(o + 4, true),
          flags: u64(sh, o + 8),
          addr: u64(sh, o + 16),
          offset: u64(sh, o + 24),
          size: u64(sh, o + 32),
          link: sh.getUint32(o + 40, true),
          info: sh.getUint32(o + 44, true),
          entsize: u64(sh, o + 56),
        });
      }
      const strs = this.sections[shstrndx];
      if (strs) {
        const data = this.sectionData(strs);
        this.sections.forEach((s, i) => {
          s.name = cstr(data, nameOffs[i] ?? 0);
        });
      }
    }
  }

  /** Opens `path`; throws NotElfError for files that are not 64-bit LE ELF, and fs errors as they are. */
  static open(path: string): ElfFile {
    const fd = openSync(path, 'r');
    try {
      return new ElfFile(path, fd, fstatSync(fd).size);
    } catch (e) {
      closeSync(fd);
      throw e;
    }
  }

  /** Whether `path` is an ELF executable or shared object (what bpftrace accepts as a uprobe target). */
  static isElf(path: string): boolean {
    try {
      const f = ElfFile.open(path);
      const ok = f.type === ET_EXEC || f.type === ET_DYN;
      f.close();
      return ok;
    } catch {
      return false;
    }
  }

  close(): void {
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
    this.cache.clear();
  }

  /** Reads `len` bytes at `off` (fewer at the end of the file). */
  read(off: number, len: number): Buffer {
    if (this.fd < 0) throw new Error(`${this.path}: file closed`);
    const buf = Buffer.allocUnsafe(len);
    let got = 0;
    while (got < len) {
      const n = readSync(this.fd, buf, got, len - got, off + got);
      if (n <= 0) break;
      got += n;
    }
    return got === len ? buf : buf.subarray(0, got);
  }

  view(b: Buffer): DataView {
    return new DataView(b.buffer, b.byteOffset, b.byteLength);
  }

  section(name: string): SectionHeader | undefined {
    return this.sections.find((s) => s.name === name);
  }

  /** A section's bytes (empty for NOBITS), read once. */
  sectionData(s: SectionHeader): Buffer {
    let b = this.cache.get(s.index);
    if (!b) {
      b = s.type === SHT_NOBITS || s.size === 0 ? Buffer.alloc(0) : this.read(s.offset, s.size);
      this.cache.set(s.index, b);
    }
    return b;
  }

  /** The load bias-free file offset of a virtual address, through the PT_LOAD segment holding it. */
  vaddrToOffset(addr: number): number | null {
    for (const p of this.segments) {
      if (p.type === PT_LOAD && addr >= p.vaddr && addr < p.vaddr + p.filesz) return addr - p.vaddr + p.offset;
    }
    return null;
  }

  /** The virtual address of a file offset (inverse of vaddrToOffset). */
  offsetToVaddr(off: number): number | null {
    for (const p of this.segments) {
      if (p.type === PT_LOAD && off >= p.offset && off < p.offset + p.filesz) return off - p.offset + p.vaddr;
    }
    return null;
  }

  /** The lowest PT_LOAD address (0 for most PIE and shared objects). */
  loadBase(): number {
    let lo = Number.MAX_SAFE_INTEGER;
    for (const p of this.segments) if (p.type === PT_LOAD) lo = Math.min(lo, p.vaddr - (p.offset % 4096));
    return lo === Number.MAX_SAFE_INTEGER ? 0 : lo;
  }
}

/** A NUL-terminated string at `off` as a byte string (latin1: one char per byte). */
export function cstr(b: Buffer, off: number): string {
  const end = b.indexOf(0, off);
  return b.toString('latin1', off, end < 0 ? b.length : end);
}
