// `-f json` output, as bpftrace 0.26's JsonOutput writes it: one JSON object per line, all on
// stdout. Objects are spaced (`{"a": 1, "b": 2}`), arrays are not (`[1,2]`). Integers that a
// double cannot hold exactly are written as strings. Map keys are strings: the key's text with
// a tuple's parentheses and every space removed (`"bpftrace,2"`).

import type { MapSnapshot, Value } from '../value.ts';
import type { Histogram } from './hist.ts';
import { exitOrder, formatMap, type OutValue, type PrintOptions, type TimeSeries } from './model.ts';
import { intValue, valueText } from './primitive.ts';

// bpftrace escapes control characters with `std::hex` on its output stream and never resets it,
// so from then on every number it writes with `<<` (histogram counts, tseries values, probe and
// lost-event counts) comes out in hex, for the rest of the run. Strings go through to_string and
// are not affected. This tracks that state; resetJsonState() starts a new run.
let streamHex = false;

export function resetJsonState(): void {
  streamHex = false;
}

function streamNumber(n: bigint | number): string {
  return streamHex ? BigInt.asUintN(64, BigInt(n)).toString(16) : `${n}`;
}

/**
 * A JSON string of a byte string. Like bpftrace, which tests `char c <= 0x1f` on a signed char,
 * every byte >= 0x80 is escaped too, as `\uffffffXX` (the sign-extended char in hex).
 */
export function jsonString(s: string): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x80) {
      if (c <= 0xff) {
        out += `\\uffffff${c.toString(16)}`;
      } else {
        // Not a byte string after all: escape the character's UTF-8 bytes.
        const cp = s.codePointAt(i) as number;
        if (cp > 0xffff) i++;
        for (const b of Buffer.from(String.fromCodePoint(cp), 'utf8')) out += `\\uffffff${b.toString(16)}`;
      }
      streamHex = true;
      continue;
    }
    switch (c) {
      case 0x22:
        out += '\\"';
        break;
      case 0x5c:
        out += '\\\\';
        break;
      case 0x0a:
        out += '\\n';
        break;
      case 0x0d:
        out += '\\r';
        break;
      case 0x09:
        out += '\\t';
        break;
      default:
        if (c <= 0x1f) {
          out += `\\u${c.toString(16).padStart(4, '0')}`;
          streamHex = true;
        } else {
          out += s[i];
        }
    }
  }
  return `${out}"`;
}

/** An integer, quoted when converting it to a double and back would change it. */
export function jsonInt(v: bigint): string {
  const s = `${v}`;
  return BigInt(Number(v)) === v ? s : `"${s}"`;
}

export function jsonValue(v: Value): string {
  switch (v.kind) {
    case 'int':
      return jsonInt(intValue(v));
    case 'bool':
      return v.value ? 'true' : 'false';
    case 'str':
    case 'text':
      return jsonString(v.value);
    case 'sym':
      // JSON gets the number behind an enum name or pointer.
      return jsonInt(BigInt.asUintN(64, v.value));
    case 'buf': {
      // A buffer is a vector<char>: one (signed) number per byte.
      const parts: string[] = [];
      for (const b of v.bytes) parts.push(`${b > 127 ? b - 256 : b}`);
      return `[${parts.join(',')}]`;
    }
    case 'tuple':
    case 'array':
      return `[${v.elems.map(jsonValue).join(',')}]`;
    case 'record':
      return `{${v.fields.map((f) => `${jsonString(f.name)}: ${jsonValue(f.value)}`).join(', ')}}`;
    case 'stack':
      return jsonString(valueText(v));
    case 'none':
      return 'null';
  }
}

function jsonKey(key: Value): string {
  let s = valueText(key);
  if (s.length >= 2 && s.startsWith('(') && s.endsWith(')')) s = s.slice(1, -1);
  return jsonString(s.replaceAll(' ', ''));
}

/** The "max" of a row is one less than the next row's start (JSON ranges are closed). */
function oneLess(label: Value): string | null {
  switch (label.kind) {
    case 'int':
      if (label.signed) return jsonInt(BigInt.asIntN(64, label.value - 1n));
      return jsonInt(label.value === 0n ? -1n : BigInt.asIntN(64, label.value - 1n));
    case 'sym': {
      const n = BigInt.asUintN(64, label.value);
      return jsonInt(n === 0n ? -1n : BigInt.asIntN(64, n - 1n));
    }
    default:
      return null;
  }
}

export function jsonHistogram(hist: Histogram): string {
  const rows: string[] = [];
  for (let i = 0; i < hist.counts.length; i++) {
    let row = '{';
    if (i === 0 && hist.lowerBound !== null) row += `"min": ${jsonValue(hist.lowerBound)}, `;
    else if (i > 0) row += `"min": ${jsonValue(hist.labels[i - 1] as Value)}, `;
    const hi = hist.labels[i];
    if (hi !== undefined) row += `"max": ${oneLess(hi) ?? jsonValue(hi)}, `;
    rows.push(`${row}"count": ${streamNumber(hist.counts[i] as bigint)}}`);
  }
  return `[${rows.join(',')}]`;
}

/** C++'s default form of a system_clock time point: `1970-01-01 00:00:00.500000000` (UTC). */
function utcTimestamp(ns: bigint): string {
  const secs = ns / 1_000_000_000n;
  const frac = ns - secs * 1_000_000_000n;
  const iso = new Date(Number(secs) * 1000).toISOString(); // YYYY-MM-DDTHH:MM:SS.mmmZ
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)}.${`${frac}`.padStart(9, '0')}`;
}

function jsonTimeSeries(ts: TimeSeries): string {
  const parts: string[] = [];
  for (const p of ts.points) {
    if (p.value === null) continue;
    const v = p.value.kind === 'int' && streamHex ? streamNumber(intValue(p.value)) : valueText(p.value);
    parts.push(`{"interval_start":"${utcTimestamp(p.ns)}","value":${v}}`);
  }
  return `[${parts.join(',')}]`;
}

export function jsonOut(v: OutValue): string {
  switch (v.kind) {
    case 'prim':
      return jsonValue(v.value);
    case 'hist':
      return jsonHistogram(v.hist);
    case 'tseries':
      return jsonTimeSeries(v.series);
    case 'map':
      return `{${v.entries.map((e) => `${jsonKey(e.key)}: ${jsonOut(e.value)}`).join(', ')}}`;
    case 'stats':
      return jsonOut(v.inner);
  }
}

function emit(type: string, name: string | null, data: string): string {
  const body = name === null ? data : `{${jsonString(name)}: ${data}}`;
  return `{"type": "${type}", "data": ${body}}\n`;
}

// The message type follows the value, or the first entry's value for a map.
function messageType(v: OutValue): string {
  switch (v.kind) {
    case 'stats':
      return 'stats';
    case 'tseries':
      return 'tseries';
    case 'hist':
      return 'hist';
    case 'map': {
      const first = v.entries[0];
      return first === undefined ? 'map' : messageType(first.value);
    }
    case 'prim':
      return 'map';
  }
}

/** A map for print() or exit; empty maps print nothing (except empty avg/stats maps). */
export function mapJson(snap: MapSnapshot, opts: PrintOptions = {}): string {
  return renderMapJson(snap.name, formatMap(snap, opts));
}

export function renderMapJson(name: string, value: OutValue): string {
  if (value.kind === 'map' && value.entries.length === 0) return '';
  return emit(messageType(value), name, jsonOut(value));
}

/** All maps printed at exit, ordered by name. */
export function exitMapsJson(maps: readonly MapSnapshot[], opts: PrintOptions = {}): string {
  let out = '';
  for (const m of exitOrder(maps)) out += mapJson(m, opts);
  return out;
}

/** print() of a non-map value. */
export function valueJson(v: Value): string {
  return emit('value', null, jsonValue(v));
}

export type TextMessage = 'printf' | 'time' | 'cat' | 'join' | 'syscall';

/** printf(), time(), cat(), join(), system() output: `{"type": "printf", "data": "..."}`. */
export function messageJson(type: TextMessage, text: string): string {
  return emit(type, null, jsonString(text));
}

export function attachedProbesJson(n: number): string {
  const c = streamNumber(n);
  return `{"type": "attached_probes", "count": ${c}, "data": {"probes": ${c}}}\n`;
}

export function lostEventsJson(n: number | bigint): string {
  const c = streamNumber(n);
  return `{"type": "lost_events", "count": ${c}, "data": {"events": ${c}}}\n`;
}

export interface JsonLocation {
  filename: string;
  line: number;
  col: number;
}

function locationJson(loc: JsonLocation): string {
  return `, "filename": ${jsonString(loc.filename)}, "line": ${loc.line}, "col": ${loc.col}}\n`;
}

/** errorf()/warnf() in JSON mode (the text mode prints them as diagnostics on stderr). */
export function errorfJson(severity: 'errorf' | 'warnf', msg: string, loc: JsonLocation): string {
  return `{"type": "${severity}", "msg": ${jsonString(msg)}${locationJson(loc)}`;
}

/** A failed helper call (`helper` is the BPF helper's name as bpftrace prints it). */
export function helperErrorJson(msg: string, helper: string, retcode: number, loc: JsonLocation): string {
  return `{"type": "helper_error", "msg": ${jsonString(msg)}, "helper": ${jsonString(helper)}, "retcode": ${retcode}${locationJson(loc)}`;
}

export function runtimeErrorJson(msg: string, loc: JsonLocation): string {
  return `{"type": "runtime_error", "msg": ${jsonString(msg)}${locationJson(loc)}`;
}
