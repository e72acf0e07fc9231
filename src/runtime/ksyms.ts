// Kernel symbols from /proc/kallsyms: address -> name+offset (for kstack, ksym()) and
// name -> address (kaddr()). Loaded once, on first use.
//
// The file has ~120k lines of `ffffffff81000000 T _stext` (plus `\t[module]` for modules).
// It is parsed byte by byte into typed arrays, names kept as offsets into the raw buffer and
// decoded only for the symbols asked about: no per-line strings, regexes or splits.

import { closeSync, openSync, readSync } from 'node:fs';
import { bytesEqual, encodeName, HashChains, hashBytes } from '../btf/name-hash.ts';
import { clockStart, elapsedMs } from '../util/elapsed.ts';

export interface KsymHit {
  name: string;
  /** Bytes from the symbol's start. */
  offset: number;
  /** Module name for module symbols, else null (vmlinux). */
  module: string | null;
  /** The kallsyms type letter: T/t text, W/w weak, D/d data, ... */
  type: string;
}

export interface KsymEntry {
  name: string;
  address: bigint;
  /** The kallsyms type letter: T/t text, W/w weak, D/d data, ... */
  type: string;
  module: string | null;
}

// Hex digit values, 255 for anything else.
const HEX = new Uint8Array(256).fill(255);
for (let i = 0; i < 10; i++) HEX[48 + i] = i;
for (let i = 0; i < 6; i++) {
  HEX[97 + i] = 10 + i;
  HEX[65 + i] = 10 + i;
}

const NL = 10;
const SPACE = 32;
const TAB = 9;
const CLOSE_BRACKET = 93;

/** Name lookups answered by scanning before a hash table is worth building. */
const SCAN_LOOKUPS = 8;

export class Kallsyms {
  /** Number of symbols. */
  readonly count: number;
  /** Milliseconds spent parsing (reading excluded). */
  readonly parseMs: number;
  /** True when every address read as 0 (kptr_restrict hides them from this user). */
  readonly hidden: boolean;

  private readonly buf: Buffer;
  // Addresses as two 32-bit halves: comparisons stay in fast integer arithmetic.
  private readonly hi: Uint32Array;
  private readonly lo: Uint32Array;
  private readonly nameStart: Uint32Array;
  private readonly nameEnd: Uint32Array;
  private readonly typeChar: Uint8Array;
  /** Start of the module name (after '['), 0 when the symbol is in vmlinux. */
  private readonly modStart: Uint32Array;
  /** Entry indices in address order; null when the file is already sorted (the usual case). */
  private readonly order: Uint32Array | null;
  private names: HashChains | null = null;
  private lookups = 0;

  constructor(text: Buffer) {
    const t0 = clockStart();
    this.buf = text;
    // Lines are at least ~20 bytes; this bounds the symbol count before parsing.
    const max = Math.ceil(text.length / 18) + 1;
    const hi = new Uint32Array(max);
    const lo = new Uint32Array(max);
    const ns = new Uint32Array(max);
    const ne = new Uint32Array(max);
    const tc = new Uint8Array(max);
    const ms = new Uint32Array(max);
    const len = text.length;
    let n = 0;
    let p = 0;
    let sorted = true;
    let anyNonZero = false;
    let prevHi = 0;
    let prevLo = 0;
    while (p < len) {
      let h = 0;
      let l = 0;
      if (text[p + 16] === SPACE) {
        // The usual 64-bit line: 16 hex digits, unrolled into two 32-bit halves.
        h =
          ((HEX[text[p]] << 28) |
            (HEX[text[p + 1]] << 24) |
            (HEX[text[p + 2]] << 20) |
            (HEX[text[p + 3]] << 16) |
            (HEX[text[p + 4]] << 12) |
            (HEX[text[p + 5]] << 8) |
            (HEX[text[p + 6]] << 4) |
            HEX[text[p + 7]]) >>>
          0;
        l =
          ((HEX[text[p + 8]] << 28) |
            (HEX[text[p + 9]] << 24) |
            (HEX[text[p + 10]] << 20) |
            (HEX[text[p + 11]] << 16) |
            (HEX[text[p + 12]] << 12) |
            (HEX[text[p + 13]] << 8) |
            (HEX[text[p + 14]] << 4) |
            HEX[text[p + 15]]) >>>
          0;
        p += 16;
      } else {
        // Any other width (32-bit kernels): digit by digit.
        let d = HEX[text[p]];
        while (d !== 255) {
          h = ((h << 4) | (l >>> 28)) >>> 0;
          l = ((l << 4) | d) >>> 0;
          d = HEX[text[++p]];
        }
      }
      let nl = text.indexOf(NL, p);
      if (nl < 0) nl = len;
      if (text[p] !== SPACE || nl - p < 4) {
        p = nl + 1; // not a symbol line
        continue;
      }
      const start = p + 3;
      let end = nl;
      // Module symbols end in `\t[module]`; checking the last byte keeps the common case to one compare.
      if (text[nl - 1] === CLOSE_BRACKET) {
        const tab = text.lastIndexOf(TAB, nl);
        if (tab >= start) {
          ms[n] = tab + 2;
          end = tab;
        }
      }
      ns[n] = start;
      ne[n] = end;
      tc[n] = text[p + 1];
      hi[n] = h;
      lo[n] = l;
      if (h !== 0 || l !== 0) anyNonZero = true;
      if (h < prevHi || (h === prevHi && l < prevLo)) sorted = false;
      prevHi = h;
      prevLo = l;
      n++;
      p = nl + 1;
    }
    this.count = n;
    this.hi = hi.subarray(0, n);
    this.lo = lo.subarray(0, n);
    this.nameStart = ns.subarray(0, n);
    this.nameEnd = ne.subarray(0, n);
    this.typeChar = tc.subarray(0, n);
    this.modStart = ms.subarray(0, n);
    this.hidden = n > 0 && !anyNonZero;
    if (sorted) {
      this.order = null;
    } else {
      // Module symbols may come out of address order; a stable sort keeps file order for ties.
      const idx = Array.from({ length: n }, (_, i) => i);
      idx.sort((a, b) => this.hi[a] - this.hi[b] || this.lo[a] - this.lo[b] || a - b);
      this.order = Uint32Array.from(idx);
    }
    this.parseMs = elapsedMs(t0);
  }

  private nameOf(i: number): string {
    return this.buf.toString('latin1', this.nameStart[i], this.nameEnd[i]);
  }

  private moduleOf(i: number): string | null {
    const s = this.modStart[i];
    if (s === 0) return null;
    const end = this.buf.indexOf(']', s);
    return this.buf.toString('latin1', s, end < 0 ? s : end);
  }

  private addressOf(i: number): bigint {
    return (BigInt(this.hi[i]) << 32n) | BigInt(this.lo[i]);
  }

  /** The symbol containing `addr` (the nearest one at or below it), or null. */
  ksym(addr: bigint): KsymHit | null {
    if (this.hidden || this.count === 0 || addr < 0n) return null;
    const h = Number((addr >> 32n) & 0xffffffffn);
    const l = Number(addr & 0xffffffffn);
    const { hi, lo, order } = this;
    const at = (pos: number): number => (order ? order[pos] : pos);
    // Last position in address order whose address is <= addr.
    let a = 0;
    let b = this.count; // invariant: positions < a are <= addr, positions >= b are > addr
    while (a < b) {
      const m = (a + b) >>> 1;
      const i = at(m);
      if (hi[i] < h || (hi[i] === h && lo[i] <= l)) a = m + 1;
      else b = m;
    }
    if (a === 0) return null;
    let pos = a - 1;
    // Several names can share an address (_stext, _text, ...): report the first listed.
    const ph = hi[at(pos)];
    const pl = lo[at(pos)];
    while (pos > 0 && hi[at(pos - 1)] === ph && lo[at(pos - 1)] === pl) pos--;
    const i = at(pos);
    return {
      name: this.nameOf(i),
      offset: Number(addr - this.addressOf(i)),
      module: this.moduleOf(i),
      type: String.fromCharCode(this.typeChar[i]),
    };
  }

  /** Address of the first symbol named `name` (optionally only in `module`), or null. */
  kaddr(name: string, module?: string): bigint | null {
    const e = this.lookup(name, module);
    return e === null || this.hidden ? null : this.addressOf(e);
  }

  /** Full entry of the first symbol named `name`, or null. */
  entry(name: string, module?: string): KsymEntry | null {
    const e = this.lookup(name, module);
    if (e === null) return null;
    return {
      name,
      address: this.addressOf(e),
      type: String.fromCharCode(this.typeChar[e]),
      module: this.moduleOf(e),
    };
  }

  private lookup(name: string, module?: string): number | null {
    const q = encodeName(name);
    // A few lookups are cheaper as native substring searches than hashing 120k names first.
    if (this.names === null && this.lookups++ < SCAN_LOOKUPS) return this.scanLookup(q, module);
    let found: number | null = null;
    this.nameTable().find(hashBytes(q, 0, q.length), (i) => {
      if (!bytesEqual(this.buf, this.nameStart[i], this.nameEnd[i], q)) return false;
      if (module !== undefined && (this.moduleOf(i) ?? 'vmlinux') !== module) return false;
      found = i;
      return true;
    });
    return found;
  }

  /** Finds the name in the raw text as a whole symbol name; returns the first such entry. */
  private scanLookup(q: Uint8Array, module?: string): number | null {
    const buf = this.buf;
    if (q.length === 0) return null;
    for (let p = buf.indexOf(q); p >= 0; p = buf.indexOf(q, p + 1)) {
      // A whole name sits between `<type> ` and a newline or `\t[module]`.
      const after = buf[p + q.length];
      if (buf[p - 1] !== SPACE || (after !== NL && after !== TAB && p + q.length !== buf.length)) continue;
      const i = this.entryAt(p);
      if (i === null) continue;
      if (module !== undefined && (this.moduleOf(i) ?? 'vmlinux') !== module) continue;
      return i;
    }
    return null;
  }

  /** The entry whose name starts at byte `pos`, or null. */
  private entryAt(pos: number): number | null {
    const ns = this.nameStart;
    let a = 0;
    let b = this.count - 1;
    while (a <= b) {
      const m = (a + b) >>> 1;
      if (ns[m] < pos) a = m + 1;
      else if (ns[m] > pos) b = m - 1;
      else return m;
    }
    return null;
  }

  private nameTable(): HashChains {
    if (this.names) return this.names;
    const n = this.count;
    const entries = new Uint32Array(n);
    const hashes = new Uint32Array(n);
    for (let i = 0; i < n; i++) {
      entries[i] = i;
      hashes[i] = hashBytes(this.buf, this.nameStart[i], this.nameEnd[i]);
    }
    this.names = HashChains.build(entries, hashes, n);
    return this.names;
  }

  /** Function symbols (text and weak), in file order: what kprobes could attach to at best. */
  functions(): { name: string; module: string | null }[] {
    const out: { name: string; module: string | null }[] = [];
    for (let i = 0; i < this.count; i++) {
      const t = this.typeChar[i] | 0x20; // lower-case
      if (t !== 0x74 /* t */ && t !== 0x77 /* w */) continue;
      out.push({ name: this.nameOf(i), module: this.moduleOf(i) });
    }
    return out;
  }

  /** Iterates over all symbols in file order (decodes every name; for listings, not hot paths). */
  *entries(): Generator<KsymEntry> {
    for (let i = 0; i < this.count; i++) {
      yield {
        name: this.nameOf(i),
        address: this.addressOf(i),
        type: String.fromCharCode(this.typeChar[i]),
        module: this.moduleOf(i),
      };
    }
  }
}

let loaded: Kallsyms | null = null;

/**
 * Reads a /proc file (whose size stat() reports as 0) with large reads: generating kallsyms
 * costs the kernel per read call, and this is ~25% faster than readFileSync's 64 KiB chunks.
 */
function readWhole(path: string): Buffer {
  const fd = openSync(path, 'r');
  try {
    let buf = Buffer.allocUnsafe(8 << 20);
    let len = 0;
    for (;;) {
      if (len === buf.length) {
        const bigger = Buffer.allocUnsafe(buf.length * 2);
        buf.copy(bigger, 0, 0, len);
        buf = bigger;
      }
      const got = readSync(fd, buf, len, buf.length - len, null);
      if (got === 0) break;
      len += got;
    }
    return buf.subarray(0, len);
  } finally {
    closeSync(fd);
  }
}

/** The kernel's symbols (read from /proc/kallsyms on first call). */
export function loadKallsyms(path = '/proc/kallsyms'): Kallsyms {
  if (loaded && path === '/proc/kallsyms') return loaded;
  const k = new Kallsyms(readWhole(path));
  if (path === '/proc/kallsyms') loaded = k;
  return k;
}

/** Symbol containing a kernel address, as name + offset; null if none. */
export function ksym(addr: bigint): KsymHit | null {
  return loadKallsyms().ksym(addr);
}

/** Address of a kernel symbol; null if unknown (or addresses are hidden). */
export function kaddr(name: string): bigint | null {
  return loadKallsyms().kaddr(name);
}
