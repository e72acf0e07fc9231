// Typed uprobe arguments from DWARF (.debug_info): not implemented yet. These are the hooks the
// uprobe provider (`args`) and -lv listing call; until a DWARF reader lands they report that
// no debug information is available, so `args` in a uprobe is an error and -lv lists no
// parameters.

import type { ArgField } from '../probes/provider.ts';

/** `args` fields of `func` (pt_regs register offsets), or null without debug info. */
export function dwarfArgs(_path: string, _func: string, _vaddr: number): ArgField[] | null {
  return null;
}

/** Parameter declarations for -lv (`struct point* p`), or [] without debug info. */
export function dwarfParamDecls(_path: string, _func: string): string[] {
  return [];
}
