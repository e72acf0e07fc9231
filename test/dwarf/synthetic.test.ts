// The DWARF reader on hand-assembled sections: every attribute form (including the DWARF 5 ones
// GCC does not write in a plain build: strx1-4, addrx/addrx1/addrx4, ref_udata, ref_sig8 into
// a type unit, data16, indirect, loclistx/rnglistx, implicit_const), 64-bit DWARF 4 units with
// cross-unit DW_FORM_ref_addr, .debug_aranges, and lookups by name and by address.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DebugInfo } from '../../src/elf/dwarf/debuginfo.ts';
import { DwarfFile } from '../../src/elf/dwarf/info.ts';
import { typeName } from '../../src/sema/types.ts';
import { Bytes, StrTable, sections } from './builder.ts';
import { dwarfOriginOf } from './expected.ts';

const SIG = 0x1122334455667788n;

// DW_TAG / DW_AT / DW_FORM numbers, spelled out here so the test does not trust the reader's table.
const T = { cu: 0x11, base: 0x24, cnst: 0x26, ptr: 0x0f, sub: 0x2e, param: 0x05, tu: 0x41, struct: 0x13, member: 0x0d };
const A = {
  name: 0x03,
  strOffBase: 0x72,
  addrBase: 0x73,
  lowPc: 0x11,
  highPc: 0x12,
  producer: 0x25,
  compDir: 0x1b,
  byteSize: 0x0b,
  encoding: 0x3e,
  type: 0x49,
  external: 0x3f,
  sibling: 0x01,
  location: 0x02,
  language: 0x13,
  memberLoc: 0x38,
};
const F = {
  addr: 0x01,
  block2: 0x03,
  block4: 0x04,
  data2: 0x05,
  data4: 0x06,
  data8: 0x07,
  string: 0x08,
  block: 0x09,
  block1: 0x0a,
  data1: 0x0b,
  flag: 0x0c,
  sdata: 0x0d,
  strp: 0x0e,
  udata: 0x0f,
  refAddr: 0x10,
  ref1: 0x11,
  ref2: 0x12,
  ref4: 0x13,
  ref8: 0x14,
  refUdata: 0x15,
  indirect: 0x16,
  secOffset: 0x17,
  exprloc: 0x18,
  flagPresent: 0x19,
  strx: 0x1a,
  addrx: 0x1b,
  data16: 0x1e,
  lineStrp: 0x1f,
  refSig8: 0x20,
  implicitConst: 0x21,
  loclistx: 0x22,
  rnglistx: 0x23,
  strx1: 0x25,
  strx2: 0x26,
  strx3: 0x27,
  strx4: 0x28,
  addrx1: 0x29,
  addrx4: 0x2c,
};

type Spec = [number, number] | [number, number, number];

function abbrev(b: Bytes, code: number, tag: number, children: boolean, specs: Spec[]): void {
  b.uleb(code)
    .uleb(tag)
    .u8(children ? 1 : 0);
  for (const [at, form, imp] of specs) {
    b.uleb(at).uleb(form);
    if (form === F.implicitConst) b.sleb(imp ?? 0);
  }
  b.uleb(0).uleb(0);
}

function build() {
  const str = new StrTable();
  const lineStr = new StrTable();
  const ab = new Bytes();
  // Table 1: the DWARF 5 compile unit.
  const ab1 = ab.pos;
  abbrev(ab, 1, T.cu, true, [
    [A.name, F.strx1],
    [A.strOffBase, F.secOffset],
    [A.addrBase, F.secOffset],
    [A.lowPc, F.addrx],
    [A.highPc, F.data4],
    [A.producer, F.string],
    [A.compDir, F.lineStrp],
    [0x3ff0, F.data16],
    [0x3ff1, F.block2],
    [0x3ff2, F.block4],
    [0x3ff3, F.exprloc],
    [0x3ff4, F.sdata],
    [0x3ff5, F.loclistx],
    [0x3ff6, F.rnglistx],
    [0x3ff7, F.indirect],
    [0x3ff8, F.flag],
    [0x3ff9, F.block],
  ]);
  abbrev(ab, 2, T.base, false, [
    [A.name, F.string],
    [A.byteSize, F.implicitConst, 8],
    [A.encoding, F.data1],
  ]);
  abbrev(ab, 3, T.base, false, [
    [A.name, F.strx2],
    [A.byteSize, F.data1],
    [A.encoding, F.data1],
  ]);
  abbrev(ab, 4, T.cnst, false, [[A.type, F.refUdata]]);
  abbrev(ab, 5, T.ptr, false, [
    [A.byteSize, F.data1],
    [A.type, F.ref2],
  ]);
  abbrev(ab, 6, T.sub, true, [
    [A.name, F.strx],
    [A.lowPc, F.addrx1],
    [A.highPc, F.udata],
    [A.type, F.ref4],
    [A.external, F.flagPresent],
    [A.sibling, F.ref8],
  ]);
  abbrev(ab, 7, T.param, false, [
    [A.name, F.strp],
    [A.type, F.refAddr],
    [A.location, F.block1],
  ]);
  abbrev(ab, 8, T.param, false, [
    [A.name, F.lineStrp],
    [A.type, F.ref1],
  ]);
  abbrev(ab, 9, T.sub, true, [
    [A.name, F.indirect],
    [A.lowPc, F.addrx4],
    [A.highPc, F.data8],
  ]);
  abbrev(ab, 10, T.param, false, [
    [A.name, F.strx4],
    [A.type, F.ref4],
  ]);
  abbrev(ab, 11, T.ptr, false, [[A.type, F.refSig8]]);
  abbrev(ab, 12, T.param, false, [
    [A.name, F.string],
    [A.type, F.refSig8],
  ]);
  abbrev(ab, 13, T.param, false, [
    [A.name, F.string],
    [A.type, F.ref4],
  ]);
  ab.uleb(0);
  // Table 2: the type unit.
  const ab2 = ab.pos;
  abbrev(ab, 1, T.tu, true, [[A.language, F.data2]]);
  abbrev(ab, 2, T.struct, true, [
    [A.name, F.string],
    [A.byteSize, F.data1],
  ]);
  abbrev(ab, 3, T.member, false, [
    [A.name, F.string],
    [A.type, F.ref4],
    [A.memberLoc, F.data1],
  ]);
  abbrev(ab, 4, T.base, false, [
    [A.name, F.string],
    [A.byteSize, F.data1],
    [A.encoding, F.data1],
  ]);
  abbrev(ab, 5, T.member, false, [
    [A.name, F.string],
    [A.type, F.ref4],
    [A.memberLoc, F.exprloc],
  ]);
  ab.uleb(0);
  // Table 3: the 64-bit DWARF 4 unit.
  const ab3 = ab.pos;
  abbrev(ab, 1, T.cu, true, [[A.name, F.strp]]);
  abbrev(ab, 2, T.sub, true, [
    [A.name, F.string],
    [A.lowPc, F.addr],
    [A.highPc, F.addr],
    [A.sibling, F.refAddr],
  ]);
  abbrev(ab, 3, T.param, false, [
    [A.name, F.string],
    [A.type, F.refAddr],
  ]);
  abbrev(ab, 4, T.param, false, [
    [A.name, F.string],
    [A.type, F.ref4],
  ]);
  abbrev(ab, 5, T.base, false, [
    [A.name, F.string],
    [A.byteSize, F.data1],
    [A.encoding, F.data1],
  ]);
  ab.uleb(0);

  // .debug_str_offsets (header: length, version 5, padding) and .debug_addr (length, version, sizes).
  const so = new Bytes();
  so.lengthTo('end').u16(5).u16(0);
  for (const s of ['synthetic.c', 'char', 'fn_a', 'fn_b', 'p_tu']) so.u32(str.off(s));
  so.label('end');
  const addr = new Bytes();
  addr.lengthTo('end').u16(5).u8(8).u8(0).u64(0x1000).u64(0x1000).u64(0x1100).label('end');

  const info = new Bytes();
  // Unit 1: DWARF 5, 32-bit.
  info.label('cu1').lengthTo('cu1_end').u16(5).u8(1).u8(8).u32(ab1);
  info.label('cu1_die').uleb(1).u8(0).u32(8).u32(8).uleb(0).u32(0x200).cstr('hand').u32(lineStr.off('dir'));
  info.bytes(new Array(16).fill(0xaa)); // data16
  info.u16(3).bytes([1, 2, 3]); // block2
  info.u32(2).bytes([4, 5]); // block4
  info.uleb(1).bytes([0x9c]); // exprloc
  info.sleb(-300); // sdata
  info.uleb(200); // loclistx
  info.uleb(5); // rnglistx
  info.uleb(F.data2).u16(0xbeef); // indirect data2
  info.u8(1); // flag
  info.uleb(2).bytes([6, 7]); // block
  info.label('long').uleb(2).cstr('long').u8(5);
  info.label('char').uleb(3).u16(1).u8(1).u8(6);
  info.label('cchar').uleb(4).uleb(info.at('char'));
  info.label('pcchar').uleb(5).u8(8).ref('cchar', 2, 0);
  info.label('fn_a').uleb(6).uleb(2).u8(1).uleb(0x40).ref('long', 4).ref('fn_b', 8);
  info.uleb(7).u32(str.off('p_x')).ref('pcchar', 4).u8(1).u8(0x55);
  info.uleb(8).u32(lineStr.off('p_line')).u8(info.at('long'));
  info.u8(0);
  info.label('fn_b').uleb(9).uleb(F.strx3).uN(3, 3).u32(2).u64(0x80);
  info.uleb(10).u32(4).ref('ptu', 4);
  info.uleb(12).cstr('byval').u64(SIG);
  info.uleb(13).cstr('after').ref('long', 4);
  info.u8(0);
  info.label('ptu').uleb(11).u64(SIG);
  info.u8(0).label('cu1_end');
  // Unit 2: a DWARF 5 type unit holding `struct tu { long a; long b; }`.
  const tu = info.pos;
  info.label('tu').lengthTo('tu_end').u16(5).u8(2).u8(8).u32(ab2).u64(SIG).ref('tu_struct', 4, tu);
  info.uleb(1).u16(0x1d);
  info.label('tu_struct').uleb(2).cstr('tu').u8(16);
  info.uleb(3).cstr('a').ref('tu_long', 4, tu).u8(0);
  info.uleb(5).cstr('b').ref('tu_long', 4, tu).uleb(2).bytes([0x23, 8]);
  info.u8(0);
  info.label('tu_long').uleb(4).cstr('long').u8(8).u8(5);
  info.u8(0).label('tu_end');
  // Unit 3: DWARF 4 in the 64-bit format, referring to unit 1's `long` by DW_FORM_ref_addr.
  const cu2 = info.pos;
  info
    .label('cu2')
    .u32(0xffffffff)
    .ref('cu2_end', 8, cu2 + 12)
    .u16(4)
    .u64(ab3)
    .u8(8);
  info.uleb(1).u64(str.off('second.c'));
  info.uleb(2).cstr('fn_c').u64(0x1200).u64(0x1210).ref('cu2_uint', 8);
  info.uleb(3).cstr('x').ref('long', 8);
  info.uleb(4).cstr('u').ref('cu2_uint', 4, cu2);
  info.u8(0);
  info.label('cu2_uint').uleb(5).cstr('unsigned int').u8(4).u8(7);
  info.u8(0).label('cu2_end');
  // Unit 1 starts at 0, so its unit-relative references are its absolute offsets.
  const infoBuf = info.finish();

  // .debug_aranges: unit 1 covers 0x1000..0x1200; unit 3 is not listed (looked up by name).
  const ar = new Bytes();
  ar.lengthTo('end').u16(2).u32(0).u8(8).u8(0).u32(0).u64(0x1000).u64(0x200).u64(0).u64(0).label('end');

  return {
    sections: sections({
      info: infoBuf,
      abbrev: ab.finish(),
      str: str.b.finish(),
      lineStr: lineStr.b.finish(),
      strOffsets: so.finish(),
      addr: addr.finish(),
      aranges: ar.finish(),
    }),
    cu1Die: info.at('cu1_die'),
    fnA: info.at('fn_a'),
  };
}

describe('DWARF reader on hand-assembled sections', () => {
  const { sections: secs, cu1Die, fnA } = build();
  const file = new DwarfFile(secs);
  const di = new DebugInfo(file, 'synthetic');

  test('unit headers: DWARF 5 compile and type units, a 64-bit DWARF 4 unit', () => {
    const us = file.units();
    assert.deepEqual(
      us.map((u) => [u.version, u.unitType, u.offsetSize, u.addrSize]),
      [
        [5, 1, 4, 8],
        [5, 2, 4, 8],
        [4, 1, 8, 8],
      ],
    );
    assert.equal(us[1]?.typeSignature, SIG);
  });

  test('the root DIE through strx1/addrx with str_offsets_base/addr_base, skipping every other form', () => {
    const d = file.die(cu1Die);
    assert.ok(d);
    assert.equal(d.attrs.name, 'synthetic.c');
    assert.equal(d.attrs.lowPc, 0x1000);
    assert.equal(d.attrs.highPc, 0x200);
    assert.equal(d.attrs.highPcIsOffset, true);
    const kids = file.children(d);
    assert.deepEqual(
      kids.map((k) => k.attrs.name ?? `<${k.tag.toString(16)}>`),
      ['long', 'char', '<26>', '<f>', 'fn_a', 'fn_b', '<f>'],
    );
    // implicit_const byte size, and the subprogram's own attributes.
    assert.equal(kids[0]?.attrs.byteSize, 8);
    const a = file.die(fnA);
    assert.equal(a?.attrs.lowPc, 0x1000);
    assert.equal(a?.attrs.highPc, 0x40);
  });

  test('-lv declarations through strp, line_strp, strx/strx3/strx4, indirect, ref_udata/ref1/ref2/ref_addr and ref_sig8', () => {
    assert.deepEqual(di.paramDecls('fn_a'), ['const char* p_x', 'long p_line']);
    assert.deepEqual(di.paramDecls('fn_b'), ['struct tu* p_tu', 'struct tu byval', 'long after']);
    assert.deepEqual(di.paramDecls('fn_c'), ['long x', 'unsigned int u']);
    assert.deepEqual(di.paramDecls('nope'), []);
  });

  test('args: registers after a two-register struct, types from a type unit, user pointers', () => {
    const b = di.args('fn_b', 0x1100);
    assert.ok(b);
    assert.deepEqual(
      b.fields.map((f) => [f.name, typeName(f.type), f.offset]),
      [
        ['p_tu', 'struct tu *', 112],
        ['after', 'int64', 88],
      ],
    );
    const p = b.fields[0]?.type;
    assert.deepEqual(p, {
      kind: 'pointer',
      to: { kind: 'struct', name: 'struct tu', size: 16, origin: dwarfOriginOf(p), union: false },
      user: true,
    });
    assert.deepEqual(b.skipped, [{ name: 'byval', why: 'its type struct tu is not an integer or a pointer' }]);
    const a = di.args('fn_a', 0x1000);
    assert.deepEqual(
      a?.fields.map((f) => [f.name, f.type, f.offset]),
      [
        ['p_x', { kind: 'pointer', to: { kind: 'int', size: 1, signed: true }, user: true }, 112],
        ['p_line', { kind: 'int', size: 8, signed: true }, 104],
      ],
    );
  });

  test('an alias symbol is found by address in the unit .debug_aranges names; others by name in every unit', () => {
    assert.deepEqual(
      di.args('fn_b_alias', 0x1100)?.fields.map((f) => f.name),
      ['p_tu', 'after'],
    );
    // Inside fn_a (func+OFFSET probes): the function holding the address.
    assert.deepEqual(
      di.args('fn_a', 0x1010)?.fields.map((f) => f.name),
      ['p_x', 'p_line'],
    );
    // In a covered range but no function there: no guess by name elsewhere.
    assert.equal(di.args('fn_c', 0x1180), null);
    // Unit 3 has no aranges entry: the whole index is searched by name.
    assert.deepEqual(
      di.args('fn_c', 0x1200)?.fields.map((f) => [f.name, typeName(f.type), f.offset]),
      [
        ['x', 'int64', 112],
        ['u', 'uint32', 104],
      ],
    );
  });
});
