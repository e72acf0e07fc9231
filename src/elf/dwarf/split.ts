// Split DWARF (gcc/clang -gsplit-dwarf): the binary keeps a skeleton unit per compilation unit
// and the DIEs are in a .dwo file named by the skeleton (relative to its DW_AT_comp_dir), or in
// a .dwp package (the `dwp` tool's merge of them, indexed by dwo id in .debug_cu_index). Looked
// for as libdw does: the .dwo by its name from the compilation directory and beside the binary,
// then BINARY.dwp, then both on the --debuginfo search path. A split unit reads its strings from
// the .dwo and its addresses, line table and DWARF 4 range lists from the skeleton's file.

import { basename, dirname, extname, isAbsolute, join } from 'node:path';
import { debuginfoDirs, openElf } from '../debug-paths.ts';
import { DW_SECT_ABBREV, DW_SECT_INFO, DW_SECT_RNGLISTS, DW_SECT_STR_OFFSETS } from './constants.ts';
import { Cursor } from './cursor.ts';
import { DwarfFile, type SkeletonInfo, type SplitFinder, type Unit } from './info.ts';
import { type DwarfSections, sectionBytes } from './sections.ts';

/** The .dwo sections a split unit has of its own; the rest are the skeleton file's. */
interface DwoSections {
  info: Buffer;
  abbrev: Buffer;
  str: Buffer;
  strOffsets: Buffer;
  rnglists: Buffer;
  types: Buffer;
}

/** A .dwp's units: per dwo id, where each one's part of every section is. */
type DwpIndex = Map<bigint, Map<number, { off: number; size: number }>>;

interface Package {
  sections: DwoSections;
  index: DwpIndex;
  /** 5 (DWARF 5's DW_SECT_* numbering) or 2 (the GNU DWARF 4 extension's). */
  version: number;
}

function readDwo(path: string): DwoSections | null {
  const elf = openElf(path);
  if (!elf) return null;
  try {
    const info = sectionBytes(elf, '.debug_info.dwo');
    if (!info.length) return null;
    return {
      info,
      abbrev: sectionBytes(elf, '.debug_abbrev.dwo'),
      str: sectionBytes(elf, '.debug_str.dwo'),
      strOffsets: sectionBytes(elf, '.debug_str_offsets.dwo'),
      rnglists: sectionBytes(elf, '.debug_rnglists.dwo'),
      types: sectionBytes(elf, '.debug_types.dwo'),
    };
  } finally {
    elf.close();
  }
}

/** .debug_cu_index: a hash table of dwo ids, then per unit the offset and size of its part of each section. */
export function readCuIndex(b: Buffer): { version: number; index: DwpIndex } {
  const index: DwpIndex = new Map();
  if (b.length < 16) return { version: 0, index };
  const version = b.readUInt16LE(0);
  const columns = b.readUInt32LE(4);
  const unitCount = b.readUInt32LE(8);
  const slots = b.readUInt32LE(12);
  const sigs = 16;
  const rows = sigs + 8 * slots;
  const ids = rows + 4 * slots;
  const offsets = ids + 4 * columns;
  const sizes = offsets + 4 * columns * unitCount;
  if (sizes + 4 * columns * unitCount > b.length) return { version, index };
  const c = new Cursor(b, sigs);
  for (let s = 0; s < slots; s++) {
    const sig = c.big64();
    const row = b.readUInt32LE(rows + 4 * s);
    if (row === 0 || row > unitCount) continue;
    const parts = new Map<number, { off: number; size: number }>();
    for (let k = 0; k < columns; k++) {
      const cell = 4 * ((row - 1) * columns + k);
      parts.set(b.readUInt32LE(ids + 4 * k), { off: b.readUInt32LE(offsets + cell), size: b.readUInt32LE(sizes + cell) });
    }
    index.set(sig, parts);
  }
  return { version, index };
}

function readDwp(path: string): Package | null {
  const elf = openElf(path);
  if (!elf) return null;
  try {
    const { version, index } = readCuIndex(sectionBytes(elf, '.debug_cu_index'));
    if (!index.size) return null;
    const sections = readDwo(path);
    return sections ? { sections, index, version } : null;
  } finally {
    elf.close();
  }
}

/** One unit's slice of a package's sections (its contributions; the string pool is shared). */
function packageUnit(p: Package, dwoId: bigint): DwoSections | null {
  const parts = p.index.get(dwoId);
  if (!parts) return null;
  const slice = (b: Buffer, sect: number): Buffer => {
    const at = parts.get(sect);
    return at ? b.subarray(at.off, at.off + at.size) : Buffer.alloc(0);
  };
  return {
    info: slice(p.sections.info, DW_SECT_INFO),
    abbrev: slice(p.sections.abbrev, DW_SECT_ABBREV),
    str: p.sections.str,
    strOffsets: slice(p.sections.strOffsets, DW_SECT_STR_OFFSETS),
    // Version 2 (DWARF 4) numbers its macro section 8; it has no range lists of its own.
    rnglists: p.version >= 5 ? slice(p.sections.rnglists, DW_SECT_RNGLISTS) : Buffer.alloc(0),
    types: Buffer.alloc(0),
  };
}

/**
 * The finder of split units for a binary at `binary` whose DWARF (skeletons) was read from
 * `debugPath`. Files are read on first need and kept for the life of the DWARF.
 */
export function splitFinder(binary: string, debugPath: string, main: DwarfSections): SplitFinder {
  const dwos = new Map<string, DwoSections | null>();
  const dwps = new Map<string, Package | null>();
  const splitFile = (skeleton: Unit, info: SkeletonInfo, own: DwoSections): DwarfFile | null => {
    const sections: DwarfSections = {
      ...main,
      ...own,
      aranges: Buffer.alloc(0),
    };
    const f = new DwarfFile(sections, null, 'info', { skeleton, info });
    const unit = f.units().find((u) => u.isCode);
    if (!unit) return null;
    const id = unit.splitId();
    // A stale .dwo (rebuilt since the binary was linked) describes other code.
    return info.dwoId === null || id === null || id === info.dwoId ? f : null;
  };
  return (skeleton, info) => {
    const name = info.dwoName;
    const dirs = debuginfoDirs(binary);
    const dwoPaths = isAbsolute(name)
      ? [name]
      : [
          ...(info.compDir ? [join(info.compDir, name)] : []),
          join(dirname(debugPath), name),
          join(dirname(binary), name),
          join(dirname(binary), basename(name)),
        ];
    for (const d of dirs) dwoPaths.push(join(d, basename(name)));
    for (const p of new Set(dwoPaths)) {
      if (!dwos.has(p)) dwos.set(p, readDwo(p));
      const own = dwos.get(p);
      const f = own ? splitFile(skeleton, info, own) : null;
      if (f) return f;
    }
    const missing = (): null => {
      // As bpftrace warns (the skeleton still gives lines and address ranges), once per unit.
      const stem = basename(binary, extname(binary));
      process.stderr.write(
        `WARNING: Unable to find split debug file '${basename(name)}' or '${stem}.dwp' for '${binary}', debugging information may be incomplete!\n`,
      );
      return null;
    };
    if (info.dwoId === null) return missing();
    const dwpPaths = [`${debugPath}.dwp`, `${binary}.dwp`, ...dirs.map((d) => join(d, `${basename(binary)}.dwp`))];
    for (const p of new Set(dwpPaths)) {
      if (!dwps.has(p)) dwps.set(p, readDwp(p));
      const pkg = dwps.get(p);
      const own = pkg ? packageUnit(pkg, info.dwoId) : null;
      const f = own ? splitFile(skeleton, info, own) : null;
      if (f) return f;
    }
    return missing();
  };
}
