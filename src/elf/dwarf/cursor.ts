// A read position in a section: little-endian fixed-size integers, LEB128 and C strings,
// read in place (no copies of the section).

export class Cursor {
  private readonly dv: DataView;

  constructor(
    readonly buf: Buffer,
    public pos = 0,
  ) {
    this.dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }

  get atEnd(): boolean {
    return this.pos >= this.buf.length;
  }

  u8(): number {
    if (this.pos >= this.buf.length) throw new RangeError('DWARF: read past the end of a section');
    return this.buf[this.pos++] as number;
  }

  u16(): number {
    const v = this.dv.getUint16(this.pos, true);
    this.pos += 2;
    return v;
  }

  u24(): number {
    const v = this.dv.getUint16(this.pos, true) | (this.dv.getUint8(this.pos + 2) << 16);
    this.pos += 3;
    return v;
  }

  u32(): number {
    const v = this.dv.getUint32(this.pos, true);
    this.pos += 4;
    return v;
  }

  /** A u64 as a number: addresses, offsets and sizes fit in 53 bits; larger constants lose precision. */
  u64(): number {
    const lo = this.dv.getUint32(this.pos, true);
    const hi = this.dv.getUint32(this.pos + 4, true);
    this.pos += 8;
    return hi * 0x1_0000_0000 + lo;
  }

  big64(): bigint {
    const v = this.dv.getBigUint64(this.pos, true);
    this.pos += 8;
    return v;
  }

  /**
   * A unit's initial length (§7.4): 0xffffffff then 8 bytes in 64-bit DWARF, whose offsets into
   * other sections are then 8 bytes too.
   */
  initialLength(): { len: number; offsetSize: 4 | 8 } {
    const len = this.u32();
    return len === 0xffffffff ? { len: this.u64(), offsetSize: 8 } : { len, offsetSize: 4 };
  }

  /** An offset into another section: 4 bytes in 32-bit DWARF, 8 in 64-bit. */
  offset(size: 4 | 8): number {
    return size === 4 ? this.u32() : this.u64();
  }

  /** `n`-byte unsigned integer (address sizes 1..8). */
  uN(n: number): number {
    switch (n) {
      case 1:
        return this.u8();
      case 2:
        return this.u16();
      case 4:
        return this.u32();
      case 8:
        return this.u64();
      default: {
        let v = 0;
        for (let i = 0; i < n; i++) v += (this.buf[this.pos + i] as number) * 2 ** (8 * i);
        this.pos += n;
        return v;
      }
    }
  }

  uleb(): number {
    const b = this.buf;
    if (this.pos >= b.length) throw new RangeError('DWARF: truncated LEB128');
    let byte = b[this.pos++] as number;
    if (byte < 0x80) return byte;
    let v = byte & 0x7f;
    let mul = 0x80;
    do {
      if (this.pos >= b.length) throw new RangeError('DWARF: truncated LEB128');
      byte = b[this.pos++] as number;
      v += (byte & 0x7f) * mul;
      mul *= 0x80;
    } while (byte & 0x80);
    return v;
  }

  sleb(): number {
    const b = this.buf;
    let v = 0;
    let mul = 1;
    let byte: number;
    do {
      if (this.pos >= b.length) throw new RangeError('DWARF: truncated LEB128');
      byte = b[this.pos++] as number;
      v += (byte & 0x7f) * mul;
      mul *= 0x80;
    } while (byte & 0x80);
    // Sign bit of the last byte: the value is v - 2^(7 * bytes).
    return byte & 0x40 ? v - mul : v;
  }

  /** Moves forward `n` bytes (call as skip(c.uleb()): `pos += c.uleb()` would add to the old pos). */
  skip(n: number): void {
    this.pos += n;
  }

  /** Skips a LEB128 number without decoding it. */
  skipLeb(): void {
    const b = this.buf;
    while ((b[this.pos++] as number) & 0x80) {
      if (this.pos >= b.length) throw new RangeError('DWARF: truncated LEB128');
    }
  }

  /** A NUL-terminated string at the cursor (latin1: one char per byte, as the ELF reader). */
  cstr(): string {
    const end = this.buf.indexOf(0, this.pos);
    const stop = end < 0 ? this.buf.length : end;
    const s = this.buf.toString('latin1', this.pos, stop);
    this.pos = stop + 1;
    return s;
  }

  skipCstr(): void {
    const end = this.buf.indexOf(0, this.pos);
    this.pos = end < 0 ? this.buf.length : end + 1;
  }
}

/** A NUL-terminated string at `off` in a string section, or '' when out of range. */
export function strAt(b: Buffer, off: number): string {
  if (off < 0 || off >= b.length) return '';
  const end = b.indexOf(0, off);
  return b.toString('latin1', off, end < 0 ? b.length : end);
}
