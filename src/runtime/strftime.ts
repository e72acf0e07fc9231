// C strftime for the conversions bpftrace scripts use, plus bpftrace's %f (microseconds),
// in local time as libc would print it.

import { defaultSys } from '../bpf/default-sys.ts';

const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

const pad = (n: number, w = 2, c = '0'): string => String(n).padStart(w, c);

function dayOfYear(d: Date): number {
  const start = new Date(d.getFullYear(), 0, 1);
  return Math.floor((d.getTime() - start.getTime()) / 86400000) + 1;
}

function tzOffset(d: Date): string {
  const off = -d.getTimezoneOffset();
  const sign = off >= 0 ? '+' : '-';
  const a = Math.abs(off);
  return `${sign}${pad(Math.floor(a / 60))}${pad(a % 60)}`;
}

function tzName(d: Date): string {
  const m = /\(([^)]+)\)/.exec(d.toString());
  const name = m?.[1] ?? '';
  if (name === 'Coordinated Universal Time') return 'UTC';
  return /^[A-Z]+$/.test(name)
    ? name
    : name
        .split(' ')
        .map((w) => w[0])
        .join('');
}

/** Formats `epochNs` (ns since the Unix epoch). */
export function strftime(fmt: string, epochNs: bigint): string {
  const ms = Number(epochNs / 1000000n);
  const d = new Date(ms);
  const us = Number((epochNs / 1000n) % 1000000n);
  let out = '';
  for (let i = 0; i < fmt.length; i++) {
    const c = fmt[i];
    if (c !== '%' || i + 1 >= fmt.length) {
      out += c;
      continue;
    }
    const k = fmt[++i] as string;
    out += conv(k, d, us, epochNs);
  }
  return out;
}

function conv(k: string, d: Date, us: number, ns: bigint): string {
  const h = d.getHours();
  switch (k) {
    case 'a':
      return (DAYS[d.getDay()] as string).slice(0, 3);
    case 'A':
      return DAYS[d.getDay()] as string;
    case 'b':
    case 'h':
      return (MONTHS[d.getMonth()] as string).slice(0, 3);
    case 'B':
      return MONTHS[d.getMonth()] as string;
    case 'c':
      return `${conv('a', d, us, ns)} ${conv('b', d, us, ns)} ${pad(d.getDate(), 2, ' ')} ${conv('T', d, us, ns)} ${d.getFullYear()}`;
    case 'C':
      return pad(Math.floor(d.getFullYear() / 100));
    case 'd':
      return pad(d.getDate());
    case 'D':
      return `${pad(d.getMonth() + 1)}/${pad(d.getDate())}/${pad(d.getFullYear() % 100)}`;
    case 'e':
      return pad(d.getDate(), 2, ' ');
    case 'f':
      return pad(us, 6);
    case 'F':
      return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
    case 'H':
      return pad(h);
    case 'I':
      return pad(h % 12 === 0 ? 12 : h % 12);
    case 'j':
      return pad(dayOfYear(d), 3);
    case 'k':
      return pad(h, 2, ' ');
    case 'l':
      return pad(h % 12 === 0 ? 12 : h % 12, 2, ' ');
    case 'm':
      return pad(d.getMonth() + 1);
    case 'M':
      return pad(d.getMinutes());
    case 'n':
      return '\n';
    case 'p':
      return h < 12 ? 'AM' : 'PM';
    case 'P':
      return h < 12 ? 'am' : 'pm';
    case 'r':
      return `${conv('I', d, us, ns)}:${pad(d.getMinutes())}:${pad(d.getSeconds())} ${conv('p', d, us, ns)}`;
    case 'R':
      return `${pad(h)}:${pad(d.getMinutes())}`;
    case 's':
      return String(ns / 1000000000n);
    case 'S':
      return pad(d.getSeconds());
    case 't':
      return '\t';
    case 'T':
      return `${pad(h)}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
    case 'u':
      return String(d.getDay() === 0 ? 7 : d.getDay());
    case 'w':
      return String(d.getDay());
    case 'x':
      return conv('D', d, us, ns);
    case 'X':
      return conv('T', d, us, ns);
    case 'y':
      return pad(d.getFullYear() % 100);
    case 'Y':
      return String(d.getFullYear());
    case 'z':
      return tzOffset(d);
    case 'Z':
      return tzName(d);
    case '%':
      return '%';
    default:
      return `%${k}`;
  }
}

/** Monotonic/boot ns (what bpf_ktime_get_ns gives) → ns since the Unix epoch. */
export function monotonicToEpochNs(mono: bigint): bigint {
  return epochOffset() + mono;
}

let offset: bigint | null = null;

/**
 * Epoch ns minus monotonic ns, taken once per run as bpftrace takes its boot time once: two
 * timestamps then differ by exactly what their nsecs differ by (`%f` of 123000 and of 0 are
 * 123 µs apart), which a fresh millisecond clock reading per call did not give.
 */
function epochOffset(): bigint {
  if (offset === null) {
    const nowEpoch = BigInt(Math.round((performance.timeOrigin + performance.now()) * 1000)) * 1000n;
    offset = nowEpoch - defaultSys().monotonicNs();
  }
  return offset;
}
