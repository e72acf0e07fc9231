// Typed uprobe arguments from DWARF (.debug_info, in the binary or its separate debug file):
// the hooks the uprobe provider (`args`) and the -lv listing call. The reader is in dwarf/.
// Unreadable DWARF (malformed, or compressed in a way this reader does not know) is reported once per file and then
// treated as absent, so a listing or a script that does not need `args` still works.

import type { ArgField } from '../probes/provider.ts';
import type { Type } from '../sema/types.ts';
import { type DebugInfo, debugInfo } from './dwarf/debuginfo.ts';
import type { LineLookup } from './dwarf/source-lines.ts';

const unreadable = new Set<string>();

function withDebugInfo<T>(path: string, none: T, use: (di: DebugInfo) => T): T {
  if (unreadable.has(path)) return none;
  try {
    const di = debugInfo(path);
    return di ? use(di) : none;
  } catch (e) {
    unreadable.add(path);
    process.stderr.write(`WARNING: cannot read the DWARF debug info of ${path}: ${(e as Error).message}\n`);
    return none;
  }
}

/**
 * `args` fields of `func` in `path` (pt_regs offsets of the argument registers, stack offsets of
 * stack-passed ones), preferring the DWARF function whose code holds `vaddr`; null without debug
 * information for it. Floating-point parameters and aggregates passed in registers are left out.
 */
export function dwarfArgs(path: string, func: string, vaddr: number): ArgField[] | null {
  return withDebugInfo(path, null, (di) => di.args(func, vaddr)?.fields ?? null);
}

/** Parameter declarations for -lv (`struct point* p`), or [] without debug info. */
export function dwarfParamDecls(path: string, func: string): string[] {
  return withDebugInfo(path, [], (di) => di.paramDecls(func));
}

/** A type named in a cast (`struct node`, a typedef) from `path`'s DWARF, or null. */
export function dwarfTypeByName(path: string, name: string): Type | null {
  return withDebugInfo(path, null, (di) => di.typeByName(name));
}

/**
 * The address `uprobe:BIN@FILE:LINE[:COL]` probes (column 0: any), or why there is none;
 * `nodebug` when `path` has no DWARF (in itself or a separate debug file).
 */
export function dwarfLineAddress(path: string, file: string, line: number, column: number): LineLookup | { kind: 'nodebug' } {
  return withDebugInfo<LineLookup | { kind: 'nodebug' }>(path, { kind: 'nodebug' }, (di) => di.sourceLines().lookup(file, line, column));
}
