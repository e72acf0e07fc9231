// C spelling of BTF types. C declarators read inside-out, so the printer builds the
// declarator around the name (`*p`, `comm[16]`, `(*fn)(int)`) while walking from the outer
// type to the base type, then puts the base type's name in front.
//
// Spacing follows libbpf's btf_dump (which bpftrace's -lv output comes from): `char **`,
// `const char *`, `char * const *`, `char[16]`.

import type { Btf } from './btf.ts';

const MAX_DEPTH = 64;

export function declToString(btf: Btf, id: number, name: string): string {
  return build(btf, id, name, 0);
}

function build(btf: Btf, id: number, inner: string, depth: number): string {
  if (depth > MAX_DEPTH) return withBase('...', inner);
  const t = btf.get(id);
  switch (t.kind) {
    case 'void':
      return withBase('void', inner);
    case 'int':
    case 'float':
    case 'typedef':
      return withBase(t.name, inner);
    case 'struct':
    case 'union':
      return withBase(`${t.kind} ${t.name || '(anon)'}`, inner);
    case 'enum':
    case 'enum64':
      return withBase(`enum ${t.name || '(anon)'}`, inner);
    case 'fwd':
      return withBase(`${t.union ? 'union' : 'struct'} ${t.name}`, inner);
    case 'ptr':
      // `* const` (a const pointer) keeps a space; `**` and `*name` do not.
      return build(btf, t.type, startsWithQualifier(inner) ? `* ${inner}` : `*${inner}`, depth + 1);
    case 'const':
    case 'volatile':
    case 'restrict': {
      // A qualifier on a pointer belongs in the declarator (`char * const p`); on anything
      // else it is written before the base type (`const char *p`).
      if (btf.get(btf.skipQualifiers(t.type)).kind === 'ptr') {
        return build(btf, t.type, inner ? `${t.kind} ${inner}` : t.kind, depth + 1);
      }
      // Consecutive qualifiers print innermost first, as libbpf does (`volatile const int`).
      const quals: string[] = [t.kind];
      let base = btf.get(t.type);
      while (base.kind === 'const' || base.kind === 'volatile' || base.kind === 'restrict') {
        quals.unshift(base.kind);
        base = btf.get(base.type);
      }
      return `${quals.join(' ')} ${build(btf, base.id, inner, depth + 1)}`;
    }
    case 'type_tag':
    case 'decl_tag':
      // Tags carry no C syntax of their own.
      return build(btf, t.type, inner, depth + 1);
    case 'array':
      return build(btf, t.type, `${parenIfPointer(inner)}[${t.nelems}]`, depth + 1);
    case 'func_proto': {
      const params = t.params.map((p) => build(btf, p.type, p.name, depth + 1));
      // libbpf prints `()` both for no parameters and for a lone `...` marker.
      if (t.variadic && params.length > 0) params.push('...');
      const list = params.join(', ');
      return build(btf, t.returnType, `${parenIfPointer(inner)}(${list})`, depth + 1);
    }
    case 'func':
      return build(btf, t.type, inner || t.name, depth + 1);
    case 'var':
      return build(btf, t.type, inner || t.name, depth + 1);
    case 'datasec':
      return withBase(`SEC("${t.name}")`, inner);
  }
}

function withBase(base: string, inner: string): string {
  if (inner === '') return base;
  // `char[16]` is how type names of arrays are written; everything else gets a space.
  return inner.startsWith('[') ? base + inner : `${base} ${inner}`;
}

function parenIfPointer(inner: string): string {
  return inner.startsWith('*') ? `(${inner})` : inner;
}

const QUALIFIER_FIRST = /^(?:const|volatile|restrict)(?: |$)/;

function startsWithQualifier(s: string): boolean {
  return QUALIFIER_FIRST.test(s);
}
