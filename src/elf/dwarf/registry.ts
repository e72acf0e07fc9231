// DWARF files by number, so a struct Type can name its definition as plain data
// (`{ kind: 'dwarf', file, off }`) and its members can be read when a script touches them.

import type { DwarfFile } from './info.ts';

const files: DwarfFile[] = [];
const ids = new WeakMap<DwarfFile, number>();

/** The number types use for `f` (assigned on first use, stable for the process). */
export function dwarfFileId(f: DwarfFile): number {
  let id = ids.get(f);
  if (id === undefined) {
    id = files.length;
    files.push(f);
    ids.set(f, id);
  }
  return id;
}

export function dwarfFileById(id: number): DwarfFile | null {
  return files[id] ?? null;
}
