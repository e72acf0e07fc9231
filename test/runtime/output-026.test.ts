// Output behaviour of bpftrace 0.26 that the 0.17 goldens cannot show: the expected texts are the
// outputs bpftrace 0.26's own runtime tests expect for the scripts quoted in each test, or follow
// from its source (types_format.cpp, output/text.cpp, output/json.cpp) as noted.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildHistogram, histBucketIndex, lhistBucketIndex } from '../../src/runtime/output/hist.ts';
import { exitMapsJson, jsonString, lostEventsJson, mapJson, resetJsonState, valueJson } from '../../src/runtime/output/json.ts';
import { cxxSort } from '../../src/runtime/output/sort.ts';
import { histText, mapText, tseriesText, valueLine } from '../../src/runtime/output/text.ts';
import type { AggValue, MapSnapshot, Value } from '../../src/runtime/value.ts';
import { avg, count, hist, i64, lhist, map, max, min, scalar, scalarMap, stats, str, tuple, u64 } from '../golden/output/values.ts';

process.env.TZ = 'UTC';

test('histBucketIndex: bpftrace log2 buckets', () => {
  const k0: [bigint, number][] = [
    [-1n, 0],
    [-(1n << 63n), 0],
    [0n, 1],
    [1n, 2],
    [2n, 3],
    [3n, 3],
    [4n, 4],
    [1023n, 11],
    [1024n, 12],
    [(1n << 63n) - 1n, 64],
    [1n << 63n, 0], // an unsigned value above INT64_MAX is negative as int64
  ];
  for (const [v, want] of k0) assert.equal(histBucketIndex(v, 0), want, `${v}`);
  // The example from bpftrace's codegen: 225 = 0b11100001 with k = 2 → 1 + 0b11011.
  assert.equal(histBucketIndex(225n, 2), 28);
  for (let v = 0n; v < 4n; v++) assert.equal(histBucketIndex(v, 2), Number(v) + 1);
  assert.equal(histBucketIndex(4n, 2), 5);
  assert.equal(histBucketIndex(7n, 2), 8);
  assert.equal(histBucketIndex(8n, 2), 9);
  assert.equal(histBucketIndex(9n, 2), 9);
  assert.equal(histBucketIndex(10n, 2), 10);
  assert.equal(histBucketIndex((1n << 63n) - 1n, 5), ((63 - 5) << 5) + 32);
});

test('lhistBucketIndex: below min, in range, max, above max', () => {
  const idx = (v: number, lo: number, hi: number, st: number): number => lhistBucketIndex(BigInt(v), BigInt(lo), BigInt(hi), BigInt(st));
  assert.equal(idx(-1, 0, 10, 2), 0);
  assert.equal(idx(0, 0, 10, 2), 1);
  assert.equal(idx(9, 0, 10, 2), 5);
  assert.equal(idx(10, 0, 10, 2), 6);
  assert.equal(idx(11, 0, 10, 2), 6);
  // (max - min) not a multiple of step: the top bucket starts at min + M*step.
  assert.equal(idx(9, 0, 10, 3), 4);
  assert.equal(idx(10, 0, 10, 3), 4);
  assert.equal(idx(100, 0, 10, 3), 4);
});

function text(maps: MapSnapshot[]): string {
  return maps.map((m) => mapText(m)).join('');
}

test('0.26 tests/runtime/call hist: `@=hist(-1); @=hist(2); @=hist(3); @=hist(7); @=hist(20);`', () => {
  assert.equal(
    text([scalarMap('@', hist([-1, 2, 3, 7, 20]))]),
    `@:
(..., 0)               1 |@@@@@@@@@@@@@@@@@@@@@@@@@@                          |
[0]                    0 |                                                    |
[1]                    0 |                                                    |
[2, 4)                 2 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|
[4, 8)                 1 |@@@@@@@@@@@@@@@@@@@@@@@@@@                          |
[8, 16)                0 |                                                    |
[16, 32)               1 |@@@@@@@@@@@@@@@@@@@@@@@@@@                          |

`,
  );
  assert.equal(
    text([scalarMap('@', hist([3, 20]))]),
    `@:
[2, 4)                 1 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|
[4, 8)                 0 |                                                    |
[8, 16)                0 |                                                    |
[16, 32)               1 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|

`,
  );
});

test('0.26 tests/runtime/call lhist: `@=lhist(2,0,10,2); ... lhist(-1,0,10,2); lhist(11,0,10,2)`', () => {
  assert.equal(
    text([scalarMap('@', lhist([2, 3, 7, -1, 11], 0, 10, 2))]),
    `@:
(..., 0)               1 |@@@@@@@@@@@@@@@@@@@@@@@@@@                          |
[0, 2)                 0 |                                                    |
[2, 4)                 2 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|
[4, 6)                 0 |                                                    |
[6, 8)                 1 |@@@@@@@@@@@@@@@@@@@@@@@@@@                          |
[8, 10)                0 |                                                    |
[10, ...)              1 |@@@@@@@@@@@@@@@@@@@@@@@@@@                          |

`,
  );
});

test('lhist with (max - min) not a multiple of step: the top bucket starts at min + M*step', () => {
  // 0.17 labelled it [10, ...); 0.26 labels it from the last bucket's start.
  const agg = lhist([9, 10, 11], 0, 10, 3);
  assert.equal(mapText(scalarMap('@', agg)), `@:\n[9, ...)               3 |${'@'.repeat(52)}|\n\n`);
});

test('hist with bits: exact small buckets, then 2^k buckets per power of two', () => {
  const values: number[] = [];
  for (let i = 0; i < 40; i++) values.push(i);
  const agg = hist(values, 2);
  if (agg.kind !== 'hist') throw new Error('hist');
  const rows = histText(buildHistogram(agg.buckets, 2, 1n))
    .split('\n')
    .map((l) => l.slice(0, 24).trimEnd());
  assert.deepEqual(rows.slice(0, 18), [
    '[0]                    1',
    '[1]                    1',
    '[2]                    1',
    '[3]                    1',
    '[4]                    1',
    '[5]                    1',
    '[6]                    1',
    '[7]                    1',
    '[8, 10)                2',
    '[10, 12)               2',
    '[12, 14)               2',
    '[14, 16)               2',
    '[16, 20)               4',
    '[20, 24)               4',
    '[24, 28)               4',
    '[28, 32)               4',
    '[32, 40)               8',
    '',
  ]);
});

test('hist: K..E suffixes up to 2^63', () => {
  const agg = hist([1n << 50n, (1n << 63n) - 1n]);
  const rows = mapText(scalarMap('@', agg))
    .split('\n')
    .map((l) => l.slice(0, 16).trimEnd());
  assert.equal(rows[1], '[1P, 2P)');
  assert.equal(rows[11], '[1E, 2E)');
  assert.equal(rows[13], '[4E, 8E)');
  assert.equal(rows.length, 16);
});

test('hist JSON: `@ = hist(10 * 1024 * 1024 * 1024)` and `hist($i, 3)` ranges', () => {
  resetJsonState();
  assert.equal(
    mapJson(scalarMap('@', hist([10n * 1024n * 1024n * 1024n]))),
    '{"type": "hist", "data": {"@": [{"min": 8589934592, "max": 17179869183, "count": 1}]}}\n',
  );
  const values: number[] = [];
  for (let i = 0; i < 1024; i++) values.push(i);
  const parsed = JSON.parse(mapJson(scalarMap('@', hist(values, 3)))) as {
    data: { '@': { min: number; max: number; count: number }[] };
  };
  const rows = parsed.data['@'];
  assert.equal(rows.length, 64);
  assert.deepEqual(rows[15], { min: 15, max: 15, count: 1 });
  assert.deepEqual(rows[16], { min: 16, max: 17, count: 2 });
  assert.deepEqual(rows[63], { min: 960, max: 1023, count: 64 });
});

test('hist JSON: keyed, negative bucket, zeroed map', () => {
  resetJsonState();
  const curl = hist([-1, 0, 511, 1024, 1025]);
  assert.equal(
    mapJson(
      map('@', [
        [str('curl'), curl],
        [str('bpftrace'), hist([2])],
      ]),
    ),
    '{"type": "hist", "data": {"@": {"bpftrace": [{"min": 2, "max": 3, "count": 1}], "curl": [{"max": -1, "count": 1},{"min": 0, "max": 0, "count": 1},{"min": 1, "max": 1, "count": 0},{"min": 2, "max": 3, "count": 0},{"min": 4, "max": 7, "count": 0},{"min": 8, "max": 15, "count": 0},{"min": 16, "max": 31, "count": 0},{"min": 32, "max": 63, "count": 0},{"min": 64, "max": 127, "count": 0},{"min": 128, "max": 255, "count": 0},{"min": 256, "max": 511, "count": 1},{"min": 512, "max": 1023, "count": 0},{"min": 1024, "max": 2047, "count": 2}]}}}\n',
  );
  const zeroed: AggValue = { kind: 'hist', buckets: [0n, 0n, 0n, 0n], bits: 0 };
  assert.equal(mapJson(scalarMap('@hist', zeroed)), '{"type": "hist", "data": {"@hist": []}}\n');
  assert.equal(mapText(scalarMap('@hist', zeroed)), '@hist:\n\n');
  // Tuple keys lose their parentheses and spaces.
  assert.equal(
    mapJson(map('@', [[tuple(str('bpftrace'), i64(2)), hist([2])]])),
    '{"type": "hist", "data": {"@": {"bpftrace,2": [{"min": 2, "max": 3, "count": 1}]}}}\n',
  );
});

test('lhist JSON: above-max row has no max', () => {
  resetJsonState();
  assert.equal(
    mapJson(scalarMap('@h', lhist([2, 50, 1000], 0, 100, 10))),
    '{"type": "hist", "data": {"@h": [{"min": 0, "max": 9, "count": 1},{"min": 10, "max": 19, "count": 0},{"min": 20, "max": 29, "count": 0},{"min": 30, "max": 39, "count": 0},{"min": 40, "max": 49, "count": 0},{"min": 50, "max": 59, "count": 1},{"min": 60, "max": 69, "count": 0},{"min": 70, "max": 79, "count": 0},{"min": 80, "max": 89, "count": 0},{"min": 90, "max": 99, "count": 0},{"min": 100, "count": 1}]}}\n',
  );
});

test('print(@, 2, 10) of an avg map: `@["a"] = avg(10) ... @["d"] = avg(40)`', () => {
  const m = map('@', [
    [str('b'), avg(20)],
    [str('d'), avg(40)],
    [str('a'), avg(10)],
    [str('c'), avg(30)],
  ]);
  assert.equal(mapText(m, { top: 2, div: 10 }), '@[c]: 3\n@[d]: 4\n');
  assert.equal(mapText(m, { top: 10, div: 10 }), '@[a]: 1\n@[b]: 2\n@[c]: 3\n@[d]: 4\n');
});

test('stats: record text, JSON, signed averages', () => {
  assert.equal(mapText(scalarMap('@stats', stats(1, 2, 3))), '@stats: { .count = 3, .average = 2, .total = 6 }\n');
  assert.equal(mapText(scalarMap('@', stats(-10, -5, 5))), '@: { .count = 3, .average = -3, .total = -10 }\n');
  resetJsonState();
  assert.equal(
    mapJson(
      map('@stats', [
        [str('zsh'), stats(10)],
        [str('curl'), stats(2)],
      ]),
    ),
    '{"type": "stats", "data": {"@stats": {"curl": {"count": 1, "average": 2, "total": 2}, "zsh": {"count": 1, "average": 10, "total": 10}}}}\n',
  );
  // An empty avg/stats map still prints in JSON (as an empty object), and not at all in text.
  const empty: MapSnapshot = { name: '@a', entries: [], aggKind: 'avg' };
  assert.equal(mapJson(empty), '{"type": "stats", "data": {"@a": {}}}\n');
  assert.equal(mapText(empty), '');
  assert.equal(mapJson({ name: '@c', entries: [], aggKind: 'count' }), '');
});

test('print div on stats divides only the average', () => {
  assert.equal(mapText(scalarMap('@', stats(10, 20)), { div: 10 }), '@: { .count = 2, .average = 1, .total = 30 }\n');
});

test('sorting: min/max as uint64, keys as signed ints', () => {
  assert.equal(
    mapText(
      map('@m', [
        [i64(1), min(-5)],
        [i64(2), min(3)],
        [i64(3), min(-1)],
      ]),
    ),
    '@m[2]: 3\n@m[1]: -5\n@m[3]: -1\n',
  );
  assert.equal(
    mapText(
      map('@k', [
        [i64(2), scalar(str('b'))],
        [i64(-1), scalar(str('a'))],
        [i64(0), scalar(str('c'))],
      ]),
    ),
    '@k[-1]: a\n@k[0]: c\n@k[2]: b\n',
  );
  // Unset min/max print and sort as 0.
  assert.equal(mapText(scalarMap('@m', { kind: 'max', value: 99n, signed: true, isSet: false })), '@m: 0\n');
});

test('keys: parenthesised text loses its parentheses, JSON keys lose spaces', () => {
  assert.equal(mapText(map('@', [[str('(x)'), count(1)]])), '@[x]: 1\n');
  resetJsonState();
  assert.equal(mapJson(map('@', [[str('a b'), count(1)]])), '{"type": "map", "data": {"@": {"ab": 1}}}\n');
  assert.equal(mapJson(scalarMap('@scalar_str', scalar(str('a b \n d e')))), '{"type": "map", "data": {"@scalar_str": "a b \\n d e"}}\n');
});

test('values: bool, record, array, buffer, sym, none, stack', () => {
  assert.equal(valueLine({ kind: 'bool', value: false }), 'false\n');
  assert.equal(
    valueLine({
      kind: 'record',
      fields: [
        { name: 'a', value: i64(1) },
        { name: 'b', value: str('x') },
      ],
    }),
    '{ .a = 1, .b = x }\n',
  );
  assert.equal(valueLine({ kind: 'record', fields: [] }), '{}\n');
  assert.equal(valueLine({ kind: 'array', elems: [i64(1), i64(2), i64(3)] }), '[1,2,3]\n');
  assert.equal(valueLine({ kind: 'buf', bytes: Uint8Array.from([0x68, 0x69, 0x00, 0xff]) }), 'hi\\x00\\xff\n');
  assert.equal(valueLine({ kind: 'sym', text: '0xffff0000', value: 0xffff0000n }), '0xffff0000\n');
  assert.equal(valueLine({ kind: 'none' }), 'null\n');
  assert.equal(valueLine({ kind: 'stack', frames: ['f1+4', 'f2+8'], indent: '        ' }), '\n        f1+4\n        f2+8\n\n');
  assert.equal(valueLine(u64(18446744073709551615n)), '18446744073709551615\n');
  assert.equal(valueLine({ kind: 'int', value: -1n, signed: false, size: 4 }), '4294967295\n');
  resetJsonState();
  assert.equal(valueJson({ kind: 'buf', bytes: Uint8Array.from([0x68, 0xff]) }), '{"type": "value", "data": [104,-1]}\n');
  assert.equal(valueJson({ kind: 'sym', text: 'ONE', value: 1n }), '{"type": "value", "data": 1}\n');
  assert.equal(
    valueJson({ kind: 'record', fields: [{ name: 'a', value: tuple(i64(1), { kind: 'bool', value: true }) }] }),
    '{"type": "value", "data": {"a": [1,true]}}\n',
  );
  assert.equal(valueJson(u64(18446744073709551615n)), '{"type": "value", "data": "18446744073709551615"}\n');
});

test('JSON strings: control characters, non-ASCII bytes, and the hex state they leave behind', () => {
  resetJsonState();
  assert.equal(jsonString('a"b\\c\n\r\t\x01'), '"a\\"b\\\\c\\n\\r\\t\\u0001"');
  assert.equal(jsonString('\xc3\xa9'), '"\\uffffffc3\\uffffffa9"'); // é in UTF-8
  // After an escape, bpftrace's stream stays in hex: later histogram counts come out in hex.
  assert.equal(lostEventsJson(26), '{"type": "lost_events", "count": 1a, "data": {"events": 1a}}\n');
  resetJsonState();
  assert.equal(lostEventsJson(26), '{"type": "lost_events", "count": 26, "data": {"events": 26}}\n');
});

test('exit order is by map name', () => {
  resetJsonState();
  const maps = [scalarMap('@b', count(1)), scalarMap('@', count(2)), scalarMap('@a', count(3))];
  assert.equal(exitMapsJson(maps).split('\n')[0], '{"type": "map", "data": {"@": 2}}');
});

// ---- tseries ----------------------------------------------------------------------------------

const MS = 1_000_000n;

function tseries(points: [bigint, bigint][], intervalNs: bigint, numIntervals: number, signed = false): AggValue {
  return { kind: 'tseries', points: new Map(points), intervalNs, numIntervals, agg: 'none', signed };
}

test('tseries text: `@a = tseries($i % 10, 100ms, 5)` (0.26 outputs/tseries.txt)', () => {
  const pts: [bigint, bigint][] = [5n, 6n, 7n, 8n, 9n].map((e) => [e * 100n * MS, 9n]);
  assert.equal(
    mapText(scalarMap('@a', tseries(pts, 100n * MS, 5))),
    `@a:
             8                                                  10
hh:mm:ss.ms  |___________________________________________________|
00:00:00.500 |                         *                         | 9
00:00:00.600 |                         *                         | 9
00:00:00.700 |                         *                         | 9
00:00:00.800 |                         *                         | 9
00:00:00.900 |                         *                         | 9
             v___________________________________________________v
             8                                                  10

`,
  );
});

test('tseries text: keyed, with gaps (0.26 outputs/tseries_multiple.txt)', () => {
  const one: [bigint, bigint][] = [[0n, 0n], ...[1n, 2n, 3n, 4n].map((e): [bigint, bigint] => [e * 100n * MS, 5n])];
  const two: [bigint, bigint][] = [5n, 6n, 7n, 8n, 9n].map((e) => [e * 100n * MS, 4n]);
  const m = map('@a', [
    [str('two'), tseries(two, 100n * MS, 10)],
    [str('one'), tseries(one, 100n * MS, 10)],
  ]);
  assert.equal(
    mapText(m),
    `@a[one]:
             0                                                   5
hh:mm:ss.ms  |___________________________________________________|
00:00:00.000 *                                                   | 0
00:00:00.100 |                                                   * 5
00:00:00.200 |                                                   * 5
00:00:00.300 |                                                   * 5
00:00:00.400 |                                                   * 5
00:00:00.500 |                                                   | -
00:00:00.600 |                                                   | -
00:00:00.700 |                                                   | -
00:00:00.800 |                                                   | -
00:00:00.900 |                                                   | -
             v___________________________________________________v
             0                                                   5

@a[two]:
             3                                                   5
hh:mm:ss.ms  |___________________________________________________|
00:00:00.500 |                         *                         | 4
00:00:00.600 |                         *                         | 4
00:00:00.700 |                         *                         | 4
00:00:00.800 |                         *                         | 4
00:00:00.900 |                         *                         | 4
             v___________________________________________________v
             3                                                   5

`,
  );
  resetJsonState();
  const parsed = JSON.parse(mapJson(m)) as { type: string; data: { '@a': Record<string, unknown[]> } };
  assert.equal(parsed.type, 'tseries');
  assert.equal(parsed.data['@a'].one?.length, 5);
  assert.deepEqual(parsed.data['@a'].two?.[0], { interval_start: '1970-01-01 00:00:00.500000000', value: 4 });
});

test('tseries text: negative values and the zero line (0.26 outputs/tseries_zigzag.txt)', () => {
  const vals = [-5, -4, -3, -2, -1, 0, 1, 2, 3, 4, 5, 4, 3, 2, 1, 0, -1, -2, -3, -4];
  const pts = vals.map((v, i): [bigint, bigint] => [BigInt(i + 1) * 100n * MS, BigInt(v)]);
  const out = mapText(scalarMap('@', tseries(pts, 100n * MS, 20, true)));
  const lines = out.split('\n');
  assert.equal(lines[1], '             -5                                                  5');
  assert.equal(lines[3], '00:00:00.100 *                         .                         | -5');
  assert.equal(lines[8], '00:00:00.600 |                         *                         | 0');
  assert.equal(lines[9], '00:00:00.700 |                         .    *                    | 1');
  assert.equal(lines[13], '00:00:01.100 |                         .                         * 5');
  assert.equal(lines[22], '00:00:02.000 |    *                    .                         | -4');
  assert.equal(lines.length, 27);
});

test('tseries: no points in range prints <no data>; JSON prints []', () => {
  assert.equal(tseriesText({ points: [] }), '<no data>');
  const zeroed = scalarMap('@a', tseries([[0n, 0n]], 100n * MS, 5));
  assert.equal(mapText(zeroed), '@a:\n<no data>\n');
  resetJsonState();
  assert.equal(mapJson(zeroed), '{"type": "tseries", "data": {"@a": []}}\n');
});

// ---- std::sort emulation ----------------------------------------------------------------------

test('cxxSort: same permutation as libstdc++ std::sort on ties', () => {
  // Keys sorted by value only; ids show where equal keys end up. Expected orders were produced
  // by std::sort over std::pair<int,int> with a comparator on .first (g++ 12, libstdc++).
  const vals = [3, 1, 2, 3, 1, 2, 3, 1, 2, 3, 1, 2, 3, 1, 2, 3, 1, 2, 3, 1, 2, 0, 3, 1, 2];
  const items = vals.map((v, id) => ({ v, id }));
  cxxSort(items, (a, b) => a.v < b.v);
  assert.deepEqual(
    items.map((x) => x.v),
    [...vals].sort((a, b) => a - b),
  );
  assert.deepEqual(
    items.map((x) => x.id),
    CXX_SORT_IDS,
  );
});

const CXX_SORT_IDS = [21, 1, 23, 4, 19, 7, 16, 10, 13, 24, 20, 17, 14, 11, 8, 5, 2, 12, 15, 9, 18, 6, 3, 22, 0];

test('aggregates as printed values', () => {
  const m: MapSnapshot = map('@', [[i64(1), count(5)]]);
  assert.equal(mapText(m, { div: 2 }), '@[1]: 2\n');
  assert.equal(mapText(scalarMap('@', avg(-7)), { div: 2 }), '@: -3\n');
  assert.equal(mapText(scalarMap('@', max(-7)), { div: 2 }), '@: -3\n');
  assert.equal(mapText(scalarMap('@', scalar({ kind: 'int', value: -7n, signed: true, size: 4 })), { div: 2 }), '@: -3\n');
  const v: Value = { kind: 'int', value: 200n, signed: false, size: 1 };
  assert.equal(mapText(scalarMap('@', scalar(v)), { div: 3 }), '@: 66\n');
});

test('cxxSort: 300 entries, 7 distinct keys (introsort partitions)', () => {
  let seed = 12345;
  const items: { v: number; id: number }[] = [];
  for (let i = 0; i < 300; i++) {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    items.push({ v: (seed >>> 16) % 7, id: i });
  }
  cxxSort(items, (a, b) => a.v < b.v);
  assert.deepEqual(
    items.map((x) => x.id),
    CXX_SORT_300,
  );
});

// std::sort over 300 pairs from the same generator, compared on .first only (g++ 12, libstdc++).
const CXX_SORT_300 = [
  74, 251, 241, 238, 235, 230, 52, 222, 55, 219, 57, 208, 198, 69, 189, 202, 177, 86, 164, 99, 157, 105, 151, 143, 136, 134, 128, 127, 126,
  125, 1, 22, 21, 268, 264, 12, 283, 285, 257, 18, 15, 0, 78, 81, 190, 82, 71, 180, 70, 77, 275, 278, 281, 176, 173, 172, 171, 92, 165, 162,
  104, 154, 109, 147, 112, 139, 138, 5, 296, 23, 26, 43, 236, 237, 191, 39, 46, 263, 239, 227, 51, 266, 262, 248, 255, 196, 197, 33, 218,
  206, 243, 19, 217, 144, 292, 289, 287, 130, 234, 152, 153, 297, 140, 259, 175, 193, 194, 277, 188, 187, 299, 186, 185, 179, 220, 156, 226,
  229, 170, 168, 232, 161, 282, 160, 158, 17, 107, 59, 110, 48, 25, 103, 111, 6, 101, 47, 24, 63, 20, 118, 73, 66, 120, 30, 4, 94, 174, 214,
  210, 93, 89, 90, 212, 91, 27, 85, 13, 40, 181, 61, 14, 233, 72, 68, 272, 201, 150, 246, 293, 131, 54, 142, 253, 254, 58, 145, 148, 291,
  108, 245, 288, 8, 100, 29, 295, 163, 96, 267, 56, 225, 269, 49, 224, 221, 205, 260, 209, 87, 261, 65, 121, 36, 132, 135, 137, 115, 141,
  114, 113, 155, 97, 95, 284, 167, 10, 11, 178, 182, 42, 45, 195, 252, 249, 247, 244, 250, 32, 2, 256, 258, 265, 271, 273, 274, 276, 16,
  279, 280, 9, 290, 294, 3, 298, 124, 183, 60, 207, 64, 67, 192, 76, 80, 184, 242, 169, 159, 106, 149, 117, 119, 129, 53, 44, 211, 231, 228,
  41, 38, 215, 37, 116, 146, 34, 83, 240, 7, 102, 133, 286, 35, 122, 98, 166, 123, 88, 84, 50, 79, 31, 75, 223, 216, 270, 199, 200, 62, 203,
  204, 213, 28,
];

test('print() of an empty scalar map prints its zero value when the caller gives it', () => {
  const empty: MapSnapshot = { name: '@x', entries: [], aggKind: 'count' };
  assert.equal(mapText(empty), '');
  assert.equal(mapText(empty, { zeroScalar: count(0) }), '@x: 0\n');
  assert.equal(mapText(empty, { zeroScalar: stats() }), '@x: { .count = 0, .average = 0, .total = 0 }\n');
  resetJsonState();
  assert.equal(mapJson(empty, { zeroScalar: avg() }), '{"type": "stats", "data": {"@x": 0}}\n');
});
