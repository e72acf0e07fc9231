// ELF notes: the GNU build id, and SystemTap SDT (USDT) probe descriptors in .note.stapsdt.
//
// An SDT note's descriptor is: pc, the link-time address of .stapsdt.base, the semaphore
// address (or 0), then "provider\0name\0args\0". When the object was prelinked or otherwise
// moved, the difference between .stapsdt.base's real address and the recorded one is added
// to the pc (and to the semaphore), as libbpf's usdt.c does.

import { cstr, type ElfFile, SHT_NOTE } from './elf.ts';

export interface ElfNote {
  name: string;
  type: number;
  desc: Buffer;
}

function* parseNotes(b: Buffer): Generator<ElfNote> {
  let off = 0;
  while (off + 12 <= b.length) {
    const namesz = b.readUInt32LE(off);
    const descsz = b.readUInt32LE(off + 4);
    const type = b.readUInt32LE(off + 8);
    const nameOff = off + 12;
    const descOff = nameOff + ((namesz + 3) & ~3);
    const end = descOff + ((descsz + 3) & ~3);
    if (descOff + descsz > b.length) return;
    yield { name: b.toString('latin1', nameOff, nameOff + Math.max(0, namesz - 1)), type, desc: b.subarray(descOff, descOff + descsz) };
    off = end;
  }
}

const NT_GNU_BUILD_ID = 3;

/** The GNU build id as lowercase hex, or null. */
export function buildId(elf: ElfFile): string | null {
  for (const s of elf.sections) {
    if (s.type !== SHT_NOTE || !s.name.startsWith('.note')) continue;
    for (const n of parseNotes(elf.sectionData(s))) {
      if (n.name === 'GNU' && n.type === NT_GNU_BUILD_ID) return n.desc.toString('hex');
    }
  }
  return null;
}

export interface SdtProbe {
  provider: string;
  name: string;
  /** Virtual address of the probe site (the nop), after .stapsdt.base adjustment. */
  pc: number;
  /** Virtual address of the semaphore, or 0. */
  semaphore: number;
  /** Argument spec text, e.g. "-4@%edi 8@-16(%rbp)". */
  args: string;
}

const NT_STAPSDT = 3;

/** The SDT probes of an object, in note order (one entry per location). */
export function sdtProbes(elf: ElfFile): SdtProbe[] {
  const sec = elf.section('.note.stapsdt');
  if (!sec) return [];
  const baseSec = elf.section('.stapsdt.base');
  const out: SdtProbe[] = [];
  for (const n of parseNotes(elf.sectionData(sec))) {
    if (n.name !== 'stapsdt' || n.type !== NT_STAPSDT || n.desc.length < 24) continue;
    const dv = new DataView(n.desc.buffer, n.desc.byteOffset, n.desc.byteLength);
    let pc = Number(dv.getBigUint64(0, true));
    const base = Number(dv.getBigUint64(8, true));
    let sema = Number(dv.getBigUint64(16, true));
    if (baseSec && base) {
      const adj = baseSec.addr - base;
      pc += adj;
      if (sema) sema += adj;
    }
    const provider = cstr(n.desc, 24);
    const nameOff = 24 + Buffer.byteLength(provider, 'latin1') + 1;
    const name = cstr(n.desc, nameOff);
    const argsOff = nameOff + Buffer.byteLength(name, 'latin1') + 1;
    const args = argsOff < n.desc.length ? cstr(n.desc, argsOff) : '';
    out.push({ provider, name, pc, semaphore: sema, args });
  }
  return out;
}

/**
 * File offset of a semaphore (what the kernel's ref_ctr_offset wants): through the section
 * holding the address (semaphores live in .probes, part of the data segment).
 */
export function semaphoreFileOffset(elf: ElfFile, addr: number): number | null {
  for (const s of elf.sections) {
    if (s.addr && s.type !== 8 && addr >= s.addr && addr < s.addr + s.size) return addr - s.addr + s.offset;
  }
  return elf.vaddrToOffset(addr);
}
