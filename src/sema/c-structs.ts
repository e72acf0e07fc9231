// C struct/union definitions written in a script (`struct point { int x; int y; }`), laid out
// with the x86-64 C rules so `(struct point *)arg0` and `$p->y` read the right bytes. Kernel
// types come from BTF; these are for user-space programs and types BTF lacks.

import type { Span } from '../lang/ast.ts';
import type { Diagnostics } from '../lang/diagnostics.ts';
import { registerEnumNames } from './enum-names.ts';
import { registerScriptStruct } from './struct-fields.ts';
import { alignOf, type IntSize, intType, parseIntTypeName, sizeOf, type Type } from './types.ts';

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
      i += 3;
      const members: { name: string; type: Type }[] = [];
      while (i < toks.length && toks[i] !== '}') {
        // base type words
        const words: string[] = [];
        let base: Type | null = null;
        if (toks[i] === 'struct' || toks[i] === 'union') {
          const tag = `${toks[i]} ${toks[i + 1]}`;
          const s = this.structs.get(tag);
          base = s
            ? { kind: 'struct', name: tag, size: s.size, origin: { kind: 'script' }, union: s.union }
            : { kind: 'struct', name: tag, size: 0, origin: { kind: 'script' }, union: toks[i] === 'union' };
          i += 2;
        } else {
          while (i < toks.length && (QUALIFIERS.has(toks[i] as string) || (words.length === 0 && /^[A-Za-z_]/.test(toks[i] as string)))) {
            const w = toks[i] as string;
            if (w !== 'const' && w !== 'volatile' && w !== 'restrict') words.push(w);
            i++;
            if (words.length && !QUALIFIERS.has(w)) break;
          }
          base = parseIntTypeName(words.join(' ')) ?? (words[0] === 'bool' ? { kind: 'bool' } : null);
          if (!base && words[0] === 'void') base = { kind: 'void' };
          if (!base) {
            fail(`unknown type '${words.join(' ')}'`);
            return;
          }
        }
        // declarators: [*...] name [N] [: bits], ...
        for (;;) {
          let t: Type = base;
          while (toks[i] === '*') {
            t = { kind: 'pointer', to: t, user: false };
            i++;
          }
          const mname = toks[i];
          if (!mname || !/^[A-Za-z_]/.test(mname)) {
            fail(`expected a member name in ${name}`);
            return;
          }
          i++;
          while (toks[i] === '[') {
            const n = Number(toks[i + 1]);
            if (toks[i + 2] !== ']' || !Number.isFinite(n)) {
              fail('array sizes must be numbers');
              return;
            }
            t = t.kind === 'int' && t.size === 1 ? { kind: 'string', size: n } : { kind: 'array', elem: t, len: n };
            i += 3;
          }
          if (toks[i] === ':') {
            fail('bitfields are not supported in script definitions');
            return;
          }
          members.push({ name: mname, type: t });
          if (toks[i] === ',') {
            i++;
            continue;
          }
          break;
        }
        if (toks[i] !== ';') {
          fail(`expected ';' after member in ${name}`);
          return;
        }
        i++;
      }
      i++; // }
      if (toks[i] === ';') i++;
      const def = layout(`${kw} ${name}`, kw === 'union', members);
      this.structs.set(def.name, def);
      registerScriptStruct(def);
    }
  }

  get(name: string): ScriptStruct | undefined {
    return this.structs.get(name);
  }
}

function memberAlign(t: Type): number {
  if (t.kind === 'string') return 1;
  if (t.kind === 'array') return memberAlign(t.elem);
  return alignOf(t);
}

function memberSize(t: Type): number {
  return sizeOf(t);
}

function layout(name: string, union: boolean, members: { name: string; type: Type }[]): ScriptStruct {
  let off = 0;
  let align = 1;
  let size = 0;
  const out: ScriptStruct['members'] = [];
  for (const m of members) {
    const a = m.type.kind === 'struct' ? 8 : memberAlign(m.type);
    align = Math.max(align, a);
    const at = union ? 0 : Math.ceil(off / a) * a;
    out.push({ name: m.name, type: m.type, offset: at });
    off = at + memberSize(m.type);
    size = Math.max(size, off);
  }
  size = Math.ceil(size / align) * align;
  return { name, union, size, align, members: out };
}

export function intOf(size: number, signed: boolean): Type {
  return intType(size as IntSize, signed);
}
