// Members of a struct Type, whichever description it comes from: kernel BTF, a script's own
// definition, or a user binary's DWARF. Member access is type-checked and compiled the same way
// for all three; only where the member list is read differs.

import { dwarfMember, dwarfMembers } from '../elf/dwarf/members.ts';
import { btfField, btfTypeByName, type FieldInfo, originBtf } from './btf-types.ts';
import type { ScriptStruct } from './c-structs.ts';
import type { Type } from './types.ts';

export type StructType = Extract<Type, { kind: 'struct' }>;

/** A script struct definition by name (`struct point`), from the compilation's own types. */
export type ScriptLookup = (name: string) => ScriptStruct | undefined;

/** Script definitions seen so far, for printing struct values read at run time. */
const scriptStructs = new Map<string, ScriptStruct>();

export function registerScriptStruct(s: ScriptStruct): void {
  scriptStructs.set(s.name, s);
}

/** Member `field` of `st` (anonymous members searched as C does), or null. */
export function structField(st: StructType, field: string, script: ScriptLookup): FieldInfo | null {
  const o = st.origin;
  switch (o.kind) {
    case 'btf':
      return btfField(st, field);
    case 'script': {
      const own = script(st.name);
      if (!own) {
        // Named behind a pointer in the script's definitions, defined only by the kernel.
        const kernel = btfTypeByName(st.name);
        return kernel?.kind === 'struct' ? btfField(kernel, field) : null;
      }
      const m = own.members.find((x) => x.name === field);
      return m ? { offset: m.offset, bitfield: m.bitfield, type: m.type } : null;
    }
    case 'dwarf': {
      const m = dwarfMember(o.file, o.off, field);
      return m ? { offset: m.offset, bitfield: m.bitfield, type: m.type } : null;
    }
  }
}

export interface StructMember extends FieldInfo {
  name: string;
}

/** Every member of `st` in declaration order, for printing a struct value. */
export function structMembers(st: StructType): StructMember[] {
  const o = st.origin;
  switch (o.kind) {
    case 'btf': {
      const btf = originBtf(o);
      if (!btf) return [];
      // Member names in order, those of anonymous struct/union members flattened in as C
      // names them; each is then located as a member access would locate it.
      const names: string[] = [];
      const collect = (id: number, depth: number): void => {
        const t = btf.get(btf.resolve(id));
        if ((t.kind !== 'struct' && t.kind !== 'union') || depth > 16) return;
        for (const m of t.members) {
          if (m.name) names.push(m.name);
          else collect(m.type, depth + 1);
        }
      };
      collect(o.id, 0);
      const out: StructMember[] = [];
      for (const name of names) {
        const f = btfField(st, name);
        if (f) out.push({ name, ...f });
      }
      return out;
    }
    case 'script':
      return (scriptStructs.get(st.name)?.members ?? []).map((m) => ({
        name: m.name,
        offset: m.offset,
        bitfield: m.bitfield,
        type: m.type,
      }));
    case 'dwarf':
      return dwarfMembers(o.file, o.off);
  }
}
