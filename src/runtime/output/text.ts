// Text output (the default `-f text`), as bpftrace 0.26's TextOutput writes it. Every function
// returns the exact text, newlines included; the caller writes it to stdout unless noted.
//
//   print(@x) / exit, scalar      `@x: 5\n`
//   keyed map                     `@m[1]: 2\n@m[a, 3]: 4\n` (a tuple key loses its parentheses)
//   hist/lhist/tseries            `@h:\n` + rows + `\n`; keyed: `@h[k]:\n` + rows + `\n` per key
//   stats                         `@s: { .count = 2, .average = 5, .total = 10 }\n`
//   empty map                     nothing
// At exit, end() comes first (two newlines), then every map, ordered by name.

import type { MapSnapshot, Value } from '../value.ts';
import type { Histogram } from './hist.ts';
import { exitOrder, formatMap, type OutValue, type PrintOptions, type TimeSeries } from './model.ts';
import { valueText } from './primitive.ts';

export { valueText } from './primitive.ts';

const BAR_WIDTH = 52;

/** print(@m[, top[, div]]) and the maps printed at exit. */
export function mapText(snap: MapSnapshot, opts: PrintOptions = {}): string {
  return renderMap(snap.name, formatMap(snap, opts));
}

/** All maps printed at exit (after end()). */
export function exitMapsText(maps: readonly MapSnapshot[], opts: PrintOptions = {}): string {
  let out = '';
  for (const m of exitOrder(maps)) out += mapText(m, opts);
  return out;
}

/** print() of anything that is not a map: the value's text and a newline. */
export function valueLine(v: Value): string {
  return `${valueText(v)}\n`;
}

/** Written when the program stops, before the maps. */
export function endText(): string {
  return '\n\n';
}

/** join(): the joined text and a newline (system() output gets a newline too). */
export function joinText(joined: string): string {
  return `${joined}\n`;
}

/** To stderr. */
export function attachedProbesText(n: number): string {
  return n === 1 ? 'Attached 1 probe\n' : `Attached ${n} probes\n`;
}

/** To stderr. */
export function lostEventsText(n: number | bigint): string {
  return `Lost ${n} events\n`;
}

export function renderMap(name: string, value: OutValue): string {
  switch (value.kind) {
    case 'hist':
    case 'tseries':
      return `${name}:\n${renderValue(value)}\n`;
    case 'stats':
      if (value.inner.kind === 'map') return renderEntries(name, value.inner.entries);
      return `${name}: ${valueText(value.inner.value)}\n`;
    case 'map':
      return renderEntries(name, value.entries);
    case 'prim':
      return `${name}: ${valueText(value.value)}\n`;
  }
}

function renderEntries(name: string, entries: readonly { key: Value; value: OutValue }[]): string {
  let out = '';
  for (const { key, value } of entries) {
    let k = valueText(key);
    // Every key whose text is parenthesised loses the parentheses, not only tuples.
    if (k.length >= 2 && k.startsWith('(') && k.endsWith(')')) k = k.slice(1, -1);
    // Values that fit on one line go after the key; histograms start on the next line.
    const inline = value.kind === 'prim';
    out += `${name}[${k}]:${inline ? ' ' : '\n'}${renderValue(value)}\n`;
  }
  return out;
}

function renderValue(value: OutValue): string {
  switch (value.kind) {
    case 'prim':
      return valueText(value.value);
    case 'hist':
      return histText(value.hist);
    case 'tseries':
      return tseriesText(value.series);
    case 'map': {
      let out = '';
      for (const e of value.entries) out += `[${valueText(e.key)}]: ${renderValue(e.value)}\n`;
      return out;
    }
    case 'stats':
      return renderValue(value.inner);
  }
}

// Two labels are one value apart when both are plain ints of the same signedness (hist labels
// up to 2 << bits, lhist labels of steps not multiple of 1024): such a bucket prints as `[n]`.
function adjacent(a: Value, b: Value): boolean {
  return a.kind === 'int' && b.kind === 'int' && a.signed === b.signed && a.value + 1n === b.value;
}

function rowHeader(hist: Histogram, i: number): string {
  const { labels, lowerBound } = hist;
  if (i === 0) {
    const first = labels[0];
    if (lowerBound === null) return `(..., ${first === undefined ? '' : valueText(first)})`;
    if (first === undefined) return `[${valueText(lowerBound)}, ...)`;
    if (adjacent(lowerBound, first)) return `[${valueText(lowerBound)}]`;
    return `[${valueText(lowerBound)}, ${valueText(first)})`;
  }
  const lo = labels[i - 1] as Value;
  const hi = labels[i];
  if (hi === undefined) return `[${valueText(lo)}, ...)`;
  if (adjacent(lo, hi)) return `[${valueText(lo)}]`;
  return `[${valueText(lo)}, ${valueText(hi)})`;
}

/** Histogram rows: label (16 wide), count (8 wide), and a bar of @ scaled to the largest count. */
export function histText(hist: Histogram): string {
  let max = 0n;
  for (const c of hist.counts) if (c > max) max = c;
  const maxF = Math.fround(Number(max));
  let out = '';
  for (let i = 0; i < hist.counts.length; i++) {
    const count = hist.counts[i] as bigint;
    // bpftrace computes the bar width in single-precision float and truncates.
    const bar = max === 0n ? 0 : Math.trunc(Math.fround(Math.fround(Math.fround(Number(count)) / maxF) * BAR_WIDTH));
    out += `${rowHeader(hist, i).padEnd(16)}${`${count}`.padStart(8)} |${'@'.repeat(bar).padEnd(BAR_WIDTH)}|\n`;
  }
  return out;
}

// ---- tseries (0.26 only) -------------------------------------------------------------------

const GRAPH_WIDTH = 53;
const PADDING = 21;

type Unit = 0 | 3 | 6 | 9; // digits after the seconds: s, ms, us, ns

function unitOf(intervalNs: bigint): Unit {
  if (intervalNs >= 1_000_000_000n) return 0;
  if (intervalNs >= 1_000_000n) return 3;
  if (intervalNs >= 1_000n) return 6;
  return 9;
}

function unitName(u: Unit): string {
  switch (u) {
    case 0:
      return 's';
    case 3:
      return 'ms';
    case 6:
      return '\xce\xbcs'; // μs, as UTF-8 bytes
    case 9:
      return 'ns';
  }
}

function two(n: number): string {
  return n < 10 ? `0${n}` : `${n}`;
}

/** `HH:MM:SS[.fraction]` in local time, the fraction with as many digits as the unit has. */
function clockTime(ns: bigint, unit: Unit): string {
  const secs = ns / 1_000_000_000n;
  const frac = ns - secs * 1_000_000_000n;
  const d = new Date(Number(secs) * 1000);
  let s = `${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}`;
  if (unit !== 0) s += `.${`${frac / 10n ** BigInt(9 - unit)}`.padStart(unit, '0')}`;
  return s;
}

function numOf(v: Value): bigint {
  return v.kind === 'int' ? v.value : 0n;
}

// Points are int64 or uint64; bpftrace measures distances in int64.
function distance(a: bigint, b: bigint): number {
  return Number(BigInt.asIntN(64, a - b));
}

/** A time series as a sideways plot: one row per interval, `*` placed between min and max. */
export function tseriesText(ts: TimeSeries): string {
  const pts = ts.points;
  const firstPoint = pts[0];
  if (firstPoint === undefined) return '<no data>';
  // Like bpftrace, start from the first point and skip the empty ones.
  let minV = firstPoint.value;
  let maxV = firstPoint.value;
  for (const p of pts) {
    if (p.value === null) continue;
    if (minV !== null && numOf(p.value) < numOf(minV)) minV = p.value;
    if (maxV === null || numOf(p.value) > numOf(maxV)) maxV = p.value;
  }
  let min = minV === null ? 0n : numOf(minV);
  let max = maxV === null ? 0n : numOf(maxV);
  if (minV !== null && maxV !== null && min === max) {
    // Leave room on both sides of a flat line, unless that would overflow.
    const signed = minV.kind === 'int' && minV.signed;
    if (min > (signed ? -(1n << 63n) : 0n)) min--;
    if (max < (signed ? (1n << 63n) - 1n : (1n << 64n) - 1n)) max++;
  }
  const minText = minV === null ? 'null' : `${min}`;
  const maxText = maxV === null ? 'null' : `${max}`;
  const lastPoint = pts[pts.length - 1] as (typeof pts)[number];
  const interval = (lastPoint.ns - firstPoint.ns) / BigInt(pts.length > 1 ? pts.length - 1 : 1);
  const unit = unitOf(interval);
  let timeFmt = 'hh:mm:ss';
  let timeSize = timeFmt.length;
  if (unit !== 0) {
    timeFmt += `.${unitName(unit)}`;
    timeSize += 1 + unit;
  }
  let out = `${' '.repeat(timeSize + 1)}${minText.padEnd(PADDING)}${maxText.padStart(GRAPH_WIDTH - PADDING)}\n`;
  out += `${timeFmt.padEnd(timeSize + 1)}|${'_'.repeat(GRAPH_WIDTH - 2)}|\n`;
  let zeroOffset = 0;
  if (distance(min, 0n) < 0 && distance(0n, max) < 0) {
    zeroOffset = Math.trunc(
      Math.fround(Math.fround(Math.fround(GRAPH_WIDTH) * Math.fround(distance(min, 0n))) / Math.fround(distance(min, max))),
    );
  }
  for (const p of pts) {
    const line = new Array<string>(GRAPH_WIDTH).fill(' ');
    line[0] = '|';
    line[GRAPH_WIDTH - 1] = '|';
    if (zeroOffset > 0) line[zeroOffset] = '.';
    out += `${clockTime(p.ns, unit)} `;
    if (p.value !== null) {
      let offset = Math.trunc(GRAPH_WIDTH / 2);
      if (min !== max) {
        offset = Math.trunc(
          Math.fround(
            Math.fround(Math.fround(GRAPH_WIDTH - 1) * Math.fround(distance(min, numOf(p.value)))) / Math.fround(distance(min, max)),
          ),
        );
      }
      line[Math.max(0, Math.min(GRAPH_WIDTH - 1, offset))] = '*';
      out += `${line.join('')} ${valueText(p.value)}\n`;
    } else {
      out += `${line.join('')} -\n`;
    }
  }
  out += `${' '.repeat(timeSize)} v${'_'.repeat(GRAPH_WIDTH - 2)}v\n`;
  out += `${' '.repeat(timeSize)} ${minText.padEnd(PADDING)}${maxText.padStart(GRAPH_WIDTH - PADDING)}\n`;
  return out;
}
