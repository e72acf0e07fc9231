// .debug_info as units of DIEs. Unit headers are read once (a jump per unit); a unit's
// abbreviation table when one of its DIEs is first read; DIEs on demand, by offset, with only
// the attributes this reader uses decoded (the rest are passed over by form). DWARF 2 to 5,
// 32- and 64-bit formats.

import { type Abbrev, AbbrevTable } from './abbrev.ts';
import { type AddressRange, readAranges } from './aranges.ts';
import {
  DW_AT_abstract_origin,
  DW_AT_addr_base,
  DW_AT_artificial,
  DW_AT_bit_offset,
  DW_AT_bit_size,
  DW_AT_byte_size,
  DW_AT_call_file,
  DW_AT_call_line,
  DW_AT_calling_convention,
  DW_AT_comp_dir,
  DW_AT_count,
  DW_AT_data_bit_offset,
  DW_AT_data_member_location,
  DW_AT_declaration,
  DW_AT_dwo_name,
  DW_AT_encoding,
  DW_AT_GNU_addr_base,
  DW_AT_GNU_dwo_id,
  DW_AT_GNU_dwo_name,
  DW_AT_GNU_ranges_base,
  DW_AT_high_pc,
  DW_AT_linkage_name,
  DW_AT_low_pc,
  DW_AT_MIPS_linkage_name,
  DW_AT_name,
  DW_AT_ranges,
  DW_AT_rnglists_base,
  DW_AT_sibling,
  DW_AT_signature,
  DW_AT_specification,
  DW_AT_stmt_list,
  DW_AT_str_offsets_base,
  DW_AT_type,
  DW_AT_upper_bound,
  DW_FORM_addr,
  DW_FORM_addrx,
  DW_FORM_addrx1,
  DW_FORM_addrx2,
  DW_FORM_addrx3,
  DW_FORM_addrx4,
  DW_FORM_block,
  DW_FORM_block1,
  DW_FORM_block2,
  DW_FORM_block4,
  DW_FORM_data1,
  DW_FORM_data2,
  DW_FORM_data4,
  DW_FORM_data8,
  DW_FORM_data16,
  DW_FORM_exprloc,
  DW_FORM_flag,
  DW_FORM_flag_present,
  DW_FORM_GNU_addr_index,
  DW_FORM_GNU_ref_alt,
  DW_FORM_GNU_str_index,
  DW_FORM_GNU_strp_alt,
  DW_FORM_implicit_const,
  DW_FORM_indirect,
  DW_FORM_line_strp,
  DW_FORM_loclistx,
  DW_FORM_ref_addr,
  DW_FORM_ref_sig8,
  DW_FORM_ref_sup4,
  DW_FORM_ref_sup8,
  DW_FORM_ref_udata,
  DW_FORM_ref1,
  DW_FORM_ref2,
  DW_FORM_ref4,
  DW_FORM_ref8,
  DW_FORM_rnglistx,
  DW_FORM_sdata,
  DW_FORM_sec_offset,
  DW_FORM_string,
  DW_FORM_strp,
  DW_FORM_strp_sup,
  DW_FORM_strx,
  DW_FORM_strx1,
  DW_FORM_strx2,
  DW_FORM_strx3,
  DW_FORM_strx4,
  DW_FORM_udata,
  DW_OP_plus_uconst,
  DW_UT_compile,
  DW_UT_partial,
  DW_UT_skeleton,
  DW_UT_split_compile,
  DW_UT_split_type,
  DW_UT_type,
} from './constants.ts';
import { Cursor, strAt } from './cursor.ts';
import type { DwarfSections } from './sections.ts';

/** A malformed or unsupported piece of DWARF. */
export class DwarfError extends Error {}

/** What a skeleton unit (split DWARF) says about the unit holding its DIEs. */
export interface SkeletonInfo {
  /** DW_AT_dwo_name (DWARF 5) or DW_AT_GNU_dwo_name: the .dwo file, relative to compDir. */
  dwoName: string;
  compDir: string | null;
  /** Matches the split unit's: from the DWARF 5 unit header or DW_AT_GNU_dwo_id. */
  dwoId: bigint | null;
  /** Where the skeleton's contribution to .debug_addr starts: the split unit's addrx forms index it. */
  addrBase: number;
  /** DW_AT_GNU_ranges_base (DWARF 4): added to the split unit's .debug_ranges offsets. */
  rangesBase: number;
}

/** The file of a split unit: the skeleton it completes, whose .debug_addr, line table and base address it uses. */
export interface SplitOrigin {
  skeleton: Unit;
  info: SkeletonInfo;
}

/** Opens the split DWARF a skeleton unit names (a .dwo file or a unit of a .dwp package), or null. */
export type SplitFinder = (skeleton: Unit, info: SkeletonInfo) => DwarfFile | null;

/** A DIE somewhere in a file's DWARF (refs can point into other units or the dwz file). */
export interface DieRef {
  file: DwarfFile;
  off: number;
}

/** The attributes this reader decodes; the others are skipped. */
export interface DieAttrs {
  name?: string;
  linkageName?: string;
  type?: DieRef;
  lowPc?: number;
  /** An address, or (highPcIsOffset) a length from lowPc, as DWARF 4+ usually writes it. */
  highPc?: number;
  highPcIsOffset?: boolean;
  ranges?: boolean;
  /** Where DW_AT_ranges points: an offset in the range list section, or (rnglistx) an index into the unit's offsets table. */
  rangesAt?: { indexed: boolean; value: number };
  /** DW_TAG_inlined_subroutine: the caller's file (an index into the unit's line table files) and line. */
  callFile?: number;
  callLine?: number;
  abstractOrigin?: DieRef;
  specification?: DieRef;
  /** A type declared here and defined in a type unit (-fdebug-types-section). */
  signature?: DieRef;
  declaration?: boolean;
  artificial?: boolean;
  byteSize?: number;
  bitSize?: number;
  encoding?: number;
  sibling?: number;
  /** DW_AT_data_member_location as a constant (or DW_OP_plus_uconst) byte offset. */
  memberOffset?: number;
  dataBitOffset?: number;
  /**
   * DWARF 2-4 bitfields (GCC writes them up to DWARF 4): bits from the most significant bit of
   * a storage unit of DW_AT_byte_size bytes at DW_AT_data_member_location.
   */
  bitOffset?: number;
  count?: number;
  upperBound?: number;
  callingConvention?: number;
  /** A unit's line program: its offset in .debug_line. */
  stmtList?: number;
  compDir?: string;
}

export interface Die {
  unit: Unit;
  off: number;
  tag: number;
  hasChildren: boolean;
  /** Offset just after this DIE's attributes: its first child when it has children. */
  end: number;
  attrs: DieAttrs;
}

/** The attributes decoded into DieAttrs. */
const WANTED = new Set([
  DW_AT_name,
  DW_AT_linkage_name,
  DW_AT_MIPS_linkage_name,
  DW_AT_type,
  DW_AT_low_pc,
  DW_AT_high_pc,
  DW_AT_ranges,
  DW_AT_abstract_origin,
  DW_AT_specification,
  DW_AT_signature,
  DW_AT_declaration,
  DW_AT_artificial,
  DW_AT_byte_size,
  DW_AT_bit_offset,
  DW_AT_bit_size,
  DW_AT_encoding,
  DW_AT_sibling,
  DW_AT_data_member_location,
  DW_AT_data_bit_offset,
  DW_AT_count,
  DW_AT_upper_bound,
  DW_AT_calling_convention,
  DW_AT_stmt_list,
  DW_AT_comp_dir,
  DW_AT_call_file,
  DW_AT_call_line,
]);

export class Unit {
  private abbrevTable: AbbrevTable | null = null;
  private basesRead = false;
  private strBase = 0;
  private addrBaseOff = 0;
  private rnglistsBase = 0;
  private base: number | undefined;
  private skeletonInfo: SkeletonInfo | null = null;
  private splitUnit: Unit | null | undefined;
  /** Skeleton and split units of DWARF 5: the dwo id of their header. */
  dwoId: bigint | null = null;

  constructor(
    readonly file: DwarfFile,
    /** Offset of the unit header in .debug_info. */
    readonly off: number,
    /** Offset just past the unit. */
    readonly end: number,
    readonly version: number,
    readonly unitType: number,
    readonly offsetSize: 4 | 8,
    readonly addrSize: number,
    readonly abbrevOff: number,
    /** Offset of the unit's root DIE. */
    readonly dieOff: number,
    /** Type units: the signature and the offset of the type DIE. */
    readonly typeSignature: bigint | null,
    readonly typeOff: number | null,
  ) {}

  abbrevs(): AbbrevTable {
    if (!this.abbrevTable) this.abbrevTable = this.file.abbrevTable(this);
    return this.abbrevTable;
  }

  /** Size of a form's value in this unit, or -1 when it varies (LEB128, strings, blocks). */
  formSize(form: number): number {
    switch (form) {
      case DW_FORM_flag_present:
      case DW_FORM_implicit_const:
        return 0;
      case DW_FORM_data1:
      case DW_FORM_ref1:
      case DW_FORM_flag:
      case DW_FORM_strx1:
      case DW_FORM_addrx1:
        return 1;
      case DW_FORM_data2:
      case DW_FORM_ref2:
      case DW_FORM_strx2:
      case DW_FORM_addrx2:
        return 2;
      case DW_FORM_strx3:
      case DW_FORM_addrx3:
        return 3;
      case DW_FORM_data4:
      case DW_FORM_ref4:
      case DW_FORM_strx4:
      case DW_FORM_addrx4:
      case DW_FORM_ref_sup4:
        return 4;
      case DW_FORM_data8:
      case DW_FORM_ref8:
      case DW_FORM_ref_sig8:
      case DW_FORM_ref_sup8:
        return 8;
      case DW_FORM_data16:
        return 16;
      case DW_FORM_addr:
        return this.addrSize;
      case DW_FORM_strp:
      case DW_FORM_line_strp:
      case DW_FORM_sec_offset:
      case DW_FORM_strp_sup:
      case DW_FORM_GNU_ref_alt:
      case DW_FORM_GNU_strp_alt:
        return this.offsetSize;
      case DW_FORM_ref_addr:
        // DWARF 2 wrote DW_FORM_ref_addr with the size of an address.
        return this.version <= 2 ? this.addrSize : this.offsetSize;
      default:
        return -1;
    }
  }

  /** DW_AT_str_offsets_base and DW_AT_addr_base of the root DIE (strx/addrx forms need them). */
  private bases(): void {
    if (this.basesRead) return;
    this.basesRead = true;
    // DWARF 5 default when the attribute is absent: right after the 8-byte section header.
    this.strBase = this.offsetSize === 8 ? 16 : 8;
    this.addrBaseOff = 8;
    const origin = this.file.origin;
    if (origin) {
      // A split unit's addresses are the skeleton's; GNU's DWARF 4 .debug_str_offsets.dwo has no header.
      this.addrBaseOff = origin.info.addrBase;
      if (this.version < 5) this.strBase = 0;
    }
    const c = new Cursor(this.file.sections.info, this.dieOff);
    const ab = this.abbrevs().get(c.uleb());
    if (!ab) return;
    // Strings are read after the loop: a strx form needs DW_AT_str_offsets_base, which may come later.
    let dwoName: { form: number; at: number } | null = null;
    let compDir: { form: number; at: number } | null = null;
    let dwoId = this.dwoId;
    let rangesBase = 0;
    let addrBase: number | null = null;
    for (let i = 0; i < ab.ats.length; i++) {
      const at = ab.ats[i];
      const form = ab.forms[i] as number;
      if (at === DW_AT_str_offsets_base) this.strBase = this.file.readNumber(c, form, ab.implicits[i] as number, this);
      else if (at === DW_AT_addr_base || at === DW_AT_GNU_addr_base) addrBase = this.file.readNumber(c, form, 0, this);
      else if (at === DW_AT_rnglists_base) this.rnglistsBase = this.file.readNumber(c, form, 0, this);
      else if (at === DW_AT_GNU_ranges_base) rangesBase = this.file.readNumber(c, form, 0, this);
      else if (at === DW_AT_GNU_dwo_id && form === DW_FORM_data8) dwoId = c.big64();
      else {
        if (at === DW_AT_dwo_name || at === DW_AT_GNU_dwo_name) dwoName = { form, at: c.pos };
        else if (at === DW_AT_comp_dir) compDir = { form, at: c.pos };
        this.file.skipForm(c, form, this);
      }
    }
    if (addrBase !== null) this.addrBaseOff = addrBase;
    this.dwoId = dwoId;
    if (dwoName && !origin) {
      const str = (a: { form: number; at: number }): string =>
        this.file.readStringAt(new Cursor(this.file.sections.info, a.at), a.form, this);
      this.skeletonInfo = {
        dwoName: str(dwoName),
        compDir: compDir ? str(compDir) : null,
        dwoId,
        addrBase: this.addrBaseOff,
        rangesBase,
      };
    }
  }

  /** The dwo id tying a skeleton unit and its split unit together (header or DW_AT_GNU_dwo_id), or null. */
  splitId(): bigint | null {
    this.bases();
    return this.dwoId;
  }

  /** Whether this unit is a split DWARF skeleton: its DIEs are in a .dwo file or a .dwp package. */
  get isSkeleton(): boolean {
    if (this.unitType === DW_UT_skeleton) return true;
    // DWARF 4 (GNU extension): a plain compile unit whose root names a .dwo.
    if (this.version >= 5 || this.unitType !== DW_UT_compile || this.file.origin) return false;
    this.bases();
    return this.skeletonInfo !== null;
  }

  /** The split unit this skeleton stands for, opened on first use; null when it cannot be found. */
  split(): Unit | null {
    if (this.splitUnit !== undefined) return this.splitUnit;
    this.splitUnit = null;
    this.bases();
    const finder = this.file.splitFinder;
    if (this.skeletonInfo && finder) {
      const f = finder(this, this.skeletonInfo);
      this.splitUnit = f?.units().find((u) => u.isCode) ?? null;
    }
    return this.splitUnit;
  }

  /** Added to DWARF 4 .debug_ranges offsets: a split unit's ranges are relative to its skeleton's base. */
  get rangesBase(): number {
    return this.file.origin?.info.rangesBase ?? 0;
  }

  /** The string at index `i` of this unit's .debug_str_offsets contribution. */
  strx(i: number): string {
    this.bases();
    const s = this.file.sections;
    const at = this.strBase + i * this.offsetSize;
    if (at + this.offsetSize > s.strOffsets.length) return '';
    const off = this.offsetSize === 4 ? s.strOffsets.readUInt32LE(at) : Number(s.strOffsets.readBigUInt64LE(at));
    return strAt(s.str, off);
  }

  /** The address at index `i` of this unit's .debug_addr contribution. */
  addrx(i: number): number {
    this.bases();
    const b = this.file.sections.addr;
    const at = this.addrBaseOff + i * this.addrSize;
    if (at + this.addrSize > b.length) return 0;
    return new Cursor(b, at).uN(this.addrSize);
  }

  /**
   * The offset in .debug_rnglists of entry `i` of this unit's offsets table (DW_FORM_rnglistx),
   * relative to DW_AT_rnglists_base, or -1 when it is outside the section.
   */
  rnglistOffset(i: number): number {
    this.bases();
    const b = this.file.sections.rnglists;
    // Without DW_AT_rnglists_base, the table of the only contribution, after its 12/20-byte header.
    const base = this.rnglistsBase || (this.offsetSize === 8 ? 20 : 12);
    const at = base + i * this.offsetSize;
    if (at + this.offsetSize > b.length) return -1;
    return base + (this.offsetSize === 4 ? b.readUInt32LE(at) : Number(b.readBigUInt64LE(at)));
  }

  /** The unit's base address (the root DIE's DW_AT_low_pc): what range list offsets are relative to. */
  baseAddress(): number {
    const origin = this.file.origin;
    this.base ??= origin ? origin.skeleton.baseAddress() : (this.file.die(this.dieOff, this)?.attrs.lowPc ?? 0);
    return this.base;
  }

  /**
   * Whether the unit holds a program's code and types (not a type-only unit). A skeleton is
   * one too: without its split unit it still gives the line table and address ranges.
   */
  get isCode(): boolean {
    const t = this.unitType;
    return t === DW_UT_compile || t === DW_UT_partial || t === DW_UT_split_compile || t === DW_UT_skeleton;
  }
}

/** The DWARF of one file: .debug_info's units, read lazily. */
export class DwarfFile {
  private unitList: Unit[] | null = null;
  private codeUnitList: Unit[] | null = null;
  private readonly abbrevCache = new Map<string, AbbrevTable>();
  private typeUnits: Map<bigint, number> | null = null;
  private aranges: AddressRange[] | null = null;

  private typesFile: DwarfFile | null | undefined;

  /** Opens the split units skeleton units name; null when split DWARF is not followed. */
  splitFinder: SplitFinder | null = null;

  constructor(
    readonly sections: DwarfSections,
    /** The dwz supplementary file, when the DWARF refers to one. */
    readonly alt: DwarfFile | null = null,
    /** 'types': this reads DWARF 4's .debug_types (type units only), as its .debug_info. */
    private readonly kind: 'info' | 'types' = 'info',
    /** A .dwo file (or one unit's part of a .dwp): the skeleton unit it completes. */
    readonly origin: SplitOrigin | null = null,
  ) {}

  /** DWARF 4 type units (GCC -fdebug-types-section) live in .debug_types, read as a file of their own. */
  private types(): DwarfFile | null {
    if (this.typesFile === undefined) {
      const t = this.kind === 'info' ? this.sections.types : undefined;
      this.typesFile = t?.length ? new DwarfFile({ ...this.sections, info: t }, this.alt, 'types', this.origin) : null;
    }
    return this.typesFile;
  }

  /** Every unit header, in section order (one jump per unit). */
  units(): Unit[] {
    if (this.unitList) return this.unitList;
    const out: Unit[] = [];
    const info = this.sections.info;
    const c = new Cursor(info);
    while (c.pos + 11 <= info.length) {
      const off = c.pos;
      const { len, offsetSize } = c.initialLength();
      if (offsetSize === 4 && len >= 0xfffffff0)
        throw new DwarfError(`reserved unit length 0x${len.toString(16)} at 0x${off.toString(16)}`);
      const end = c.pos + len;
      if (end > info.length) throw new DwarfError(`unit at 0x${off.toString(16)} runs past the end of .debug_info`);
      const version = c.u16();
      let unitType = DW_UT_compile;
      let addrSize: number;
      let abbrevOff: number;
      let sig: bigint | null = null;
      let typeOff: number | null = null;
      if (version >= 5) {
        unitType = c.u8();
        addrSize = c.u8();
        abbrevOff = c.offset(offsetSize);
        if (unitType === DW_UT_skeleton || unitType === DW_UT_split_compile) sig = c.big64();
        else if (unitType === DW_UT_type || unitType === DW_UT_split_type) {
          sig = c.big64();
          typeOff = off + c.offset(offsetSize);
        }
      } else if (version >= 2) {
        abbrevOff = c.offset(offsetSize);
        addrSize = c.u8();
        if (this.kind === 'types') {
          unitType = DW_UT_type;
          sig = c.big64();
          typeOff = off + c.offset(offsetSize);
        }
      } else throw new DwarfError(`unsupported DWARF version ${version} at 0x${off.toString(16)}`);
      const isType = unitType === DW_UT_type || unitType === DW_UT_split_type;
      const u = new Unit(this, off, end, version, unitType, offsetSize, addrSize, abbrevOff, c.pos, isType ? sig : null, typeOff);
      if (!isType) u.dwoId = sig;
      out.push(u);
      c.pos = end;
    }
    this.unitList = out;
    return out;
  }

  /**
   * The units holding code and types, each split DWARF skeleton replaced by its split unit (the
   * .dwo or .dwp is opened here, on the first walk over all units); a skeleton whose split unit
   * cannot be found stays, for its line table.
   */
  codeUnits(): Unit[] {
    this.codeUnitList ??= this.units().flatMap((u) => {
      if (u.isSkeleton) return [u.split() ?? u];
      return u.isCode ? [u] : [];
    });
    return this.codeUnitList;
  }

  /** The unit containing `off`, by binary search. */
  unitAt(off: number): Unit | null {
    const us = this.units();
    let lo = 0;
    let hi = us.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const u = us[mid] as Unit;
      if (off < u.off) hi = mid - 1;
      else if (off >= u.end) lo = mid + 1;
      else return u;
    }
    return null;
  }

  /**
   * The code units whose address ranges hold `addr`, from .debug_aranges; null when the
   * section is missing (clang does not write it by default), so the caller must look everywhere.
   */
  unitsAt(addr: number): Unit[] | null {
    this.aranges ??= readAranges(this.sections.aranges);
    if (!this.aranges.length) return null;
    const out: Unit[] = [];
    for (const r of this.aranges) {
      if (addr < r.start || addr >= r.end) continue;
      const at = this.unitAt(r.unitOff);
      const u = at?.isSkeleton ? at.split() : at;
      if (u && !out.includes(u)) out.push(u);
    }
    return out;
  }

  /** A unit's abbreviations, shared by units with the same table and sizes. */
  abbrevTable(u: Unit): AbbrevTable {
    // Units with the same table and sizes share it (form sizes depend on the unit's formats).
    const key = `${u.abbrevOff}/${u.version}/${u.offsetSize}/${u.addrSize}`;
    let t = this.abbrevCache.get(key);
    if (!t) {
      t = new AbbrevTable(
        this.sections.abbrev,
        u.abbrevOff,
        (form) => u.formSize(form),
        (at) => WANTED.has(at),
      );
      this.abbrevCache.set(key, t);
    }
    return t;
  }

  /** Moves the cursor past one attribute value of `form`. */
  skipForm(c: Cursor, form: number, u: Unit): void {
    const n = u.formSize(form);
    if (n >= 0) {
      c.pos += n;
      return;
    }
    switch (form) {
      case DW_FORM_string:
        c.skipCstr();
        return;
      case DW_FORM_udata:
      case DW_FORM_sdata:
      case DW_FORM_ref_udata:
      case DW_FORM_strx:
      case DW_FORM_addrx:
      case DW_FORM_loclistx:
      case DW_FORM_rnglistx:
      case DW_FORM_GNU_addr_index:
      case DW_FORM_GNU_str_index:
        c.skipLeb();
        return;
      case DW_FORM_block:
      case DW_FORM_exprloc:
        c.skip(c.uleb());
        return;
      case DW_FORM_block1:
        c.skip(c.u8());
        return;
      case DW_FORM_block2:
        c.skip(c.u16());
        return;
      case DW_FORM_block4:
        c.skip(c.u32());
        return;
      case DW_FORM_indirect:
        this.skipForm(c, c.uleb(), u);
        return;
      default:
        throw new DwarfError(`unknown attribute form 0x${form.toString(16)}`);
    }
  }

  /** An attribute value read as an unsigned (or, for sdata/implicit_const, signed) number. */
  readNumber(c: Cursor, form: number, implicit: number, u: Unit): number {
    return this.readNum(c, form, implicit, u);
  }

  private readNum(c: Cursor, form: number, implicit: number, u: Unit): number {
    switch (form) {
      case DW_FORM_data1:
      case DW_FORM_ref1:
      case DW_FORM_flag:
        return c.u8();
      case DW_FORM_data2:
      case DW_FORM_ref2:
        return c.u16();
      case DW_FORM_data4:
      case DW_FORM_ref4:
      case DW_FORM_ref_sup4:
        return c.u32();
      case DW_FORM_data8:
      case DW_FORM_ref8:
      case DW_FORM_ref_sup8:
        return c.u64();
      case DW_FORM_data16: {
        // Only the low 8 bytes: constants this reader uses are small.
        const v = c.u64();
        c.pos += 8;
        return v;
      }
      case DW_FORM_udata:
      case DW_FORM_ref_udata:
      case DW_FORM_loclistx:
      case DW_FORM_rnglistx:
        return c.uleb();
      case DW_FORM_sdata:
        return c.sleb();
      case DW_FORM_implicit_const:
        return implicit;
      case DW_FORM_flag_present:
        return 1;
      case DW_FORM_addr:
        return c.uN(u.addrSize);
      case DW_FORM_addrx:
      case DW_FORM_GNU_addr_index:
        return u.addrx(c.uleb());
      case DW_FORM_addrx1:
        return u.addrx(c.u8());
      case DW_FORM_addrx2:
        return u.addrx(c.u16());
      case DW_FORM_addrx3:
        return u.addrx(c.u24());
      case DW_FORM_addrx4:
        return u.addrx(c.u32());
      case DW_FORM_sec_offset:
      case DW_FORM_strp:
      case DW_FORM_line_strp:
      case DW_FORM_strp_sup:
      case DW_FORM_GNU_ref_alt:
      case DW_FORM_GNU_strp_alt:
        return c.offset(u.offsetSize);
      case DW_FORM_ref_addr:
        return u.version <= 2 ? c.uN(u.addrSize) : c.offset(u.offsetSize);
      case DW_FORM_indirect:
        return this.readNum(c, c.uleb(), 0, u);
      default:
        // Strings, blocks and signatures are not numbers: skip them and report nothing.
        this.skipForm(c, form, u);
        return 0;
    }
  }

  /** A string-class attribute value at the cursor. */
  readStringAt(c: Cursor, form: number, u: Unit): string {
    return this.readString(c, form, u);
  }

  /** A string-class attribute value ('' when its string section is missing). */
  private readString(c: Cursor, form: number, u: Unit): string {
    const s = this.sections;
    switch (form) {
      case DW_FORM_string:
        return c.cstr();
      case DW_FORM_strp:
        return strAt(s.str, c.offset(u.offsetSize));
      case DW_FORM_line_strp:
        return strAt(s.lineStr, c.offset(u.offsetSize));
      case DW_FORM_strx:
      case DW_FORM_GNU_str_index:
        return u.strx(c.uleb());
      case DW_FORM_strx1:
        return u.strx(c.u8());
      case DW_FORM_strx2:
        return u.strx(c.u16());
      case DW_FORM_strx3:
        return u.strx(c.u24());
      case DW_FORM_strx4:
        return u.strx(c.u32());
      case DW_FORM_GNU_strp_alt:
      case DW_FORM_strp_sup: {
        const off = c.offset(u.offsetSize);
        return this.alt ? strAt(this.alt.sections.str, off) : '';
      }
      case DW_FORM_indirect:
        return this.readString(c, c.uleb(), u);
      default:
        this.skipForm(c, form, u);
        return '';
    }
  }

  /** A reference-class attribute value as a DIE location, or null when it cannot be followed. */
  private readRef(c: Cursor, form: number, u: Unit): DieRef | null {
    switch (form) {
      case DW_FORM_ref1:
      case DW_FORM_ref2:
      case DW_FORM_ref4:
      case DW_FORM_ref8:
      case DW_FORM_ref_udata:
        return { file: this, off: u.off + this.readNum(c, form, 0, u) };
      case DW_FORM_ref_addr:
        return { file: this, off: this.readNum(c, form, 0, u) };
      case DW_FORM_ref_sig8:
        return this.typeUnitDie(c.big64());
      case DW_FORM_GNU_ref_alt:
      case DW_FORM_ref_sup4:
      case DW_FORM_ref_sup8: {
        const off = this.readNum(c, form, 0, u);
        return this.alt ? { file: this.alt, off } : null;
      }
      case DW_FORM_indirect:
        return this.readRef(c, c.uleb(), u);
      default:
        this.skipForm(c, form, u);
        return null;
    }
  }

  /** The type DIE of the DWARF 5 type unit with this signature (DW_FORM_ref_sig8). */
  private typeUnitDie(sig: bigint): DieRef | null {
    if (!this.typeUnits) {
      this.typeUnits = new Map();
      for (const u of this.units()) if (u.typeSignature !== null && u.typeOff !== null) this.typeUnits.set(u.typeSignature, u.typeOff);
    }
    const off = this.typeUnits.get(sig);
    if (off !== undefined) return { file: this, off };
    return this.kind === 'info' ? (this.types()?.typeUnitDie(sig) ?? null) : null;
  }

  /** Decodes the attributes of `ab` at the cursor into `out`. */
  private readAttrs(c: Cursor, ab: Abbrev, u: Unit, out: DieAttrs): void {
    for (let i = 0; i < ab.ats.length; i++) {
      const f = ab.forms[i] as number;
      const imp = ab.implicits[i] as number;
      switch (ab.ats[i]) {
        case DW_AT_name: {
          out.name = this.readString(c, f, u);
          break;
        }
        case DW_AT_linkage_name:
        case DW_AT_MIPS_linkage_name:
          out.linkageName = this.readString(c, f, u);
          break;
        case DW_AT_type: {
          const r = this.readRef(c, f, u);
          if (r) out.type = r;
          break;
        }
        case DW_AT_abstract_origin: {
          const r = this.readRef(c, f, u);
          if (r) out.abstractOrigin = r;
          break;
        }
        case DW_AT_specification: {
          const r = this.readRef(c, f, u);
          if (r) out.specification = r;
          break;
        }
        case DW_AT_signature: {
          const r = this.readRef(c, f, u);
          if (r) out.signature = r;
          break;
        }
        case DW_AT_sibling: {
          const r = this.readRef(c, f, u);
          if (r && r.file === this) out.sibling = r.off;
          break;
        }
        case DW_AT_low_pc:
          out.lowPc = this.readNum(c, f, imp, u);
          break;
        case DW_AT_high_pc:
          // Class address (an end address) or constant (a length from low_pc, DWARF 4+).
          out.highPcIsOffset = !isAddressForm(f);
          out.highPc = this.readNum(c, f, imp, u);
          break;
        case DW_AT_ranges:
          out.rangesAt = { indexed: f === DW_FORM_rnglistx, value: this.readNum(c, f, imp, u) };
          out.ranges = true;
          break;
        case DW_AT_call_file:
          out.callFile = this.constant(c, f, imp, u);
          break;
        case DW_AT_call_line:
          out.callLine = this.constant(c, f, imp, u);
          break;
        case DW_AT_declaration:
          out.declaration = this.readNum(c, f, imp, u) !== 0;
          break;
        case DW_AT_artificial:
          out.artificial = this.readNum(c, f, imp, u) !== 0;
          break;
        case DW_AT_byte_size:
          out.byteSize = this.constant(c, f, imp, u);
          break;
        case DW_AT_bit_size:
          out.bitSize = this.constant(c, f, imp, u);
          break;
        case DW_AT_encoding:
          out.encoding = this.readNum(c, f, imp, u);
          break;
        case DW_AT_data_member_location:
          if (f === DW_FORM_exprloc || f === DW_FORM_block1 || f === DW_FORM_block) {
            // DWARF 2/3: a location expression; the usual one is DW_OP_plus_uconst N.
            const len = f === DW_FORM_block1 ? c.u8() : c.uleb();
            const start = c.pos;
            if (len > 1 && c.buf[start] === DW_OP_plus_uconst) {
              c.pos = start + 1;
              out.memberOffset = c.uleb();
            }
            c.pos = start + len;
          } else {
            const v = this.constant(c, f, imp, u);
            if (v !== undefined) out.memberOffset = v;
          }
          break;
        case DW_AT_data_bit_offset:
          out.dataBitOffset = this.constant(c, f, imp, u);
          break;
        case DW_AT_bit_offset:
          out.bitOffset = this.constant(c, f, imp, u);
          break;
        case DW_AT_count:
          out.count = this.constant(c, f, imp, u);
          break;
        case DW_AT_upper_bound:
          out.upperBound = this.constant(c, f, imp, u);
          break;
        case DW_AT_calling_convention:
          out.callingConvention = this.readNum(c, f, imp, u);
          break;
        case DW_AT_stmt_list:
          out.stmtList = this.readNum(c, f, imp, u);
          break;
        case DW_AT_comp_dir:
          out.compDir = this.readString(c, f, u);
          break;
        default:
          this.skipForm(c, f, u);
      }
    }
  }

  /** A constant-class value; undefined when the attribute is an expression or a reference (VLA bounds...). */
  private constant(c: Cursor, form: number, implicit: number, u: Unit): number | undefined {
    if (isConstantForm(form)) return this.readNum(c, form, implicit, u);
    this.skipForm(c, form, u);
    return undefined;
  }

  /** The DIE at `off` in unit `u` (or found by offset), or null for a null entry or a bad offset. */
  die(off: number, u: Unit | null = this.unitAt(off)): Die | null {
    if (u && u.file !== this) return u.file.die(off, u);
    if (!u || off < u.dieOff || off >= u.end) return null;
    const c = new Cursor(this.sections.info, off);
    const code = c.uleb();
    if (code === 0) return null;
    const ab = u.abbrevs().get(code);
    if (!ab) throw new DwarfError(`no abbreviation ${code} for the DIE at 0x${off.toString(16)}`);
    const attrs: DieAttrs = {};
    if (ab.interesting) this.readAttrs(c, ab, u, attrs);
    else this.skipAttrs(c, ab, u);
    return { unit: u, off, tag: ab.tag, hasChildren: ab.children, end: c.pos, attrs };
  }

  /** Passes over the attributes of `ab` at the cursor. */
  skipAttrs(c: Cursor, ab: Abbrev, u: Unit): void {
    if (ab.fixedSize >= 0) c.pos += ab.fixedSize;
    else for (const f of ab.forms) this.skipForm(c, f, u);
  }

  /** Where the DIE after `d` and all its descendants starts. */
  afterSubtree(d: Die): number {
    if (!d.hasChildren) return d.end;
    if (d.unit.file !== this) return d.unit.file.afterSubtree(d);
    if (d.attrs.sibling !== undefined && d.attrs.sibling > d.off) return d.attrs.sibling;
    const u = d.unit;
    const c = new Cursor(this.sections.info, d.end);
    let depth = 1;
    const abbrevs = u.abbrevs();
    while (depth > 0 && c.pos < u.end) {
      const code = c.uleb();
      if (code === 0) {
        depth--;
        continue;
      }
      const ab = abbrevs.get(code);
      if (!ab) throw new DwarfError(`no abbreviation ${code} at 0x${(c.pos - 1).toString(16)}`);
      this.skipAttrs(c, ab, u);
      if (ab.children) depth++;
    }
    return c.pos;
  }

  /** The direct children of `d`, in order. */
  children(d: Die): Die[] {
    const out: Die[] = [];
    if (!d.hasChildren) return out;
    if (d.unit.file !== this) return d.unit.file.children(d);
    const u = d.unit;
    let off = d.end;
    while (off < u.end) {
      const c = this.die(off, u);
      if (!c) break;
      out.push(c);
      off = this.afterSubtree(c);
    }
    return out;
  }

  /**
   * Visits the DIEs of every code unit in order. DIEs with a tag in `visitTags` are decoded and
   * passed to `visit`, which returns whether to descend into their children; the children of
   * DIEs tagged `descendTags` are walked without decoding them; all other subtrees are skipped
   * (through DW_AT_sibling when the producer wrote it). All units (split units in place of
   * their skeletons), or those given.
   */
  walk(visitTags: ReadonlySet<number>, descendTags: ReadonlySet<number>, visit: (d: Die) => boolean, units = this.codeUnits()): void {
    const info = this.sections.info;
    for (const u of units) {
      if (u.file !== this) {
        u.file.walk(visitTags, descendTags, visit, [u]);
        continue;
      }
      if (!u.isCode) continue;
      const abbrevs = u.abbrevs();
      const c = new Cursor(info, u.dieOff);
      while (c.pos < u.end) {
        const off = c.pos;
        const code = c.uleb();
        if (code === 0) continue;
        const ab = abbrevs.get(code);
        if (!ab) throw new DwarfError(`no abbreviation ${code} for the DIE at 0x${off.toString(16)}`);
        if (visitTags.has(ab.tag)) {
          const attrs: DieAttrs = {};
          this.readAttrs(c, ab, u, attrs);
          const d: Die = { unit: u, off, tag: ab.tag, hasChildren: ab.children, end: c.pos, attrs };
          if (!visit(d) && d.hasChildren) c.pos = this.afterSubtree(d);
        } else if (!ab.children || descendTags.has(ab.tag)) {
          this.skipAttrs(c, ab, u);
        } else {
          const sibling = this.siblingOf(c, ab, u);
          if (sibling > off) c.pos = sibling;
          else c.pos = this.afterSubtree({ unit: u, off, tag: ab.tag, hasChildren: true, end: c.pos, attrs: {} });
        }
      }
    }
  }

  /** Passes over a DIE's attributes, returning its DW_AT_sibling (-1 without one). */
  private siblingOf(c: Cursor, ab: Abbrev, u: Unit): number {
    if (ab.siblingIndex < 0) {
      this.skipAttrs(c, ab, u);
      return -1;
    }
    let sibling = -1;
    ab.forms.forEach((f, i) => {
      if (i !== ab.siblingIndex) this.skipForm(c, f, u);
      else {
        const r = this.readRef(c, f, u);
        if (r && r.file === this) sibling = r.off;
      }
    });
    return sibling;
  }
}

function isAddressForm(f: number): boolean {
  return (
    f === DW_FORM_addr ||
    f === DW_FORM_addrx ||
    f === DW_FORM_addrx1 ||
    f === DW_FORM_addrx2 ||
    f === DW_FORM_addrx3 ||
    f === DW_FORM_addrx4 ||
    f === DW_FORM_GNU_addr_index
  );
}

function isConstantForm(f: number): boolean {
  return (
    f === DW_FORM_data1 ||
    f === DW_FORM_data2 ||
    f === DW_FORM_data4 ||
    f === DW_FORM_data8 ||
    f === DW_FORM_data16 ||
    f === DW_FORM_sdata ||
    f === DW_FORM_udata ||
    f === DW_FORM_implicit_const
  );
}
