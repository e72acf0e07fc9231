// The BTF wire format: header layout, kind numbers and per-kind record sizes
// (kernel include/uapi/linux/btf.h, Documentation/bpf/btf.rst).

import type { BtfKindName } from './types.ts';

export const BTF_MAGIC = 0xeb9f;

export const KIND_UNKN = 0;
export const KIND_INT = 1;
export const KIND_PTR = 2;
export const KIND_ARRAY = 3;
export const KIND_STRUCT = 4;
export const KIND_UNION = 5;
export const KIND_ENUM = 6;
export const KIND_FWD = 7;
export const KIND_TYPEDEF = 8;
export const KIND_VOLATILE = 9;
export const KIND_CONST = 10;
export const KIND_RESTRICT = 11;
export const KIND_FUNC = 12;
export const KIND_FUNC_PROTO = 13;
export const KIND_VAR = 14;
export const KIND_DATASEC = 15;
export const KIND_FLOAT = 16;
export const KIND_DECL_TAG = 17;
export const KIND_TYPE_TAG = 18;
export const KIND_ENUM64 = 19;

const KIND_NAMES: readonly BtfKindName[] = [
  'void',
  'int',
  'ptr',
  'array',
  'struct',
  'union',
  'enum',
  'fwd',
  'typedef',
  'volatile',
  'const',
  'restrict',
  'func',
  'func_proto',
  'var',
  'datasec',
  'float',
  'decl_tag',
  'type_tag',
  'enum64',
];

export function kindName(kind: number): BtfKindName {
  const name = KIND_NAMES[kind];
  if (name === undefined) throw new Error(`BTF: unknown kind ${kind}`);
  return name;
}

export function kindNumber(name: BtfKindName): number {
  return KIND_NAMES.indexOf(name);
}

// INT encoding bits (the high byte of the extra u32).
export const INT_SIGNED = 1;
export const INT_CHAR = 2;
export const INT_BOOL = 4;

export interface BtfHeader {
  version: number;
  flags: number;
  hdrLen: number;
  /** Absolute offsets into the blob (header-relative offsets already resolved). */
  typeStart: number;
  typeEnd: number;
  strStart: number;
  strEnd: number;
}

export function parseHeader(bytes: Uint8Array): BtfHeader {
  if (bytes.length < 24) throw new Error('BTF: blob too short for a header');
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = dv.getUint16(0, true);
  if (magic !== BTF_MAGIC) {
    // Big-endian BTF would read as 0x9feb; we only run on little-endian hosts.
    throw new Error(`BTF: bad magic 0x${magic.toString(16)}`);
  }
  const hdrLen = dv.getUint32(4, true);
  const typeOff = dv.getUint32(8, true);
  const typeLen = dv.getUint32(12, true);
  const strOff = dv.getUint32(16, true);
  const strLen = dv.getUint32(20, true);
  const h: BtfHeader = {
    version: dv.getUint8(2),
    flags: dv.getUint8(3),
    hdrLen,
    typeStart: hdrLen + typeOff,
    typeEnd: hdrLen + typeOff + typeLen,
    strStart: hdrLen + strOff,
    strEnd: hdrLen + strOff + strLen,
  };
  if (h.typeEnd > bytes.length || h.strEnd > bytes.length) throw new Error('BTF: sections run past the end of the blob');
  if (h.typeStart % 4 !== 0) throw new Error('BTF: type section is not 4-byte aligned');
  return h;
}

/**
 * Bytes that follow a type record's 12-byte common header, by kind: RECORD_FIXED[kind] +
 * RECORD_PER_VLEN[kind] * vlen. Tables rather than a switch: the indexing pass looks one up per
 * type. -1 marks kinds that have no record (KIND_UNKN); kinds past the table are unknown too.
 */
export const RECORD_FIXED = new Int8Array([-1, 4, 0, 12, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 4, 0, 0, 4, 0, 0]);
export const RECORD_PER_VLEN = new Uint8Array([0, 0, 0, 0, 12, 12, 8, 0, 0, 0, 0, 0, 0, 8, 0, 12, 0, 0, 0, 12]);
