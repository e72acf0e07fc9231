// The .debug_line reader (src/elf/dwarf/lines.ts) on gcc-built binaries, row for row against real
// tools: llvm-dwarfdump --debug-line (address, line, column, file, is_stmt, end_sequence) and
// objdump --dwarf=decodedline (address, line, statement flag, file name), in program order.

import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { basename } from 'node:path';
import { before, describe, test } from 'node:test';
import { type DebugInfo, debugInfo } from '../../src/elf/dwarf/debuginfo.ts';
import { type LineTable, readLineTable } from '../../src/elf/dwarf/lines.ts';
import { buildDwarfProgs, type DwarfProgs } from './progs.ts';
import { buildSrclinesProgs, HDR, SRC, type SrclinesProgs } from './srclines-progs.ts';

const hasTool = (t: string): boolean => spawnSync(t, ['--version'], { stdio: 'ignore' }).status === 0;
const hasLlvm = hasTool('llvm-dwarfdump');
const hasObjdump = hasTool('objdump');

/** Every line table of a binary's units, by .debug_line offset, read by our reader. */
function ourTables(path: string): Map<number, LineTable> {
  const di = debugInfo(path) as DebugInfo;
  assert.ok(di, `${path} has DWARF`);
  const f = di.file;
  const out = new Map<number, LineTable>();
  for (const u of f.units()) {
    if (u.typeSignature !== null) continue;
    const root = f.die(u.dieOff, u);
    const off = root?.attrs.stmtList;
    if (off === undefined || out.has(off)) continue;
    const strings = { str: f.sections.str, lineStr: f.sections.lineStr, strx: (i: number) => u.strx(i) };
    out.set(off, readLineTable(f.sections.line, off, { addrSize: u.addrSize, compDir: root?.attrs.compDir ?? null, strings }));
  }
  return out;
}

interface RefTable {
  offset: number;
  /** File names by number (no directories: llvm-dwarfdump prints them apart). */
  names: Map<number, string>;
  rows: string[];
}

const rowText = (r: { address: number; line: number; column: number; file: number; isStmt: boolean; endSequence: boolean }): string =>
  `0x${r.address.toString(16)} ${r.line}:${r.column} f${r.file}${r.isStmt ? ' stmt' : ''}${r.endSequence ? ' end' : ''}`;

/** llvm-dwarfdump --debug-line: each program's file names and rows. */
function llvmTables(path: string): RefTable[] {
  const text = execFileSync('llvm-dwarfdump', ['--debug-line', path], { encoding: 'latin1', maxBuffer: 64 << 20 });
  const out: RefTable[] = [];
  let cur: RefTable | null = null;
  let fileNo = -1;
  for (const line of text.split('\n')) {
    const head = /^debug_line\[0x([0-9a-f]+)\]/.exec(line);
    if (head) {
      cur = { offset: Number.parseInt(head[1] as string, 16), names: new Map(), rows: [] };
      out.push(cur);
      continue;
    }
    if (!cur) continue;
    const fn = /^file_names\[\s*(\d+)\]:/.exec(line);
    if (fn) fileNo = Number(fn[1]);
    const name = /^\s+name: "(.*)"$/.exec(line);
    if (name && fileNo >= 0) cur.names.set(fileNo, name[1] as string);
    if (!line.startsWith('0x')) continue;
    // Address Line Column File ISA Discriminator [OpIndex] Flags...
    const words = line.trim().split(/\s+/);
    const flags = new Set(words.filter((w) => !/^(0x)?[0-9a-f]+$/.test(w)));
    cur.rows.push(
      rowText({
        address: Number.parseInt(words[0] as string, 16),
        line: Number(words[1]),
        column: Number(words[2]),
        file: Number(words[3]),
        isStmt: flags.has('is_stmt'),
        endSequence: flags.has('end_sequence'),
      }),
    );
  }
  return out;
}

/** objdump --dwarf=decodedline: rows of all programs in order, as `name line addr [stmt]` (line '-' ends a sequence). */
function objdumpRows(path: string): string[] {
  // objdump warns about split units' file lists on stderr: not the rows compared here.
  const text = execFileSync('objdump', ['--dwarf=decodedline', path], {
    encoding: 'latin1',
    maxBuffer: 64 << 20,
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  const out: string[] = [];
  for (const line of text.split('\n')) {
    const w = line.trim().split(/\s+/);
    if (w.length < 3 || !/^(\d+|-)$/.test(w[1] as string) || !/^0x[0-9a-f]+$/.test(w[2] as string)) continue;
    const stmt = w[w.length - 1] === 'x';
    out.push(`${w[0]} ${w[1]} 0x${Number.parseInt(w[2] as string, 16).toString(16)}${stmt ? ' stmt' : ''}`);
  }
  return out;
}

function ourObjdumpRows(path: string): string[] {
  const out: string[] = [];
  for (const t of [...ourTables(path)].sort((a, b) => a[0] - b[0]).map(([, t]) => t)) {
    for (const r of t.rows) {
      const name = basename(t.files[r.file] ?? '?');
      out.push(`${name} ${r.endSequence ? '-' : r.line} 0x${r.address.toString(16)}${r.isStmt && !r.endSequence ? ' stmt' : ''}`);
    }
  }
  return out;
}

let S: SrclinesProgs;
let D: DwarfProgs;
before(() => {
  S = buildSrclinesProgs();
  D = buildDwarfProgs();
});

const binaries = (): [string, string][] => [
  ['DWARF 5, -O0', S.noPie],
  ['DWARF 4, -O0', S.dw4],
  ['DWARF 5, -O2 (non-statement rows, several sequences)', S.o2],
  ['DWARF 5, split (skeleton unit)', S.split],
  ['DWARF 5, two units', D.structs],
  ['DWARF 4, two units', D.structs4],
  ['DWARF 5, zlib-compressed sections', D.gz],
];

describe('.debug_line rows against llvm-dwarfdump', { skip: hasLlvm ? false : 'no llvm-dwarfdump' }, () => {
  test('every program: addresses, lines, columns, file numbers and flags', () => {
    for (const [what, bin] of binaries()) {
      const ours = ourTables(bin);
      const ref = llvmTables(bin);
      assert.ok(ref.length > 0, `${what}: llvm-dwarfdump lists programs`);
      for (const r of ref) {
        const t = ours.get(r.offset);
        assert.ok(t, `${what}: program at 0x${r.offset.toString(16)} read`);
        assert.ok(r.rows.length > 0);
        assert.deepEqual(t.rows.map(rowText), r.rows, `${what}: rows of 0x${r.offset.toString(16)}`);
        for (const [n, name] of r.names) assert.equal(basename(t.files[n] ?? ''), basename(name), `${what}: file ${n}`);
      }
    }
  });
});

describe('.debug_line rows against objdump', { skip: hasObjdump ? false : 'no objdump' }, () => {
  test('every row in program order: file name, line, address, statement flag', () => {
    for (const [what, bin] of binaries()) {
      const want = objdumpRows(bin);
      assert.ok(want.length > 10, what);
      assert.deepEqual(ourObjdumpRows(bin), want, what);
    }
  });
});

describe('.debug_line file tables', () => {
  test('paths are whole: the directory of the source and of the included header', () => {
    for (const bin of [S.noPie, S.dw4]) {
      const files = [...ourTables(bin).values()].flatMap((t) => t.files);
      assert.ok(files.includes(SRC), `${bin}: ${SRC} in ${files.join(', ')}`);
      assert.ok(files.includes(HDR), `${bin}: ${HDR} in ${files.join(', ')}`);
      assert.ok(
        files.some((f) => f?.endsWith('/stdlib.h')),
        bin,
      );
    }
  });

  test('DWARF 4 numbers files from 1; DWARF 5 from 0, entry 0 being the primary file', () => {
    const v4 = [...ourTables(S.dw4).values()][0] as LineTable;
    assert.equal(v4.version, 4);
    assert.equal(v4.files[0], null);
    assert.equal(v4.files[1], SRC);
    const v5 = [...ourTables(S.noPie).values()][0] as LineTable;
    assert.equal(v5.version, 5);
    assert.equal(v5.files[0], SRC);
  });
});
