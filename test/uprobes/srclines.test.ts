// uprobe:BIN@FILE:LINE[:COL] end to end: real uprobes on the lines of test/progs/srclines.c (run
// with -c), the cases of bpftrace 0.26's tests/runtime/dwarf on our program: the probed
// instruction is the one objdump gives for the line, the function's opening line is its entry,
// several line probes fire in order, a stripped binary finds its DWARF through --debuginfo, and
// split DWARF needs no .dwo for lines.

import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { before, describe, test } from 'node:test';
import { buildSrclinesProgs, columnOf, HDR, markerLine, objdumpLineAddresses, type SrclinesProgs } from '../dwarf/srclines-progs.ts';
import { isRoot, runCli } from '../helpers/run.ts';

const skip = !isRoot || !existsSync('/sys/bus/event_source/devices/uprobe') ? 'needs root and uprobes' : false;

function run(args: string[]): string {
  const r = runCli(args, { timeoutMs: 30000 });
  assert.equal(r.code, 0, `stderr: ${r.stderr}`);
  return r.stdout;
}

/** The lowest address objdump --dwarf=decodedline gives `file`'s rows on `line`. */
function lineAddress(bin: string, file: string, line: number): number {
  const addrs = objdumpLineAddresses(bin, file, line);
  assert.ok(addrs.length > 0, `objdump has rows for ${file}:${line}`);
  return Math.min(...addrs);
}

let P: SrclinesProgs;
before(() => {
  if (!skip) P = buildSrclinesProgs();
});

describe('uprobe on a source line', { skip }, () => {
  test('fires at the address objdump gives for the line; probe and func as bpftrace prints them', () => {
    const line = markerLine('step-acc');
    const addr = lineAddress(P.noPie, 'srclines.c', line);
    const out = run([
      '-e',
      `uprobe:${P.noPie}@srclines.c:${line} { printf("%s %lx %s\\n", probe, reg("ip"), func); }`,
      '-c',
      `${P.noPie} 3`,
    ]);
    const want = `uprobe:${P.noPie}:${addr} ${addr.toString(16)} step\n`;
    assert.equal(out, `${want.repeat(3)}\n\n`);
  });

  test("the function's opening line is its entry: the same ip as uprobe:BIN:FUNC", () => {
    const line = markerLine('step-open');
    const out = run([
      '-e',
      `uprobe:${P.noPie}@srclines.c:${line} { @a = reg("ip"); } ` +
        `uprobe:${P.noPie}:step { @b = reg("ip"); if (@b == @a) { printf("0x%lx == 0x%lx\\n", @a, @b); exit(); } }`,
      '-c',
      `${P.noPie} 3`,
    ]);
    const addr = lineAddress(P.noPie, 'srclines.c', line).toString(16);
    assert.match(out, new RegExp(`^0x${addr} == 0x${addr}\n`));
  });

  test('several lines, each fires in turn (bpftrace: attach multiple probes)', () => {
    const [a, b, c] = ['step-acc', 'step-twice', 'step-sink'].map((m) => markerLine(m));
    const out = run([
      '-e',
      `uprobe:${P.noPie}@srclines.c:${a} { @a = 1; } uprobe:${P.noPie}@srclines.c:${b} { @b = 1; } ` +
        `uprobe:${P.noPie}@srclines.c:${c} { if (@a == 1 && @b == 1) { print("success"); exit(); } }`,
      '-c',
      `${P.noPie} 2`,
    ]);
    assert.match(out, /^success\n/);
  });

  test('a column: the loop condition runs N+1 times, the call N times, the line (its first row) once', () => {
    const line = markerLine('loop');
    const bin = P.noPie;
    const out = run([
      '-e',
      `uprobe:${bin}@srclines.c:${line}:${columnOf(line, '< n')} { @cond = count(); } ` +
        `uprobe:${bin}@srclines.c:${line}:${columnOf(line, 'step(i)')} { @call = count(); } ` +
        `uprobe:${bin}@srclines.c:${line} { @first = count(); }`,
      '-c',
      `${bin} 4`,
    ]);
    assert.equal(out, '\n\n@call: 4\n@cond: 5\n@first: 1\n');
  });

  test('a line of an included header; a PIE with DWARF 4', () => {
    const h = markerLine('twice-body', HDR);
    assert.equal(run(['-e', `uprobe:${P.noPie}@srclines.h:${h} { @ = count(); }`, '-c', `${P.noPie} 3`]), '\n\n@: 3\n');
    const line = markerLine('step-sink');
    const addr = lineAddress(P.dw4, 'srclines.c', line);
    assert.equal(
      run(['-e', `uprobe:${P.dw4}@srclines.c:${line} { @[probe] = count(); }`, '-c', `${P.dw4} 2`]),
      `\n\n@[uprobe:${P.dw4}:${addr}]: 2\n`,
    );
  });

  test('a stripped binary with --debuginfo (bpftrace: attach by source line)', () => {
    const line = markerLine('step-acc');
    const script = `uprobe:${P.stripped}@srclines.c:${line} { print("ok"); exit(); }`;
    assert.match(run(['-e', script, '--debuginfo', P.debugDir, '-c', P.stripped]), /^ok\n/);
    const r = runCli(['-e', script, '-c', P.stripped], { timeoutMs: 30000 });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /No DWARF debug info found for '.*srclines-stripped', cannot attach by source code location\./);
  });

  test('split DWARF: the skeleton unit and line table in the binary suffice', () => {
    const line = markerLine('step-acc');
    assert.match(run(['-e', `uprobe:${P.split}@srclines.c:${line} { printf("ok\\n"); exit(); }`, '-c', P.split]), /^ok\n/);
  });
});
