// The code addresses a DIE covers: DW_AT_low_pc/high_pc, or DW_AT_ranges through a range list —
// DWARF 2-4's .debug_ranges (address pairs relative to the unit's base address) or DWARF 5's
// .debug_rnglists (DW_RLE_* entries, reached by offset or through the unit's offsets table).

import { Cursor } from './cursor.ts';
import type { Die, Unit } from './info.ts';

/** Addresses [start, end). */
export interface PcRange {
  start: number;
  end: number;
}

// Range list entry kinds (DWARF 5 §7.25).
const DW_RLE_end_of_list = 0x00;
const DW_RLE_base_addressx = 0x01;
const DW_RLE_startx_endx = 0x02;
const DW_RLE_startx_length = 0x03;
const DW_RLE_offset_pair = 0x04;
const DW_RLE_base_address = 0x05;
const DW_RLE_start_end = 0x06;
const DW_RLE_start_length = 0x07;

/** How many entries one list may have before it is taken for garbage. */
const MAX_ENTRIES = 1 << 16;

/** The ranges of `d` (empty when it has no code of its own: declarations, abstract instances). */
export function dieRanges(d: Die): PcRange[] {
  const a = d.attrs;
  if (a.rangesAt) {
    const u = d.unit;
    const off = a.rangesAt.indexed ? u.rnglistOffset(a.rangesAt.value) : a.rangesAt.value + u.rangesBase;
    if (off < 0) return [];
    return u.version >= 5 ? rnglist(u, off) : debugRanges(u, off);
  }
  if (a.lowPc === undefined || a.highPc === undefined) return [];
  const end = a.highPcIsOffset ? a.lowPc + a.highPc : a.highPc;
  return end > a.lowPc ? [{ start: a.lowPc, end }] : [];
}

/** Whether any of `ranges` holds `addr`. */
export function inRanges(ranges: readonly PcRange[], addr: number): boolean {
  for (const r of ranges) if (addr >= r.start && addr < r.end) return true;
  return false;
}

function push(out: PcRange[], start: number, end: number): void {
  if (end > start) out.push({ start, end });
}

/** A DWARF 2-4 list: (start, end) pairs up to (0, 0); a start of all ones sets the base to the end. */
function debugRanges(u: Unit, off: number): PcRange[] {
  const b = u.file.sections.ranges;
  const n = u.addrSize;
  const out: PcRange[] = [];
  const c = new Cursor(b, off);
  let base = u.baseAddress();
  for (let i = 0; i < MAX_ENTRIES && c.pos + 2 * n <= b.length; i++) {
    const allOnes = isAllOnes(b, c.pos, n);
    const start = c.uN(n);
    const end = c.uN(n);
    if (allOnes) base = end;
    else if (start === 0 && end === 0) break;
    else push(out, base + start, base + end);
  }
  return out;
}

function isAllOnes(b: Buffer, at: number, n: number): boolean {
  for (let i = 0; i < n; i++) if (b[at + i] !== 0xff) return false;
  return true;
}

/** A DWARF 5 list of DW_RLE_* entries up to DW_RLE_end_of_list. */
function rnglist(u: Unit, off: number): PcRange[] {
  const b = u.file.sections.rnglists;
  const n = u.addrSize;
  const out: PcRange[] = [];
  const c = new Cursor(b, off);
  let base = u.baseAddress();
  for (let i = 0; i < MAX_ENTRIES && c.pos < b.length; i++) {
    const kind = c.u8();
    switch (kind) {
      case DW_RLE_end_of_list:
        return out;
      case DW_RLE_base_addressx:
        base = u.addrx(c.uleb());
        break;
      case DW_RLE_startx_endx: {
        const start = u.addrx(c.uleb());
        push(out, start, u.addrx(c.uleb()));
        break;
      }
      case DW_RLE_startx_length: {
        const start = u.addrx(c.uleb());
        push(out, start, start + c.uleb());
        break;
      }
      case DW_RLE_offset_pair: {
        const start = base + c.uleb();
        push(out, start, base + c.uleb());
        break;
      }
      case DW_RLE_base_address:
        base = c.uN(n);
        break;
      case DW_RLE_start_end: {
        const start = c.uN(n);
        push(out, start, c.uN(n));
        break;
      }
      case DW_RLE_start_length: {
        const start = c.uN(n);
        push(out, start, start + c.uleb());
        break;
      }
      default:
        // An unknown entry kind: its size is unknown, so the rest cannot be read.
        return out;
    }
  }
  return out;
}
