// Disassembler: instructions to the text the kernel verifier and bpftool print (`r1 = r10`,
// `*(u64 *)(r10 -8) = r1`, `if r1 != 0x0 goto +3`, `call bpf_map_lookup_elem#1`), with labels,
// map names and comments where the instructions still carry their symbolic references. It is
// what codegen tests compare, so every form insn.ts can build (and decode() can return) prints.

import { helperName } from './helpers.ts';
import {
  ALU,
  ALU64,
  ATOMIC,
  B,
  DW,
  H,
  type Insn,
  isWide,
  JMP,
  JMP32,
  LD,
  LDX,
  MEM,
  MEMSX,
  PSEUDO_CALL,
  PSEUDO_FUNC,
  PSEUDO_KFUNC_CALL,
  PSEUDO_MAP_FD,
  PSEUDO_MAP_VALUE,
  ST,
  STX,
  W,
  X,
} from './insn.ts';

export interface DisasmOptions {
  /** Print slot numbers before each instruction (default true). */
  numbers?: boolean;
  /** Names a map by fd in decoded code, where no symbolic reference is left. */
  mapName?: (fd: number) => string | undefined;
}

const ALU_OPS: Record<number, string> = {
  0: '+=',
  16: '-=',
  32: '*=',
  48: '/=',
  64: '|=',
  80: '&=',
  96: '<<=',
  112: '>>=',
  144: '%=',
  160: '^=',
  192: 's>>=',
};

const JMP_OPS: Record<number, string> = {
  16: '==',
  32: '>',
  48: '>=',
  64: '&',
  80: '!=',
  96: 's>',
  112: 's>=',
  160: '<',
  176: '<=',
  192: 's<',
  208: 's<=',
};

const ATOMIC_NAMES: Record<number, string> = {
  0: 'add',
  64: 'or',
  80: 'and',
  160: 'xor',
};
const FETCH = 0x01;
const XCHG = 0xe1;
const CMPXCHG = 0xf1;
const LOAD_ACQ = 0x100;
const STORE_REL = 0x110;

const PSEUDO_BTF_ID = 3;
const PSEUDO_MAP_IDX = 5;
const PSEUDO_MAP_IDX_VALUE = 6;
const JCOND = 0xe0;

function sizeName(op: number, signed = false): string {
  const bits = { [B]: 8, [H]: 16, [W]: 32, [DW]: 64 }[op & 0x18] ?? 0;
  return `${signed ? 's' : 'u'}${bits}`;
}

/** `(r10 -8)`: the kernel's `(r%d %+d)`. */
function mem(reg: number, off: number): string {
  return `(r${reg} ${off >= 0 ? '+' : ''}${off})`;
}

function hex32(imm: number): string {
  return `0x${(imm >>> 0).toString(16)}`;
}

function rel(n: number): string {
  return n >= 0 ? `+${n}` : `${n}`;
}

/** Text of one instruction (no slot number, label or comment). */
export function formatInsn(i: Insn, opts: DisasmOptions = {}): string {
  const cls = i.op & 0x07;
  switch (cls) {
    case ALU:
    case ALU64:
      return formatAlu(i, cls === ALU64 ? 'r' : 'w');
    case LDX: {
      const mode = i.op & 0xe0;
      if (mode === MEM) return `r${i.dst} = *(${sizeName(i.op)} *)${mem(i.src, i.off)}`;
      if (mode === MEMSX) return `r${i.dst} = *(${sizeName(i.op, true)} *)${mem(i.src, i.off)}`;
      return bad(i);
    }
    case ST:
      if ((i.op & 0xe0) === MEM) return `*(${sizeName(i.op)} *)${mem(i.dst, i.off)} = ${i.imm}`;
      return bad(i);
    case STX: {
      const mode = i.op & 0xe0;
      if (mode === MEM) return `*(${sizeName(i.op)} *)${mem(i.dst, i.off)} = r${i.src}`;
      if (mode === ATOMIC) return formatAtomic(i);
      return bad(i);
    }
    case LD:
      return formatLd(i, opts);
    case JMP:
    case JMP32:
      return formatJmp(i, cls === JMP32 ? 'w' : 'r');
  }
  return bad(i);
}

function bad(i: Insn): string {
  return `.insn op=0x${i.op.toString(16).padStart(2, '0')} dst=r${i.dst} src=r${i.src} off=${i.off} imm=${hex32(i.imm)}`;
}

function formatAlu(i: Insn, r: 'r' | 'w'): string {
  const op = i.op & 0xf0;
  const useReg = (i.op & X) !== 0;
  const src = useReg ? `${r}${i.src}` : `${i.imm}`;
  switch (op) {
    case 0xb0: // MOV
      if (useReg && r === 'r' && i.off === 1) return `r${i.dst} = addr_space_cast(r${i.src}, ${i.imm >>> 16}, ${i.imm & 0xffff})`;
      if (useReg && (i.off === 8 || i.off === 16 || i.off === 32)) return `${r}${i.dst} = (s${i.off})${r}${i.src}`;
      return `${r}${i.dst} = ${src}`;
    case 0x80: // NEG
      return `${r}${i.dst} = -${r}${i.dst}`;
    case 0xd0: // END: legacy to-le/to-be in ALU, unconditional bswap in ALU64
      if (r === 'r') return `r${i.dst} = bswap${i.imm} r${i.dst}`;
      return `r${i.dst} = ${useReg ? 'be' : 'le'}${i.imm} r${i.dst}`;
    case 0x30:
    case 0x90:
      if (i.off === 1) return `${r}${i.dst} s${op === 0x30 ? '/=' : '%='} ${src}`;
      break;
  }
  const sym = ALU_OPS[op];
  return sym ? `${r}${i.dst} ${sym} ${src}` : bad(i);
}

function formatAtomic(i: Insn): string {
  const wide = (i.op & 0x18) === DW;
  const size = sizeName(i.op);
  const at = `(${size} *)${mem(i.dst, i.off)}`;
  const r = wide ? 'r' : 'w';
  const fn = wide ? 'atomic64' : 'atomic';
  if (i.imm === LOAD_ACQ) return `${wide ? 'r' : 'w'}${i.src} = load_acquire(${at})`;
  if (i.imm === STORE_REL) return `store_release(${at}, ${r}${i.src})`;
  if (i.imm === XCHG) return `${r}${i.src} = ${fn}_xchg(${at}, ${r}${i.src})`;
  if (i.imm === CMPXCHG) return `${r}0 = ${fn}_cmpxchg(${at}, ${r}0, ${r}${i.src})`;
  const name = ATOMIC_NAMES[i.imm & ~FETCH];
  if (!name) return bad(i);
  if (i.imm & FETCH) return `${r}${i.src} = ${fn}_fetch_${name}(${at}, ${r}${i.src})`;
  return `lock *${at} ${ALU_OPS[i.imm & ~FETCH]} ${r}${i.src}`;
}

function formatLd(i: Insn, opts: DisasmOptions): string {
  const mode = i.op & 0xe0;
  if (mode === 0x20) return `r0 = *(${sizeName(i.op)} *)skb[${i.imm}]`; // legacy LD_ABS
  if (mode === 0x40) return `r0 = *(${sizeName(i.op)} *)skb[r${i.src} + ${i.imm}]`; // legacy LD_IND
  if (!isWide(i)) return bad(i);
  const v = BigInt.asUintN(64, i.imm64 ?? BigInt(i.imm >>> 0));
  const lo = Number(v & 0xffffffffn);
  const hi = Number(v >> 32n);
  const ref = i.ref;
  if (ref?.kind === 'map') return `r${i.dst} = map[${ref.name}]`;
  if (ref?.kind === 'mapValue') return `r${i.dst} = map[${ref.name}][0]+${ref.offset}`;
  if (ref?.kind === 'func') return `r${i.dst} = func[${ref.name}]`;
  const named = (fd: number): string => {
    const n = opts.mapName?.(fd);
    return n === undefined ? `fd:${fd}` : n;
  };
  switch (i.src) {
    case 0:
      return `r${i.dst} = 0x${v.toString(16)} ll`;
    case PSEUDO_MAP_FD:
      return `r${i.dst} = map[${named(lo)}]`;
    case PSEUDO_MAP_VALUE:
      return `r${i.dst} = map[${named(lo)}][0]+${hi}`;
    case PSEUDO_MAP_IDX:
      return `r${i.dst} = map[idx:${lo}]`;
    case PSEUDO_MAP_IDX_VALUE:
      return `r${i.dst} = map[idx:${lo}][0]+${hi}`;
    case PSEUDO_BTF_ID:
      return `r${i.dst} = btf_id[${lo}]`;
    case PSEUDO_FUNC:
      return `r${i.dst} = func[${rel(lo | 0)}]`;
  }
  return bad(i);
}

function formatJmp(i: Insn, r: 'r' | 'w'): string {
  const op = i.op & 0xf0;
  const target = i.ref?.kind === 'label' ? i.ref.name : rel(i.off);
  switch (op) {
    case 0x00: // JA
      if (r === 'w') return `gotol ${i.ref?.kind === 'label' ? i.ref.name : rel(i.imm)}`;
      return `goto ${target}`;
    case 0x80: // CALL
      if (i.src === PSEUDO_CALL) return `call ${i.ref?.kind === 'call' ? i.ref.name : `pc${rel(i.imm)}`}`;
      if (i.src === PSEUDO_KFUNC_CALL) return `call kfunc#${i.imm}`;
      return `call ${helperName(i.imm) ?? 'unknown'}#${i.imm}`;
    case 0x90:
      return 'exit';
    case JCOND:
      return `may_goto ${target}`;
  }
  const sym = JMP_OPS[op];
  if (!sym) return bad(i);
  const rhs = i.op & X ? `${r}${i.src}` : hex32(i.imm);
  return `if ${r}${i.dst} ${sym} ${rhs} goto ${target}`;
}

/**
 * A whole program, one instruction per line: labels on their own line, comments as `; text`
 * before the instruction they annotate, slot numbers (ld_imm64 takes two) on the left.
 */
export function disasm(insns: readonly Insn[], opts: DisasmOptions = {}): string {
  const numbers = opts.numbers ?? true;
  const lines: string[] = [];
  let pc = 0;
  const width = String(insns.length * 2).length;
  const pad = numbers ? ' '.repeat(width + 2) : '';
  for (const i of insns) {
    for (const l of i.labels ?? []) lines.push(`${l}:`);
    if (i.comment) for (const c of i.comment.split('\n')) lines.push(`${pad}; ${c}`);
    const text = formatInsn(i, opts);
    lines.push(numbers ? `${String(pc).padStart(width)}: ${text}` : text);
    pc += isWide(i) ? 2 : 1;
  }
  return lines.join('\n');
}
