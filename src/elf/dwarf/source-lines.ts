// FILE:LINE[:COL] to a code address, as bpftrace resolves `uprobe:BIN@FILE:LINE[:COL]`: the
// first unit whose line table lists a file whose path ends with FILE (whole path components:
// `util.c` is not `myutil.c`) is the one searched, and a second, different path that also ends
// with FILE makes the location ambiguous. In that unit's table, only rows of that very file
// count (not of headers it includes), and of those on LINE (and COL, when given) the lowest
// address wins: libdw sorts the rows by address and bpftrace takes the first that matches. One
// location is one address, even when the compiler split the line's code in several places.

import type { DwarfFile, Unit } from './info.ts';
import { type LineRow, type LineTable, type LineUnitContext, readLineFiles, readLineTable } from './lines.ts';

export type LineLookup =
  | { kind: 'found'; address: number; path: string; row: LineRow }
  | { kind: 'error'; message: string; hints: string[] };

/** A path's components, the root of an absolute path being one ("/"), as std::filesystem iterates them. */
function components(p: string): string[] {
  const parts = p.split('/').filter((x) => x !== '' && x !== '.');
  return p.startsWith('/') ? ['/', ...parts] : parts;
}

/** Whether `path`'s last components are `pattern`'s (bpftrace's util::path_ends_with). */
export function pathEndsWith(path: string, pattern: string): boolean {
  const a = components(path);
  const b = components(pattern);
  if (!b.length) return !a.length;
  if (b.length > a.length) return false;
  for (let i = 1; i <= b.length; i++) if (a[a.length - i] !== b[b.length - i]) return false;
  return true;
}

interface LineUnit {
  unit: Unit;
  stmtList: number;
  cx: LineUnitContext;
}

export class SourceLines {
  private unitList: LineUnit[] | null = null;
  private readonly fileLists = new Map<number, (string | null)[]>();
  private readonly tables = new Map<number, LineTable>();

  constructor(private readonly file: DwarfFile) {}

  /** Units with a line program: compile, partial and skeleton units (split DWARF keeps the line table in the skeleton's file). */
  private units(): LineUnit[] {
    if (this.unitList) return this.unitList;
    const out: LineUnit[] = [];
    const s = this.file.sections;
    for (const unit of this.file.units()) {
      if (unit.typeSignature !== null) continue;
      const root = this.file.die(unit.dieOff, unit);
      const stmtList = root?.attrs.stmtList;
      if (stmtList === undefined) continue;
      out.push({
        unit,
        stmtList,
        cx: {
          addrSize: unit.addrSize,
          compDir: root?.attrs.compDir ?? null,
          strings: { str: s.str, lineStr: s.lineStr, strx: (i) => unit.strx(i) },
        },
      });
    }
    this.unitList = out;
    return out;
  }

  private files(u: LineUnit): (string | null)[] {
    let f = this.fileLists.get(u.stmtList);
    if (!f) {
      f = readLineFiles(this.file.sections.line, u.stmtList, u.cx);
      this.fileLists.set(u.stmtList, f);
    }
    return f;
  }

  private table(u: LineUnit): LineTable {
    let t = this.tables.get(u.stmtList);
    if (!t) {
      t = readLineTable(this.file.sections.line, u.stmtList, u.cx);
      this.tables.set(u.stmtList, t);
    }
    return t;
  }

  /** The line table of `unit`, or null when it has none. */
  tableOf(unit: Unit): LineTable | null {
    // A split unit's line table is its skeleton's.
    const owner = unit.file.origin?.skeleton ?? unit;
    const u = this.units().find((x) => x.unit === owner);
    return u ? this.table(u) : null;
  }

  /** The address of the first statement of `sourceFile` at `line` (and `column`, when not 0). */
  lookup(sourceFile: string, line: number, column: number): LineLookup {
    let matched: { u: LineUnit; path: string } | null = null;
    for (const u of this.units()) {
      for (const p of this.files(u)) {
        if (p === null || !pathEndsWith(p, sourceFile)) continue;
        if (!matched) matched = { u, path: p };
        else if (p !== matched.path) {
          return {
            kind: 'error',
            message: `Ambiguous source path, matches multiple files: ${matched.path}, ${p}`,
            hints: ['give more of the path, enough to name one file'],
          };
        }
      }
    }
    if (!matched) {
      return {
        kind: 'error',
        message: `No compilation unit matches ${sourceFile}`,
        hints: ['name a source file the binary was compiled from: its name or a trailing part of its path'],
      };
    }
    const t = this.table(matched.u);
    let best: LineRow | null = null;
    for (const r of t.rows) {
      if (r.endSequence || r.line !== line || (column !== 0 && r.column !== column)) continue;
      const p = t.files[r.file];
      if (!p || !pathEndsWith(p, matched.path)) continue;
      if (!best || r.address < best.address) best = r;
    }
    if (!best) {
      const where = `${sourceFile}:${line}${column ? `:${column}` : ''}`;
      return {
        kind: 'error',
        message: `Unable to map '${where}' to address`,
        hints: [`no code of ${matched.path} starts at line ${line}${column ? `, column ${column}` : ''}: pick a line with a statement`],
      };
    }
    return { kind: 'found', address: best.address, path: matched.path, row: best };
  }
}
