// From a map snapshot to what gets printed, shared by the text and JSON outputs: the value of each
// aggregation (with print()'s div), the entry order, print()'s top, and histogram rows. This is
// bpftrace 0.26's format(BpfMap) in types_format.cpp; its output::Value is OutValue here.
//
// Entry order, as bpftrace sorts:
//   count, sum, integer values   by value, ascending (signed compare for signed types)
//   min, max                     by value compared as uint64 (so negatives sort last)
//   avg, stats                   by the average (total / count)
//   hist, lhist                  by the sum of all buckets; maps are first put in key-byte order
//   tseries                      in key-byte order
//   anything else                by key: int keys signed, string keys bytewise; for tuple keys
//                                by the first field, then the second...; other keys unsorted
// The value sorts use std::sort (unstable); see sort.ts. Ties keep the input order for up to 16
// entries, which for the kernel's hash maps means no particular order.

import type { AggValue, MapEntry, MapSnapshot, Value } from '../value.ts';
import { buildHistogram, buildLinearHistogram, type Histogram } from './hist.ts';
import { intValue } from './primitive.ts';
import { cxxSort, stableSort } from './sort.ts';

export interface TimeSeries {
  /** Oldest first; `ns` is the interval's start in Unix-epoch nanoseconds; null: no value. */
  points: { ns: bigint; value: Value | null }[];
}

export type OutValue =
  | { kind: 'prim'; value: Value }
  | { kind: 'hist'; hist: Histogram }
  | { kind: 'tseries'; series: TimeSeries }
  | { kind: 'map'; entries: OutEntry[] }
  /** avg() and stats() values: printed like the inner value, but JSON calls them "stats". */
  | { kind: 'stats'; inner: { kind: 'prim'; value: Value } | { kind: 'map'; entries: OutEntry[] } };

export interface OutEntry {
  key: Value;
  value: OutValue;
}

export interface PrintOptions {
  /** print(@m, top): only the last `top` entries after sorting (0: all). */
  top?: number;
  /** print(@m, top, div): integer values divided by div (0 counts as 1). */
  div?: number | bigint;
  /** tseries: turns a bucket start time (ns since boot) into Unix-epoch ns; default identity. */
  clock?: (bootNs: bigint) => bigint;
  /**
   * For print() only: the zero value of a scalar map's type. bpftrace (after 0.26.1) prints an
   * empty scalar map that way on print() (`@x: 0`), except histograms and tseries; at exit an
   * empty map prints nothing, so leave this out there.
   */
  zeroScalar?: AggValue | undefined;
}

function u64(v: bigint): Value {
  return { kind: 'int', value: v, signed: false, size: 8 };
}

function i64(v: bigint): Value {
  return { kind: 'int', value: v, signed: true, size: 8 };
}

function num(signed: boolean, v: bigint): Value {
  return signed ? i64(BigInt.asIntN(64, v)) : u64(BigInt.asUintN(64, v));
}

function average(total: bigint, count: bigint, signed: boolean): bigint {
  if (signed) return count > 0n ? BigInt.asIntN(64, total) / BigInt.asIntN(64, count) : 0n;
  const c = BigInt.asUintN(64, count);
  return c > 0n ? BigInt.asUintN(64, total) / c : 0n;
}

/** A scalar map value divided by div the way bpftrace does for each integer width. */
function divideInt(v: Value, div: bigint): Value {
  if (v.kind !== 'int' || div === 1n) return v;
  const bits = v.size * 8;
  if (!v.signed) return { ...v, value: BigInt.asUintN(bits, intValue(v) / div) };
  // Signed values narrower than 64 bits are divided by div cast to the same width.
  const d = bits < 64 ? BigInt.asIntN(bits, div) : div;
  if (d === 0n) return v;
  return { ...v, value: BigInt.asIntN(bits, v.value / d) };
}

/** The printed value of one non-histogram aggregation. */
export function aggregateValue(agg: AggValue, div: bigint): OutValue {
  switch (agg.kind) {
    case 'scalar':
      return { kind: 'prim', value: divideInt(agg.value, div) };
    case 'count':
      return { kind: 'prim', value: u64(BigInt.asUintN(64, agg.value) / div) };
    case 'sum':
      return { kind: 'prim', value: num(agg.signed, numOf(agg.signed, agg.value) / div) };
    case 'min':
    case 'max':
      return { kind: 'prim', value: num(agg.signed, agg.isSet ? numOf(agg.signed, agg.value) / div : 0n) };
    case 'avg':
      return {
        kind: 'stats',
        inner: { kind: 'prim', value: num(agg.signed, average(agg.total, agg.count, agg.signed) / div) },
      };
    case 'stats': {
      const record: Value = {
        kind: 'record',
        fields: [
          { name: 'count', value: num(agg.signed, agg.count) },
          { name: 'average', value: num(agg.signed, average(agg.total, agg.count, agg.signed) / div) },
          { name: 'total', value: num(agg.signed, agg.total) },
        ],
      };
      return { kind: 'stats', inner: { kind: 'prim', value: record } };
    }
    case 'hist':
      return { kind: 'hist', hist: buildHistogram(agg.buckets, agg.bits, div) };
    case 'lhist':
      return { kind: 'hist', hist: buildLinearHistogram(agg.buckets, agg.min, agg.max, agg.step) };
    case 'tseries':
      return { kind: 'tseries', series: { points: [] } };
  }
}

function numOf(signed: boolean, v: bigint): bigint {
  return signed ? BigInt.asIntN(64, v) : BigInt.asUintN(64, v);
}

function toDiv(div: number | bigint | undefined): bigint {
  const d = div === undefined ? 0n : BigInt(div);
  return d === 0n ? 1n : d;
}

/** Drops all but the last `top` entries, as print(@m, top) does. */
function applyTop<T>(items: T[], top: number | undefined): T[] {
  if (!top || items.length <= top) return items;
  return items.slice(items.length - top);
}

/** The maps printed at exit, in bpftrace's order: it keeps its maps in a std::map by name. */
export function exitOrder(maps: readonly MapSnapshot[]): MapSnapshot[] {
  return maps.slice().sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** What format(map) gives for the snapshot: the value for a scalar map, else a (sorted) map. */
export function formatMap(snap: MapSnapshot, opts: PrintOptions = {}): OutValue {
  const div = toDiv(opts.div);
  const zero = opts.zeroScalar;
  if (snap.entries.length === 0 && zero !== undefined && zero.kind !== 'hist' && zero.kind !== 'lhist' && zero.kind !== 'tseries') {
    return formatPlainMap([{ key: null, value: zero }], zero.kind, div, undefined);
  }
  const kind = snap.entries[0]?.value.kind ?? snap.aggKind;
  switch (kind) {
    case 'hist':
    case 'lhist':
      return formatHistMap(snap.entries, div, opts.top);
    case 'tseries':
      return formatTseriesMap(snap.entries, opts.clock ?? ((ns) => ns));
    case 'avg':
    case 'stats':
    case 'count':
    case 'sum':
    case 'min':
    case 'max':
    case 'scalar':
    case undefined:
      return formatPlainMap(snap.entries, kind, div, opts.top);
  }
}

function formatHistMap(entries: readonly MapEntry[], div: bigint, top: number | undefined): OutValue {
  // bpftrace collects histograms into a std::map keyed by the key's bytes, then std::sorts by total.
  const sorted = entries.map((e) => ({ e, total: bucketTotal(e.value) }));
  stableSort(sorted, (a, b) => compareKeyBytes(a.e.key, b.e.key) < 0);
  cxxSort(sorted, (a, b) => a.total < b.total);
  const out: OutEntry[] = [];
  for (const { e } of applyTop(sorted, top)) {
    const value = aggregateValue(e.value, div);
    if (e.key === null) return value;
    out.push({ key: e.key, value });
  }
  return { kind: 'map', entries: out };
}

function bucketTotal(agg: AggValue): bigint {
  if (agg.kind !== 'hist' && agg.kind !== 'lhist') return 0n;
  let sum = 0n;
  for (const c of agg.buckets) sum += c;
  return BigInt.asUintN(64, sum);
}

function formatPlainMap(entries: readonly MapEntry[], kind: AggValue['kind'] | undefined, div: bigint, top: number | undefined): OutValue {
  const sorted = entries.slice();
  const stats = kind === 'avg' || kind === 'stats';
  const sortKey = valueSortKey(sorted[0]?.value);
  if (sortKey !== null) {
    const keys = new Map<MapEntry, bigint>();
    for (const e of sorted) keys.set(e, sortKey(e.value));
    cxxSort(sorted, (a, b) => (keys.get(a) as bigint) < (keys.get(b) as bigint));
  } else {
    sortByKey(sorted);
  }
  const out: OutEntry[] = [];
  for (const e of applyTop(sorted, top)) {
    const value = aggregateValue(e.value, div);
    if (e.key === null) return value;
    out.push({ key: e.key, value: value.kind === 'stats' ? value.inner : value });
  }
  const map: OutValue = { kind: 'map', entries: out };
  return stats ? { kind: 'stats', inner: map } : map;
}

/** The number bpftrace sorts a map's entries by, or null when it sorts by key instead. */
function valueSortKey(agg: AggValue | undefined): ((a: AggValue) => bigint) | null {
  if (agg === undefined) return null;
  switch (agg.kind) {
    case 'count':
      return (a) => (a.kind === 'count' ? BigInt.asUintN(64, a.value) : 0n);
    case 'sum':
      return (a) => (a.kind === 'sum' ? numOf(a.signed, a.value) : 0n);
    case 'min':
    case 'max':
      // Compared as uint64 even for signed min/max.
      return (a) => ((a.kind === 'min' || a.kind === 'max') && a.isSet ? BigInt.asUintN(64, a.value) : 0n);
    case 'avg':
    case 'stats':
      return (a) => (a.kind === 'avg' || a.kind === 'stats' ? average(a.total, a.count, a.signed) : 0n);
    case 'scalar':
      // Integer values (including enums) sort by value; strings, tuples, bools... by key.
      return agg.value.kind === 'int' ? (a) => (a.kind === 'scalar' && a.value.kind === 'int' ? intValue(a.value) : 0n) : null;
    case 'hist':
    case 'lhist':
    case 'tseries':
      return null;
  }
}

/** bpftrace's sort_by_key: stable sorts on each key field, last field first. */
function sortByKey(entries: MapEntry[]): void {
  const first = entries[0]?.key;
  if (first === undefined || first === null) return;
  if (first.kind === 'tuple') {
    for (let i = first.elems.length - 1; i >= 0; i--) {
      const field = first.elems[i] as Value;
      if (field.kind !== 'int' && field.kind !== 'str') continue;
      const at = (e: MapEntry): Value | undefined => (e.key?.kind === 'tuple' ? e.key.elems[i] : undefined);
      stableSort(entries, (a, b) => compareSortField(at(a), at(b)) < 0);
    }
    return;
  }
  if (first.kind === 'int' || first.kind === 'str') {
    stableSort(entries, (a, b) => compareSortField(a.key ?? undefined, b.key ?? undefined) < 0);
  }
}

// Int key fields compare as signed numbers of their size; strings compare bytewise.
function compareSortField(a: Value | undefined, b: Value | undefined): number {
  if (a?.kind === 'int' && b?.kind === 'int') {
    const x = BigInt.asIntN(a.size * 8, a.value);
    const y = BigInt.asIntN(b.size * 8, b.value);
    return x < y ? -1 : x > y ? 1 : 0;
  }
  if (a?.kind === 'str' && b?.kind === 'str') return compareBytes(a.value, b.value);
  return 0;
}

// Byte strings compare like memcmp over zero-padded buffers: bytewise, a prefix first.
function compareBytes(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Orders keys as memcmp of bpftrace's key bytes would: ints little-endian, strings bytewise
 * (zero padded, so a prefix sorts first), tuples field by field. Keys without a fixed byte form
 * here (stacks...) compare equal.
 */
export function compareKeyBytes(a: Value | null, b: Value | null): number {
  if (a === null || b === null) return 0;
  switch (a.kind) {
    case 'int':
    case 'sym': {
      if (b.kind !== 'int' && b.kind !== 'sym') return 0;
      const size = a.kind === 'int' ? a.size : 8;
      return compareLittleEndian(BigInt.asUintN(size * 8, a.value), BigInt.asUintN(size * 8, b.value), size);
    }
    case 'bool':
      return b.kind === 'bool' ? Number(a.value) - Number(b.value) : 0;
    case 'str':
    case 'text':
      return b.kind === a.kind ? compareBytes(a.value, b.value) : 0;
    case 'buf':
      return b.kind === 'buf' ? Buffer.compare(a.bytes, b.bytes) : 0;
    case 'tuple':
    case 'array': {
      if (b.kind !== a.kind) return 0;
      for (let i = 0; i < a.elems.length; i++) {
        const c = compareKeyBytes(a.elems[i] ?? null, b.elems[i] ?? null);
        if (c !== 0) return c;
      }
      return 0;
    }
    case 'record': {
      if (b.kind !== 'record') return 0;
      for (let i = 0; i < a.fields.length; i++) {
        const c = compareKeyBytes(a.fields[i]?.value ?? null, b.fields[i]?.value ?? null);
        if (c !== 0) return c;
      }
      return 0;
    }
    case 'stack':
    case 'none':
      return 0;
  }
}

function compareLittleEndian(x: bigint, y: bigint, size: number): number {
  for (let i = 0; i < size; i++) {
    const bx = (x >> BigInt(8 * i)) & 0xffn;
    const by = (y >> BigInt(8 * i)) & 0xffn;
    if (bx !== by) return bx < by ? -1 : 1;
  }
  return 0;
}

function formatTseriesMap(entries: readonly MapEntry[], clock: (bootNs: bigint) => bigint): OutValue {
  // Keys print in key-byte order; the newest bucket over all keys ends every series.
  const sorted = entries.slice();
  stableSort(sorted, (a, b) => compareKeyBytes(a.key, b.key) < 0);
  const U64_MAX = (1n << 64n) - 1n;
  let lastEpoch: bigint | null = null;
  for (const e of sorted) {
    if (e.value.kind !== 'tseries') continue;
    let latest = 0n;
    for (const start of e.value.points.keys()) {
      const epoch = start / e.value.intervalNs;
      if (epoch > latest) latest = epoch;
    }
    if (lastEpoch === null || latest > lastEpoch) lastEpoch = latest;
  }
  const out: OutEntry[] = [];
  for (const e of sorted) {
    const agg = e.value;
    if (agg.kind !== 'tseries') continue;
    const last = lastEpoch ?? U64_MAX;
    const first = BigInt.asUintN(64, last - BigInt(agg.numIntervals) + 1n);
    const series = buildTimeSeries(agg, first, last, clock);
    if (e.key === null) return { kind: 'tseries', series };
    out.push({ key: e.key, value: { kind: 'tseries', series } });
  }
  return { kind: 'map', entries: out };
}

function buildTimeSeries(
  agg: Extract<AggValue, { kind: 'tseries' }>,
  rangeFirst: bigint,
  rangeLast: bigint,
  clock: (bootNs: bigint) => bigint,
): TimeSeries {
  const byEpoch = new Map<bigint, bigint>();
  for (const [start, v] of agg.points) byEpoch.set(start / agg.intervalNs, v);
  // The series starts at this key's first bucket inside the range.
  let firstEpoch = rangeLast;
  for (const epoch of byEpoch.keys()) {
    if (epoch >= rangeFirst && epoch < firstEpoch) firstEpoch = epoch;
  }
  const points: TimeSeries['points'] = [];
  const signed = agg.signed ?? false;
  for (let epoch = rangeFirst; epoch <= rangeLast; epoch++) {
    if (epoch < firstEpoch) continue;
    const v = byEpoch.get(epoch);
    points.push({ ns: clock(epoch * agg.intervalNs), value: v === undefined ? null : num(signed, v) });
  }
  return { points };
}
