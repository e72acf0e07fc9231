// `bpftrace -l 'struct task_*'` (type names) and `-lv 'struct task_struct'` (definitions):
// named structs, unions and (32-bit) enums of the kernel's BTF, as bpftrace lists them.

import { loadKernelBtf } from '../../btf/btf.ts';
import { typeDefinition } from '../../btf/c-def.ts';
import { globToMatcher } from './glob.ts';
import { compareBytes } from './symbol-sources.ts';

const KINDS = ['struct', 'union', 'enum'] as const;

/** Matching `struct X` / `union X` / `enum X` names, or with `verbose` their definitions. */
export function listTypes(search: string, verbose: boolean): string[] {
  const btf = loadKernelBtf();
  const match = globToMatcher(search);
  // The literal prefix of the pattern rules out kinds without decoding their names.
  const literal = search.slice(0, search.search(/[*?[{\\]|$/));
  const names = new Set<string>();
  const defs = new Set<string>();
  for (const kind of KINDS) {
    const head = `${kind} `;
    if (!head.startsWith(literal) && !literal.startsWith(head)) continue;
    for (const id of btf.ids(kind)) {
      const name = btf.nameOf(id);
      if (name === '') continue;
      const full = `${kind} ${name}`;
      if (!match(full)) continue;
      if (!verbose) {
        names.add(full);
        continue;
      }
      const def = typeDefinition(btf, id);
      // bpftrace prints each definition followed by an empty line.
      if (def !== null) defs.add(`${def}\n`);
    }
  }
  return [...(verbose ? defs : names)].sort(compareBytes);
}
