// The decoded shape of BTF types (kernel Documentation/bpf/btf.rst), one variant per kind.
// Ids refer to other types in the same id space (0 is void); names are '' when anonymous.

export type BtfKindName =
  | 'void'
  | 'int'
  | 'ptr'
  | 'array'
  | 'struct'
  | 'union'
  | 'enum'
  | 'fwd'
  | 'typedef'
  | 'volatile'
  | 'const'
  | 'restrict'
  | 'func'
  | 'func_proto'
  | 'var'
  | 'datasec'
  | 'float'
  | 'decl_tag'
  | 'type_tag'
  | 'enum64';

export interface BtfVoid {
  kind: 'void';
  id: 0;
  name: '';
}

export interface BtfInt {
  kind: 'int';
  id: number;
  name: string;
  /** Storage size in bytes. */
  size: number;
  signed: boolean;
  /** BTF_INT_CHAR: a C `char` (signedness then comes from `signed`). */
  char: boolean;
  bool: boolean;
  /** Number of value bits (BTF_INT_BITS). */
  bits: number;
  /** Bit offset of the value inside its storage (BTF_INT_OFFSET, 0 in practice). */
  bitOffset: number;
}

export interface BtfPtr {
  kind: 'ptr';
  id: number;
  name: string;
  type: number;
}

export interface BtfArray {
  kind: 'array';
  id: number;
  name: string;
  type: number;
  indexType: number;
  nelems: number;
}

export interface BtfMember {
  name: string;
  type: number;
  /** Offset from the start of the struct, in bits. */
  bitOffset: number;
  /** Width of a bitfield in bits; 0 when the member is not a bitfield. */
  bitfieldSize: number;
}

export interface BtfComposite {
  kind: 'struct' | 'union';
  id: number;
  name: string;
  size: number;
  members: BtfMember[];
}

export interface BtfEnumValue {
  name: string;
  value: number;
}

export interface BtfEnum {
  kind: 'enum';
  id: number;
  name: string;
  size: number;
  signed: boolean;
  values: BtfEnumValue[];
}

export interface BtfEnum64Value {
  name: string;
  value: bigint;
}

export interface BtfEnum64 {
  kind: 'enum64';
  id: number;
  name: string;
  size: number;
  signed: boolean;
  values: BtfEnum64Value[];
}

export interface BtfFwd {
  kind: 'fwd';
  id: number;
  name: string;
  /** Whether the forward declaration is of a union (else a struct). */
  union: boolean;
}

/** Typedefs and the qualifiers that only wrap another type. */
export interface BtfWrapper {
  kind: 'typedef' | 'volatile' | 'const' | 'restrict' | 'type_tag';
  id: number;
  name: string;
  type: number;
}

export type BtfLinkage = 'static' | 'global' | 'extern';

export interface BtfFunc {
  kind: 'func';
  id: number;
  name: string;
  /** The func_proto id. */
  type: number;
  linkage: BtfLinkage;
}

export interface BtfParam {
  name: string;
  type: number;
}

export interface BtfFuncProto {
  kind: 'func_proto';
  id: number;
  name: string;
  returnType: number;
  /** Parameters without the trailing `...` marker (see `variadic`). */
  params: BtfParam[];
  variadic: boolean;
}

/** A variable's linkage: the same three values as a function's. */
export type BtfVarLinkage = BtfLinkage;

export interface BtfVar {
  kind: 'var';
  id: number;
  name: string;
  type: number;
  linkage: BtfVarLinkage;
}

export interface BtfVarSecInfo {
  type: number;
  offset: number;
  size: number;
}

export interface BtfDatasec {
  kind: 'datasec';
  id: number;
  name: string;
  size: number;
  vars: BtfVarSecInfo[];
}

export interface BtfFloat {
  kind: 'float';
  id: number;
  name: string;
  size: number;
}

export interface BtfDeclTag {
  kind: 'decl_tag';
  id: number;
  name: string;
  type: number;
  /** Member/param index the tag applies to, or -1 for the type itself. */
  componentIdx: number;
}

export type BtfType =
  | BtfVoid
  | BtfInt
  | BtfPtr
  | BtfArray
  | BtfComposite
  | BtfEnum
  | BtfEnum64
  | BtfFwd
  | BtfWrapper
  | BtfFunc
  | BtfFuncProto
  | BtfVar
  | BtfDatasec
  | BtfFloat
  | BtfDeclTag;

/** Where a (possibly nested) member lives, as `memberPath` reports it. */
export interface MemberLocation {
  /** Type id of the member as declared (typedefs not skipped). */
  type: number;
  /** Offset from the start of the outer struct, in bits. */
  bitOffset: number;
  /** Byte offset of the first byte holding the member (floor of bitOffset / 8). */
  offset: number;
  /** Present only for bitfields. */
  bitfield: BitfieldAccess | null;
}

/**
 * How to read a bitfield on a little-endian machine: load `readSize` bytes at `offset`,
 * shift right by `shift`, keep the low `bits` bits.
 */
export interface BitfieldAccess {
  bits: number;
  shift: number;
  readSize: 1 | 2 | 4 | 8;
}

/** A kernel function's signature, as `funcProto` reports it. */
export interface FuncSignature {
  name: string;
  funcId: number;
  protoId: number;
  returnType: number;
  params: BtfParam[];
  variadic: boolean;
}
