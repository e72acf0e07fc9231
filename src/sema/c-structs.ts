// C struct/union definitions written in a script (`struct point { int x; int y; }`), laid out
// with the x86-64 C rules so `(struct point *)arg0` and `$p->y` read the right bytes. Kernel
// types come from BTF; these are for user-space programs and types BTF lacks.

import { bitfieldAccess } from '../btf/btf.ts';
import type { BitfieldAccess } from '../btf/types.ts';
import type { Span } from '../lang/ast.ts';
import { clangMessage, clangPlace } from '../lang/clang-location.ts';
import type { Diagnostics } from '../lang/diagnostics.ts';
import { registerEnumNames } from './enum-names.ts';
import { registerScriptStruct } from './struct-fields.ts';
import { alignOf, cIntType, type IntSize, intType, parseIntTypeName, sizeOf, type Type } from './types.ts';

export interface ScriptStruct {
  name: string;
  union: boolean;
  size: number;
  align: number;
  members: { name: string; type: Type; offset: number; bitfield: BitfieldAccess | null }[];
}

/** A member as declared: `bits` for a bitfield (`int a : 4`; 0 is `int : 0`, unnamed). */
interface Declared {
  name: string;
  type: Type;
  bits: number | null;
}

/** Tokens: identifiers/keywords, numbers, and the punctuation a declaration uses. */
function tokenize(text: string): string[] {
  return (
    text
      .replace(/\/\*[\s\S]*?\*\//g, ' ')
      .replace(/\/\/[^\n]*/g, ' ')
      .match(/[A-Za-z_]\w*|0x[0-9a-fA-F]+|\d+|[{}[\];*,:=-]/g) ?? []
  );
}

const QUALIFIERS = new Set(['const', 'volatile', 'restrict', 'signed', 'unsigned', 'short', 'long', 'int', 'char', 'double']);

/** A struct or union the script names but does not define (the kernel's, from BTF): its type and alignment. */
export type OutsideStruct = (tag: string) => { type: Type; align: number } | null;

const INCOMPLETE = 'field has incomplete type';

/** The struct/union tags `text` defines (`struct task_struct { ... }` gives `struct task_struct`). */
export function definedTags(text: string): string[] {
  return [...text.matchAll(/\b(struct|union)\s+([A-Za-z_]\w*)\s*\{/g)].map((m) => `${m[1]} ${m[2]}`);
}

export class ScriptTypes {
  readonly structs = new Map<string, ScriptStruct>();
  /**
   * Where tags the script does not define come from: bpftrace's clang sees the kernel's types
   * (from BTF) too, so `struct my_nd { struct qstr last; }` embeds the kernel's `struct qstr`.
   */
  constructor(private readonly outside: OutsideStruct = () => null) {}

  /** The kernel type the script redefines, which turns the kernel's types off for its definitions. */
  private redefined: string | null = null;
  /** What `outside` said of each tag asked about (a struct's alignment walks all its members). */
  private readonly outsideSeen = new Map<string, { type: Type; align: number } | null>();

  /**
   * As bpftrace 0.26 has it: once the script redefines a type the kernel's BTF has, no BTF type
   * is used for its definitions, so every struct they embed must be defined by the script too.
   */
  kernelTypesOff(redefined: string): void {
    this.redefined = redefined;
  }

  /** A struct/union the script does not define, from `outside` unless kernel types are off. */
  private outsideStruct(tag: string): { type: Type; align: number } | null {
    if (this.redefined !== null) return null;
    let found = this.outsideSeen.get(tag);
    if (found === undefined) {
      found = this.outside(tag);
      this.outsideSeen.set(tag, found);
    }
    return found;
  }

  /** enum constants: name → value and the enum they belong to. */
  private readonly constants = new Map<string, { value: bigint; enumName: string }>();
  private readonly enums = new Set<string>();

  enumConstant(name: string): { value: bigint; enumName: string } | undefined {
    return this.constants.get(name);
  }

  enumType(name: string): boolean {
    return this.enums.has(name);
  }

  /** `enum Foo { A, B = 5, C }`: constants count up from the last explicit value, as in C. */
  private defineEnum(toks: string[], at: number): number {
    let i = at;
    const name = toks[i + 1] && /^[A-Za-z_]/.test(toks[i + 1] as string) && toks[i + 1] !== '{' ? (toks[i + 1] as string) : null;
    i += name ? 2 : 1;
    if (toks[i] !== '{') return i;
    i++;
    const enumName = `enum ${name ?? '(anonymous)'}`;
    const names = new Map<bigint, string>();
    let next = 0n;
    while (i < toks.length && toks[i] !== '}') {
      const c = toks[i] as string;
      i++;
      if (toks[i] === '=') {
        const neg = toks[i + 1] === '-';
        const lit = toks[i + (neg ? 2 : 1)] as string;
        next = BigInt(lit) * (neg ? -1n : 1n);
        i += neg ? 3 : 2;
      }
      this.constants.set(c, { value: next, enumName });
      if (!names.has(next)) names.set(next, c);
      next++;
      if (toks[i] === ',') i++;
    }
    this.enums.add(enumName);
    registerEnumNames(enumName, names);
    return i + 1;
  }

  /**
   * Defines the structs, unions and enums `text` declares; problems are reported at `span`, or,
   * `lenient` (a header's text), what does not parse is skipped silently.
   */
  define(text: string, span: Span, diags: Diagnostics, lenient = false, clangLine?: number): void {
    const toks = tokenize(text);
    let i = 0;
    const fail = (msg: string): void => {
      diags.error(
        span,
        `cannot parse C definition: ${msg}`,
        'struct and union definitions with integer, floating-point, pointer, array and struct members are supported',
      );
      i = toks.length;
    };
    while (i < toks.length) {
      const kw = toks[i];
      if (kw === 'enum') {
        i = this.defineEnum(toks, i);
        continue;
      }
      if (kw !== 'struct' && kw !== 'union') {
        // typedefs, enums, #define lines: left to BTF and the preprocessor pass.
        i++;
        continue;
      }
      const name = toks[i + 1];
      if (!name || toks[i + 2] !== '{') {
        i += 2;
        continue;
      }
      const parsed = this.composite(toks, i + 2, kw, name);
      if (typeof parsed === 'string') {
        if (lenient) {
          i = closingBrace(toks, i + 2) + 1;
          continue;
        }
        if (parsed.startsWith(INCOMPLETE)) {
          // clang's words, as bpftrace reports it.
          const tag = parsed.slice(INCOMPLETE.length + 2, -1);
          const hint = this.redefined
            ? `the script redefines the kernel's ${this.redefined}, so (as in bpftrace) no kernel type is taken from BTF for its definitions: define ${tag} in the script too`
            : `define ${tag} in the script before the struct that embeds it`;
          const d = diags.error(span, parsed, hint);
          // Clang points at the member's name.
          const member = new RegExp(`\\b${tag.replace(' ', '\\s+')}\\s+\\**\\s*([A-Za-z_]\\w*)`).exec(text);
          if (clangLine !== undefined && member)
            d.prelude = clangMessage(
              clangPlace(clangLine, text, member.index + member[0].length - (member[1] as string).length),
              'error',
              parsed,
            );
        } else fail(parsed);
        return;
      }
      i = parsed.next;
      if (toks[i] === ';') i++;
    }
  }

  /**
   * The body of `struct NAME {...}` from its `{`: members, and nested definitions
   * (`struct B { int x; } b;`, anonymous `struct { int m; } y;`), which are defined too.
   * Returns the struct type and the index after `}`, or what went wrong.
   */
  private composite(toks: string[], at: number, kw: string, name: string): { type: Type; next: number } | string {
    let i = at + 1;
    const members: Declared[] = [];
    while (i < toks.length && toks[i] !== '}') {
      const words: string[] = [];
      let base: Type | null = null;
      if (toks[i] === 'struct' || toks[i] === 'union') {
        const inner = toks[i] as string;
        const anonymous = toks[i + 1] === '{';
        const innerName = anonymous ? `(anonymous at ${name}.${members.length})` : (toks[i + 1] as string);
        if (anonymous || toks[i + 2] === '{') {
          const nested = this.composite(toks, anonymous ? i + 1 : i + 2, inner, innerName);
          if (typeof nested === 'string') return nested;
          base = nested.type;
          i = nested.next;
        } else {
          const tag = `${inner} ${innerName}`;
          const s = this.structs.get(tag);
          if (s) base = { kind: 'struct', name: tag, size: s.size, origin: { kind: 'script' }, union: s.union };
          else if (toks[i + 2] === '*') {
            // Behind a pointer the script may define it later.
            base = { kind: 'struct', name: tag, size: 0, origin: { kind: 'script' }, union: inner === 'union' };
          } else {
            // Embedded, it must be complete now.
            const kernel = this.outsideStruct(tag);
            if (!kernel) return `${INCOMPLETE} '${tag}'`;
            base = kernel.type;
          }
          i += 2;
        }
      } else {
        while (i < toks.length && (QUALIFIERS.has(toks[i] as string) || (words.length === 0 && /^[A-Za-z_]/.test(toks[i] as string)))) {
          const w = toks[i] as string;
          if (w !== 'const' && w !== 'volatile' && w !== 'restrict') words.push(w);
          i++;
          if (words.length && !QUALIFIERS.has(w)) break;
        }
        base = scriptBaseType(words.join(' '));
        if (!base) return `unknown type '${words.join(' ')}'`;
      }
      // declarators: [*...] name [N] [: bits], ...
      for (;;) {
        let t: Type = base;
        while (toks[i] === '*') {
          t = { kind: 'pointer', to: t, user: false };
          i++;
        }
        // `int : 0` (and `int : 3`): an unnamed bitfield, padding only.
        const unnamed = toks[i] === ':';
        const mname = unnamed ? '' : toks[i];
        if (mname === undefined || (!unnamed && !/^[A-Za-z_]/.test(mname))) return `expected a member name in ${name}`;
        if (!unnamed) i++;
        // Dimensions apply innermost-last: `int y[2][3]` is 2 arrays of 3.
        const dims: number[] = [];
        while (toks[i] === '[') {
          const n = Number(toks[i + 1]);
          if (toks[i + 2] !== ']' || !Number.isFinite(n)) return 'array sizes must be numbers';
          dims.push(n);
          i += 3;
        }
        // Only `char` arrays are text, as clang tells bpftrace: `uint8_t y[4]` stays bytes.
        const text = words.join(' ') === 'char';
        for (const n of dims.reverse()) {
          t = text && t.kind === 'int' && t.size === 1 ? { kind: 'string', size: n } : { kind: 'array', elem: t, len: n };
        }
        let bits: number | null = null;
        if (toks[i] === ':') {
          bits = Number(toks[i + 1]);
          if (!/^\d/.test(toks[i + 1] ?? '') || !Number.isFinite(bits)) return 'a bitfield width must be a number';
          if (t.kind !== 'int' || bits > t.size * 8) return `invalid bitfield '${mname}': an integer member of at most its type's width`;
          i += 2;
        }
        members.push({ name: mname, type: t, bits });
        if (toks[i] === ',') {
          i++;
          continue;
        }
        break;
      }
      // C compilers accept a missing ';' before the closing brace (with a warning); so does bpftrace.
      if (toks[i] === '}') break;
      if (toks[i] !== ';') return `expected ';' after member in ${name}`;
      i++;
    }
    const attrs = attributesAfter(toks, i + 1);
    const def = layout(
      `${kw} ${name}`,
      kw === 'union',
      members,
      (tag) => this.structs.get(tag)?.align ?? this.outsideStruct(tag)?.align,
      attrs,
    );
    this.structs.set(def.name, def);
    registerScriptStruct(def);
    return { type: { kind: 'struct', name: def.name, size: def.size, origin: { kind: 'script' }, union: def.union }, next: attrs.next };
  }

  get(name: string): ScriptStruct | undefined {
    return this.structs.get(name);
  }
}

/** A struct member's alignment: a struct defined in the script aligns as its widest member. */
function memberAlign(t: Type, structAlign: (tag: string) => number | undefined): number {
  if (t.kind === 'string') return 1;
  if (t.kind === 'array') return memberAlign(t.elem, structAlign);
  if (t.kind === 'struct') return structAlign(t.name) ?? 8;
  return alignOf(t);
}

function memberSize(t: Type): number {
  return sizeOf(t);
}

interface LayoutAttributes {
  /** `__attribute__((packed))`: members at any byte, no padding. */
  packed: boolean;
  /** `__attribute__((aligned(N)))`: the struct's alignment at least N (exactly N when packed). */
  aligned: number | null;
  /** The token after the attributes. */
  next: number;
}

/**
 * GNU attributes after a definition's `}` (`__attribute__((packed))`, `aligned(N)`, several in
 * one list or in a row); the tokenizer has dropped the parentheses.
 */
function attributesAfter(toks: string[], at: number): LayoutAttributes {
  const out: LayoutAttributes = { packed: false, aligned: null, next: at };
  let i = at;
  while (toks[i] === '__attribute__' || toks[i] === '__attribute') {
    i++;
    for (;;) {
      const w = toks[i];
      if (w === ',') i++;
      else if (w === 'packed' || w === '__packed__') {
        out.packed = true;
        i++;
      } else if (w === 'aligned' || w === '__aligned__') {
        const n = Number(toks[i + 1]);
        if (toks[i + 1] !== undefined && /^\d/.test(toks[i + 1] as string) && Number.isFinite(n)) {
          out.aligned = Math.max(out.aligned ?? 1, n);
          i += 2;
        } else {
          // `aligned` alone: the target's largest alignment.
          out.aligned = Math.max(out.aligned ?? 1, 16);
          i++;
        }
      } else break;
    }
  }
  out.next = i;
  return out;
}

/**
 * x86-64 (gcc) layout. Offsets run in bits so bitfields can share a storage unit: a bitfield
 * of type T goes at the next free bit unless that would cross a T-aligned unit of T's size,
 * then at the next unit (packed: anywhere); `T : 0` ends the unit. Named bitfields align the
 * struct as T would; other members start on their own alignment after the last bit used.
 */
function layout(
  name: string,
  union: boolean,
  members: Declared[],
  structAlign: (tag: string) => number | undefined,
  attrs: LayoutAttributes = { packed: false, aligned: null, next: 0 },
): ScriptStruct {
  let bit = 0;
  let align = 1;
  let size = 0;
  const out: ScriptStruct['members'] = [];
  for (const m of members) {
    const a = attrs.packed ? 1 : memberAlign(m.type, structAlign);
    if (m.bits !== null) {
      const unit = sizeOf(m.type) * 8;
      let at = union ? 0 : bit;
      if (m.bits === 0) {
        bit = Math.ceil(bit / unit) * unit;
        continue;
      }
      if (!attrs.packed && Math.floor(at / unit) !== Math.floor((at + m.bits - 1) / unit)) at = Math.ceil(at / unit) * unit;
      if (m.name) {
        align = Math.max(align, a);
        out.push({ name: m.name, type: m.type, offset: Math.floor(at / 8), bitfield: bitfieldAccess(at, m.bits) });
      }
      bit = at + m.bits;
      size = Math.max(size, Math.ceil(bit / 8));
      continue;
    }
    align = Math.max(align, a);
    const at = union ? 0 : Math.ceil(Math.ceil(bit / 8) / a) * a;
    out.push({ name: m.name, type: m.type, offset: at, bitfield: null });
    bit = (at + memberSize(m.type)) * 8;
    size = Math.max(size, bit / 8);
  }
  if (attrs.aligned !== null) align = attrs.packed ? attrs.aligned : Math.max(align, attrs.aligned);
  size = Math.ceil(size / align) * align;
  return { name, union, size, align, members: out };
}

/**
 * A member's base type: C integer spellings and the fixed-width typedefs (`uint8_t`, `__u32`,
 * `u64`), bool, void, and the floating-point types, which only take their room.
 */
function scriptBaseType(words: string): Type | null {
  const c = cIntType(words) ?? SIZE_TYPES.get(words);
  if (c) return intType(c.size, c.signed);
  const fsize = FLOAT_SIZES.get(words);
  if (fsize !== undefined) return { kind: 'float', size: fsize, name: words };
  return parseIntTypeName(words) ?? (words === 'void' ? { kind: 'void' } : null);
}

const FLOAT_SIZES: ReadonlyMap<string, number> = new Map([
  ['float', 4],
  ['double', 8],
  ['long double', 16],
]);

const SIZE_TYPES: ReadonlyMap<string, { size: IntSize; signed: boolean }> = new Map([
  ['size_t', { size: 8, signed: false }],
  ['ssize_t', { size: 8, signed: true }],
  ['uintptr_t', { size: 8, signed: false }],
  ['intptr_t', { size: 8, signed: true }],
]);

export function intOf(size: number, signed: boolean): Type {
  return intType(size as IntSize, signed);
}

/** The index of the `}` that closes the `{` at `open` (the end when unbalanced). */
function closingBrace(toks: readonly string[], open: number): number {
  let depth = 0;
  for (let i = open; i < toks.length; i++) {
    if (toks[i] === '{') depth++;
    else if (toks[i] === '}' && --depth === 0) return i;
  }
  return toks.length;
}
