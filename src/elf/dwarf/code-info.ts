// Address → source code, for stack frames as bpftrace 0.26 prints them with show_debug_info
// (its blazesym symbolizer): the function whose code holds the address, the file and line of
// the address from the line table, and the chain of functions inlined there
// (DW_TAG_inlined_subroutine DIEs whose ranges hold it), each with the place it was called
// from. Units are found through .debug_aranges (else their own ranges); each unit's line table,
// function ranges and each function's inline tree are read on first use and kept.

import { DW_TAG_compile_unit, DW_TAG_inlined_subroutine, DW_TAG_namespace, DW_TAG_partial_unit, DW_TAG_subprogram } from './constants.ts';
import type { Die, DwarfFile, Unit } from './info.ts';
import type { LineRow, LineTable } from './lines.ts';
import { dieRanges, inRanges, type PcRange } from './ranges.ts';
import type { SourceLines } from './source-lines.ts';
import { deref } from './types.ts';

/** A place in the source as frames print it: `path:line`. */
export interface SourcePlace {
  path: string;
  line: number;
}

export interface InlinedCall {
  name: string;
  /** Where in this function the address is: the next inlined call's site, or the address's own line. */
  place: SourcePlace | null;
}

export interface CodeInfo {
  /** The DWARF function holding the address (linkage name first) and where its offsets count from. */
  fn: { name: string; start: number } | null;
  /** Where in the function the address is: the call site of the outermost inlined function, else the address's line. */
  place: SourcePlace | null;
  /** Functions inlined at the address, outermost first. */
  inlined: InlinedCall[];
}

interface Sequence {
  start: number;
  end: number;
  /** One row per address (the last row written for it), ascending. */
  rows: LineRow[];
}

interface FnRange {
  start: number;
  end: number;
  off: number;
  /** Where frames count the function's offsets from (see functionAt). */
  fnStart: number;
}

interface InlineNode {
  off: number;
  ranges: PcRange[];
  children: InlineNode[];
}

interface UnitCode {
  table: LineTable | null;
  sequences: Sequence[] | null;
  functions: FnRange[] | null;
}

const SUBPROGRAM: ReadonlySet<number> = new Set([DW_TAG_subprogram]);
const CONTAINERS: ReadonlySet<number> = new Set([DW_TAG_compile_unit, DW_TAG_partial_unit, DW_TAG_namespace]);
/** How many abstract_origin/specification links a name is looked for through (cycles). */
const MAX_LINKS = 16;

/** A function's name as the symbolizer gives it: linkage name, else name, else its origin's. */
function dieName(d: Die): string {
  let cur: Die | null = d;
  for (let i = 0; cur && i < MAX_LINKS; i++) {
    const a = cur.attrs;
    if (a.linkageName) return a.linkageName;
    if (a.name) return a.name;
    cur = deref(a.abstractOrigin ?? a.specification);
  }
  return '';
}

export class CodeLocator {
  private readonly units = new Map<Unit, UnitCode>();
  private unitRanges: Map<Unit, PcRange[]> | null = null;
  private readonly inlineTrees = new Map<number, InlineNode[]>();

  constructor(
    private readonly file: DwarfFile,
    private readonly lines: SourceLines,
  ) {}

  /** What the DWARF says about `addr` (a link-time address of the object), or null when no unit holds it. */
  at(addr: number): CodeInfo | null {
    const units = this.unitsFor(addr);
    if (!units.length) return null;
    let fn: { off: number; start: number; unit: Unit } | null = null;
    for (const u of units) {
      const f = this.functionAt(u, addr);
      if (f) {
        fn = { ...f, unit: u };
        break;
      }
    }
    const fnDie = fn ? this.file.die(fn.off, fn.unit) : null;
    const fnInfo = fn && fnDie ? { name: dieName(fnDie), start: fn.start } : null;
    let direct: SourcePlace | null = null;
    for (const u of units) {
      direct = this.placeAt(u, addr);
      if (direct) break;
    }
    // Without a line for the address there is no code information at all, inlined calls included.
    if (!direct) return { fn: fnInfo, place: null, inlined: [] };
    const inlined: InlinedCall[] = [];
    if (fn && fnDie) {
      const table = this.unitCode(fn.unit).table;
      let level = this.inlineTree(fnDie);
      for (;;) {
        const node = level.find((n) => inRanges(n.ranges, addr));
        if (!node) break;
        const d = this.file.die(node.off, fn.unit);
        if (!d) break;
        // Each function is where its callee was called from; the innermost holds the address's
        // line, and the outer function the outermost call site.
        let place = callSite(d, table);
        const last = inlined[inlined.length - 1];
        if (last) [place, last.place] = [last.place, place];
        else if (place) [place, direct] = [direct, place];
        inlined.push({ name: dieName(d), place });
        level = node.children;
      }
    }
    return { fn: fnInfo, place: direct, inlined };
  }

  /** The code units that may hold `addr`: those .debug_aranges names, else those whose ranges hold it. */
  private unitsFor(addr: number): Unit[] {
    const listed = this.file.unitsAt(addr)?.filter((u) => u.isCode);
    if (listed?.length) return listed;
    if (!this.unitRanges) {
      this.unitRanges = new Map();
      for (const u of this.file.codeUnits()) {
        const root = this.file.die(u.dieOff, u);
        if (root) this.unitRanges.set(u, dieRanges(root));
      }
    }
    const out: Unit[] = [];
    for (const [u, r] of this.unitRanges) if (inRanges(r, addr)) out.push(u);
    return out;
  }

  private unitCode(u: Unit): UnitCode {
    let c = this.units.get(u);
    if (!c) {
      c = { table: this.lines.tableOf(u), sequences: null, functions: null };
      this.units.set(u, c);
    }
    return c;
  }

  /** The file and line of `addr` in `u`'s line table: the row at it, else the row before it in its sequence. */
  private placeAt(u: Unit, addr: number): SourcePlace | null {
    const c = this.unitCode(u);
    if (!c.table) return null;
    c.sequences ??= sequences(c.table.rows);
    const seq = search(c.sequences, addr);
    if (!seq) return null;
    let lo = 0;
    let hi = seq.rows.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((seq.rows[mid] as LineRow).address <= addr) lo = mid;
      else hi = mid - 1;
    }
    const row = seq.rows[lo] as LineRow;
    const path = c.table.framePaths[row.file];
    return path === undefined ? null : { path, line: row.line };
  }

  /** The function of `u` whose ranges hold `addr`, and where its offsets count from. */
  private functionAt(u: Unit, addr: number): { off: number; start: number } | null {
    const c = this.unitCode(u);
    if (!c.functions) {
      const fns: FnRange[] = [];
      this.file.walk(
        SUBPROGRAM,
        CONTAINERS,
        (d) => {
          const rs = dieRanges(d);
          // blazesym takes a function's start from low_pc/high_pc only: one whose code is split
          // (DW_AT_ranges, gcc's foo + foo.cold) starts at 0, and 0.26 prints the address as its offset.
          const a = d.attrs;
          const fnStart = !a.rangesAt && a.lowPc !== undefined && a.highPc !== undefined ? a.lowPc : 0;
          for (const r of rs) fns.push({ ...r, off: d.off, fnStart });
          return false;
        },
        [u],
      );
      fns.sort((a, b) => a.start - b.start);
      c.functions = fns;
    }
    const hit = search(c.functions, addr);
    return hit ? { off: hit.off, start: hit.fnStart } : null;
  }

  /** The inlined calls directly in `d` (through lexical blocks, not into nested functions), with theirs. */
  private inlineTree(fn: Die): InlineNode[] {
    let t = this.inlineTrees.get(fn.off);
    if (!t) {
      t = inlinedUnder(this.file, fn);
      this.inlineTrees.set(fn.off, t);
    }
    return t;
  }
}

function inlinedUnder(file: DwarfFile, d: Die): InlineNode[] {
  const out: InlineNode[] = [];
  for (const c of file.children(d)) {
    if (c.tag === DW_TAG_subprogram) continue;
    if (c.tag === DW_TAG_inlined_subroutine) out.push({ off: c.off, ranges: dieRanges(c), children: inlinedUnder(file, c) });
    else if (c.hasChildren) out.push(...inlinedUnder(file, c));
  }
  return out;
}

/** DW_AT_call_file/call_line of an inlined call; file 0 names no file before DWARF 5. */
function callSite(d: Die, table: LineTable | null): SourcePlace | null {
  const f = d.attrs.callFile;
  if (f === undefined || !table || (f === 0 && d.unit.version < 5)) return null;
  const path = table.framePaths[f];
  return path === undefined ? null : { path, line: d.attrs.callLine ?? 0 };
}

/** The line table's rows cut into sequences, sorted by start, one row per address. */
function sequences(rows: readonly LineRow[]): Sequence[] {
  const out: Sequence[] = [];
  let cur: LineRow[] = [];
  for (const r of rows) {
    if (r.endSequence) {
      const first = cur[0];
      if (first) out.push({ start: first.address, end: r.address, rows: cur });
      cur = [];
      continue;
    }
    // Several rows at one address: the last one describes it.
    if (cur.length && (cur[cur.length - 1] as LineRow).address === r.address) cur[cur.length - 1] = r;
    else cur.push(r);
  }
  out.sort((a, b) => a.start - b.start);
  return out;
}

/** The element of `xs` (sorted by start, not overlapping) whose [start, end) holds `addr`. */
function search<T extends { start: number; end: number }>(xs: readonly T[], addr: number): T | null {
  let lo = 0;
  let hi = xs.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const x = xs[mid] as T;
    if (addr < x.start) hi = mid - 1;
    else if (addr >= x.end) lo = mid + 1;
    else return x;
  }
  return null;
}
