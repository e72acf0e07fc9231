// Hand-assembled DWARF sections for the reader's tests: the forms GCC never writes in a plain
// build (strx*, addrx*, ref_udata, ref_sig8, data16, indirect, 64-bit units...) written byte
// by byte, with labels for references patched at the end.

import type { DwarfSections } from '../../src/elf/dwarf/sections.ts';

type Fixup = { at: number; size: 1 | 2 | 4 | 8; label: string; base: number };

/** A growing byte buffer with labels and forward references. */
export class Bytes {
  private readonly out: number[] = [];
  private readonly labels = new Map<string, number>();
  private readonly fixups: Fixup[] = [];

  get pos(): number {
    return this.out.length;
  }

  u8(v: number): this {
    this.out.push(v & 0xff);
    return this;
  }

  uN(v: number | bigint, n: number): this {
    let x = BigInt(v);
    for (let i = 0; i < n; i++) {
      this.out.push(Number(x & 0xffn));
      x >>= 8n;
    }
    return this;
  }

  u16(v: number): this {
    return this.uN(v, 2);
  }

  u32(v: number): this {
    return this.uN(v, 4);
  }

  u64(v: number | bigint): this {
    return this.uN(v, 8);
  }

  uleb(v: number): this {
    do {
      let b = v % 128;
      v = Math.floor(v / 128);
      if (v > 0) b |= 0x80;
      this.out.push(b);
    } while (v > 0);
    return this;
  }

  sleb(v: number): this {
    for (;;) {
      const b = v & 0x7f;
      v >>= 7;
      const done = (v === 0 && !(b & 0x40)) || (v === -1 && b & 0x40);
      this.out.push(done ? b : b | 0x80);
      if (done) return this;
    }
  }

  cstr(s: string): this {
    for (const ch of Buffer.from(s, 'latin1')) this.out.push(ch);
    this.out.push(0);
    return this;
  }

  bytes(b: number[]): this {
    this.out.push(...b);
    return this;
  }

  label(name: string): this {
    this.labels.set(name, this.out.length);
    return this;
  }

  at(name: string): number {
    const v = this.labels.get(name);
    if (v === undefined) throw new Error(`no label ${name}`);
    return v;
  }

  /** A placeholder for label's offset minus `base`, written when the buffer is finished. */
  ref(label: string, size: 1 | 2 | 4 | 8, base = 0): this {
    this.fixups.push({ at: this.out.length, size, label, base });
    return this.uN(0, size);
  }

  /** A 4-byte length placeholder for the bytes from here to `label`. */
  lengthTo(label: string): this {
    this.fixups.push({ at: this.out.length, size: 4, label, base: this.out.length + 4 });
    return this.uN(0, 4);
  }

  finish(): Buffer {
    const b = Buffer.from(this.out);
    for (const f of this.fixups) {
      const v = BigInt(this.at(f.label) - f.base);
      for (let i = 0; i < f.size; i++) b[f.at + i] = Number((v >> BigInt(8 * i)) & 0xffn);
    }
    return b;
  }
}

/** String sections: each string once, its offset by value. */
export class StrTable {
  readonly b = new Bytes();
  private readonly offs = new Map<string, number>();

  off(s: string): number {
    let o = this.offs.get(s);
    if (o === undefined) {
      o = this.b.pos;
      this.b.cstr(s);
      this.offs.set(s, o);
    }
    return o;
  }
}

export function sections(parts: Partial<Record<keyof DwarfSections, Buffer>>): DwarfSections {
  const e = Buffer.alloc(0);
  return {
    info: parts.info ?? e,
    abbrev: parts.abbrev ?? e,
    str: parts.str ?? e,
    lineStr: parts.lineStr ?? e,
    strOffsets: parts.strOffsets ?? e,
    addr: parts.addr ?? e,
    aranges: parts.aranges ?? e,
    line: parts.line ?? e,
    types: parts.types ?? e,
    ranges: parts.ranges ?? e,
    rnglists: parts.rnglists ?? e,
  };
}
