// C definitions of structs, unions and enums, laid out as libbpf 1.1's btf_dump prints them
// (what `bpftrace -lv 'struct X'` shows): tab indentation, anonymous members inlined, explicit
// `long: 64;` style padding where natural alignment would not reproduce the layout, and
// `__attribute__((packed))` for packed structs. Unlike libbpf, clashing names do not get
// `___2` suffixes, since each definition is printed on its own.

import type { Btf } from './btf.ts';
import { declToString } from './c-decl.ts';
import type { BtfComposite, BtfEnum, BtfEnum64 } from './types.ts';

const POINTER_SIZE = 8;

function tabs(lvl: number): string {
  return '\t'.repeat(lvl);
}

/** libbpf's btf__align_of; 1 for structs whose layout shows they are packed. */
export function alignOf(btf: Btf, id: number): number {
  const t = btf.get(id);
  switch (t.kind) {
    case 'int':
    case 'enum':
    case 'enum64':
    case 'float':
      return Math.min(POINTER_SIZE, t.size);
    case 'ptr':
      return POINTER_SIZE;
    case 'typedef':
    case 'volatile':
    case 'const':
    case 'restrict':
    case 'type_tag':
    case 'array':
      return alignOf(btf, t.type);
    case 'struct':
    case 'union': {
      let max = 1;
      for (const m of t.members) {
        const a = alignOf(btf, m.type);
        if (a <= 0) return 0;
        max = Math.max(max, a);
        if (m.bitfieldSize === 0 && m.bitOffset % (8 * a) !== 0) return 1;
      }
      return t.size % max !== 0 ? 1 : max;
    }
    default:
      return 0;
  }
}

function isPacked(btf: Btf, t: BtfComposite): boolean {
  let max = 1;
  for (const m of t.members) {
    const a = alignOf(btf, m.type);
    if (a && m.bitfieldSize === 0 && m.bitOffset % (8 * a) !== 0) return true;
    max = Math.max(max, a);
  }
  return t.size % max !== 0;
}

function roundUp(n: number, to: number): number {
  return Math.ceil(n / to) * to;
}

const PADS: readonly (readonly [string, number])[] = [
  ['long', POINTER_SIZE * 8],
  ['int', 32],
  ['short', 16],
  ['char', 8],
];

/** Explicit padding members for the gap [cur, next) in bits (libbpf's btf_dump_emit_bit_padding). */
function bitPadding(cur: number, next: number, nextAlign: number, inBitfield: boolean, lvl: number): string {
  if (cur >= next) return '';
  let out = '';
  let padType = 'char';
  let padBits = 8;
  let newOff = cur;
  for (const [name, bits] of PADS) {
    padType = name;
    padBits = bits;
    newOff = roundUp(cur, bits);
    if (newOff <= next) break;
  }
  if (newOff > cur && newOff <= next) {
    // An explicit `<type>: 0` is needed when natural alignment would not land on newOff.
    if (inBitfield || (newOff === next && roundUp(cur, nextAlign * 8) !== newOff) || (newOff !== next && next - newOff <= newOff - cur)) {
      out += `\n${tabs(lvl)}${padType}: ${inBitfield ? newOff - cur : 0};`;
    }
    cur = newOff;
  }
  while (cur !== next) {
    const bits = Math.min(next - cur, padBits);
    if (bits === padBits) {
      out += `\n${tabs(lvl)}${padType}: ${padBits};`;
      cur += bits;
      continue;
    }
    // The last piece uses the smallest type that holds it.
    for (let i = PADS.length - 1; i >= 0; i--) {
      const [name, size] = PADS[i];
      if (size < bits) continue;
      out += `\n${tabs(lvl)}${name}: ${bits};`;
      cur += bits;
      break;
    }
  }
  return out;
}

function structDef(btf: Btf, t: BtfComposite, lvl: number): string {
  const isStruct = t.kind === 'struct';
  const align = alignOf(btf, t.id);
  const packed = isStruct ? isPacked(btf, t) : false;
  let out = `${t.kind}${t.name ? ' ' : ''}${t.name} {`;
  let off = 0;
  let prevBitfield = false;
  for (const m of t.members) {
    const mAlign = packed ? 1 : alignOf(btf, m.type);
    const inBitfield = prevBitfield && m.bitfieldSize !== 0;
    out += bitPadding(off, m.bitOffset, mAlign, inBitfield, lvl + 1);
    out += `\n${tabs(lvl + 1)}${memberDecl(btf, m.type, m.name, lvl + 1)}`;
    if (m.bitfieldSize) {
      out += `: ${m.bitfieldSize}`;
      off = m.bitOffset + m.bitfieldSize;
      prevBitfield = true;
    } else {
      off = m.bitOffset + Math.max(0, btf.sizeof(m.type)) * 8;
      prevBitfield = false;
    }
    out += ';';
  }
  if (isStruct) out += bitPadding(off, t.size * 8, align, false, lvl + 1);
  out += t.members.length || t.size ? `\n${tabs(lvl)}}` : '}';
  if (packed) out += ' __attribute__((packed))';
  return out;
}

function enumDef(t: BtfEnum | BtfEnum64, lvl: number): string {
  let out = `enum${t.name ? ' ' : ''}${t.name}`;
  if (t.values.length === 0) return out;
  out += ' {';
  for (const v of t.values) {
    // libbpf prints 32-bit values through %d/%u and 64-bit ones with LL/ULL suffixes.
    const val = t.kind === 'enum64' ? `${v.value}${t.signed ? 'LL' : 'ULL'}` : `${v.value}`;
    out += `\n${tabs(lvl + 1)}${v.name} = ${val},`;
  }
  out += `\n${tabs(lvl)}}`;
  if (t.size === 1) {
    out += ' __attribute__((mode(byte)))';
  } else if (t.size === 8) {
    // An 8-byte enum needs mode(word) unless some value already forces 64 bits.
    const needsWord = t.kind === 'enum' || t.values.every((v) => BigInt.asUintN(64, v.value) >> 32n === 0n);
    if (needsWord) out += ' __attribute__((mode(word)))';
  }
  return out;
}

function memberDecl(btf: Btf, type: number, name: string, lvl: number): string {
  return declToString(btf, type, name, {
    typeTags: true,
    anonDefinition: (a) => (a.kind === 'enum' || a.kind === 'enum64' ? enumDef(a, lvl) : structDef(btf, a, lvl)),
  });
}

/**
 * The definition of a struct, union or enum followed by `;`, e.g. "struct foo {\n\tint a;\n};".
 * Returns null for other kinds.
 */
export function typeDefinition(btf: Btf, id: number): string | null {
  const t = btf.get(id);
  switch (t.kind) {
    case 'struct':
    case 'union':
      return `${structDef(btf, t, 0)};`;
    case 'enum':
    case 'enum64':
      return `${enumDef(t, 0)};`;
    default:
      return null;
  }
}
