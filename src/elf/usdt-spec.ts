// USDT argument specs as GCC and Clang write them on x86-64 in .note.stapsdt:
//   -4@%edi       a (sub)register          8@$5 / -4@$-7   a constant
//   -8@-16(%rbp)  memory at register+disp  8@(%rax)        (no displacement)
//   8@0(%r13,%rax,8)  base + index*scale + disp
//   -8@global_counter(%rip) / 4@sym+8(%rip)  RIP-relative (a global)
// A leading '-' on the size means signed.

import { PT_REGS } from '../builtins/pt-regs.ts';

export interface RegRef {
  /** pt_regs offset of the full register. */
  offset: number;
  /** Bytes used: 8 (rax), 4 (eax), 2 (ax), 1 (al, or ah with shift 8). */
  size: 1 | 2 | 4 | 8;
  /** Bit shift of the part (8 for ah/bh/ch/dh). */
  shift: number;
  name: string;
}

/** A register name (without %) → where it is in pt_regs; null when unknown. */
export function parseRegister(name: string): RegRef | null {
  const n = name.toLowerCase();
  let m: RegExpExecArray | null;
  // `full` names the whole register as pt_regs.ts (and bpftrace's reg()) do: ax, si, r8.
  const ref = (full: string, size: 1 | 2 | 4 | 8, shift = 0): RegRef | null => {
    const offset = PT_REGS[full];
    return offset === undefined ? null : { offset, size, shift, name: n };
  };
  if ((m = /^r(8|9|1[0-5])([dwbl]?)$/.exec(n))) {
    const suf = m[2];
    return ref(`r${m[1]}`, suf === 'd' ? 4 : suf === 'w' ? 2 : suf === 'b' || suf === 'l' ? 1 : 8);
  }
  if ((m = /^([re]?)([abcd])x$/.exec(n))) return ref(`${m[2]}x`, m[1] === 'r' ? 8 : m[1] === 'e' ? 4 : 2);
  if ((m = /^([abcd])([lh])$/.exec(n))) return ref(`${m[1]}x`, 1, m[2] === 'h' ? 8 : 0);
  if ((m = /^([re]?)(si|di|bp|sp|ip)$/.exec(n))) return ref(m[2] as string, m[1] === 'r' ? 8 : m[1] === 'e' ? 4 : 2);
  if ((m = /^(si|di|bp|sp)l$/.exec(n))) return ref(m[1] as string, 1);
  return null;
}

export type UsdtArg =
  | { kind: 'const'; size: number; signed: boolean; value: bigint }
  | { kind: 'reg'; size: number; signed: boolean; reg: RegRef }
  | {
      kind: 'mem';
      size: number;
      signed: boolean;
      /** Base register, or null (RIP-relative and symbol+index forms). */
      base: RegRef | null;
      index: RegRef | null;
      scale: number;
      disp: number;
      /** A symbol whose (load-biased) address is added: RIP-relative or absolute forms. */
      symbol: string | null;
    };

function num(s: string): number | null {
  const t = s.trim();
  if (t === '') return 0;
  const neg = t.startsWith('-');
  const body = neg || t.startsWith('+') ? t.slice(1) : t;
  let v: number;
  if (/^0x[0-9a-f]+$/i.test(body)) v = Number.parseInt(body.slice(2), 16);
  else if (/^[0-9]+$/.test(body)) v = Number(body);
  else return null;
  return neg ? -v : v;
}

/** Parses one `SIZE@OPERAND`; throws Error with the spec text when it can't. */
export function parseUsdtArg(spec: string): UsdtArg {
  const at = spec.indexOf('@');
  if (at < 0) throw new Error(`unrecognized USDT argument '${spec}'`);
  const sz = Number(spec.slice(0, at));
  if (![1, 2, 4, 8, -1, -2, -4, -8].includes(sz)) throw new Error(`unsupported USDT argument size in '${spec}'`);
  const size = Math.abs(sz);
  const signed = sz < 0;
  const op = spec.slice(at + 1);
  if (op.startsWith('$')) {
    const v = op.slice(1);
    if (!/^-?(?:0x[0-9a-f]+|[0-9]+)$/i.test(v)) throw new Error(`unsupported USDT constant in '${spec}'`);
    return { kind: 'const', size, signed, value: v.startsWith('-') ? -BigInt(v.slice(1)) : BigInt(v) };
  }
  if (op.startsWith('%')) {
    const reg = parseRegister(op.slice(1));
    if (!reg) throw new Error(`unknown register in USDT argument '${spec}'`);
    return { kind: 'reg', size, signed, reg };
  }
  const m = /^([^(]*)\(([^)]*)\)$/.exec(op);
  if (!m) throw new Error(`unrecognized USDT argument '${spec}'`);
  const pre = (m[1] as string).trim();
  const inner = (m[2] as string).split(',').map((x) => x.trim());
  const baseName = inner[0] ?? '';
  if (baseName === '%rip') {
    // sym, sym+N or sym-N before (%rip).
    const sm = /^([A-Za-z_.$][\w.$@]*)([+-](?:0x[0-9a-f]+|[0-9]+))?$/i.exec(pre);
    if (!sm) {
      const d = num(pre);
      if (d === null) throw new Error(`unrecognized USDT argument '${spec}'`);
      throw new Error(`unsupported RIP-relative USDT argument without a symbol '${spec}'`);
    }
    return { kind: 'mem', size, signed, base: null, index: null, scale: 1, disp: num(sm[2] ?? '') ?? 0, symbol: sm[1] as string };
  }
  // A symbol before the parentheses (non-PIE code: `8@words(,%rax,8)`): its address is added.
  let symbol: string | null = null;
  let disp = num(pre);
  if (disp === null) {
    const sm = /^([A-Za-z_.$][\w.$@]*)([+-](?:0x[0-9a-f]+|[0-9]+))?$/i.exec(pre);
    if (!sm) throw new Error(`unrecognized USDT argument '${spec}'`);
    symbol = sm[1] as string;
    disp = num(sm[2] ?? '') ?? 0;
  }
  const base = baseName === '' ? null : parseRegister(baseName.replace(/^%/, ''));
  if (baseName !== '' && !base) throw new Error(`unknown register in USDT argument '${spec}'`);
  let index: RegRef | null = null;
  let scale = 1;
  if (inner.length > 1) {
    index = parseRegister((inner[1] ?? '').replace(/^%/, ''));
    if (!index) throw new Error(`unknown register in USDT argument '${spec}'`);
    scale = inner[2] ? Number(inner[2]) : 1;
    if (![1, 2, 4, 8].includes(scale)) throw new Error(`bad scale in USDT argument '${spec}'`);
  }
  if (!base && !index && !symbol) throw new Error(`unrecognized USDT argument '${spec}'`);
  return { kind: 'mem', size, signed, base, index, scale, disp, symbol };
}

/** Splits an argument string into specs (they are separated by spaces and never contain one). */
export function splitUsdtArgs(args: string): string[] {
  return args.trim() === '' ? [] : args.trim().split(/\s+/);
}
