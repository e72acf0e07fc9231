// Enumerator names for printing enum-typed values (%s, print(), map values), from script
// `enum` definitions and, on demand, from kernel BTF.

import { kernelBtf } from './btf-types.ts';

const byEnum = new Map<string, Map<bigint, string>>();

export function registerEnumNames(enumName: string, names: Map<bigint, string>): void {
  byEnum.set(enumName, names);
}

/** The enumerator called `value` in `enumName` (e.g. "enum Foo"), or null. */
export function enumeratorName(enumName: string, value: bigint): string | null {
  let names = byEnum.get(enumName);
  if (!names) {
    names = new Map();
    const btf = kernelBtf();
    const m = /^enum (.+)$/.exec(enumName);
    const id = btf && m ? (btf.findId(m[1] as string, 'enum') ?? btf.findId(m[1] as string, 'enum64')) : null;
    if (btf && id !== null) {
      const t = btf.get(id);
      if (t.kind === 'enum' || t.kind === 'enum64')
        for (const v of t.values) if (!names.has(BigInt(v.value))) names.set(BigInt(v.value), v.name);
    }
    byEnum.set(enumName, names);
  }
  return names.get(value) ?? null;
}
