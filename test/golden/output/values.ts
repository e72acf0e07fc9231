// Builders for the Values and map snapshots the golden scripts produce, for the renderer tests
// (test/runtime/output*.test.ts, printf*.test.ts). Each builder makes what the map reader would
// decode from the kernel for the same script.

import { readFileSync } from 'node:fs';
import { histBucketIndex, lhistBucketCount, lhistBucketIndex } from '../../../src/runtime/output/hist.ts';
import type { AggValue, MapEntry, MapSnapshot, Value } from '../../../src/runtime/value.ts';

const DIR = new URL('../../../test/golden/output/', import.meta.url);

/** A golden file's exact bytes, as a byte string (the output layer's kind of string). */
export function golden(file: string): string {
  // The tests run from dist/test/runtime; the goldens stay in the source tree.
  return readFileSync(new URL(file, DIR), 'latin1');
}

export const i64 = (v: number | bigint): Value => ({ kind: 'int', value: BigInt(v), signed: true, size: 8 });
export const u64 = (v: number | bigint): Value => ({ kind: 'int', value: BigInt(v), signed: false, size: 8 });
export const str = (s: string): Value => ({ kind: 'str', value: s });
export const tuple = (...elems: Value[]): Value => ({ kind: 'tuple', elems });
export const buf = (...bytes: number[]): Value => ({ kind: 'buf', bytes: Uint8Array.from(bytes) });

export const scalar = (v: Value): AggValue => ({ kind: 'scalar', value: v });
export const count = (n: number | bigint): AggValue => ({ kind: 'count', value: BigInt(n) });
export const sum = (...vs: number[]): AggValue => ({
  kind: 'sum',
  value: vs.reduce((a, b) => a + BigInt(b), 0n),
  signed: true,
});

function minMax(kind: 'min' | 'max', vs: number[]): AggValue {
  const pick = kind === 'min' ? Math.min(...vs) : Math.max(...vs);
  return { kind, value: BigInt(pick), signed: true, isSet: true };
}
export const min = (...vs: number[]): AggValue => minMax('min', vs);
export const max = (...vs: number[]): AggValue => minMax('max', vs);

export const avg = (...vs: number[]): AggValue => ({
  kind: 'avg',
  total: vs.reduce((a, b) => a + BigInt(b), 0n),
  count: BigInt(vs.length),
  signed: true,
});
export const stats = (...vs: number[]): AggValue => ({
  kind: 'stats',
  total: vs.reduce((a, b) => a + BigInt(b), 0n),
  count: BigInt(vs.length),
  signed: true,
});

/** hist() fed these values, bucketed as the BPF program would. */
export function hist(values: readonly (number | bigint)[], bits = 0): AggValue {
  const buckets: bigint[] = [];
  for (const v of values) {
    const i = histBucketIndex(BigInt(v), bits);
    while (buckets.length <= i) buckets.push(0n);
    buckets[i] = (buckets[i] as bigint) + 1n;
  }
  return { kind: 'hist', buckets, bits };
}

export function lhist(values: readonly (number | bigint)[], lo: number, hi: number, step: number): AggValue {
  const [mn, mx, st] = [BigInt(lo), BigInt(hi), BigInt(step)];
  const buckets = new Array<bigint>(lhistBucketCount(mn, mx, st)).fill(0n);
  for (const v of values) {
    const i = lhistBucketIndex(BigInt(v), mn, mx, st);
    buckets[i] = (buckets[i] as bigint) + 1n;
  }
  return { kind: 'lhist', buckets, min: mn, max: mx, step: st };
}

export function map(name: string, entries: [Value | null, AggValue][]): MapSnapshot {
  return { name, entries: entries.map(([key, value]): MapEntry => ({ key, value })) };
}

export function scalarMap(name: string, value: AggValue): MapSnapshot {
  return map(name, [[null, value]]);
}
