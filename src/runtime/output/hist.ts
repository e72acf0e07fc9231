// Histogram buckets: which bucket a value falls in (the BPF code generator must compute exactly
// these indexes) and how a bucket array becomes labelled rows (bpftrace 0.26's build_histogram
// and build_linear_histogram in types_format.cpp).
//
// hist(v, k) buckets, k = bits (0..5, default 0), N = 2^k:
//   index 0               v < 0 (as int64)
//   index 1 + v           0 <= v < N (one value per bucket)
//   above that, each power of two [2^p, 2^(p+1)) with p >= k is split into N equal buckets:
//   index ((p - k + 1) << k) + 1 + b, where b is the k bits after the leading 1 of v.
// With k = 0 that is: 0 → (..., 0), 1 → [0], 2 → [1], 3 → [2, 4), 4 → [4, 8), ... 64 → [4E, ...).
// AggValue.hist.buckets[i] is the count of index i; missing trailing entries count 0. The largest
// index is 64 for k = 0 and ((63 - k) << k) + 2^k for k > 0, so 65 * 32 entries always suffice.
//
// lhist(v, min, max, step) buckets, M = (max - min) / step:
//   index 0               v < min
//   index 1 + (v - min) / step   min <= v <= max
//   index 1 + M           v > max
// so index M + 1 holds [min + M*step, ...): max itself, and everything above it.

import type { Value } from '../value.ts';

/** A histogram as bpftrace 0.26 prints it: `labels[i]` is the (exclusive) upper bound of row i,
 * `lowerBound` the lower bound of row 0 (absent when row 0 is the negative/below-min bucket).
 * A row past the last label has no upper bound (`[x, ...)`). Labels are int64 ints or syms. */
export interface Histogram {
  lowerBound: Value | null;
  labels: Value[];
  counts: bigint[];
}

/** The hist() bucket index of `v` (read as int64, the way the generated code sign-extends). */
export function histBucketIndex(v: bigint, bits: number): number {
  const n = BigInt.asIntN(64, v);
  if (n < 0n) return 0;
  const k = BigInt(bits);
  const mask = (1n << k) - 1n;
  if (n <= mask) return Number(n) + 1;
  // Position of the leading 1 (0-based), minus k: how far to shift to keep k bits after it.
  const l = bitLength(n) - 1 - bits;
  const b = Number((n >> BigInt(l)) & mask);
  return ((l + 1) << bits) + b + 1;
}

function bitLength(n: bigint): number {
  let bits = 0;
  while (n >= 0x100000000n) {
    n >>= 32n;
    bits += 32;
  }
  return bits + (32 - Math.clz32(Number(n)));
}

/** The lhist() bucket index of `v`: compared as int64, divided as uint64 (as the codegen does). */
export function lhistBucketIndex(v: bigint, min: bigint, max: bigint, step: bigint): number {
  const val = BigInt.asIntN(64, v);
  const lo = BigInt.asIntN(64, min);
  const hi = BigInt.asIntN(64, max);
  const st = BigInt.asUintN(64, step);
  if (val < lo) return 0;
  const top = val > hi ? hi : val;
  return Number(BigInt.asUintN(64, top - lo) / st) + 1;
}

/** Number of lhist buckets, including the below-min and above-max ones. */
export function lhistBucketCount(min: bigint, max: bigint, step: bigint): number {
  const span = BigInt.asUintN(64, BigInt.asIntN(64, max) - BigInt.asIntN(64, min));
  return Number(span / BigInt.asUintN(64, step)) + 2;
}

function int64(v: bigint | number): Value {
  return { kind: 'int', value: BigInt(v), signed: true, size: 8 };
}

// bpftrace truncates each count to a C int when looking for the first and last non-empty bucket.
function nonEmpty(count: bigint | undefined): boolean {
  return count !== undefined && BigInt.asIntN(32, count) > 0n;
}

function usedRange(counts: readonly bigint[]): [number, number] {
  let first = -1;
  let last = -1;
  for (let i = 0; i < counts.length; i++) {
    if (nonEmpty(counts[i])) {
      if (first < 0) first = i;
      last = i;
    }
  }
  return [first, last];
}

const SUFFIXES = ['', 'K', 'M', 'G', 'T', 'P', 'E'];

/** Upper bound of hist bucket `index` (> 2 << k) as a suffixed label: 2^p * (N + b). */
function histIndexLabel(index: number, k: number): Value {
  const n = 1 << k;
  const interval = index & (n - 1);
  let power = (index >> k) - 1;
  const numeric = BigInt.asUintN(64, (1n << BigInt(power)) * BigInt(n + interval));
  const decade = Math.floor(power / 10);
  power -= 10 * decade;
  const text = `${(1n << BigInt(power)) * BigInt(n + interval)}${SUFFIXES[decade] ?? ''}`;
  return { kind: 'sym', text, value: numeric };
}

function histLabel(index: number, k: number): Value {
  return index <= 2 << k ? int64(index) : histIndexLabel(index, k);
}

/** Rows of a log2 histogram: from the first to the last non-empty bucket; counts divided by div. */
export function buildHistogram(buckets: readonly bigint[], bits: number, div: bigint): Histogram {
  const hist: Histogram = { lowerBound: null, labels: [], counts: [] };
  const [first, last] = usedRange(buckets);
  if (first < 0) return hist;
  if (first !== 0) hist.lowerBound = histLabel(first - 1, bits);
  for (let i = first; i <= last; i++) {
    hist.labels.push(i === 0 ? int64(0) : histLabel(i, bits));
    hist.counts.push((buckets[i] ?? 0n) / div);
  }
  return hist;
}

const KILO = 1024;
const MEGA = 1024 * 1024;

// Labels get K/M suffixes only when the step is a multiple of 1024; otherwise they are plain
// ints, so that adjacent ints (step 1) print as a single value `[5]`.
function lhistLabel(n: number, step: number): Value {
  if (step % KILO !== 0) return int64(n);
  let text: string;
  if (n === 0) text = '0';
  else if (n % MEGA === 0) text = `${Math.trunc(n / MEGA)}M`;
  else if (n % KILO === 0) text = `${Math.trunc(n / KILO)}K`;
  else text = `${n}`;
  return { kind: 'sym', text, value: BigInt.asUintN(64, BigInt(n)) };
}

/** Rows of a linear histogram. bpftrace ignores print()'s div for lhist. */
export function buildLinearHistogram(buckets: readonly bigint[], min: bigint, max: bigint, step: bigint): Histogram {
  const hist: Histogram = { lowerBound: null, labels: [], counts: [] };
  const [first, last] = usedRange(buckets);
  if (first < 0) return hist;
  const lo = Number(min);
  const hi = Number(max);
  const st = Number(step);
  if (first !== 0) hist.lowerBound = lhistLabel(lo + (first - 1) * st, st);
  for (let i = first; i <= last; i++) {
    // The bucket above max has no upper bound: it gets no label.
    if (lo + i * st <= hi) hist.labels.push(lhistLabel(lo + i * st, st));
    hist.counts.push(buckets[i] ?? 0n);
  }
  return hist;
}
