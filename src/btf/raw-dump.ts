// Prints a type the way `bpftool btf dump ... format raw` does. Useful for debugging and
// for checking this reader against bpftool, field by field.

import type { Btf } from './btf.ts';
import type { BtfType } from './types.ts';

function kindLabel(t: BtfType): string {
  return t.kind === 'void' ? 'UNKNOWN' : t.kind.toUpperCase();
}

function quoted(name: string): string {
  return `'${name === '' ? '(anon)' : name}'`;
}

function intEncoding(signed: boolean, char: boolean, bool: boolean): string {
  const n = (signed ? 1 : 0) | (char ? 2 : 0) | (bool ? 4 : 0);
  switch (n) {
    case 0:
      return '(none)';
    case 1:
      return 'SIGNED';
    case 2:
      return 'CHAR';
    case 4:
      return 'BOOL';
    default:
      return 'UNKN';
  }
}

/** The bpftool raw lines for one type id, joined with '\n'. */
export function rawDump(btf: Btf, id: number): string {
  const t = btf.get(id);
  const head = `[${id}] ${kindLabel(t)} ${quoted(t.name)}`;
  switch (t.kind) {
    case 'void':
      return head;
    case 'int':
      return `${head} size=${t.size} bits_offset=${t.bitOffset} nr_bits=${t.bits} encoding=${intEncoding(t.signed, t.char, t.bool)}`;
    case 'ptr':
    case 'typedef':
    case 'volatile':
    case 'const':
    case 'restrict':
    case 'type_tag':
      return `${head} type_id=${t.type}`;
    case 'array':
      return `${head} type_id=${t.type} index_type_id=${t.indexType} nr_elems=${t.nelems}`;
    case 'struct':
    case 'union': {
      const lines = [`${head} size=${t.size} vlen=${t.members.length}`];
      for (const m of t.members) {
        const bf = m.bitfieldSize ? ` bitfield_size=${m.bitfieldSize}` : '';
        lines.push(`\t${quoted(m.name)} type_id=${m.type} bits_offset=${m.bitOffset}${bf}`);
      }
      return lines.join('\n');
    }
    case 'enum':
    case 'enum64': {
      const lines = [`${head} encoding=${t.signed ? 'SIGNED' : 'UNSIGNED'} size=${t.size} vlen=${t.values.length}`];
      const suffix = t.kind === 'enum64' ? (t.signed ? 'LL' : 'ULL') : '';
      for (const v of t.values) lines.push(`\t${quoted(v.name)} val=${v.value}${suffix}`);
      return lines.join('\n');
    }
    case 'fwd':
      return `${head} fwd_kind=${t.union ? 'union' : 'struct'}`;
    case 'func':
      return `${head} type_id=${t.type} linkage=${t.linkage}`;
    case 'func_proto': {
      const n = t.params.length + (t.variadic ? 1 : 0);
      const lines = [`${head} ret_type_id=${t.returnType} vlen=${n}`];
      for (const p of t.params) lines.push(`\t${quoted(p.name)} type_id=${p.type}`);
      if (t.variadic) lines.push(`\t'(anon)' type_id=0`);
      return lines.join('\n');
    }
    case 'var':
      return `${head} type_id=${t.type}, linkage=${t.linkage}`;
    case 'datasec': {
      const lines = [`${head} size=${t.size} vlen=${t.vars.length}`];
      for (const v of t.vars) {
        const vt = btf.get(v.type);
        lines.push(`\ttype_id=${v.type} offset=${v.offset} size=${v.size} (${kindLabel(vt)} ${quoted(vt.name)})`);
      }
      return lines.join('\n');
    }
    case 'float':
      return `${head} size=${t.size}`;
    case 'decl_tag':
      return `${head} type_id=${t.type} component_idx=${t.componentIdx}`;
  }
}
