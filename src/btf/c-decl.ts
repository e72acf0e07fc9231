// C spelling of BTF types, following libbpf's btf_dump declaration printer (which is where
// bpftrace's -lv argument and struct listings come from), so spacing matches byte for byte:
// `char **`, `const char *`, `char * const *`, `char[16]`, `struct sk_buff * (*fn)(int)`.
//
// C declarators read inside-out. The printer first walks from the declared type down to its
// base type (int, struct, typedef, ...), stacking the pointers, qualifiers, arrays and function
// prototypes met on the way, then pops that stack, printing the base type first and wrapping
// the declarator (`*p`, `comm[16]`, `(*fn)(int)`) around the name.

import type { Btf } from './btf.ts';
import type { BtfComposite, BtfEnum, BtfEnum64, BtfType } from './types.ts';

export interface DeclOptions {
  /** Print type tags as libbpf does (`char __attribute__((btf_type_tag("user"))) *`); else skip them. */
  typeTags?: boolean;
  /** Spells out anonymous structs/unions/enums (a definition printer inlines them); else `struct (anon)`. */
  anonDefinition?: (t: BtfComposite | BtfEnum | BtfEnum64) => string;
}

const MAX_CHAIN = 64;

/** C declaration of `name` (may be '') with type `id`. */
export function declToString(btf: Btf, id: number, name: string, opts: DeclOptions = {}): string {
  return emitChain(btf, collectChain(btf, id, opts), name, opts);
}

/** The ids from the declared type down to (and including) its base type. */
function collectChain(btf: Btf, id: number, opts: DeclOptions): number[] {
  const stack: number[] = [];
  for (let guard = 0; guard < MAX_CHAIN; guard++) {
    const t = btf.get(id);
    if (t.kind !== 'type_tag' || opts.typeTags) stack.push(id);
    switch (t.kind) {
      case 'ptr':
      case 'const':
      case 'volatile':
      case 'restrict':
      case 'type_tag':
      case 'array':
        id = t.type;
        break;
      case 'func_proto':
        id = t.returnType;
        break;
      case 'func':
      case 'var':
      case 'decl_tag':
        // Not part of a type chain; print what they declare.
        stack.pop();
        id = t.type;
        break;
      default:
        return stack;
    }
  }
  return stack;
}

function isQualifier(t: BtfType): t is BtfType & { kind: 'const' | 'volatile' | 'restrict' } {
  return t.kind === 'const' || t.kind === 'volatile' || t.kind === 'restrict';
}

/** Pops the qualifiers sitting on top of the stack, as prefix text (`const `). */
function popQualifiers(btf: Btf, stack: number[]): string {
  let out = '';
  while (stack.length > 0) {
    const t = btf.get(stack[stack.length - 1]);
    if (!isQualifier(t)) break;
    out += `${t.kind} `;
    stack.pop();
  }
  return out;
}

function nameAfter(name: string, lastWasPtr: boolean): string {
  return name !== '' && !lastWasPtr ? ` ${name}` : name;
}

function emitChain(btf: Btf, stack: number[], name: string, opts: DeclOptions): string {
  let out = '';
  // A pointer right before the name or another pointer prints without a space: `char **p`.
  let lastWasPtr = true;
  while (stack.length > 0) {
    const t = btf.get(stack.pop() as number);
    switch (t.kind) {
      case 'void':
        out += `${popQualifiers(btf, stack)}void`;
        break;
      case 'int':
      case 'float':
      case 'typedef':
        out += popQualifiers(btf, stack) + t.name;
        break;
      case 'struct':
      case 'union':
      case 'enum':
      case 'enum64': {
        out += popQualifiers(btf, stack);
        const word = t.kind === 'enum64' ? 'enum' : t.kind;
        if (t.name === '' && opts.anonDefinition) out += opts.anonDefinition(t);
        else out += `${word} ${t.name || '(anon)'}`;
        break;
      }
      case 'fwd':
        out += `${popQualifiers(btf, stack)}${t.union ? 'union' : 'struct'} ${t.name}`;
        break;
      case 'ptr':
        out += lastWasPtr ? '*' : ' *';
        break;
      case 'const':
      case 'volatile':
      case 'restrict':
        out += ` ${t.kind}`;
        break;
      case 'type_tag':
        out += `${popQualifiers(btf, stack)} __attribute__((btf_type_tag("${t.name}")))`;
        break;
      case 'array': {
        // Qualifiers on an array are a GCC artifact (the element carries them); drop them.
        while (stack.length > 0) {
          const next = btf.get(stack[stack.length - 1]);
          if (!isQualifier(next) && next.kind !== 'type_tag') break;
          stack.pop();
        }
        if (stack.length === 0) return `${out}${nameAfter(name, lastWasPtr)}[${t.nelems}]`;
        const multidim = btf.get(stack[stack.length - 1]).kind === 'array';
        if (name !== '' && !lastWasPtr) out += ' ';
        const inner = emitChain(btf, stack, name, opts);
        return `${out}${multidim ? inner : `(${inner})`}[${t.nelems}]`;
      }
      case 'func_proto': {
        out += popQualifiers(btf, stack);
        if (stack.length > 0) out += ` (${emitChain(btf, stack, name, opts)})`;
        else out += nameAfter(name, lastWasPtr);
        const params = t.params.map((p) => declToString(btf, p.type, p.name, opts));
        // `(...)` alone is how BTF writes `(void)` for some compilers; libbpf prints `()`.
        if (t.variadic && params.length > 0) params.push('...');
        return `${out}(${params.join(', ')})`;
      }
      case 'func':
      case 'var':
      case 'datasec':
      case 'decl_tag':
        // collectChain never stacks these.
        break;
    }
    lastWasPtr = t.kind === 'ptr';
  }
  return out + nameAfter(name, lastWasPtr);
}
