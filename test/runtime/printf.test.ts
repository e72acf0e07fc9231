// printf: format-string parsing and checking, and formatting against the golden captured from
// bpftrace (test/golden/output/printf.*) plus the cases where bpftrace 0.26's iostream-based
// formatting differs from C's printf (expected values checked against libstdc++ streams).

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { attachedProbesJson, messageJson, resetJsonState } from '../../src/runtime/output/json.ts';
import { endText } from '../../src/runtime/output/text.ts';
import { formatPrintf } from '../../src/runtime/printf/format.ts';
import { checkFormatArgs, type FormatArg, parseFormat } from '../../src/runtime/printf/format-string.ts';
import type { Value } from '../../src/runtime/value.ts';
import { buf, golden, i64, str, tuple, u64 } from '../golden/output/values.ts';

const fmt = (f: string, ...args: Value[]): string => formatPrintf(parseFormat(f), args);

/** The printf calls of test/golden/output/printf.bt, with the arguments bpftrace passes. */
const CALLS: [string, ...Value[]][] = [
  ['plain text, 100%% literal: %s\n', str('yes')],
  ['[%d] [%d] [%u] [%x] [%X] [%o] [%c] [%s]\n', i64(42), i64(-42), i64(42), i64(255), i64(255), i64(8), i64(65), str('str')],
  [
    '[%5d] [%-5d] [%05d] [%5s] [%-5s] [%-8s|] [%08x] [%5c]\n',
    i64(42),
    i64(42),
    i64(42),
    str('ab'),
    str('ab'),
    str('ab'),
    i64(255),
    i64(66),
  ],
  ['[%d] [%u] [%x] [%X] [%o]\n', ...Array<Value>(5).fill(i64(-1))],
  ['[%ld] [%lu] [%lx] [%lX] [%lo]\n', ...Array<Value>(5).fill(i64(-1))],
  ['[%lld] [%llu] [%llx] [%jd] [%zu] [%tx]\n', ...Array<Value>(6).fill(i64(-1))],
  ['[%hd] [%hu] [%hx] [%hhd] [%hhu] [%hhx]\n', ...Array<Value>(6).fill(i64(-1))],
  ['[%hd] [%hhd] [%hhu] [%hu]\n', i64(40000), i64(200), i64(300), i64(70000)],
  ['[%d] [%ld] [%u] [%lu] [%x] [%lx]\n', ...Array<Value>(6).fill(i64(5000000000))],
  ['[%d] [%ld] [%lu]\n', i64(9223372036854775807n), i64(9223372036854775807n), u64(18446744073709551615n)],
  ['[%p] [%p] [%20p] [%-20p|]\n', i64(123), i64(4294967296), i64(255), i64(255)],
  ['[%c%c%c] [%-3c|]\n', i64(104), i64(105), i64(33), i64(120)],
  ['[%10s] [%-10s] [%s%s] [%3s]\n', str('right'), str('left'), str('con'), str('cat'), str('longer')],
  ['%s %d%% %s\n', str('pct'), i64(50), str('done')],
  ['[%r] [%rx] [%rh]\n', buf(0x61, 0x62, 0x01, 0xff, 0x63), buf(0x61, 0x62, 0x01, 0x63), buf(0x61, 0x62, 0x01, 0x63)],
  ['[%10d] [%-10d|] [%010d] [%10x] [%-10X|] [%010o]\n', i64(12345), i64(-12345), i64(12345), i64(48879), i64(48879), i64(8)],
  ['no newline at the end'],
  ['\n%d %d %d %d %d %d %d %d %d %d\n', ...[1, 2, 3, 4, 5, 6, 7, 8, 9, 10].map((n) => i64(n))],
];

test('golden printf: text', () => {
  // The two newlines are what bpftrace writes when it stops (before the maps, of which there are none).
  const out = CALLS.map(([f, ...args]) => fmt(f, ...args)).join('') + endText();
  assert.equal(out, golden('printf.out'));
});

test('golden printf: json', () => {
  resetJsonState();
  let out = attachedProbesJson(1);
  for (const [f, ...args] of CALLS) out += messageJson('printf', fmt(f, ...args));
  assert.equal(out, golden('printf.json.out'));
});

test('parseFormat: fragments, flags, width, precision, length', () => {
  const p = parseFormat('a%-+ #012.5lldb%%c%*.*xd%rx%rh%gr%r');
  assert.deepEqual(p.fragments, ['a', 'b%c', 'd', '', '', '', '']);
  const [s0, s1, s2, s3, s4, s5] = p.specs;
  assert.deepEqual(
    { ...s0 },
    {
      leftAlign: true,
      showSign: true,
      spacePrefix: true,
      alternateForm: true,
      leadZeros: true,
      width: 12,
      precision: 5,
      length: 'll',
      conversion: 'd',
      text: '%-+ #012.5lld',
    },
  );
  assert.equal(s1?.width, 0);
  assert.equal(s1?.precision, -1);
  assert.equal(s1?.conversion, 'x');
  assert.deepEqual(
    [s2, s3, s4, s5].map((s) => s?.conversion),
    ['rx', 'rh', 'gr', 'r'],
  );
});

test('parseFormat: what is not a conversion stays text', () => {
  // Flags out of bpftrace's order, a bare precision dot, an unknown letter.
  for (const f of ['%0-5d', '%.d', '%y', '100%']) {
    const p = parseFormat(f);
    assert.equal(p.specs.length, 0, f);
    assert.deepEqual(p.fragments, [f]);
  }
  assert.deepEqual(parseFormat('%5%').fragments, ['%']);
});

const INT: FormatArg = { cls: 'integer', typeName: 'int64' };
const STR: FormatArg = { cls: 'other', typeName: 'string[4]' };

test('checkFormatArgs: bpftrace 0.26 messages', () => {
  const p = parseFormat('%d %s\n');
  assert.deepEqual(checkFormatArgs(p, [INT]), {
    error: 'not enough arguments for format string (1 supplied, 2 expected)',
  });
  assert.deepEqual(checkFormatArgs(p, [INT, STR, INT]), {
    error: 'too many arguments for format string (3 supplied, 2 expected)',
  });
  assert.equal(checkFormatArgs(p, [INT, STR]), null);
  assert.equal(checkFormatArgs(p, [INT, INT]), null);
  assert.deepEqual(checkFormatArgs(p, [STR, STR]), {
    error: "unsupported format specifier for type 'string[4]': d",
  });
  assert.deepEqual(checkFormatArgs(parseFormat('%f'), [INT]), { error: 'unsupported format specifier: f' });
  assert.deepEqual(checkFormatArgs(parseFormat('%s'), [{ cls: 'none', typeName: 'none' }]), {
    error: 'unable to print none type for specifier: s',
  });
  assert.deepEqual(checkFormatArgs(parseFormat('%r'), [INT]), {
    error: "unsupported format specifier for type 'int64': r",
  });
  assert.equal(
    checkFormatArgs(parseFormat('%x %c %p'), [{ cls: 'boolean', typeName: 'bool' }, INT, { cls: 'pointer', typeName: 'uint8 *' }]),
    null,
  );
});

// bpftrace 0.26 formats through C++ streams. These differ from C's printf (and from 0.17); each
// expected value was checked against a libstdc++ stream set up the way bpftrace sets it up.
test('printf: 0.26 iostream semantics', () => {
  const cases: [string, Value, string][] = [
    ['%05d', i64(-5), '000-5'],
    ['%-05d', i64(7), '70000'],
    ['%5.2d', i64(3), '    3'],
    ['%.2s', str('abcd'), 'abcd'],
    ['% d', i64(5), '5'],
    ['%+d', i64(5), '+5'],
    ['%+d', i64(0), '+0'],
    ['%+u', i64(5), '5'],
    ['%#x', i64(255), '0xff'],
    ['%#X', i64(255), '0XFF'],
    ['%#x', i64(0), '0'],
    ['%#o', i64(8), '010'],
    ['%#08x', i64(255), '00000xff'],
    ['%p', i64(0), '0'],
    ['%010p', i64(123), '0000000x7b'],
    ['%-6p|', i64(16), '0x10  |'],
    ['%#p', i64(16), '0x10'],
    ['%Ld', u64(5000000000n), '705032704'],
    ['%tu', i64(-1), '18446744073709551615'],
    ['%hhd', i64(200), '-56'],
    ['%+s', i64(5), '+5'],
    ['%05s', str('ab'), '000ab'],
    ['%s', { kind: 'bool', value: true }, 'true'],
    ['%d', { kind: 'bool', value: true }, '1'],
    ['%+c', i64(65), 'A'],
    ['%c', i64(0), '\0'],
    ['%s', { kind: 'sym', text: 'ONE', value: 1n }, 'ONE'],
    ['%d', { kind: 'sym', text: 'ONE', value: 1n }, '1'],
    ['%x', { kind: 'sym', text: '0xffff8881', value: 0xffff8881n }, 'ffff8881'],
  ];
  for (const [f, v, want] of cases)
    assert.equal(fmt(f, v), want, `${f} of ${JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? `${x}` : x))}`);
});

test('printf: %s of compound values pads only the first piece', () => {
  assert.equal(fmt('[%s]', tuple(i64(1), str('a'))), '[(1, a)]');
  assert.equal(fmt('[%8s]', tuple(i64(1), str('a'))), '[       (1, a)]');
  assert.equal(fmt('[%-4s]', tuple(i64(1), i64(2))), '[(   1, 2)]');
  assert.equal(fmt('[%+s]', tuple(i64(1), u64(2), i64(-3))), '[(+1, 2, -3)]');
  assert.equal(fmt('%s', { kind: 'record', fields: [{ name: 'a', value: i64(1) }] }), '{ .a = 1 }');
  assert.equal(fmt('%5s|', { kind: 'array', elems: [i64(1), i64(2)] }), '    [1,2]|');
});

test('printf: %gr GFP flags', () => {
  assert.equal(fmt('%gr', i64(0)), '0');
  assert.equal(fmt('%gr', i64(1)), 'GFP_DMA');
  assert.equal(fmt('%gr', i64(0xcc0)), 'GFP_KERNEL');
  assert.equal(fmt('%gr', i64(0xcc0 | 0x100)), 'GFP_KERNEL|__GFP_ZERO');
  assert.equal(fmt('%gr', i64(0x200)), '0x200');
  assert.equal(fmt('%gr', i64(0x1 | 0x8000000)), 'GFP_DMA|0x8000000');
});

test('printf: conversion errors are embedded like bpftrace does', () => {
  assert.equal(fmt('%d', str('x')), '!{invalid integer conversion: x}');
});
