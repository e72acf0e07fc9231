// FILE:LINE[:COL] to an address (src/elf/dwarf/source-lines.ts) on gcc-built binaries, the
// expected address taken from objdump --dwarf=decodedline (the lowest address of the line's
// rows in that file, as libdw's address-sorted table gives bpftrace), and the errors
// uprobe:BIN@FILE:LINE reports through the compiler, with the script location.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { basename } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { setDebuginfoPaths } from '../../src/elf/debug-paths.ts';
import { debugInfo } from '../../src/elf/dwarf/debuginfo.ts';
import { type LineLookup, pathEndsWith } from '../../src/elf/dwarf/source-lines.ts';
import { dwarfLineAddress } from '../../src/elf/dwarf.ts';
import { compileText } from '../helpers/compile.ts';
import { buildSrclinesProgs, columnOf, HDR, markerLine, objdumpLineAddresses, SRC, type SrclinesProgs } from './srclines-progs.ts';

function lookup(bin: string, file: string, line: number, column = 0): LineLookup {
  const di = debugInfo(bin);
  assert.ok(di, `${bin} has DWARF`);
  return di.sourceLines().lookup(file, line, column);
}

function found(r: LineLookup): number {
  assert.equal(r.kind, 'found', r.kind === 'error' ? r.message : '');
  return r.kind === 'found' ? r.address : -1;
}

let P: SrclinesProgs;
before(() => {
  P = buildSrclinesProgs();
});

describe('pathEndsWith: whole trailing components, as bpftrace', () => {
  test('cases', () => {
    assert.ok(pathEndsWith('/a/b/util.c', 'util.c'));
    assert.ok(pathEndsWith('/a/b/util.c', 'b/util.c'));
    assert.ok(pathEndsWith('/a/b/util.c', '/a/b/util.c'));
    assert.ok(!pathEndsWith('/a/b/myutil.c', 'util.c'));
    assert.ok(!pathEndsWith('/a/b/util.c', 'c/util.c'));
    assert.ok(!pathEndsWith('a/b/util.c', '/a/b/util.c'));
    assert.ok(!pathEndsWith('/x/a/b/util.c', '/a/b/util.c'));
    assert.ok(pathEndsWith('/a/b/util.c', './util.c'));
    assert.ok(!pathEndsWith('/a/b/util.c', ''));
  });
});

describe('source locations to addresses', () => {
  test('each marked line: the lowest address of its rows, from DWARF 4 and 5', () => {
    for (const bin of [P.noPie, P.dw4, P.o2]) {
      for (const m of ['step-open', 'step-acc', 'step-twice', 'step-sink', 'loop']) {
        const line = markerLine(m);
        const want = objdumpLineAddresses(bin, 'srclines.c', line);
        if (!want.length) continue; // -O2 may leave a line no row
        assert.equal(found(lookup(bin, 'srclines.c', line)), Math.min(...want), `${basename(bin)} ${m}`);
      }
    }
  });

  test('the function opening line is the function entry (bpftrace test: line == uprobe:BIN:FUNC)', () => {
    const sym = execFileSync('nm', [P.noPie], { encoding: 'latin1' })
      .split('\n')
      .find((l) => l.endsWith(' step'));
    assert.ok(sym);
    assert.equal(found(lookup(P.noPie, 'srclines.c', markerLine('step-open'))), Number.parseInt(sym.split(' ')[0] as string, 16));
  });

  test('a column picks that row of the line', () => {
    const line = markerLine('loop');
    const all = objdumpLineAddresses(P.noPie, 'srclines.c', line);
    const call = found(lookup(P.noPie, 'srclines.c', line, columnOf(line, 'step(i)')));
    const cmp = found(lookup(P.noPie, 'srclines.c', line, columnOf(line, '< n')));
    assert.ok(all.includes(call) && all.includes(cmp));
    assert.notEqual(call, cmp);
    assert.notEqual(call, Math.min(...all));
    const r = lookup(P.noPie, 'srclines.c', line, 99);
    assert.equal(r.kind, 'error');
    assert.equal(r.kind === 'error' && r.message, "Unable to map 'srclines.c:23:99' to address".replace('23', String(line)));
  });

  test('the file may be named by any trailing part of its path', () => {
    const line = markerLine('step-sink');
    const want = found(lookup(P.noPie, 'srclines.c', line));
    assert.equal(found(lookup(P.noPie, 'progs/srclines.c', line)), want);
    assert.equal(found(lookup(P.noPie, SRC, line)), want);
    const r = lookup(P.noPie, 'lines.c', line);
    assert.equal(r.kind === 'error' && r.message, 'No compilation unit matches lines.c');
  });

  test("an included header's lines, not the including file's", () => {
    const line = markerLine('twice-body', HDR);
    const want = objdumpLineAddresses(P.noPie, 'srclines.h', line);
    assert.ok(want.length > 0);
    const r = lookup(P.noPie, 'srclines.h', line);
    assert.equal(found(r), Math.min(...want));
    assert.equal(r.kind === 'found' && r.path, HDR);
  });

  test('a line without code, and an unknown file', () => {
    const line = markerLine('no-code');
    const r = lookup(P.noPie, 'srclines.c', line);
    assert.equal(r.kind === 'error' && r.message, `Unable to map 'srclines.c:${line}' to address`);
    const n = lookup(P.noPie, 'nosuch.c', 1);
    assert.equal(n.kind === 'error' && n.message, 'No compilation unit matches nosuch.c');
  });

  test('two files of one name: ambiguous until the path tells them apart', () => {
    const r = lookup(P.ambiguous, 'same.c', 2);
    assert.equal(r.kind, 'error');
    assert.match(r.kind === 'error' ? r.message : '', /^Ambiguous source path, matches multiple files: \S+\/a\/same\.c, \S+\/b\/same\.c$/);
    // Each file's first line opens its function: main in a/same.c, fb in b/same.c.
    const syms = execFileSync('nm', [P.ambiguous], { encoding: 'latin1' }).split('\n');
    const addr = (name: string): number => Number.parseInt(syms.find((l) => l.endsWith(` ${name}`))?.split(' ')[0] ?? '', 16);
    assert.equal(found(lookup(P.ambiguous, 'a/same.c', 2)), addr('main'));
    assert.equal(found(lookup(P.ambiguous, 'b/same.c', 1)), addr('fb'));
  });

  test('split DWARF: the line table is in the binary, beside the skeleton unit', () => {
    const line = markerLine('step-acc');
    assert.equal(found(lookup(P.split, 'srclines.c', line)), Math.min(...objdumpLineAddresses(P.split, 'srclines.c', line)));
  });
});

describe('a stripped binary and --debuginfo', () => {
  after(() => setDebuginfoPaths([]));

  test('no DWARF without it; the separate debug file with it', () => {
    const line = markerLine('step-acc');
    assert.deepEqual(dwarfLineAddress(P.stripped, 'srclines.c', line, 0), { kind: 'nodebug' });
    setDebuginfoPaths([P.debugDir]);
    const r = dwarfLineAddress(P.stripped, 'srclines.c', line, 0);
    assert.equal(r.kind, 'found');
    assert.equal(r.kind === 'found' && r.address, found(lookup(`${P.stripped}.full`, 'srclines.c', line)));
  });
});

describe('uprobe:BIN@FILE:LINE errors, at the attach point', () => {
  const err = (script: string): string => {
    const r = compileText(script);
    assert.equal(r.script, null, script);
    return r.errors;
  };

  test('bpftrace 0.26 messages', () => {
    const bin = (): string => P.noPie;
    assert.match(err(`uprobe:${bin()}@nosuch.c:3 {}`), /^stdin:1:1-\d+: ERROR: No compilation unit matches nosuch\.c$/m);
    const line = markerLine('no-code');
    assert.match(err(`uprobe:${bin()}@srclines.c:${line} {}`), new RegExp(`ERROR: Unable to map 'srclines\\.c:${line}' to address`));
    assert.match(err(`uretprobe:${bin()}@srclines.c:3 {}`), /ERROR: Source code location not allowed/);
    assert.match(err(`uprobe:${bin()}@srclines.c:x {}`), /ERROR: Invalid line number: x/);
    assert.match(err(`uprobe:${bin()}@srclines.c {}`), /ERROR: Invalid uprobe arguments, expected format: uprobe:TARGET@FILE:LINE\[:COL\]/);
    assert.match(err(`uprobe:${bin()}*@srclines.c:3 {}`), /ERROR: Cannot use wildcards with source code location/);
    assert.match(
      err(`uprobe:${P.stripped}@srclines.c:3 {}`),
      /ERROR: No DWARF debug info found for '.*srclines-stripped', cannot attach by source code location\./,
    );
    const ok = markerLine('step-acc');
    assert.match(
      err(`uprobe:${bin()}@srclines.c:${ok} { print(args) }`),
      /args builtin cannot be used for uprobes attached by source location/,
    );
  });

  test('a line compiles to an address probe named as bpftrace names it', () => {
    const line = markerLine('step-acc');
    const r = compileText(`u:${P.noPie}@srclines.c:${line} { print(probe) }`);
    assert.equal(r.errors, '');
    const addr = found(lookup(P.noPie, 'srclines.c', line));
    const names = r.script?.programs.flatMap((p) => p.targets.map((t) => t.name));
    assert.deepEqual(names, [`uprobe:${P.noPie}:${addr}`]);
  });
});
