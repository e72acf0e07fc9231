// .debug_line: a unit's line number program (DWARF 2 to 5, 32- and 64-bit) run into the rows of
// its line table. The header gives the file table (DWARF 5's self-describing entry formats or
// the older NUL-terminated lists); the program's standard, extended and special opcodes drive
// the state machine of DWARF 5 §6.2.2, one row per copy, special opcode or end of sequence.

import { posix } from 'node:path';
import { Cursor, strAt } from './cursor.ts';
import { DwarfError } from './info.ts';

/** One row of the line table. */
export interface LineRow {
  address: number;
  /** Index into LineTable.files (DWARF's file register). */
  file: number;
  line: number;
  column: number;
  isStmt: boolean;
  /** The first byte after a sequence: no instruction is at `address`. */
  endSequence: boolean;
}

export interface LineTable {
  version: number;
  /**
   * Source paths by file number, directories joined in (relative ones against the compilation
   * directory); null where the number names no file (index 0 before DWARF 5).
   */
  files: (string | null)[];
  /**
   * The same files as stack frames print them (blazesym's rendering, which bpftrace 0.26 shows):
   * the compilation directory, the entry's directory pushed onto it unless it is directory 0
   * (an absolute one replaces it), then `/` and the name as written, nothing normalised.
   */
  framePaths: string[];
  rows: LineRow[];
}

/** Where strings of DW_FORM_strp/line_strp/strx in a DWARF 5 header are. */
export interface LineStrings {
  str: Buffer;
  lineStr: Buffer;
  /** The unit's string offsets (DW_FORM_strx*), when it has them. */
  strx?: (index: number) => string;
}

export interface LineUnitContext {
  /** The unit's address size: DWARF 2-4 headers do not carry one. */
  addrSize: number;
  /** DW_AT_comp_dir: directory 0 before DWARF 5, and the base of relative directories. */
  compDir: string | null;
  strings: LineStrings;
}

// Standard opcodes (§7.22).
const DW_LNS_copy = 0x01;
const DW_LNS_advance_pc = 0x02;
const DW_LNS_advance_line = 0x03;
const DW_LNS_set_file = 0x04;
const DW_LNS_set_column = 0x05;
const DW_LNS_negate_stmt = 0x06;
const DW_LNS_set_basic_block = 0x07;
const DW_LNS_const_add_pc = 0x08;
const DW_LNS_fixed_advance_pc = 0x09;
const DW_LNS_set_prologue_end = 0x0a;
const DW_LNS_set_epilogue_begin = 0x0b;
const DW_LNS_set_isa = 0x0c;

// Extended opcodes.
const DW_LNE_end_sequence = 0x01;
const DW_LNE_set_address = 0x02;
const DW_LNE_define_file = 0x03;

// Entry format content types (§7.22, DWARF 5).
const DW_LNCT_path = 0x1;
const DW_LNCT_directory_index = 0x2;

// The forms a DWARF 5 entry format may use (§6.2.4.1).
const FORM_block = 0x09;
const FORM_data1 = 0x0b;
const FORM_data2 = 0x05;
const FORM_data4 = 0x06;
const FORM_data8 = 0x07;
const FORM_data16 = 0x1e;
const FORM_string = 0x08;
const FORM_strp = 0x0e;
const FORM_udata = 0x0f;
const FORM_line_strp = 0x1f;
const FORM_strp_sup = 0x1d;
const FORM_strx = 0x1a;
const FORM_strx1 = 0x25;
const FORM_strx2 = 0x26;
const FORM_strx3 = 0x27;
const FORM_strx4 = 0x28;

interface Header {
  version: number;
  offsetSize: 4 | 8;
  addrSize: number;
  minInstLength: number;
  maxOpsPerInst: number;
  defaultIsStmt: boolean;
  lineBase: number;
  lineRange: number;
  opcodeBase: number;
  /** Operand counts of the standard opcodes, by opcode (index 0 unused). */
  opLengths: number[];
  dirs: string[];
  files: (string | null)[];
  /** Directories and file entries as written, for framePaths. */
  rawDirs: string[];
  entries: ({ dir: number; name: string } | null)[];
  programStart: number;
  end: number;
}

/** The line table of the program at `off` in .debug_line. */
export function readLineTable(line: Buffer, off: number, cx: LineUnitContext): LineTable {
  const h = readHeader(line, off, cx);
  const rows = runProgram(line, h);
  return { version: h.version, files: h.files, framePaths: framePaths(h, cx.compDir), rows };
}

/** Only the file table of the program at `off` (the rows are not decoded). */
export function readLineFiles(line: Buffer, off: number, cx: LineUnitContext): (string | null)[] {
  return readHeader(line, off, cx).files;
}

function readHeader(b: Buffer, off: number, cx: LineUnitContext): Header {
  if (off + 4 > b.length) throw new DwarfError(`line program offset 0x${off.toString(16)} is outside .debug_line`);
  const c = new Cursor(b, off);
  const { len, offsetSize } = c.initialLength();
  const end = c.pos + len;
  if (end > b.length) throw new DwarfError(`line program at 0x${off.toString(16)} runs past the end of .debug_line`);
  const version = c.u16();
  if (version < 2 || version > 5) throw new DwarfError(`unsupported line table version ${version} at 0x${off.toString(16)}`);
  let addrSize = cx.addrSize;
  if (version >= 5) {
    addrSize = c.u8();
    c.u8(); // segment selector size
  }
  const headerLength = c.offset(offsetSize);
  const programStart = c.pos + headerLength;
  const minInstLength = c.u8();
  const maxOpsPerInst = version >= 4 ? c.u8() : 1;
  const defaultIsStmt = c.u8() !== 0;
  const lineBase = (c.u8() << 24) >> 24;
  const lineRange = c.u8();
  const opcodeBase = c.u8();
  const opLengths = [0];
  for (let i = 1; i < opcodeBase; i++) opLengths.push(c.u8());
  if (lineRange === 0 || maxOpsPerInst === 0) throw new DwarfError(`line program at 0x${off.toString(16)} has a zero line range`);

  const h: Header = {
    version,
    offsetSize,
    addrSize,
    minInstLength,
    maxOpsPerInst,
    defaultIsStmt,
    lineBase,
    lineRange,
    opcodeBase,
    opLengths,
    dirs: [],
    files: [],
    rawDirs: [],
    entries: [],
    programStart,
    end,
  };
  if (version >= 5) readV5Tables(c, h, cx);
  else readOldTables(c, h, cx);
  return h;
}

/** A directory as a full path: relative ones under the compilation directory. */
function fullDir(dir: string, base: string | null): string {
  if (posix.isAbsolute(dir) || !base) return dir;
  return posix.join(base, dir);
}

function fullPath(dir: string | undefined, name: string): string {
  if (posix.isAbsolute(name) || !dir) return posix.normalize(name);
  return posix.join(dir, name);
}

/** `p` appended to `base` as Rust's PathBuf::push does it: an absolute `p` replaces `base`. */
function pathPush(base: string, p: string): string {
  if (p.startsWith('/') || base === '') return p;
  return base.endsWith('/') ? base + p : `${base}/${p}`;
}

function framePaths(h: Header, compDir: string | null): string[] {
  return h.entries.map((e) => {
    if (!e) return '/';
    let dir = compDir ?? '';
    const d = e.dir !== 0 ? h.rawDirs[e.dir] : undefined;
    if (d !== undefined) dir = pathPush(dir, d);
    return `${dir}/${e.name}`;
  });
}

function addFile(h: Header, dir: number, name: string): void {
  h.files.push(fullPath(h.dirs[dir], name));
  h.entries.push({ dir, name });
}

/** DWARF 2-4: include_directories then file_names, each list ended by an empty entry. */
function readOldTables(c: Cursor, h: Header, cx: LineUnitContext): void {
  h.dirs.push(cx.compDir ?? '');
  h.rawDirs.push(cx.compDir ?? '');
  for (;;) {
    const d = c.cstr();
    if (d === '') break;
    h.dirs.push(fullDir(d, cx.compDir));
    h.rawDirs.push(d);
  }
  h.files.push(null);
  h.entries.push(null);
  while (c.pos < h.programStart) {
    const name = c.cstr();
    if (name === '') break;
    const dir = c.uleb();
    c.skipLeb(); // modification time
    c.skipLeb(); // length
    addFile(h, dir, name);
  }
}

interface EntryFormat {
  type: number;
  form: number;
}

/** DWARF 5: directory and file tables described by (content type, form) formats. */
function readV5Tables(c: Cursor, h: Header, cx: LineUnitContext): void {
  const dirEntries = readEntries(c, h, cx);
  for (const [i, e] of dirEntries.entries()) {
    // Entry 0 is the compilation directory; the others are relative to it.
    const base = i === 0 ? cx.compDir : (h.dirs[0] ?? cx.compDir);
    h.dirs.push(fullDir(e.path, base));
    h.rawDirs.push(e.path);
  }
  for (const e of readEntries(c, h, cx)) addFile(h, e.dir, e.path);
}

function readEntries(c: Cursor, h: Header, cx: LineUnitContext): { path: string; dir: number }[] {
  const formats: EntryFormat[] = [];
  const nFormats = c.u8();
  for (let i = 0; i < nFormats; i++) formats.push({ type: c.uleb(), form: c.uleb() });
  const count = c.uleb();
  const out: { path: string; dir: number }[] = [];
  for (let i = 0; i < count; i++) {
    let path = '';
    let dir = 0;
    for (const f of formats) {
      const v = readEntryValue(c, f.form, h, cx);
      if (f.type === DW_LNCT_path && typeof v === 'string') path = v;
      else if (f.type === DW_LNCT_directory_index && typeof v === 'number') dir = v;
    }
    out.push({ path, dir });
  }
  return out;
}

/** One entry field: a string, a number, or null for what is skipped (MD5, blocks, vendor data). */
function readEntryValue(c: Cursor, form: number, h: Header, cx: LineUnitContext): string | number | null {
  const s = cx.strings;
  switch (form) {
    case FORM_string:
      return c.cstr();
    case FORM_line_strp:
      return strAt(s.lineStr, c.offset(h.offsetSize));
    case FORM_strp:
      return strAt(s.str, c.offset(h.offsetSize));
    case FORM_strp_sup:
      // A string in the supplementary file's .debug_str, which line tables do not reach.
      c.offset(h.offsetSize);
      return '';
    case FORM_strx:
      return s.strx?.(c.uleb()) ?? '';
    case FORM_strx1:
      return s.strx?.(c.u8()) ?? '';
    case FORM_strx2:
      return s.strx?.(c.u16()) ?? '';
    case FORM_strx3:
      return s.strx?.(c.u24()) ?? '';
    case FORM_strx4:
      return s.strx?.(c.u32()) ?? '';
    case FORM_udata:
      return c.uleb();
    case FORM_data1:
      return c.u8();
    case FORM_data2:
      return c.u16();
    case FORM_data4:
      return c.u32();
    case FORM_data8:
      return c.u64();
    case FORM_data16:
      c.skip(16);
      return null;
    case FORM_block:
      c.skip(c.uleb());
      return null;
    default:
      throw new DwarfError(`unknown form 0x${form.toString(16)} in a line table's entry format`);
  }
}

/** Runs the line number program into rows. */
function runProgram(b: Buffer, h: Header): LineRow[] {
  const rows: LineRow[] = [];
  const c = new Cursor(b, h.programStart);
  let address = 0;
  let opIndex = 0;
  let file = 1;
  let line = 1;
  let column = 0;
  let isStmt = h.defaultIsStmt;
  const reset = (): void => {
    address = 0;
    opIndex = 0;
    file = 1;
    line = 1;
    column = 0;
    isStmt = h.defaultIsStmt;
  };
  // The operation advance of §6.2.5.1 (VLIW: op_index counts operations within an instruction).
  const advance = (ops: number): void => {
    if (h.maxOpsPerInst === 1) address += h.minInstLength * ops;
    else {
      address += h.minInstLength * Math.floor((opIndex + ops) / h.maxOpsPerInst);
      opIndex = (opIndex + ops) % h.maxOpsPerInst;
    }
  };
  const emit = (endSequence: boolean): void => {
    rows.push({ address, file, line, column, isStmt, endSequence });
  };

  while (c.pos < h.end) {
    const op = c.u8();
    if (op >= h.opcodeBase) {
      const adjusted = op - h.opcodeBase;
      advance(Math.floor(adjusted / h.lineRange));
      line += h.lineBase + (adjusted % h.lineRange);
      emit(false);
      continue;
    }
    if (op === 0) {
      const len = c.uleb();
      const start = c.pos;
      if (len === 0) continue;
      const sub = c.u8();
      if (sub === DW_LNE_end_sequence) {
        emit(true);
        reset();
      } else if (sub === DW_LNE_set_address) {
        address = c.uN(len - 1);
        opIndex = 0;
      } else if (sub === DW_LNE_define_file) {
        // DWARF 2-4 only: a file added to the table from inside the program.
        const name = c.cstr();
        const dir = c.uleb();
        addFile(h, dir, name);
      }
      // Everything else (set_discriminator, vendor opcodes) only moves past its operands.
      c.pos = start + len;
      continue;
    }
    switch (op) {
      case DW_LNS_copy:
        emit(false);
        break;
      case DW_LNS_advance_pc:
        advance(c.uleb());
        break;
      case DW_LNS_advance_line:
        line += c.sleb();
        break;
      case DW_LNS_set_file:
        file = c.uleb();
        break;
      case DW_LNS_set_column:
        column = c.uleb();
        break;
      case DW_LNS_negate_stmt:
        isStmt = !isStmt;
        break;
      case DW_LNS_const_add_pc:
        advance(Math.floor((255 - h.opcodeBase) / h.lineRange));
        break;
      case DW_LNS_fixed_advance_pc:
        address += c.u16();
        opIndex = 0;
        break;
      case DW_LNS_set_basic_block:
      case DW_LNS_set_prologue_end:
      case DW_LNS_set_epilogue_begin:
        break;
      case DW_LNS_set_isa:
        c.skipLeb();
        break;
      default:
        // An opcode newer than this reader: the header says how many LEB128 operands it has.
        for (let i = 0; i < (h.opLengths[op] ?? 0); i++) c.skipLeb();
    }
  }
  return rows;
}
