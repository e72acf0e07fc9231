// C struct/union definitions written in a script (`struct point { int x; int y; }`), laid out
// with the x86-64 C rules so `(struct point *)arg0` and `$p->y` read the right bytes. Kernel
// types come from BTF; these are for user-space programs and types BTF lacks.

import type { Span } from '../lang/ast.ts';
import type { Diagnostics } from '../lang/diagnostics.ts';
import { registerEnumNames } from './enum-names.ts';
import { registerScriptStruct } from './struct-fields.ts';
import { alignOf, cIntType, type IntSize, intType, parseIntTypeName, sizeOf, type Type } from './types.ts';

export interface ScriptStruct {
  name: string;
  union: boolean;
  size: number;
  align: number;
  members: { name: string; type: Type; offset: number }[];
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

const QUALIFIERS = new Set(['const', 'volatile', 'restrict', 'signed', 'unsigned', 'short', 'long', 'int', 'char']);

export class ScriptTypes {
  readonly structs = new Map<string, ScriptStruct>();
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

  /** Parses every struct/union definition in `text`; problems are reported at `span`. */
  define(text: string, span: Span, diags: Diagnostics): void {
    const toks = tokenize(text);
    let i = 0;
    const fail = (msg: string): void => {
      diags.error(
        span,
        `cannot parse C definition: ${msg}`,
        'struct and union definitions with integer, pointer, array and struct members are supported',
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
        fail(parsed);
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
    const members: { name: string; type: Type }[] = [];
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
          base = s
            ? { kind: 'struct', name: tag, size: s.size, origin: { kind: 'script' }, union: s.union }
            : { kind: 'struct', name: tag, size: 0, origin: { kind: 'script' }, union: inner === 'union' };
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
        const mname = toks[i];
        if (!mname || !/^[A-Za-z_]/.test(mname)) return `expected a member name in ${name}`;
        i++;
        // Dimensions apply innermost-last: `int y[2][3]` is 2 arrays of 3.
        const dims: number[] = [];
        while (toks[i] === '[') {
          const n = Number(toks[i + 1]);
          if (toks[i + 2] !== ']' || !Number.isFinite(n)) return 'array sizes must be numbers';
          dims.push(n);
          i += 3;
        }
        // Only `char` arrays are strings: `uint8_t c[4]` is an array of bytes, as in bpftrace.
        const chars = words.includes('char');
        for (const n of dims.reverse()) {
          t = chars && t.kind === 'int' && t.size === 1 ? { kind: 'string', size: n } : { kind: 'array', elem: t, len: n };
        }
        if (toks[i] === ':') return 'bitfields are not supported in script definitions';
        members.push({ name: mname, type: t });
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
    const def = layout(`${kw} ${name}`, kw === 'union', members, (tag) => this.structs.get(tag)?.align);
    this.structs.set(def.name, def);
    registerScriptStruct(def);
    return { type: { kind: 'struct', name: def.name, size: def.size, origin: { kind: 'script' }, union: def.union }, next: i + 1 };
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

function layout(
  name: string,
  union: boolean,
  members: { name: string; type: Type }[],
  structAlign: (tag: string) => number | undefined,
): ScriptStruct {
  let off = 0;
  let align = 1;
  let size = 0;
  const out: ScriptStruct['members'] = [];
  for (const m of members) {
    const a = memberAlign(m.type, structAlign);
    align = Math.max(align, a);
    const at = union ? 0 : Math.ceil(off / a) * a;
    out.push({ name: m.name, type: m.type, offset: at });
    off = at + memberSize(m.type);
    size = Math.max(size, off);
  }
  size = Math.ceil(size / align) * align;
  return { name, union, size, align, members: out };
}

/** A member's base type: C integer spellings and the fixed-width typedefs (`uint8_t`, `__u32`, `u64`), bool, void. */
function scriptBaseType(words: string): Type | null {
  const c = cIntType(words) ?? SIZE_TYPES.get(words);
  if (c) return intType(c.size, c.signed);
  return parseIntTypeName(words) ?? (words === 'void' ? { kind: 'void' } : null);
}

const SIZE_TYPES: ReadonlyMap<string, { size: IntSize; signed: boolean }> = new Map([
  ['size_t', { size: 8, signed: false }],
  ['ssize_t', { size: 8, signed: true }],
  ['uintptr_t', { size: 8, signed: false }],
  ['intptr_t', { size: 8, signed: true }],
]);

export function intOf(size: number, signed: boolean): Type {
  return intType(size as IntSize, signed);
}
