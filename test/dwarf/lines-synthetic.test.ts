// The .debug_line reader on hand-assembled programs: what gcc does not write (64-bit DWARF,
// DWARF 5 MD5 and udata entry fields, strp paths, instructions longer than a byte, DWARF 3's
// define_file, an opcode base of 10, vendor extended opcodes), each row worked out by hand.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { type LineRow, readLineTable } from '../../src/elf/dwarf/lines.ts';
import { Bytes, StrTable } from './builder.ts';

const DW_LNCT_path = 1;
const DW_LNCT_directory_index = 2;
const DW_LNCT_MD5 = 5;
const DW_FORM_string = 0x08;
const DW_FORM_strp = 0x0e;
const DW_FORM_udata = 0x0f;
const DW_FORM_data16 = 0x1e;
const DW_FORM_line_strp = 0x1f;

const row = (address: number, file: number, line: number, column: number, isStmt: boolean, endSequence = false): LineRow => ({
  address,
  file,
  line,
  column,
  isStmt,
  endSequence,
});

describe('hand-assembled line programs', () => {
  test('DWARF 5, 64-bit: entry formats with line_strp, strp, udata and MD5; 4-byte instructions', () => {
    const lineStr = new StrTable();
    const str = new StrTable();
    const b = new Bytes();
    // 64-bit unit length: the escape, then 8 bytes.
    b.u32(0xffffffff).ref('end', 8, 12);
    b.u16(5).u8(8).u8(0);
    b.ref('program', 8, 12 + 2 + 2 + 8);
    b.u8(4)
      .u8(1)
      .u8(1)
      .u8(-3 & 0xff)
      .u8(12)
      .u8(13);
    b.bytes([0, 1, 1, 1, 1, 0, 0, 0, 1, 0, 0, 1]);
    // Directories: one field, the path as a line_strp (8 bytes in 64-bit DWARF).
    b.u8(1).uleb(DW_LNCT_path).uleb(DW_FORM_line_strp);
    b.uleb(2).u64(lineStr.off('/src')).u64(lineStr.off('sub'));
    // Files: path (strp), directory (udata), MD5 (16 bytes).
    b.u8(3).uleb(DW_LNCT_path).uleb(DW_FORM_strp).uleb(DW_LNCT_directory_index).uleb(DW_FORM_udata).uleb(DW_LNCT_MD5).uleb(DW_FORM_data16);
    b.uleb(2);
    b.u64(str.off('main.c')).uleb(0).bytes(new Array(16).fill(0xab));
    b.u64(str.off('x.h')).uleb(1).bytes(new Array(16).fill(0xcd));
    b.label('program');
    b.u8(0).uleb(9).u8(2).u64(0x1000); // set_address
    b.u8(5).uleb(5); // set_column 5
    b.u8(1); // copy
    b.u8(42); // special: 2 operations (8 bytes), line +2
    b.u8(6).u8(4).uleb(1).u8(3).sleb(-1).u8(1); // negate_stmt, set_file 1, advance_line -1, copy
    b.u8(8); // const_add_pc: (255 - 13) / 12 = 20 operations, 80 bytes
    b.u8(9).u16(0x10); // fixed_advance_pc: bytes, not operations
    b.u8(0).uleb(4).u8(0x80).bytes([1, 2, 3]); // a vendor extended opcode
    b.u8(0).uleb(2).u8(4).uleb(7); // set_discriminator
    b.u8(2).uleb(1).u8(4).uleb(0).u8(1); // advance_pc 1 (4 bytes), set_file 0, copy
    b.u8(0).uleb(1).u8(1); // end_sequence
    b.u8(0).uleb(9).u8(2).u64(0x2000).u8(16); // a new sequence from reset registers: special, no advance
    b.u8(2).uleb(1).u8(0).uleb(1).u8(1);
    b.label('end');
    const t = readLineTable(b.finish(), 0, {
      addrSize: 8,
      compDir: '/ignored',
      strings: { str: str.b.finish(), lineStr: lineStr.b.finish() },
    });
    assert.equal(t.version, 5);
    assert.deepEqual(t.files, ['/src/main.c', '/src/sub/x.h']);
    // As stack frames print them (blazesym): directory 0 is DW_AT_comp_dir, others are pushed onto it.
    assert.deepEqual(t.framePaths, ['/ignored/main.c', '/ignored/sub/x.h']);
    assert.deepEqual(t.rows, [
      row(0x1000, 1, 1, 5, true),
      row(0x1008, 1, 3, 5, true),
      row(0x1008, 1, 2, 5, false),
      row(0x106c, 0, 2, 5, false),
      row(0x106c, 0, 2, 5, false, true),
      row(0x2000, 1, 1, 0, true),
      row(0x2004, 1, 1, 0, true, true),
    ]);
  });

  test('DWARF 3: directories under DW_AT_comp_dir, define_file, opcodes 10-12 special with an opcode base of 10', () => {
    const b = new Bytes();
    b.lengthTo('end').u16(3).lengthTo('program');
    b.u8(1)
      .u8(0)
      .u8(-5 & 0xff)
      .u8(14)
      .u8(10);
    b.bytes([0, 1, 1, 1, 1, 0, 0, 0, 1]);
    b.cstr('inc').u8(0);
    b.cstr('a.c').uleb(0).uleb(0).uleb(0);
    b.cstr('/abs/b.h').uleb(1).uleb(0).uleb(0);
    b.u8(0);
    b.label('program');
    b.u8(0).uleb(9).u8(2).u64(0x400);
    b.u8(3).sleb(10); // line 11
    b.u8(10); // special: no advance, line -5
    const name = Buffer.from('c.c\0', 'latin1');
    b.u8(0)
      .uleb(1 + name.length + 3)
      .u8(3)
      .bytes([...name])
      .uleb(1)
      .uleb(0)
      .uleb(0); // define_file c.c in dir 1
    b.u8(4).uleb(3); // set_file 3
    b.u8(32); // special: adjusted 22: 1 byte, line -5 + 8
    b.u8(2).uleb(2).u8(0).uleb(1).u8(1);
    b.label('end');
    const t = readLineTable(b.finish(), 0, { addrSize: 8, compDir: '/build', strings: { str: Buffer.alloc(0), lineStr: Buffer.alloc(0) } });
    assert.equal(t.version, 3);
    assert.deepEqual(t.files, [null, '/build/a.c', '/abs/b.h', '/build/inc/c.c']);
    // Nothing normalised: the directory, a slash, and the name as written (even an absolute one).
    assert.deepEqual(t.framePaths, ['/', '/build/a.c', '/build/inc//abs/b.h', '/build/inc/c.c']);
    assert.deepEqual(t.rows, [row(0x400, 1, 6, 0, false), row(0x401, 3, 9, 0, false), row(0x403, 3, 9, 0, false, true)]);
  });

  test('a DWARF 5 path as an inline string, and a truncated program refused', () => {
    const b = new Bytes();
    b.lengthTo('end').u16(5).u8(8).u8(0).lengthTo('program');
    b.u8(1)
      .u8(1)
      .u8(1)
      .u8(-5 & 0xff)
      .u8(14)
      .u8(13);
    b.bytes([0, 1, 1, 1, 1, 0, 0, 0, 1, 0, 0, 1]);
    b.u8(1).uleb(DW_LNCT_path).uleb(DW_FORM_string).uleb(1).cstr('/d');
    b.u8(1).uleb(DW_LNCT_path).uleb(DW_FORM_string).uleb(1).cstr('f.c');
    b.label('program');
    b.u8(1);
    b.label('end');
    const buf = b.finish();
    const cx = { addrSize: 8, compDir: null, strings: { str: Buffer.alloc(0), lineStr: Buffer.alloc(0) } };
    const t = readLineTable(buf, 0, cx);
    assert.deepEqual(t.files, ['/d/f.c']);
    // No DW_AT_comp_dir: directory 0 is empty.
    assert.deepEqual(t.framePaths, ['/f.c']);
    assert.deepEqual(t.rows, [row(0, 1, 1, 0, true)]);
    assert.throws(() => readLineTable(buf.subarray(0, buf.length - 4), 0, cx), /runs past the end of \.debug_line/);
  });
});
