// Builds small BTF blobs by hand, for tests of shapes the running kernel may not have
// (split BTF, unusual declarators, malformed input).

import { kindNumber } from '../../src/btf/format.ts';
import type { BtfKindName } from '../../src/btf/types.ts';

export class BtfBuilder {
  private readonly strBytes: number[] = [0];
  private readonly strIndex = new Map<string, number>([['', 0]]);
  private readonly words: number[] = [];
  private nextId: number;

  /** For split BTF: the base's last type id and string section length. */
  constructor(private readonly base: { lastId: number; strLen: number } = { lastId: 0, strLen: 0 }) {
    this.nextId = base.lastId + 1;
  }

  str(s: string): number {
    if (s === '' && this.base.strLen === 0) return 0;
    const hit = this.strIndex.get(s);
    if (hit !== undefined) return hit + this.base.strLen;
    const off = this.strBytes.length;
    for (const b of Buffer.from(s, 'latin1')) this.strBytes.push(b);
    this.strBytes.push(0);
    this.strIndex.set(s, off);
    return off + this.base.strLen;
  }

  /** A base string offset for split BTF (strings of the base are referenced as is). */
  private name(n: string | number): number {
    return typeof n === 'number' ? n : n === '' ? 0 : this.str(n);
  }

  private add(name: string | number, kind: BtfKindName, vlen: number, kflag: boolean, sizeOrType: number, extra: number[]): number {
    this.words.push(this.name(name), ((kflag ? 1 : 0) << 31) | (kindNumber(kind) << 24) | vlen, sizeOrType, ...extra);
    return this.nextId++;
  }

  int(name: string, size: number, signed: boolean, bits = size * 8): number {
    return this.add(name, 'int', 0, false, size, [((signed ? 1 : 0) << 24) | bits]);
  }
  ptr(type: number): number {
    return this.add('', 'ptr', 0, false, type, []);
  }
  wrap(kind: 'typedef' | 'const' | 'volatile' | 'restrict' | 'type_tag', type: number, name = ''): number {
    return this.add(name, kind, 0, false, type, []);
  }
  array(type: number, indexType: number, nelems: number): number {
    return this.add('', 'array', 0, false, 0, [type, indexType, nelems]);
  }
  composite(
    kind: 'struct' | 'union',
    name: string,
    size: number,
    members: { name: string; type: number; bitOffset: number; bitfieldSize?: number }[],
  ): number {
    const kflag = members.some((m) => m.bitfieldSize);
    const extra: number[] = [];
    for (const m of members) {
      extra.push(this.name(m.name), m.type, kflag ? ((m.bitfieldSize ?? 0) << 24) | m.bitOffset : m.bitOffset);
    }
    return this.add(name, kind, members.length, kflag, size, extra);
  }
  enum(name: string, size: number, values: [string, number][], signed = false): number {
    const extra: number[] = [];
    for (const [n, v] of values) extra.push(this.name(n), v >>> 0);
    return this.add(name, 'enum', values.length, signed, size, extra);
  }
  enum64(name: string, values: [string, bigint][], signed = false): number {
    const extra: number[] = [];
    for (const [n, v] of values) {
      const u = BigInt.asUintN(64, v);
      extra.push(this.name(n), Number(u & 0xffffffffn), Number(u >> 32n));
    }
    return this.add(name, 'enum64', values.length, signed, 8, extra);
  }
  fwd(name: string, union: boolean): number {
    return this.add(name, 'fwd', 0, union, 0, []);
  }
  funcProto(ret: number, params: { name: string; type: number }[]): number {
    const extra: number[] = [];
    for (const p of params) extra.push(this.name(p.name), p.type);
    return this.add('', 'func_proto', params.length, false, ret, extra);
  }
  func(name: string, proto: number, linkage = 1): number {
    return this.add(name, 'func', linkage, false, proto, []);
  }

  build(): Uint8Array {
    const typeLen = this.words.length * 4;
    const strLen = this.strBytes.length;
    const buf = Buffer.alloc(24 + typeLen + strLen);
    buf.writeUInt16LE(0xeb9f, 0);
    buf.writeUInt8(1, 2);
    buf.writeUInt8(0, 3);
    buf.writeUInt32LE(24, 4);
    buf.writeUInt32LE(0, 8);
    buf.writeUInt32LE(typeLen, 12);
    buf.writeUInt32LE(typeLen, 16);
    buf.writeUInt32LE(strLen, 20);
    this.words.forEach((w, i) => {
      buf.writeUInt32LE(w >>> 0, 24 + i * 4);
    });
    Buffer.from(this.strBytes).copy(buf, 24 + typeLen);
    return buf;
  }
}
