// The text and JSON renderers against the goldens captured from bpftrace (see
// scripts/capture-goldens.mjs): the snapshots below are what each golden script leaves in its maps.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { attachedProbesJson, exitMapsJson, mapJson, resetJsonState, valueJson } from '../../src/runtime/output/json.ts';
import type { PrintOptions } from '../../src/runtime/output/model.ts';
import { endText, exitMapsText, mapText, valueLine } from '../../src/runtime/output/text.ts';
import type { MapSnapshot, Value } from '../../src/runtime/value.ts';
import { avg, count, golden, hist, i64, lhist, map, max, min, scalar, scalarMap, stats, str, sum, tuple } from '../golden/output/values.ts';

/** What bpftrace prints on stdout when a script that only fills maps exits. */
function exitText(maps: MapSnapshot[]): string {
  return endText() + exitMapsText(maps);
}

function exitJson(maps: MapSnapshot[]): string {
  resetJsonState();
  return attachedProbesJson(1) + exitMapsJson(maps);
}

const mapsBasic = (): MapSnapshot[] => [
  // Deliberately not in name order: exit printing sorts by name.
  scalarMap('@x', scalar(i64(5))),
  map('@c', [
    [str('c'), count(3)],
    [str('a'), count(1)],
    [str('b'), count(2)],
  ]),
  map('@s', [
    [i64(1), sum(10)],
    [i64(2), sum(-5)],
    [i64(3), sum(100)],
  ]),
  map('@mn', [
    [i64(1), min(7)],
    [i64(2), min(3, 9)],
  ]),
  map('@mx', [
    [i64(2), max(30)],
    [i64(1), max(7, 2)],
  ]),
  scalarMap('@neg', scalar(i64(-42))),
  scalarMap('@', scalar(i64(1))),
  map('@str', [
    [str('k1'), scalar(str('hello'))],
    [str('k0'), scalar(str('world'))],
    [str('j'), scalar(str('first'))],
  ]),
  map('@t', [
    [tuple(i64(2), str('b')), scalar(i64(1))],
    [tuple(i64(1), str('z')), scalar(i64(2))],
    [tuple(i64(1), str('a')), scalar(i64(3))],
  ]),
  map('@tk', [
    [tuple(i64(2), str('b')), scalar(str('x'))],
    [tuple(i64(1), str('z')), scalar(str('y'))],
    [tuple(i64(1), str('a')), scalar(str('w'))],
    [tuple(i64(1), str('ab')), scalar(str('v'))],
  ]),
  map('@ik', [
    [i64(300), scalar(str('d'))],
    [i64(3), scalar(str('c'))],
    [i64(1), scalar(str('a'))],
    [i64(2), scalar(str('b'))],
  ]),
  map('@tv', [[i64(1), scalar(tuple(i64(5), str('five'), i64(-1)))]]),
  scalarMap('@lng', scalar(i64(9223372036854775807n))),
];

test('golden maps_basic: text', () => {
  assert.equal(exitText(mapsBasic()), golden('maps_basic.out'));
});

test('golden maps_basic: json', () => {
  assert.equal(exitJson(mapsBasic()), golden('maps_basic.json.out'));
});

const aggs = (): MapSnapshot[] => [
  scalarMap('@a', avg(10, 3)),
  map('@ak', [
    [str('y'), avg(10, 20)],
    [str('x'), avg(4)],
  ]),
  scalarMap('@st', stats(2, 8)),
  map('@stk', [
    [i64(1), stats(5)],
    [i64(2), stats(1, 2)],
  ]),
  scalarMap('@neg', avg(-10, -5)),
  scalarMap('@negst', stats(-10, -5, 5)),
  scalarMap('@n', count(2)),
  scalarMap('@sm', sum(-3)),
  scalarMap('@mi', min(-5, 4)),
  scalarMap('@ma', max(5, 9, 3)),
];

test('golden aggs: text', () => {
  assert.equal(exitText(aggs()), golden('aggs.out'));
});

test('golden aggs: json', () => {
  assert.equal(exitJson(aggs()), golden('aggs.json.out'));
});

const repeat = (v: number, n: number): number[] => new Array<number>(n).fill(v);

const hists = (): MapSnapshot[] => [
  scalarMap('@small', hist([-1, 0, 1, 1, 2, 3, 3, 4, 7, 8, 8, 8])),
  scalarMap('@mag', hist([1024, 2047, 1048576, 1073741824, 1073741823, 1048575])),
  scalarMap('@gap', hist([10, 100, 100])),
  scalarMap('@zero', hist([0])),
  scalarMap('@neg', hist([-5, -100])),
  map('@k', [
    [str('a'), hist([5, 50])],
    [str('c'), hist([1000])],
    [str('b'), hist([5])],
  ]),
  scalarMap('@bars', hist([1, ...repeat(2, 7), ...repeat(4, 3), ...repeat(16, 11)])),
];

test('golden hist: text', () => {
  assert.equal(exitText(hists()), golden('hist.out'));
});

test('golden hist: json', () => {
  assert.equal(exitJson(hists()), golden('hist.json.out'));
});

function histTies(): MapSnapshot[] {
  const kh = new Map<number, number[]>();
  for (let i = 1; i <= 20; i++) kh.set((i * 53) % 300, [i]);
  kh.get(53)?.push(1);
  kh.get(106)?.push(9, 9);
  const few: [number, number[]][] = [];
  for (let j = 1; j <= 6; j++) few.push([j * 300, [j]]);
  // Input order must not matter: bpftrace first orders histogram maps by key bytes.
  return [
    map(
      '@kh',
      [...kh].reverse().map(([k, vs]) => [i64(k), hist(vs)]),
    ),
    map(
      '@few',
      few.map(([k, vs]) => [i64(k), hist(vs)]),
    ),
  ];
}

test('golden hist_ties: text (introsort order of equal totals)', () => {
  assert.equal(exitText(histTies()), golden('hist_ties.out'));
});

test('golden hist_ties: json', () => {
  assert.equal(exitJson(histTies()), golden('hist_ties.json.out'));
});

const lhists = (): MapSnapshot[] => [
  scalarMap('@l', lhist([-5, 9, 10, 100, 150, 55], 0, 100, 10)),
  scalarMap('@one', lhist([3, 3, 5], 0, 10, 1)),
  scalarMap('@kb', lhist([1024, 3000, 5000], 0, 4096, 1024)),
  scalarMap('@mb', lhist([1048576, 2097152], 0, 3145728, 1048576)),
  scalarMap('@off', lhist([5, 10, 17, 24, 30, 31], 10, 30, 5)),
  scalarMap('@below', lhist([-1], 0, 10, 2)),
  scalarMap('@above', lhist([11, 12], 0, 10, 2)),
  map('@lk', [
    [i64(2), lhist([4, 6], 0, 10, 2)],
    [i64(1), lhist([2], 0, 10, 2)],
  ]),
];

test('golden lhist: text', () => {
  assert.equal(exitText(lhists()), golden('lhist.out'));
});

test('golden lhist: json', () => {
  assert.equal(exitJson(lhists()), golden('lhist.json.out'));
});

function printMaps(): Record<string, MapSnapshot> {
  return {
    c: map(
      '@c',
      [6, 3, 1, 5, 2, 4].map((k) => [i64(k), count(k)]),
    ),
    s: map('@s', [
      [str('b'), sum(250)],
      [str('c'), sum(-70)],
      [str('a'), sum(100)],
    ]),
    a: map('@a', [
      [str('z'), avg(35)],
      [str('x'), avg(10)],
      [str('y'), avg(20)],
    ]),
    h: map('@h', [
      [i64(3), hist([3, 3, 3])],
      [i64(1), hist([1])],
      [i64(2), hist([2, 2])],
    ]),
    x: scalarMap('@x', scalar(i64(7))),
  };
}

/**
 * The golden print script's calls in order: print(@m, top, div) on each map, then print() of
 * plain values, rendered by one output format.
 */
function printCalls(
  m: Record<string, MapSnapshot>,
  renderMap: (s: MapSnapshot, o?: PrintOptions) => string,
  renderValue: (v: Value) => string,
): string {
  const calls: [MapSnapshot | undefined, PrintOptions?][] = [
    [m.c],
    [m.c, { top: 3 }],
    [m.c, { top: 2, div: 2 }],
    [m.c, { div: 4 }],
    [m.s, { div: 10 }],
    [m.s, { top: 1 }],
    [m.a, { top: 2 }],
    [m.a, { div: 3 }],
    [m.h, { top: 2 }],
    [m.x],
    [m.x, { div: 2 }],
  ];
  const values = [i64(5), i64(-5), str('str'), tuple(i64(1), str('two'), i64(-3)), tuple(tuple(i64(1), i64(2)), str('x'))];
  return calls.map(([snap, opts]) => renderMap(snap as MapSnapshot, opts)).join('') + values.map(renderValue).join('');
}

test('golden print: text', () => {
  const m = printMaps();
  assert.equal(printCalls(m, mapText, valueLine) + exitText(Object.values(m)), golden('print.out'));
});

test('golden print: json', () => {
  resetJsonState();
  const m = printMaps();
  assert.equal(attachedProbesJson(1) + printCalls(m, mapJson, valueJson) + exitMapsJson(Object.values(m)), golden('print.json.out'));
});
