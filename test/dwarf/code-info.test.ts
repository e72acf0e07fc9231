// Address → function, source line and inlined calls (src/elf/dwarf/code-info.ts) on gcc-built
// binaries with functions inlined at -O0 (always_inline) and -O2, DWARF 5 and 4, checked
// against binutils' addr2line -f -i (the same convention: the innermost inlined function at
// the address's own line, each caller at the line it calls from) at every instruction of the
// program's functions; and how a stack frame prints with them (src/runtime/usyms.ts).

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { before, describe, test } from 'node:test';
import type { CodeInfo } from '../../src/elf/dwarf/code-info.ts';
import { debugInfo } from '../../src/elf/dwarf/debuginfo.ts';
import { ElfFile } from '../../src/elf/elf.ts';
import { codeAtFileOffset } from '../../src/runtime/frame-debuginfo.ts';
import { buildInlinedProgs, INLINED_SRC, type InlinedProgs } from './inlined-progs.ts';
import { corruptAbbrevCopy } from './progs.ts';
import { markerLine } from './srclines-progs.ts';

let P: InlinedProgs;
before(() => {
  P = buildInlinedProgs();
});

/** Instruction addresses of `fns` from objdump's disassembly. */
function instructionAddresses(bin: string, fns: string[]): number[] {
  const text = execFileSync('objdump', ['-d', '--no-show-raw-insn', bin], { encoding: 'latin1' });
  const out: number[] = [];
  let inFn = false;
  for (const l of text.split('\n')) {
    const head = /^[0-9a-f]+ <([^>]+)>:$/.exec(l);
    if (head) inFn = fns.includes(head[1] as string);
    else if (inFn) {
      const m = /^\s+([0-9a-f]+):\s+(\S+)/.exec(l);
      // Padding between functions is no function's code.
      if (m && !/^(nop|xchg|cs|data16)/.test(m[2] as string)) out.push(Number.parseInt(m[1] as string, 16));
    }
  }
  return out;
}

/** The address of symbol `name`, from nm. */
function symAddr(bin: string, name: string): number {
  const l = execFileSync('nm', [bin], { encoding: 'latin1' })
    .split('\n')
    .find((x) => x.endsWith(` ${name}`));
  assert.ok(l, `${name} in ${bin}`);
  return Number.parseInt(l, 16);
}

/** The file offset of symbol `name`: what a frame's mapping gives. */
function fileOffsetOf(bin: string, name: string): number {
  const elf = ElfFile.open(bin);
  try {
    const vaddr = symAddr(bin, name);
    const seg = elf.segments.find((p) => p.type === 1 && vaddr >= p.vaddr && vaddr < p.vaddr + p.filesz);
    assert.ok(seg);
    return vaddr - seg.vaddr + seg.offset;
  } finally {
    elf.close();
  }
}

interface Frame {
  name: string;
  where: string;
}

/** addr2line -f -i's frames for each address, innermost first: `name` and `path:line`. */
function addr2line(bin: string, addrs: number[]): Map<number, Frame[]> {
  const text = execFileSync('addr2line', ['-f', '-i', '-a', '-e', bin, ...addrs.map((a) => `0x${a.toString(16)}`)], { encoding: 'latin1' });
  const out = new Map<number, Frame[]>();
  let cur: Frame[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i] as string;
    if (/^0x[0-9a-f]+$/.test(l)) {
      cur = [];
      out.set(Number.parseInt(l, 16), cur);
    } else if (l) {
      cur.push({ name: l, where: (lines[++i] ?? '').replace(/ \(discriminator \d+\)$/, '') });
    }
  }
  return out;
}

/** Our frames for a CodeInfo, innermost first, as addr2line lists them. */
function ours(c: CodeInfo): Frame[] {
  const where = (p: { path: string; line: number } | null): string => (p ? `${p.path}:${p.line}` : '??:?');
  return [
    ...[...c.inlined].reverse().map((f) => ({ name: f.name, where: where(f.place) })),
    { name: c.fn?.name ?? '??', where: where(c.place) },
  ];
}

describe('address to source line and inlined calls, against addr2line', () => {
  for (const flavour of ['o0', 'o2', 'o2dw4'] as const) {
    test(`every instruction of leaf, outer, split and main (${flavour})`, () => {
      const bin = P[flavour];
      const di = debugInfo(bin);
      assert.ok(di, `${bin} has DWARF`);
      const addrs = instructionAddresses(bin, ['leaf', 'outer', 'split', 'split.cold', 'main']);
      assert.ok(addrs.length > 10);
      const want = addr2line(bin, addrs);
      let inlinedSeen = 0;
      for (const a of addrs) {
        const got = di.codeLocator().at(a);
        assert.ok(got, `0x${a.toString(16)} is in a unit`);
        if (got.inlined.length) inlinedSeen++;
        assert.deepEqual(ours(got), want.get(a), `0x${a.toString(16)}`);
      }
      // Both inlined functions are met somewhere in outer.
      assert.ok(inlinedSeen > 0, 'some address is in inlined code');
    });
  }

  test('the return address in outer: deep inlined into middle inlined into outer, with call-site lines', () => {
    const bin = P.o2;
    const di = debugInfo(bin);
    assert.ok(di);
    // The instruction after outer's first call to leaf.
    const text = execFileSync('objdump', ['-d', '--no-show-raw-insn', bin], { encoding: 'latin1' });
    const outer = text.slice(text.indexOf('<outer>:'));
    const call = /\n\s+([0-9a-f]+):\s+call\s+[0-9a-f]+ <leaf>\n\s+([0-9a-f]+):/.exec(outer);
    assert.ok(call);
    const ret = Number.parseInt(call[2] as string, 16);
    const c = di.codeLocator().at(ret);
    assert.ok(c);
    assert.equal(c.fn?.name, 'outer');
    assert.deepEqual(
      c.inlined.map((f) => [f.name, f.place?.line]),
      [
        ['middle', markerLine('middle-call', INLINED_SRC)],
        ['deep', markerLine('deep-call', INLINED_SRC)],
      ],
    );
    assert.equal(c.place?.line, markerLine('outer-call', INLINED_SRC));
    assert.equal(c.place?.path, INLINED_SRC);
  });

  test('offsets count from low_pc; a split function (ranges only) counts from 0, as blazesym', () => {
    const sym = symAddr;
    const o0 = debugInfo(P.o0)?.codeLocator().at(sym(P.o0, 'split'));
    assert.deepEqual(o0?.fn, { name: 'split', start: sym(P.o0, 'split') });
    // At -O2 gcc moves the cold path to split.cold: the DWARF function has DW_AT_ranges only.
    const hot = sym(P.o2, 'split');
    const cold = sym(P.o2, 'split.cold');
    const di = debugInfo(P.o2);
    assert.deepEqual(di?.codeLocator().at(hot)?.fn, { name: 'split', start: 0 });
    assert.deepEqual(di?.codeLocator().at(cold)?.fn, { name: 'split', start: 0 });
  });

  test('no DWARF: nothing to locate', () => {
    assert.equal(debugInfo(P.nodebug), null);
    assert.equal(codeAtFileOffset(P.nodebug, 0x1000), null);
  });

  test('frames of an object with unreadable DWARF print without it (no error)', () => {
    const good = codeAtFileOffset(P.o2, fileOffsetOf(P.o2, 'leaf'));
    assert.equal(good?.code.fn?.name, 'leaf');
    const bad = corruptAbbrevCopy(P.o2);
    assert.equal(codeAtFileOffset(bad, fileOffsetOf(bad, 'leaf')), null);
  });
});
