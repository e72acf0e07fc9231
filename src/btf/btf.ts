// A BTF reader. Opening a blob makes one pass over the type section that records where each
// record starts and hashes each type name in place; nothing is decoded until asked for, and
// decoded types are cached. Split BTF (kernel modules) chains to its base for ids and strings
// below its own.

import { readdirSync, readFileSync } from 'node:fs';
import { mapOrRead } from '../bpf/mapped-file.ts';
import { BOOT_CACHE_DIR, bootCacheEntry } from '../util/boot-cache.ts';
import { clockStart, elapsedMs } from '../util/elapsed.ts';
import { declToString } from './c-decl.ts';
import {
  INT_BOOL,
  INT_CHAR,
  INT_SIGNED,
  KIND_ARRAY,
  KIND_CONST,
  KIND_DATASEC,
  KIND_DECL_TAG,
  KIND_ENUM,
  KIND_ENUM64,
  KIND_FLOAT,
  KIND_FUNC,
  KIND_FUNC_PROTO,
  KIND_FWD,
  KIND_INT,
  KIND_PTR,
  KIND_RESTRICT,
  KIND_STRUCT,
  KIND_TYPE_TAG,
  KIND_TYPEDEF,
  KIND_UNION,
  KIND_VAR,
  KIND_VOLATILE,
  kindName,
  kindNumber,
  parseHeader,
  RECORD_FIXED,
  RECORD_PER_VLEN,
} from './format.ts';
import { bytesEqual, encodeName, HashChains, hashBytes } from './name-hash.ts';
import { decodeBtfSnapshot, encodeBtfSnapshot, type IndexedBlob, SNAPSHOT_VERSION } from './snapshot.ts';
import type { BitfieldAccess, BtfKindName, BtfLinkage, BtfMember, BtfType, FuncSignature, MemberLocation } from './types.ts';

/** The variant(s) of BtfType that can have kind K (some variants cover several kinds). */
export type BtfOfKind<K extends BtfKindName> = BtfType extends infer T
  ? T extends { kind: infer TK }
    ? K extends TK
      ? T
      : never
    : never
  : never;

/** Pointer size of the kernel we trace; BTF has no PTR size field. */
const POINTER_SIZE = 8;

const VOID: BtfType = { kind: 'void', id: 0, name: '' };

export interface BtfOptions {
  /** Object name: 'vmlinux' or the module name. */
  name?: string;
  /** Base BTF for split (module) BTF. */
  base?: Btf;
}

/** What opening a blob computes: kept by btf/snapshot.ts so a later run can skip the work. */
export interface BtfIndex {
  /** Byte offset in the blob of each type's record, by id - startId. */
  offsets: Uint32Array;
  /** Names of all named types except FUNCs. */
  names: HashChains;
  /** Names of FUNCs. */
  funcs: HashChains;
}

export class Btf {
  readonly name: string;
  readonly base: Btf | null;
  /** First type id held by this blob (1 for base BTF). */
  readonly startId: number;
  /** Number of types held by this blob (void not counted). */
  readonly count: number;
  /** Milliseconds the indexing pass took. */
  readonly indexMs: number;

  private readonly bytes: Uint8Array;
  private readonly buf: Buffer;
  private readonly u32: Uint32Array;
  private readonly offsets: Uint32Array;
  private readonly strStart: number;
  private readonly strEnd: number;
  /** String offsets below this belong to the base blob. */
  private readonly strBaseLen: number;
  /** Names of all named types except FUNCs. */
  private readonly names: HashChains;
  /** Names of FUNCs, built on first use. */
  private funcNames: HashChains | null = null;
  private readonly cache: (BtfType | undefined)[] = [];

  /** Opens a blob; with `index` (computed from this very blob before) the indexing pass is skipped. */
  constructor(blob: Uint8Array, opts: BtfOptions = {}, index?: BtfIndex) {
    const t0 = clockStart();
    // A Uint32Array view needs 4-byte alignment; buffers from readFileSync are aligned, copies fix the rest.
    const bytes = blob.byteOffset % 4 === 0 ? blob : new Uint8Array(blob);
    this.bytes = bytes;
    this.buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.u32 = new Uint32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength >>> 2);
    this.name = opts.name ?? 'vmlinux';
    this.base = opts.base ?? null;
    this.startId = this.base ? this.base.lastId + 1 : 1;
    this.strBaseLen = this.base ? this.base.strEnd - this.base.strStart : 0;

    const h = parseHeader(bytes);
    this.strStart = h.strStart;
    this.strEnd = h.strEnd;
    // A NUL-terminated string section lets the hashing loop below stop without bounds checks.
    if (h.strEnd > h.strStart && bytes[h.strEnd - 1] !== 0) throw new Error('BTF: string section is not NUL-terminated');

    if (index) {
      this.count = index.offsets.length;
      this.offsets = index.offsets;
      this.names = index.names;
      this.funcNames = index.funcs;
      this.indexMs = elapsedMs(t0);
      return;
    }

    // Every record is at least 12 bytes, which bounds the count before we know it.
    const maxTypes = Math.floor((h.typeEnd - h.typeStart) / 12);
    const offsets = new Uint32Array(maxTypes);
    const named = new Uint32Array(maxTypes);
    const hashes = new Uint32Array(maxTypes);
    const u32 = this.u32;
    let n = 0;
    let nNamed = 0;
    let off = h.typeStart;
    while (off < h.typeEnd) {
      offsets[n] = off;
      const w = off >>> 2;
      const nameOff = u32[w];
      const info = u32[w + 1];
      const kind = (info >>> 24) & 0x1f;
      const fixed = RECORD_FIXED[kind];
      if (fixed === undefined || fixed < 0) throw new Error(`BTF: unknown kind ${kind} at offset ${off}`);
      // FUNC names (half of all names in vmlinux) get their own table, built on first use:
      // hashing them here would triple the cost of opening the file.
      if (nameOff !== 0 && kind !== KIND_FUNC) {
        named[nNamed] = n;
        hashes[nNamed++] = this.hashName(nameOff);
      }
      n++;
      off += 12 + fixed + RECORD_PER_VLEN[kind] * (info & 0xffff);
    }
    if (off !== h.typeEnd) throw new Error('BTF: type section ends mid-record');
    this.count = n;
    this.offsets = offsets.subarray(0, n);
    this.names = HashChains.build(named, hashes, nNamed);
    this.indexMs = elapsedMs(t0);
  }

  /** The blob and its complete index (FUNC names included), for btf/snapshot.ts to store. */
  snapshotParts(): IndexedBlob {
    return { blob: this.bytes, index: { offsets: this.offsets, names: this.names, funcs: this.funcTable() } };
  }

  /**
   * FNV-1a of a NUL-terminated name in the string section (same function as name-hash.ts,
   * inlined because this runs for every named type while indexing).
   */
  private hashName(nameOff: number): number {
    let src = this.bytes;
    let p = this.strStart + nameOff - this.strBaseLen;
    if (nameOff < this.strBaseLen && this.base) {
      src = this.base.bytes;
      p = this.base.strStart + nameOff;
    } else if (p >= this.strEnd) {
      throw new Error(`BTF: name offset ${nameOff} out of range`);
    }
    let hv = 0x811c9dc5;
    // The string section ends in NUL (checked in the constructor), so this loop terminates.
    for (let c = src[p]; c !== 0; c = src[++p]) hv = Math.imul(hv ^ c, 0x01000193);
    return hv >>> 0 || 1;
  }

  private funcTable(): HashChains {
    if (this.funcNames) return this.funcNames;
    const funcs = new Uint32Array(this.count);
    const hashes = new Uint32Array(this.count);
    const u32 = this.u32;
    let n = 0;
    for (let i = 0; i < this.count; i++) {
      const w = this.offsets[i] >>> 2;
      const nameOff = u32[w];
      if (nameOff !== 0 && ((u32[w + 1] >>> 24) & 0x1f) === KIND_FUNC) {
        funcs[n] = i;
        hashes[n++] = this.hashName(nameOff);
      }
    }
    this.funcNames = HashChains.build(funcs, hashes, n);
    return this.funcNames;
  }

  /** The highest type id visible through this object. */
  get lastId(): number {
    return this.startId + this.count - 1;
  }

  // ---- raw access -------------------------------------------------------------------------

  /** Owner blob and record word index for an id. */
  private locate(id: number): { btf: Btf; w: number } {
    if (id >= this.startId) {
      const local = id - this.startId;
      if (local >= this.count) throw new Error(`BTF: type id ${id} out of range (last is ${this.lastId})`);
      return { btf: this, w: this.offsets[local] >>> 2 };
    }
    if (this.base) return this.base.locate(id);
    throw new Error(`BTF: type id ${id} out of range`);
  }

  /** A string from the string section (handles split BTF offsets). */
  str(off: number): string {
    if (off < this.strBaseLen && this.base) return this.base.str(off);
    const start = this.strStart + off - this.strBaseLen;
    if (start >= this.strEnd) throw new Error(`BTF: string offset ${off} out of range`);
    const end = this.bytes.indexOf(0, start);
    return this.buf.toString('latin1', start, end < 0 ? this.strEnd : end);
  }

  /** Kind of a type without decoding it. */
  kindOf(id: number): BtfKindName {
    if (id === 0) return 'void';
    const { btf, w } = this.locate(id);
    return kindName((btf.u32[w + 1] >>> 24) & 0x1f);
  }

  /** Name of a type without decoding it ('' when anonymous). */
  nameOf(id: number): string {
    if (id === 0) return '';
    const { btf, w } = this.locate(id);
    const off = btf.u32[w];
    return off === 0 ? '' : btf.str(off);
  }

  /** Ids of this blob only (not the base), optionally of one kind, in ascending order. */
  *ids(kind?: BtfKindName): Generator<number> {
    const k = kind === undefined ? -1 : kindNumber(kind);
    for (let i = 0; i < this.count; i++) {
      if (k >= 0 && ((this.u32[(this.offsets[i] >>> 2) + 1] >>> 24) & 0x1f) !== k) continue;
      yield this.startId + i;
    }
  }

  // ---- lookup by name -------------------------------------------------------------------

  /** All ids named `name` (base first, then this blob), optionally of one kind. */
  findAllIds(name: string, kind?: BtfKindName): number[] {
    const out = this.base ? this.base.findAllIds(name, kind) : [];
    if (name === '') return out;
    this.findLocal(name, kind, (id) => {
      out.push(id);
      return false;
    });
    return out;
  }

  /** The lowest id named `name` (optionally of one kind), or null. */
  findId(name: string, kind?: BtfKindName): number | null {
    if (name === '') return null;
    if (this.base) {
      const id = this.base.findId(name, kind);
      if (id !== null) return id;
    }
    let found: number | null = null;
    this.findLocal(name, kind, (id) => {
      found = id;
      return true;
    });
    return found;
  }

  /** The first type named `name` (optionally of one kind), decoded, or null. */
  findByName<K extends BtfKindName>(name: string, kind: K): BtfOfKind<K> | null;
  findByName(name: string): BtfType | null;
  findByName(name: string, kind?: BtfKindName): BtfType | null {
    const id = this.findId(name, kind);
    return id === null ? null : this.get(id);
  }

  private findLocal(name: string, kind: BtfKindName | undefined, visit: (id: number) => boolean): void {
    const query = encodeName(name);
    const hash = hashBytes(query, 0, query.length);
    const k = kind === undefined ? -1 : kindNumber(kind);
    const matches: number[] = [];
    const collect = (local: number): boolean => {
      const w = this.offsets[local] >>> 2;
      if (k >= 0 && ((this.u32[w + 1] >>> 24) & 0x1f) !== k) return false;
      if (this.nameBytesEqual(this.u32[w], query)) matches.push(local);
      return false;
    };
    if (k !== KIND_FUNC) this.names.find(hash, collect);
    if (k < 0 || k === KIND_FUNC) {
      const before = matches.length;
      this.funcTable().find(hash, collect);
      // Both tables yield ascending ids; merge only when both contributed.
      if (before > 0 && matches.length > before) matches.sort((a, b) => a - b);
    }
    for (const local of matches) if (visit(this.startId + local)) return;
  }

  private nameBytesEqual(off: number, query: Uint8Array): boolean {
    if (off < this.strBaseLen && this.base) return this.base.nameBytesEqual(off, query);
    const start = this.strStart + off - this.strBaseLen;
    const end = start + query.length;
    return end < this.strEnd && this.bytes[end] === 0 && bytesEqual(this.bytes, start, end, query);
  }

  // ---- decoding -------------------------------------------------------------------------

  /** The decoded type for an id (cached). */
  get(id: number): BtfType {
    if (id === 0) return VOID;
    if (id < this.startId && this.base) return this.base.get(id);
    const local = id - this.startId;
    const hit = this.cache[local];
    if (hit) return hit;
    const t = this.decode(id);
    this.cache[local] = t;
    return t;
  }

  /** `get` narrowed to one kind; throws if the type is of another kind. */
  getAs<K extends BtfKindName>(id: number, kind: K): BtfOfKind<K> {
    const t = this.get(id);
    if (t.kind !== kind) throw new Error(`BTF: type ${id} is ${t.kind}, not ${kind}`);
    return t as BtfOfKind<K>;
  }

  private decode(id: number): BtfType {
    const { w } = this.locate(id);
    const u32 = this.u32;
    const nameOff = u32[w];
    const info = u32[w + 1];
    const sizeOrType = u32[w + 2];
    const kind = (info >>> 24) & 0x1f;
    const vlen = info & 0xffff;
    const kflag = info >>> 31 === 1;
    const name = nameOff === 0 ? '' : this.str(nameOff);
    const x = w + 3; // first word after the common header
    switch (kind) {
      case KIND_INT: {
        const v = u32[x];
        const enc = v >>> 24;
        return {
          kind: 'int',
          id,
          name,
          size: sizeOrType,
          signed: (enc & INT_SIGNED) !== 0,
          char: (enc & INT_CHAR) !== 0,
          bool: (enc & INT_BOOL) !== 0,
          bits: v & 0xff,
          bitOffset: (v >>> 16) & 0xff,
        };
      }
      case KIND_PTR:
        return { kind: 'ptr', id, name, type: sizeOrType };
      case KIND_ARRAY:
        return { kind: 'array', id, name, type: u32[x], indexType: u32[x + 1], nelems: u32[x + 2] };
      case KIND_STRUCT:
      case KIND_UNION: {
        const members: BtfMember[] = new Array(vlen);
        for (let i = 0; i < vlen; i++) {
          const m = x + i * 3;
          const raw = u32[m + 2];
          const mn = u32[m];
          members[i] = {
            name: mn === 0 ? '' : this.str(mn),
            type: u32[m + 1],
            // With kind_flag set the offset word packs the bitfield width in its top byte.
            bitOffset: kflag ? raw & 0xffffff : raw,
            bitfieldSize: kflag ? raw >>> 24 : 0,
          };
        }
        return { kind: kind === KIND_STRUCT ? 'struct' : 'union', id, name, size: sizeOrType, members };
      }
      case KIND_ENUM: {
        const values = new Array<{ name: string; value: number }>(vlen);
        for (let i = 0; i < vlen; i++) {
          const v = u32[x + i * 2 + 1];
          values[i] = { name: this.str(u32[x + i * 2]), value: kflag ? v | 0 : v };
        }
        return { kind: 'enum', id, name, size: sizeOrType, signed: kflag, values };
      }
      case KIND_ENUM64: {
        const values = new Array<{ name: string; value: bigint }>(vlen);
        for (let i = 0; i < vlen; i++) {
          const m = x + i * 3;
          const raw = (BigInt(u32[m + 2]) << 32n) | BigInt(u32[m + 1]);
          values[i] = { name: this.str(u32[m]), value: kflag ? BigInt.asIntN(64, raw) : raw };
        }
        return { kind: 'enum64', id, name, size: sizeOrType, signed: kflag, values };
      }
      case KIND_FWD:
        return { kind: 'fwd', id, name, union: kflag };
      case KIND_TYPEDEF:
        return { kind: 'typedef', id, name, type: sizeOrType };
      case KIND_VOLATILE:
        return { kind: 'volatile', id, name, type: sizeOrType };
      case KIND_CONST:
        return { kind: 'const', id, name, type: sizeOrType };
      case KIND_RESTRICT:
        return { kind: 'restrict', id, name, type: sizeOrType };
      case KIND_TYPE_TAG:
        return { kind: 'type_tag', id, name, type: sizeOrType };
      case KIND_FUNC:
        return { kind: 'func', id, name, type: sizeOrType, linkage: linkage(vlen) };
      case KIND_FUNC_PROTO: {
        const params: { name: string; type: number }[] = [];
        let variadic = false;
        for (let i = 0; i < vlen; i++) {
          const pn = u32[x + i * 2];
          const pt = u32[x + i * 2 + 1];
          // A trailing nameless void parameter is how BTF spells `...`.
          if (i === vlen - 1 && pn === 0 && pt === 0) variadic = true;
          else params.push({ name: pn === 0 ? '' : this.str(pn), type: pt });
        }
        return { kind: 'func_proto', id, name, returnType: sizeOrType, params, variadic };
      }
      case KIND_VAR:
        return { kind: 'var', id, name, type: sizeOrType, linkage: linkage(u32[x]) };
      case KIND_DATASEC: {
        const vars = new Array<{ type: number; offset: number; size: number }>(vlen);
        for (let i = 0; i < vlen; i++) {
          const m = x + i * 3;
          vars[i] = { type: u32[m], offset: u32[m + 1], size: u32[m + 2] };
        }
        return { kind: 'datasec', id, name, size: sizeOrType, vars };
      }
      case KIND_FLOAT:
        return { kind: 'float', id, name, size: sizeOrType };
      case KIND_DECL_TAG:
        return { kind: 'decl_tag', id, name, type: sizeOrType, componentIdx: u32[x] | 0 };
      default:
        throw new Error(`BTF: unknown kind ${kind} for type ${id}`);
    }
  }

  // ---- type algebra ---------------------------------------------------------------------

  /** Skips typedefs, cv-qualifiers and type tags: the id of the type underneath. */
  resolve(id: number): number {
    for (let guard = 0; guard < 64; guard++) {
      const t = this.get(id);
      switch (t.kind) {
        case 'typedef':
        case 'const':
        case 'volatile':
        case 'restrict':
        case 'type_tag':
          id = t.type;
          break;
        default:
          return id;
      }
    }
    throw new Error(`BTF: typedef chain too long at ${id}`);
  }

  /** Skips only cv-qualifiers and type tags (keeps typedef names, e.g. for printing). */
  skipQualifiers(id: number): number {
    for (let guard = 0; guard < 64; guard++) {
      const t = this.get(id);
      if (t.kind === 'const' || t.kind === 'volatile' || t.kind === 'restrict' || t.kind === 'type_tag') id = t.type;
      else return id;
    }
    throw new Error(`BTF: qualifier chain too long at ${id}`);
  }

  /** Size in bytes of a value of the type; 0 for void, functions and forward declarations. */
  sizeof(id: number): number {
    const t = this.get(this.resolve(id));
    switch (t.kind) {
      case 'int':
      case 'float':
      case 'struct':
      case 'union':
      case 'enum':
      case 'enum64':
      case 'datasec':
        return t.size;
      case 'ptr':
        return POINTER_SIZE;
      case 'array':
        return t.nelems * this.sizeof(t.type);
      case 'var':
        return this.sizeof(t.type);
      case 'void':
      case 'fwd':
      case 'func':
      case 'func_proto':
      case 'decl_tag':
        return 0;
      case 'typedef':
      case 'const':
      case 'volatile':
      case 'restrict':
      case 'type_tag':
        // resolve() never returns these.
        throw new Error('unreachable');
    }
  }

  /**
   * Alignment in bytes of a value of the type, as the x86-64 C compiler laid it out: a struct
   * aligns as its widest member, or at 1 when a member sits off its own alignment (packed).
   */
  alignof(id: number, depth = 0): number {
    const t = this.get(this.resolve(id));
    switch (t.kind) {
      case 'int':
      case 'float':
      case 'enum':
      case 'enum64':
        return Math.max(1, Math.min(t.size, 16));
      case 'ptr':
        return POINTER_SIZE;
      case 'array':
      case 'var':
        return this.alignof(t.type, depth);
      case 'struct':
      case 'union': {
        // Self-reference only happens through pointers; the bound guards a malformed blob.
        if (depth > 64) return 1;
        let align = 1;
        for (const m of t.members) {
          const a = this.alignof(m.type, depth + 1);
          if (m.bitfieldSize === 0 && (m.bitOffset / 8) % a !== 0) return 1;
          align = Math.max(align, a);
        }
        return align;
      }
      case 'datasec':
      case 'void':
      case 'fwd':
      case 'func':
      case 'func_proto':
      case 'decl_tag':
        return 1;
      case 'typedef':
      case 'const':
      case 'volatile':
      case 'restrict':
      case 'type_tag':
        throw new Error('unreachable');
    }
  }

  /**
   * Locates a member by a path of names (`['se', 'vruntime']`), descending through nested
   * structs and looking inside anonymous struct/union members the way C does.
   * Returns null if some name is not found or a step is not a struct/union.
   */
  memberPath(structId: number, path: readonly string[]): MemberLocation | null {
    let cur = structId;
    let bitBase = 0;
    let found: { member: BtfMember; bitOffset: number } | null = null;
    for (const name of path) {
      const t = this.get(this.resolve(cur));
      if (t.kind !== 'struct' && t.kind !== 'union') return null;
      found = this.findMember(t.members, name, bitBase);
      if (!found) return null;
      bitBase = found.bitOffset;
      cur = found.member.type;
    }
    if (!found) return null;
    const { member, bitOffset } = found;
    let bits = member.bitfieldSize;
    if (bits === 0) {
      // Without kind_flag, old encoders mark bitfields through the INT's own bit count.
      const r = this.get(this.resolve(member.type));
      if (r.kind === 'int' && (r.bits !== r.size * 8 || bitOffset % 8 !== 0)) bits = r.bits;
    }
    return {
      type: member.type,
      bitOffset,
      offset: Math.floor(bitOffset / 8),
      bitfield: bits === 0 ? null : bitfieldAccess(bitOffset, bits),
    };
  }

  private findMember(members: readonly BtfMember[], name: string, bitBase: number): { member: BtfMember; bitOffset: number } | null {
    for (const m of members) {
      if (m.name === name) return { member: m, bitOffset: bitBase + m.bitOffset };
    }
    for (const m of members) {
      if (m.name !== '') continue;
      const t = this.get(this.resolve(m.type));
      if (t.kind !== 'struct' && t.kind !== 'union') continue;
      const inner = this.findMember(t.members, name, bitBase + m.bitOffset);
      if (inner) return inner;
    }
    return null;
  }

  /** C spelling of a type: `struct task_struct *`, `unsigned int`, `char[16]`, `const char *`. */
  typeToString(id: number): string {
    return declToString(this, id, '');
  }

  /** C declaration of `name` with the type: `char comm[16]`, `void (*fn)(int)`. */
  declToString(id: number, name: string): string {
    return declToString(this, id, name);
  }

  /** Signature of the kernel function `name` (from its FUNC record), or null. */
  funcProto(name: string): FuncSignature | null {
    const funcId = this.findId(name, 'func');
    if (funcId === null) return null;
    const func = this.getAs(funcId, 'func');
    const proto = this.get(func.type);
    if (proto.kind !== 'func_proto') return null;
    return {
      name,
      funcId,
      protoId: proto.id,
      returnType: proto.returnType,
      params: proto.params,
      variadic: proto.variadic,
    };
  }
}

/** BTF_FUNC_STATIC/GLOBAL/EXTERN and BTF_VAR_STATIC/GLOBAL_ALLOCATED/GLOBAL_EXTERN share numbers. */
function linkage(v: number): BtfLinkage {
  switch (v) {
    case 0:
      return 'static';
    case 1:
      return 'global';
    default:
      return 'extern';
  }
}

export function bitfieldAccess(bitOffset: number, bits: number): BitfieldAccess {
  const shift = bitOffset % 8;
  const need = Math.ceil((shift + bits) / 8);
  const readSize = need <= 1 ? 1 : need <= 2 ? 2 : need <= 4 ? 4 : 8;
  if (need > 8) throw new Error(`BTF: bitfield of ${bits} bits at bit ${bitOffset} spans more than 8 bytes`);
  return { bits, shift, readSize };
}

// ---- loading the running kernel's BTF ---------------------------------------------------

export const SYSFS_BTF_DIR = '/sys/kernel/btf';

let kernelBtf: Btf | null = null;
const moduleBtfs = new Map<string, Btf>();

/** Parses a BTF blob (base BTF unless `opts.base` is given). */
export function parseBtf(blob: Uint8Array, opts: BtfOptions = {}): Btf {
  return new Btf(blob, opts);
}

/**
 * The running kernel's BTF (cached). BPFTRACE_BTF names another file, as in bpftrace. The
 * kernel's own is opened from a snapshot kept for the boot (btf/snapshot.ts) when there is one.
 */
export function loadKernelBtf(): Btf {
  if (kernelBtf) return kernelBtf;
  const opts = { name: 'vmlinux' };
  const other = process.env.BPFTRACE_BTF;
  if (other) {
    kernelBtf = new Btf(readFileSync(other), opts);
    return kernelBtf;
  }
  const path = `${SYSFS_BTF_DIR}/vmlinux`;
  const entry = bootCacheEntry(`vmlinux.btf.${SNAPSHOT_VERSION}`, BOOT_CACHE_DIR, mapOrRead);
  kernelBtf = entry?.cached ? openSnapshot(entry.cached, opts) : null;
  if (!kernelBtf) {
    kernelBtf = new Btf(readFileSync(path), opts);
    entry?.store(encodeBtfSnapshot(kernelBtf.snapshotParts()));
  }
  return kernelBtf;
}

/** A Btf from a snapshot's bytes; null when they are not a usable one. */
function openSnapshot(bytes: Uint8Array, opts: BtfOptions): Btf | null {
  const parts = decodeBtfSnapshot(bytes);
  if (!parts) return null;
  try {
    return new Btf(parts.blob, opts, parts.index);
  } catch {
    return null;
  }
}

/** Split BTF of a loaded kernel module, on top of vmlinux (cached). */
export function loadModuleBtf(module: string): Btf {
  const hit = moduleBtfs.get(module);
  if (hit) return hit;
  if (module === 'vmlinux') return loadKernelBtf();
  if (module.includes('/')) throw new Error(`BTF: bad module name '${module}'`);
  const btf = new Btf(readFileSync(`${SYSFS_BTF_DIR}/${module}`), { name: module, base: loadKernelBtf() });
  moduleBtfs.set(module, btf);
  return btf;
}

/** Names of modules that have BTF under /sys/kernel/btf (vmlinux excluded), sorted. */
export function listModuleBtfs(): string[] {
  try {
    return readdirSync(SYSFS_BTF_DIR)
      .filter((n) => n !== 'vmlinux')
      .sort();
  } catch {
    return [];
  }
}
