// BPF instructions as small plain objects. Code generation emits labels and map *names*;
// nothing is numbered until link() lays the program out, so programs can be built, printed and
// compared before any map exists.

export const enum Reg {
  R0 = 0,
  R1 = 1,
  R2 = 2,
  R3 = 3,
  R4 = 4,
  R5 = 5,
  R6 = 6,
  R7 = 7,
  R8 = 8,
  R9 = 9,
  FP = 10,
}

// Instruction classes.
export const LD = 0x00;
export const LDX = 0x01;
export const ST = 0x02;
export const STX = 0x03;
export const ALU = 0x04;
export const JMP = 0x05;
export const JMP32 = 0x06;
export const ALU64 = 0x07;

// Sizes and modes for loads/stores.
export const W = 0x00;
export const H = 0x08;
export const B = 0x10;
export const DW = 0x18;
export const IMM = 0x00;
export const MEM = 0x60;
export const MEMSX = 0x80;
export const ATOMIC = 0xc0;

export const K = 0x00;
export const X = 0x08;

export const enum AluOp {
  ADD = 0x00,
  SUB = 0x10,
  MUL = 0x20,
  DIV = 0x30,
  OR = 0x40,
  AND = 0x50,
  LSH = 0x60,
  RSH = 0x70,
  NEG = 0x80,
  MOD = 0x90,
  XOR = 0xa0,
  MOV = 0xb0,
  ARSH = 0xc0,
  END = 0xd0,
}

export const enum JmpOp {
  JA = 0x00,
  JEQ = 0x10,
  JGT = 0x20,
  JGE = 0x30,
  JSET = 0x40,
  JNE = 0x50,
  JSGT = 0x60,
  JSGE = 0x70,
  CALL = 0x80,
  EXIT = 0x90,
  JLT = 0xa0,
  JLE = 0xb0,
  JSLT = 0xc0,
  JSLE = 0xd0,
}

/** ld_imm64 / call `src` values the kernel gives special meaning. */
export const PSEUDO_MAP_FD = 1;
export const PSEUDO_MAP_VALUE = 2;
export const PSEUDO_CALL = 1;
/** A call whose imm is a kernel function's BTF id (a kfunc; off 0: of vmlinux). */
export const PSEUDO_KFUNC_CALL = 2;
export const PSEUDO_FUNC = 4;

export type Size = 1 | 2 | 4 | 8;

export function sizeBits(size: Size): number {
  switch (size) {
    case 1:
      return B;
    case 2:
      return H;
    case 4:
      return W;
    case 8:
      return DW;
  }
}

/** A symbolic reference resolved at link time. */
export type Ref =
  /** Jump target (the jump's off field). */
  | { kind: 'label'; name: string }
  /** ld_imm64 of a map's fd. */
  | { kind: 'map'; name: string }
  /** ld_imm64 of the address of a map's value at an offset (array maps: globals, read-only data). */
  | { kind: 'mapValue'; name: string; offset: number }
  /** bpf-to-bpf call to a subprogram label. */
  | { kind: 'call'; name: string }
  /** ld_imm64 of a subprogram's address (callbacks such as bpf_for_each_map_elem). */
  | { kind: 'func'; name: string };

export interface Insn {
  op: number;
  dst: number;
  src: number;
  off: number;
  /** Low 32 bits (signed) for ordinary instructions. */
  imm: number;
  /** Full constant for ld_imm64, which occupies two slots. */
  imm64?: bigint;
  ref?: Ref;
  /** Labels that name this instruction (jump/call targets). */
  labels?: string[];
  /** Source note shown by the disassembler. */
  comment?: string;
}

export function isWide(i: Insn): boolean {
  return i.op === (LD | DW | IMM);
}

// ---------------------------------------------------------------- constructors

function insn(op: number, dst: number, src: number, off: number, imm: number): Insn {
  return { op, dst, src, off, imm: imm | 0 };
}

export const alu64Imm = (op: AluOp, dst: Reg, imm: number): Insn => insn(ALU64 | op | K, dst, 0, 0, imm);
export const alu64Reg = (op: AluOp, dst: Reg, src: Reg): Insn => insn(ALU64 | op | X, dst, src, 0, 0);
export const alu32Imm = (op: AluOp, dst: Reg, imm: number): Insn => insn(ALU | op | K, dst, 0, 0, imm);
export const alu32Reg = (op: AluOp, dst: Reg, src: Reg): Insn => insn(ALU | op | X, dst, src, 0, 0);
export const movImm = (dst: Reg, imm: number): Insn => alu64Imm(AluOp.MOV, dst, imm);
export const movReg = (dst: Reg, src: Reg): Insn => alu64Reg(AluOp.MOV, dst, src);
export const neg64 = (dst: Reg): Insn => insn(ALU64 | AluOp.NEG, dst, 0, 0, 0);
/** Signed division/modulo (ISA v4): the off field selects the signed form. */
export const sdivReg = (op: AluOp.DIV | AluOp.MOD, dst: Reg, src: Reg): Insn => insn(ALU64 | op | X, dst, src, 1, 0);
/** Byte swap: `to` 16/32/64, unconditional (ALU64 END). */
export const bswap = (dst: Reg, bits: 16 | 32 | 64): Insn => insn(ALU64 | AluOp.END, dst, 0, 0, bits);

export function ldImm64(dst: Reg, value: bigint): Insn {
  const v = BigInt.asUintN(64, value);
  return { op: LD | DW | IMM, dst, src: 0, off: 0, imm: Number(BigInt.asIntN(32, v)), imm64: v };
}

/** Loads a constant the cheapest way: a mov when it fits 32 signed bits, else ld_imm64. */
export function loadConst(dst: Reg, value: bigint): Insn {
  const v = BigInt.asIntN(64, value);
  if (v >= -0x80000000n && v <= 0x7fffffffn) return movImm(dst, Number(v));
  return ldImm64(dst, v);
}

export function ldMapFd(dst: Reg, name: string): Insn {
  return { op: LD | DW | IMM, dst, src: PSEUDO_MAP_FD, off: 0, imm: 0, imm64: 0n, ref: { kind: 'map', name } };
}

export function ldMapValue(dst: Reg, name: string, offset: number): Insn {
  return {
    op: LD | DW | IMM,
    dst,
    src: PSEUDO_MAP_VALUE,
    off: 0,
    imm: 0,
    imm64: 0n,
    ref: { kind: 'mapValue', name, offset },
  };
}

export function ldFunc(dst: Reg, name: string): Insn {
  return { op: LD | DW | IMM, dst, src: PSEUDO_FUNC, off: 0, imm: 0, imm64: 0n, ref: { kind: 'func', name } };
}

/** dst = *(size *)(src + off) */
export const load = (size: Size, dst: Reg, src: Reg, off: number): Insn => insn(LDX | MEM | sizeBits(size), dst, src, off, 0);
/** dst = *(signed size *)(src + off), sign-extending (ISA v4). */
export const loadSx = (size: 1 | 2 | 4, dst: Reg, src: Reg, off: number): Insn => insn(LDX | MEMSX | sizeBits(size), dst, src, off, 0);
/** *(size *)(dst + off) = src */
export const store = (size: Size, dst: Reg, off: number, src: Reg): Insn => insn(STX | MEM | sizeBits(size), dst, src, off, 0);
/** *(size *)(dst + off) = imm */
export const storeImm = (size: Size, dst: Reg, off: number, imm: number): Insn => insn(ST | MEM | sizeBits(size), dst, 0, off, imm);
/** lock *(size *)(dst + off) += src */
export const atomicAdd = (size: 4 | 8, dst: Reg, off: number, src: Reg): Insn =>
  insn(STX | ATOMIC | sizeBits(size), dst, src, off, AluOp.ADD);

export function jmpImm(op: JmpOp, dst: Reg, imm: number, label: string): Insn {
  return { ...insn(JMP | op | K, dst, 0, -1, imm), ref: { kind: 'label', name: label } };
}
export function jmpReg(op: JmpOp, dst: Reg, src: Reg, label: string): Insn {
  return { ...insn(JMP | op | X, dst, src, -1, 0), ref: { kind: 'label', name: label } };
}
export function ja(label: string): Insn {
  return { ...insn(JMP | JmpOp.JA, 0, 0, -1, 0), ref: { kind: 'label', name: label } };
}
export const call = (helper: number): Insn => insn(JMP | JmpOp.CALL, 0, 0, 0, helper);
/** A call of the vmlinux kfunc with this BTF id. */
export const kfuncCall = (btfId: number): Insn => insn(JMP | JmpOp.CALL, 0, PSEUDO_KFUNC_CALL, 0, btfId);
export function callSub(label: string): Insn {
  return { ...insn(JMP | JmpOp.CALL, 0, PSEUDO_CALL, 0, -1), ref: { kind: 'call', name: label } };
}
export const exit = (): Insn => insn(JMP | JmpOp.EXIT, 0, 0, 0, 0);

// ---------------------------------------------------------------- layout and encoding

export class LinkError extends Error {}

export interface MapResolver {
  /** The fd of a map by name, or undefined when it does not exist. */
  fd(name: string): number | undefined;
}

/** Slot index of each instruction (ld_imm64 takes two) and of each label. */
export function layout(insns: readonly Insn[]): { slots: number[]; labels: Map<string, number>; total: number } {
  const slots: number[] = [];
  const labels = new Map<string, number>();
  let pc = 0;
  for (const i of insns) {
    slots.push(pc);
    for (const l of i.labels ?? []) {
      if (labels.has(l)) throw new LinkError(`duplicate label ${l}`);
      labels.set(l, pc);
    }
    pc += isWide(i) ? 2 : 1;
  }
  return { slots, labels, total: pc };
}

/**
 * Resolves labels, calls and map references and encodes the program into the kernel's
 * 8-byte-per-slot format. Map references are written with the fds `maps` gives.
 */
export function link(insns: readonly Insn[], maps: MapResolver | null): Uint8Array {
  const { slots, labels, total } = layout(insns);
  const out = new Uint8Array(total * 8);
  const view = new DataView(out.buffer);
  insns.forEach((i, n) => {
    const pc = slots[n] as number;
    let off = i.off;
    let imm = i.imm;
    let imm64 = i.imm64;
    const ref = i.ref;
    if (ref) {
      switch (ref.kind) {
        case 'label':
        case 'call':
        case 'func': {
          const target = labels.get(ref.name);
          if (target === undefined) throw new LinkError(`undefined label ${ref.name}`);
          const rel = target - pc - 1;
          if (ref.kind === 'label') off = rel;
          else if (ref.kind === 'call') imm = rel;
          else imm64 = BigInt(rel);
          break;
        }
        case 'map':
        case 'mapValue': {
          const fd = maps?.fd(ref.name);
          if (fd === undefined) {
            if (maps) throw new LinkError(`unknown map ${ref.name}`);
            imm64 = 0n;
          } else {
            imm64 = ref.kind === 'map' ? BigInt(fd) : BigInt(fd) | (BigInt(ref.offset) << 32n);
          }
          break;
        }
      }
    }
    if (off < -32768 || off > 32767) throw new LinkError(`jump out of range at ${pc}`);
    const at = pc * 8;
    view.setUint8(at, i.op);
    view.setUint8(at + 1, (i.dst & 0xf) | ((i.src & 0xf) << 4));
    view.setInt16(at + 2, off, true);
    if (isWide(i)) {
      const v = BigInt.asUintN(64, imm64 ?? 0n);
      view.setUint32(at + 4, Number(v & 0xffffffffn), true);
      view.setUint32(at + 12, Number(v >> 32n), true);
    } else {
      view.setInt32(at + 4, imm, true);
    }
  });
  return out;
}

/** Decodes kernel-format bytes back into instructions (the inverse of link, without refs). */
export function decode(bytes: Uint8Array): Insn[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: Insn[] = [];
  for (let at = 0; at + 8 <= bytes.length; at += 8) {
    const op = view.getUint8(at);
    const regs = view.getUint8(at + 1);
    const i: Insn = { op, dst: regs & 0xf, src: regs >> 4, off: view.getInt16(at + 2, true), imm: view.getInt32(at + 4, true) };
    if (op === (LD | DW | IMM) && at + 16 <= bytes.length) {
      const lo = BigInt(view.getUint32(at + 4, true));
      const hi = BigInt(view.getUint32(at + 12, true));
      i.imm64 = (hi << 32n) | lo;
      at += 8;
    }
    out.push(i);
  }
  return out;
}
