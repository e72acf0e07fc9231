// Reads a bpftrace map out of the kernel into a MapSnapshot: per-CPU values merged,
// histogram buckets (stored as extra key bytes) gathered under their user key.

import type { BpfMap } from '../bpf/map.ts';
import type { MapResource } from '../codegen/resources.ts';
import type { TseriesParams } from '../sema/maps.ts';
import { sizeOf } from '../sema/types.ts';
import { decoderFor, readInt } from './decode.ts';
import type { AggValue, MapEntry, MapSnapshot, Value } from './value.ts';

function view(b: Uint8Array): DataView {
  return new DataView(b.buffer, b.byteOffset, b.byteLength);
}

export function readMap(res: MapResource, map: BpfMap): MapSnapshot {
  const name = `@${res.info.name}`;
  const v = res.info.value;
  if (!v) return { name, entries: [] };
  const keyType = res.info.key;
  const keyDecoder = keyType ? decoderFor(keyType) : null;
  const decodeKey = (k: Uint8Array): Value | null => (keyDecoder ? keyDecoder(view(k), 0) : null);

  if (v.kind === 'value') {
    const decodeScalar = decoderFor(v.type);
    const entries: MapEntry[] = map
      .entries()
      .map((e) => ({ key: decodeKey(e.key), value: { kind: 'scalar', value: decodeScalar(view(e.value), 0) } }));
    return { name, entries };
  }

  const perCpu = (key: Uint8Array, values: Uint8Array[]): { key: Uint8Array; values: Uint8Array[] } => ({ key, values });
  const raw = res.perCpu ? map.entriesPerCpu().map((e) => perCpu(e.key, e.values)) : map.entries().map((e) => perCpu(e.key, [e.value]));

  if (v.agg === 'tseries') {
    const t = v.tseries as TseriesParams;
    const userKeySize = keyType ? Math.ceil(sizeOf(keyType) / 8) * 8 : 0;
    const groups = new Map<string, { key: Value | null; points: Map<bigint, bigint> }>();
    for (const e of raw) {
      const userKey = e.key.subarray(0, userKeySize);
      const id = Buffer.from(userKey).toString('hex');
      let g = groups.get(id);
      if (!g) {
        g = { key: decodeKey(userKey), points: new Map() };
        groups.set(id, g);
      }
      const dv = view(e.values[0] as Uint8Array);
      const epoch = dv.getBigUint64(0, true);
      // bpftrace takes epoch 0 for a slot never written and reads it as 0 at time 0; a sample
      // filed at time 0 (BPFTRACE_DUMMY_TS_MAP starts there) shows as 0 the same way.
      if (epoch === 0n) {
        g.points.set(0n, 0n);
        continue;
      }
      const value = readInt(dv, 8, 8, v.signed);
      const count = dv.getBigUint64(16, true);
      g.points.set(epoch * t.intervalNs, t.fn === 'avg' && count > 0n ? value / count : value);
    }
    const entries: MapEntry[] = [...groups.values()].map((g) => ({
      key: g.key,
      value: { kind: 'tseries', points: g.points, intervalNs: t.intervalNs, numIntervals: t.numIntervals, agg: t.fn, signed: v.signed },
    }));
    return { name, entries };
  }

  if (v.agg === 'hist' || v.agg === 'lhist') {
    const userKeySize = keyType ? Math.ceil(sizeOf(keyType) / 8) * 8 : 0;
    const groups = new Map<string, { key: Value | null; buckets: bigint[] }>();
    for (const e of raw) {
      const userKey = e.key.subarray(0, userKeySize);
      const bucket = Number(view(e.key).getBigUint64(userKeySize, true));
      const id = Buffer.from(userKey).toString('hex');
      let g = groups.get(id);
      if (!g) {
        g = { key: decodeKey(userKey), buckets: [] };
        groups.set(id, g);
      }
      let total = 0n;
      for (const c of e.values) total += view(c).getBigUint64(0, true);
      while (g.buckets.length <= bucket) g.buckets.push(0n);
      g.buckets[bucket] = (g.buckets[bucket] ?? 0n) + total;
    }
    const entries: MapEntry[] = [...groups.values()].map((g) => ({
      key: g.key,
      value:
        v.agg === 'hist'
          ? { kind: 'hist', buckets: g.buckets, bits: v.hist?.bits ?? 0 }
          : { kind: 'lhist', buckets: g.buckets, min: v.lhist?.min ?? 0n, max: v.lhist?.max ?? 0n, step: v.lhist?.step ?? 1n },
    }));
    return { name, entries };
  }

  const agg = v.agg;
  const entries: MapEntry[] = raw.map((e) => ({ key: decodeKey(e.key), value: mergeAgg(agg, v.signed, e.values) }));
  return { name, entries };
}

/**
 * What print() shows for a scalar map nothing has written yet: the zero of its value type
 * (`@: 0`, a zeroed record, an empty stats()); undefined for keyed maps and for histograms and
 * time series, which print nothing then.
 */
export function zeroScalar(res: MapResource): AggValue | undefined {
  const v = res.info.value;
  if (!v || res.info.key !== null) return undefined;
  if (v.kind === 'value') {
    const bytes = new Uint8Array(Math.max(8, sizeOf(v.type)));
    return { kind: 'scalar', value: decoderFor(v.type)(view(bytes), 0) };
  }
  if (v.agg === 'hist' || v.agg === 'lhist' || v.agg === 'tseries') return undefined;
  return mergeAgg(v.agg, v.signed, []);
}

function mergeAgg(agg: 'count' | 'sum' | 'min' | 'max' | 'avg' | 'stats', signed: boolean, values: Uint8Array[]): AggValue {
  let a = 0n;
  let b = 0n;
  let set = false;
  for (const raw of values) {
    const dv = view(raw);
    const x = readInt(dv, 0, 8, signed);
    switch (agg) {
      case 'count':
      case 'sum':
        a += x;
        break;
      case 'avg':
      case 'stats':
        a += x;
        b += dv.getBigUint64(8, true);
        break;
      case 'min':
      case 'max':
        if (dv.getBigUint64(8, true) === 0n) break;
        if (!set || (agg === 'min' ? x < a : x > a)) a = x;
        set = true;
        break;
    }
  }
  switch (agg) {
    case 'count':
      return { kind: 'count', value: a };
    case 'sum':
      return { kind: 'sum', value: a, signed };
    case 'min':
      return { kind: 'min', value: a, signed, isSet: set };
    case 'max':
      return { kind: 'max', value: a, signed, isSet: set };
    case 'avg':
      return { kind: 'avg', total: a, count: b, signed };
    case 'stats':
      return { kind: 'stats', total: a, count: b, signed };
  }
}
