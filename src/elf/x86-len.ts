// x86-64 instruction lengths, for refusing a uprobe at `func+OFFSET` that is not on an
// instruction boundary (a breakpoint inside an instruction corrupts the program), as bpftrace
// does with its disassembler. Only lengths are decoded: prefixes, REX/VEX/EVEX, the opcode
// maps, ModRM/SIB/displacement and immediates.

/** 1-byte opcodes with a ModRM byte. */
const MODRM1 = new Set<number>([
  ...range(0x00, 0x03),
  ...range(0x08, 0x0b),
  ...range(0x10, 0x13),
  ...range(0x18, 0x1b),
  ...range(0x20, 0x23),
  ...range(0x28, 0x2b),
  ...range(0x30, 0x33),
  ...range(0x38, 0x3b),
  0x63,
  0x69,
  0x6b,
  ...range(0x80, 0x8f),
  0xc0,
  0xc1,
  0xc6,
  0xc7,
  ...range(0xd0, 0xd3),
  ...range(0xd8, 0xdf),
  0xf6,
  0xf7,
  0xfe,
  0xff,
]);

/** 2-byte (0F xx) opcodes without a ModRM byte. */
const NO_MODRM2 = new Set<number>([
  0x05,
  0x06,
  0x07,
  0x08,
  0x09,
  0x0b,
  0x0e,
  0x30,
  0x31,
  0x32,
  0x33,
  0x34,
  0x35,
  0x37,
  0x77,
  ...range(0x80, 0x8f),
  0xa0,
  0xa1,
  0xa2,
  0xa8,
  0xa9,
  0xaa,
  ...range(0xc8, 0xcf),
]);

/** 2-byte opcodes (legacy or VEX map 1) followed by an 8-bit immediate. */
const IMM8_2 = new Set<number>([0x0f, 0x70, 0x71, 0x72, 0x73, 0xa4, 0xac, 0xba, 0xc2, 0xc4, 0xc5, 0xc6]);

function range(a: number, b: number): number[] {
  const out: number[] = [];
  for (let i = a; i <= b; i++) out.push(i);
  return out;
}

/** Length of ModRM + SIB + displacement starting at `p`. */
function modrmLen(code: Uint8Array, p: number): number {
  const m = code[p];
  if (m === undefined) return -1;
  const mod = m >> 6;
  const rm = m & 7;
  let n = 1;
  if (mod === 3) return n;
  if (rm === 4) {
    const sib = code[p + 1];
    if (sib === undefined) return -1;
    n++;
    if ((sib & 7) === 5 && mod === 0) n += 4;
  } else if (rm === 5 && mod === 0) n += 4;
  if (mod === 1) n += 1;
  else if (mod === 2) n += 4;
  return n;
}

/** Length of the instruction at `p`, or -1 when it can't be decoded. */
export function insnLength(code: Uint8Array, p: number): number {
  const start = p;
  let opsize = false;
  let adsize = false;
  let rexW = false;
  // Legacy prefixes.
  for (;;) {
    const b = code[p];
    if (b === undefined) return -1;
    if (b === 0x66) opsize = true;
    else if (b === 0x67) adsize = true;
    else if (![0xf0, 0xf2, 0xf3, 0x2e, 0x36, 0x3e, 0x26, 0x64, 0x65].includes(b)) break;
    p++;
    if (p - start > 14) return -1;
  }
  const immZ = opsize ? 2 : 4;
  let b = code[p] as number;
  if (b >= 0x40 && b <= 0x4f) {
    rexW = (b & 8) !== 0;
    p++;
    b = code[p] as number;
    if (b === undefined) return -1;
  }
  // VEX (C4/C5) and EVEX (62): always in 64-bit mode.
  if (b === 0xc4 || b === 0xc5 || b === 0x62) {
    let map = 1;
    if (b === 0xc5) p += 2;
    else if (b === 0xc4) {
      map = (code[p + 1] ?? 0) & 0x1f;
      p += 3;
    } else {
      map = (code[p + 1] ?? 0) & 0x7;
      p += 4;
    }
    const op = code[p];
    if (op === undefined) return -1;
    p++;
    if (map === 1 && op === 0x77) return p - start; // vzeroupper/vzeroall: no operands
    const ml = modrmLen(code, p);
    if (ml < 0) return -1;
    p += ml;
    if (map === 3 || (map === 1 && IMM8_2.has(op))) p += 1;
    return p - start;
  }
  p++;
  if (b === 0x0f) {
    const op = code[p];
    if (op === undefined) return -1;
    p++;
    if (op === 0x38 || op === 0x3a) {
      p++; // third opcode byte
      const ml = modrmLen(code, p);
      if (ml < 0) return -1;
      return p + ml + (op === 0x3a ? 1 : 0) - start;
    }
    if (op >= 0x80 && op <= 0x8f) return p + 4 - start; // jcc rel32
    if (!NO_MODRM2.has(op)) {
      const ml = modrmLen(code, p);
      if (ml < 0) return -1;
      p += ml;
    }
    if (IMM8_2.has(op)) p += 1;
    return p - start;
  }
  if (
    [0x06, 0x07, 0x0e, 0x16, 0x17, 0x1e, 0x1f, 0x27, 0x2f, 0x37, 0x3f, 0x60, 0x61, 0x82, 0x9a, 0xce, 0xd4, 0xd5, 0xd6, 0xea].includes(b)
  ) {
    return -1; // invalid in 64-bit mode
  }
  let imm = 0;
  if (MODRM1.has(b)) {
    const ml = modrmLen(code, p);
    if (ml < 0) return -1;
    const reg = ((code[p] ?? 0) >> 3) & 7;
    p += ml;
    if (b === 0x80 || b === 0x83 || b === 0xc0 || b === 0xc1 || b === 0xc6 || b === 0x6b) imm = 1;
    else if (b === 0x81 || b === 0xc7 || b === 0x69) imm = immZ;
    else if (b === 0xf6 && reg < 2) imm = 1;
    else if (b === 0xf7 && reg < 2) imm = immZ;
    return p + imm - start;
  }
  if ((b & 0xc7) === 0x04 && b < 0x40)
    imm = 1; // ALU al, imm8
  else if ((b & 0xc7) === 0x05 && b < 0x40)
    imm = immZ; // ALU eax, imm32
  else if (b === 0x68 || b === 0xa9) imm = immZ;
  else if (b === 0x6a || b === 0xa8 || b === 0xcd || (b >= 0x70 && b <= 0x7f) || (b >= 0xe0 && b <= 0xe7) || b === 0xeb) imm = 1;
  else if (b >= 0xa0 && b <= 0xa3) imm = adsize ? 4 : 8;
  else if (b >= 0xb0 && b <= 0xb7) imm = 1;
  else if (b >= 0xb8 && b <= 0xbf) imm = rexW ? 8 : immZ;
  else if (b === 0xc2 || b === 0xca) imm = 2;
  else if (b === 0xc8) imm = 3;
  else if (b === 0xe8 || b === 0xe9) imm = 4;
  return p + imm - start;
}

/** Whether `offset` bytes into `code` (a function from its start) is an instruction boundary; null if undecodable. */
export function isInstructionBoundary(code: Uint8Array, offset: number): boolean | null {
  let p = 0;
  while (p < offset) {
    const n = insnLength(code, p);
    if (n <= 0) return null;
    p += n;
  }
  return p === offset;
}
