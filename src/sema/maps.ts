// What the type checker learns about each map from all its uses across the script.

import type { Span } from '../lang/ast.ts';
import type { Type } from './types.ts';

export type AggKind = 'count' | 'sum' | 'min' | 'max' | 'avg' | 'stats' | 'hist' | 'lhist' | 'tseries';

export interface TseriesParams {
  intervalNs: bigint;
  numIntervals: number;
  fn: 'none' | 'avg' | 'max' | 'min' | 'sum';
}

export type MapValue =
  /** Plain assignment `@m[k] = v`. */
  | { kind: 'value'; type: Type }
  | {
      kind: 'agg';
      agg: AggKind;
      signed: boolean;
      hist?: { bits: number };
      lhist?: { min: bigint; max: bigint; step: bigint };
      tseries?: TseriesParams;
    };

export interface MapInfo {
  /** Without the `@`. */
  name: string;
  /** Null for scalar maps (`@x = 1`). */
  key: Type | null;
  value: MapValue | null;
  /** Where the value type was fixed, for "was assigned ... here" diagnostics. */
  valueSpan: Span | null;
  keySpan: Span | null;
  /** Declared kind from `let @m = hash(n)` (hash, lruhash, percpuhash, percpulruhash). */
  declaredKind: string | null;
  maxEntries: number | null;
  /** The map was used as a whole in for/len/has_key etc. */
  iterated: boolean;
}

export function isPerCpuAgg(v: MapValue | null): boolean {
  // A time series keeps "the last value" of an interval: one shared slot, not one per CPU.
  return v !== null && v.kind === 'agg' && v.agg !== 'tseries';
}

export type CastableAgg = 'count' | 'sum' | 'min' | 'max' | 'avg';

/**
 * The aggregation when `v` is count, sum, min, max or avg (bpftrace's "castable" map types): the
 * ones a probe reads as one number, which 0.26 merges across every CPU's slot.
 */
export function castableAgg(v: MapValue | null | undefined): CastableAgg | null {
  if (v?.kind !== 'agg') return null;
  switch (v.agg) {
    case 'count':
    case 'sum':
    case 'min':
    case 'max':
    case 'avg':
      return v.agg;
    default:
      return null;
  }
}

/** Bytes of the per-CPU value slot each aggregation keeps. */
export function aggValueSize(agg: AggKind): number {
  switch (agg) {
    case 'count':
    case 'sum':
    case 'hist':
    case 'lhist':
      return 8;
    case 'min':
    case 'max':
      // value + "has been set" flag, so an untouched CPU does not contribute a 0
      return 16;
    case 'avg':
    case 'stats':
      // total + count
      return 16;
    case 'tseries':
      // interval number (epoch) + value + count (for avg)
      return 24;
  }
}
