// Address ranges of DIEs (src/elf/dwarf/ranges.ts) on hand-assembled sections: every DWARF 5
// range list entry kind, a list reached through DW_FORM_rnglistx and the unit's
// DW_AT_rnglists_base, one reached by offset, low/high_pc as two addresses, and a DWARF 4
// .debug_ranges list with a base address selection entry — each range worked out by hand.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DwarfFile } from '../../src/elf/dwarf/info.ts';
import { dieRanges, inRanges } from '../../src/elf/dwarf/ranges.ts';
import { Bytes, sections } from './builder.ts';

const TAG_CU = 0x11;
const TAG_SUB = 0x2e;
const AT = { name: 0x03, lowPc: 0x11, highPc: 0x12, ranges: 0x55, addrBase: 0x73, rnglistsBase: 0x74 };
const FORM = { addr: 0x01, string: 0x08, secOffset: 0x17, rnglistx: 0x23 };

function abbrev(b: Bytes, code: number, tag: number, children: boolean, specs: [number, number][]): void {
  b.uleb(code)
    .uleb(tag)
    .u8(children ? 1 : 0);
  for (const [at, form] of specs) b.uleb(at).uleb(form);
  b.uleb(0).uleb(0);
}

function build(): { file: DwarfFile; fns: Record<string, number> } {
  const ab = new Bytes();
  abbrev(ab, 1, TAG_CU, true, [
    [AT.lowPc, FORM.addr],
    [AT.addrBase, FORM.secOffset],
    [AT.rnglistsBase, FORM.secOffset],
  ]);
  abbrev(ab, 2, TAG_SUB, false, [
    [AT.name, FORM.string],
    [AT.ranges, FORM.rnglistx],
  ]);
  abbrev(ab, 3, TAG_SUB, false, [
    [AT.name, FORM.string],
    [AT.ranges, FORM.secOffset],
  ]);
  abbrev(ab, 4, TAG_SUB, false, [
    [AT.name, FORM.string],
    [AT.lowPc, FORM.addr],
    [AT.highPc, FORM.addr],
  ]);
  ab.uleb(0);
  const ab4 = ab.pos;
  abbrev(ab, 1, TAG_CU, true, [[AT.lowPc, FORM.addr]]);
  abbrev(ab, 2, TAG_SUB, false, [
    [AT.name, FORM.string],
    [AT.ranges, FORM.secOffset],
  ]);
  ab.uleb(0);

  // .debug_addr: header, then 0x2000 (index 0) and 0x3000 (index 1); the unit's base is 8.
  const addr = new Bytes();
  addr.lengthTo('end').u16(5).u8(8).u8(0).u64(0x2000).u64(0x3000).label('end');

  // .debug_rnglists: header with one offset (relative to the table at 12), list 1, list 2.
  const rl = new Bytes();
  rl.lengthTo('end').u16(5).u8(8).u8(0).u32(1);
  rl.label('table').ref('list1', 4, 12);
  rl.label('list1');
  rl.u8(4).uleb(0).uleb(0x10); // offset_pair from the unit's base 0x1000: 0x1000-0x1010
  rl.u8(1).uleb(1); // base_addressx: 0x3000
  rl.u8(4).uleb(4).uleb(8); // 0x3004-0x3008
  rl.u8(3).uleb(0).uleb(0x20); // startx_length: 0x2000-0x2020
  rl.u8(6).u64(0x5000).u64(0x5010); // start_end
  rl.u8(7).u64(0x6000).uleb(4); // start_length
  rl.u8(4).uleb(5).uleb(5); // empty: dropped
  rl.u8(0);
  rl.label('list2');
  rl.u8(5).u64(0x7000); // base_address
  rl.u8(4).uleb(0).uleb(2);
  rl.u8(0);
  rl.label('end');
  const rnglists = rl.finish();

  // .debug_ranges (DWARF 4): one pair from the unit's base 0x8000, a base selection, one pair.
  const rg = new Bytes();
  rg.u64(0x10).u64(0x20);
  rg.u64(0xffffffffffffffffn).u64(0x9000);
  rg.u64(0).u64(4);
  rg.u64(0).u64(0);

  const info = new Bytes();
  info.lengthTo('cu1_end').u16(5).u8(1).u8(8).u32(0);
  info.uleb(1).u64(0x1000).u32(8).u32(12);
  info.label('f').uleb(2).cstr('f').uleb(0);
  info.label('g').uleb(3).cstr('g').u32(rl.at('list2'));
  info.label('h').uleb(4).cstr('h').u64(0x100).u64(0x180);
  info.u8(0).label('cu1_end');
  info.lengthTo('cu2_end').u16(4).u32(ab4).u8(8);
  info.uleb(1).u64(0x8000);
  info.label('k').uleb(2).cstr('k').u32(0);
  info.u8(0).label('cu2_end');
  const infoBuf = info.finish();
  const file = new DwarfFile(sections({ info: infoBuf, abbrev: ab.finish(), addr: addr.finish(), rnglists, ranges: rg.finish() }));
  return { file, fns: { f: info.at('f'), g: info.at('g'), h: info.at('h'), k: info.at('k') } };
}

const { file, fns } = build();

function rangesOf(name: string): [number, number][] {
  const d = file.die(fns[name] as number);
  assert.ok(d, name);
  assert.equal(d.attrs.name, name);
  return dieRanges(d).map((r) => [r.start, r.end]);
}

test('DWARF 5: a rnglistx list with every entry kind, through rnglists_base and addr_base', () => {
  assert.deepEqual(rangesOf('f'), [
    [0x1000, 0x1010],
    [0x3004, 0x3008],
    [0x2000, 0x2020],
    [0x5000, 0x5010],
    [0x6000, 0x6004],
  ]);
});

test('DWARF 5: a list by section offset with its own base address; low_pc with an address high_pc', () => {
  assert.deepEqual(rangesOf('g'), [[0x7000, 0x7002]]);
  assert.deepEqual(rangesOf('h'), [[0x100, 0x180]]);
});

test('DWARF 4: .debug_ranges pairs from the unit base, then from a selected base', () => {
  assert.deepEqual(rangesOf('k'), [
    [0x8010, 0x8020],
    [0x9000, 0x9004],
  ]);
});

test('inRanges: half-open ranges', () => {
  const d = file.die(fns.f as number);
  assert.ok(d);
  const rs = dieRanges(d);
  assert.ok(inRanges(rs, 0x1000));
  assert.ok(inRanges(rs, 0x201f));
  assert.ok(!inRanges(rs, 0x2020));
  assert.ok(!inRanges(rs, 0x1010));
  assert.ok(!inRanges(rs, 0x3008));
  assert.ok(!inRanges([], 0));
});
