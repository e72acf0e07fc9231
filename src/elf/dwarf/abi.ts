// Where the x86-64 System V calling convention puts each argument: integer, pointer and small
// aggregate arguments take the next of six integer registers (rdi, rsi, rdx, rcx, r8, r9) one
// eightbyte at a time, floating-point ones take SSE registers, and aggregates over 16 bytes (or
// with unaligned fields, or long double) go on the stack. An aggregate that does not fit in
// the registers left goes on the stack whole (stack arguments follow the return address in
// eightbyte slots, 16-aligned in the caller's frame for 16-aligned types), and a function returning a large aggregate gets
// the address of its return slot as a hidden first argument.

import { DW_CC_pass_by_reference, DW_TAG_member } from './constants.ts';
import type { Die } from './info.ts';
import { type CType, ctype, ctypeSize, deref } from './types.ts';

export const INT_ARG_REGS = 6;
export const SSE_ARG_REGS = 8;

type EightbyteClass = 'none' | 'int' | 'sse' | 'memory';

/** How one argument is passed: in memory, or as eightbytes in integer/SSE registers. */
export type ArgClass = { kind: 'memory' } | { kind: 'regs'; eightbytes: ('int' | 'sse')[] };

const MEMORY: ArgClass = { kind: 'memory' };

function merge(a: EightbyteClass, b: EightbyteClass): EightbyteClass {
  if (a === b || b === 'none') return a;
  if (a === 'none') return b;
  if (a === 'memory' || b === 'memory') return 'memory';
  return 'int';
}

/** Classifies the scalar leaves of an aggregate into its eightbytes. */
class Eightbytes {
  readonly cls: EightbyteClass[];

  constructor(size: number) {
    this.cls = new Array<EightbyteClass>(Math.ceil(size / 8)).fill('none');
  }

  mark(off: number, size: number, c: EightbyteClass): void {
    const last = Math.floor((off + Math.max(size, 1) - 1) / 8);
    for (let i = Math.floor(off / 8); i <= last; i++) {
      if (i >= this.cls.length) {
        this.cls.push('memory');
        continue;
      }
      this.cls[i] = merge(this.cls[i] as EightbyteClass, c);
    }
  }

  place(t: CType, off: number, depth: number): void {
    if (depth > 16) {
      this.mark(off, 1, 'memory');
      return;
    }
    const size = ctypeSize(t);
    // Fields not at their natural alignment (packed structs) make the aggregate MEMORY.
    const align = t.kind === 'int' || t.kind === 'float' || t.kind === 'pointer' ? Math.min(size, 8) : 1;
    if (align > 1 && off % align !== 0) {
      this.mark(off, size, 'memory');
      return;
    }
    switch (t.kind) {
      case 'int':
      case 'pointer':
        this.mark(off, size, 'int');
        return;
      case 'float':
        if (!t.complex && size > 8) this.mark(off, size, 'memory');
        else if (t.complex && size > 16) this.mark(off, size, 'memory');
        else this.mark(off, size, 'sse');
        return;
      case 'struct':
        this.members(t.die, off, depth + 1);
        return;
      case 'array': {
        const e = ctype(t.elem);
        const es = ctypeSize(e);
        if (es <= 0) return;
        for (let i = 0; i < t.len && i * es < 16; i++) this.place(e, off + i * es, depth + 1);
        return;
      }
      case 'other':
        this.mark(off, size, 'int');
        return;
      case 'void':
        return;
    }
  }

  members(s: Die, base: number, depth: number): void {
    const kids = s.unit.file.children(s).filter((m) => m.tag === DW_TAG_member && !m.attrs.declaration);
    if (!kids.length && (s.attrs.byteSize ?? 0) > 0) {
      // A declaration without members (or a producer that left them out): guess integers.
      this.mark(base, s.attrs.byteSize ?? 0, 'int');
      return;
    }
    for (const m of kids) {
      const bitOff = m.attrs.dataBitOffset;
      const t = ctype(deref(m.attrs.type));
      if (m.attrs.bitSize !== undefined) {
        // A bitfield: an integer in whichever bytes its bits touch.
        const bits = m.attrs.bitSize;
        if (bitOff !== undefined) {
          const first = Math.floor(bitOff / 8);
          this.mark(base + first, Math.floor((bitOff + Math.max(bits, 1) - 1) / 8) - first + 1, 'int');
        } else this.mark(base + (m.attrs.memberOffset ?? 0), m.attrs.byteSize ?? ctypeSize(t), 'int');
        continue;
      }
      const off = base + (m.attrs.memberOffset ?? (bitOff !== undefined ? Math.floor(bitOff / 8) : 0));
      this.place(t, off, depth);
    }
  }
}

export function classify(t: CType): ArgClass {
  switch (t.kind) {
    case 'void':
      return { kind: 'regs', eightbytes: [] };
    case 'int':
      return t.size <= 8 ? { kind: 'regs', eightbytes: ['int'] } : t.size <= 16 ? { kind: 'regs', eightbytes: ['int', 'int'] } : MEMORY;
    case 'pointer':
      return { kind: 'regs', eightbytes: ['int'] };
    case 'float':
      // long double (x87) is passed in memory; complex float fits one SSE register.
      if (!t.complex) return t.size <= 8 ? { kind: 'regs', eightbytes: ['sse'] } : MEMORY;
      return t.size <= 8 ? { kind: 'regs', eightbytes: ['sse'] } : t.size <= 16 ? { kind: 'regs', eightbytes: ['sse', 'sse'] } : MEMORY;
    case 'other':
      return t.size <= 8 ? { kind: 'regs', eightbytes: ['int'] } : MEMORY;
    case 'array':
      return MEMORY;
    case 'struct': {
      // C++ classes that are not trivially copyable are passed by invisible reference.
      if (t.die.attrs.callingConvention === DW_CC_pass_by_reference) return { kind: 'regs', eightbytes: ['int'] };
      if (t.size > 16) return MEMORY;
      if (t.size === 0) return { kind: 'regs', eightbytes: [] };
      const e = new Eightbytes(t.size);
      e.members(t.die, 0, 0);
      if (e.cls.includes('memory')) return MEMORY;
      const out: ('int' | 'sse')[] = [];
      for (const c of e.cls) if (c === 'int' || c === 'sse') out.push(c);
      return { kind: 'regs', eightbytes: out };
    }
  }
}

/** Whether a function returning `ret` takes the address of its result in the first integer register. */
export function returnsInMemory(ret: CType): boolean {
  if (ret.kind === 'struct') return ret.die.attrs.callingConvention === DW_CC_pass_by_reference || classify(ret).kind === 'memory';
  if (ret.kind === 'int' || ret.kind === 'other') return classify(ret).kind === 'memory';
  return false;
}

/**
 * Where an argument is at function entry: integer register `index` (0 = rdi) when it is exactly
 * one, on the stack at `offset` bytes above the stack pointer (past the return address), or
 * elsewhere (SSE registers, split over several registers).
 */
export type ArgPlace = { kind: 'intreg'; index: number } | { kind: 'stack'; offset: number } | { kind: 'elsewhere'; why: string };

/** The alignment of a value of type `t` (what decides its stack slot's alignment). */
function alignOf(t: CType, depth = 0): number {
  switch (t.kind) {
    case 'int':
    case 'float':
    case 'other':
      // long double and __int128 are 16-aligned; complex types align as their parts.
      return t.kind === 'float' && t.complex ? Math.min(16, Math.max(1, t.size / 2)) : Math.min(16, Math.max(1, t.size));
    case 'pointer':
      return 8;
    case 'array':
      return depth > 16 ? 8 : alignOf(ctype(t.elem), depth + 1);
    case 'struct': {
      if (depth > 16) return 8;
      let a = 1;
      for (const m of t.die.unit.file.children(t.die)) {
        if (m.tag !== DW_TAG_member || m.attrs.declaration) continue;
        a = Math.max(a, alignOf(ctype(deref(m.attrs.type)), depth + 1));
      }
      return a;
    }
    case 'void':
      return 1;
  }
}

/** The place of each parameter of a function returning `ret` and taking `params`. */
export function assignArgs(ret: CType, params: CType[]): ArgPlace[] {
  let ints = returnsInMemory(ret) ? 1 : 0;
  let sses = 0;
  // Stack arguments are laid out in eightbyte slots, in order, from the caller's 16-aligned
  // stack pointer; at entry the return address sits below them, so they start at sp+8.
  let area = 0;
  const onStack = (p: CType): ArgPlace => {
    const align = Math.max(8, alignOf(p));
    const at = Math.ceil(area / align) * align;
    area = at + Math.ceil(Math.max(ctypeSize(p), 1) / 8) * 8;
    return { kind: 'stack', offset: 8 + at };
  };
  return params.map((p): ArgPlace => {
    const c = classify(p);
    if (c.kind === 'memory') return onStack(p);
    const ni = c.eightbytes.filter((e) => e === 'int').length;
    const ns = c.eightbytes.length - ni;
    // An argument that does not fit in the registers left goes on the stack whole.
    if (ints + ni > INT_ARG_REGS || sses + ns > SSE_ARG_REGS) return onStack(p);
    const first = ints;
    ints += ni;
    sses += ns;
    if (ni === 1 && ns === 0) return { kind: 'intreg', index: first };
    if (ni === 0) return { kind: 'elsewhere', why: 'it is passed in an SSE register' };
    return { kind: 'elsewhere', why: 'it is passed in more than one register' };
  });
}
