// The DWARF of one binary, opened on first use and kept while the file is unchanged: typed
// `args` fields for uprobes (pt_regs offsets of the integer argument registers) and the
// parameter lines of -lv.

import { statSync } from 'node:fs';
import { PT_REGS_ARGS } from '../../builtins/task.ts';
import type { ArgField } from '../../probes/provider.ts';
import { assignArgs } from './abi.ts';
import { FunctionIndex, type FunctionInfo, functionInfo } from './functions.ts';
import { DwarfFile } from './info.ts';
import { loadDebugSource } from './sections.ts';
import { type CType, ctype, typeSpelling, valueType } from './types.ts';

/** A parameter `args` cannot offer, and why (for diagnostics). */
export interface SkippedArg {
  name: string;
  why: string;
}

export class DebugInfo {
  private index: FunctionIndex | null = null;

  constructor(
    readonly file: DwarfFile,
    /** Where the DWARF was read from: the binary or its separate debug file. */
    readonly debugPath: string,
  ) {}

  functions(): FunctionIndex {
    this.index ??= new FunctionIndex(this.file);
    return this.index;
  }

  function(name: string, vaddr?: number, linkage = true): FunctionInfo | null {
    const d = this.functions().lookup(name, vaddr, linkage);
    return d ? functionInfo(d) : null;
  }

  /**
   * `args` of function `name`: each named parameter that arrives whole in one integer register,
   * typed, at its pt_regs offset. The others (floating point, aggregates by value, stack
   * arguments) are listed in `skipped`. Null when the DWARF does not describe the function.
   */
  args(name: string, vaddr?: number): { fields: ArgField[]; skipped: SkippedArg[] } | null {
    const f = this.function(name, vaddr);
    if (!f) return null;
    // A parameter whose type cannot be read is most likely an integer or a pointer: counting
    // it as one register keeps the following parameters right.
    const places = assignArgs(
      ctype(f.ret),
      f.params.map((p): CType => (p.type ? ctype(p.type) : { kind: 'other', size: 8 })),
    );
    const fields: ArgField[] = [];
    const skipped: SkippedArg[] = [];
    f.params.forEach((p, i) => {
      if (!p.name) return;
      const place = places[i];
      const t = valueType(p.type);
      const offset = place?.kind === 'intreg' ? PT_REGS_ARGS[place.index] : undefined;
      if (!t || (t.kind !== 'int' && t.kind !== 'pointer')) {
        skipped.push({ name: p.name, why: `its type ${typeSpelling(p.type)} is not an integer or a pointer` });
      } else if (place?.kind === 'elsewhere') skipped.push({ name: p.name, why: place.why });
      else if (offset === undefined) skipped.push({ name: p.name, why: 'it is passed on the stack' });
      else fields.push({ name: p.name, type: t, offset, dataLoc: false });
    });
    return { fields, skipped };
  }

  /**
   * -lv lines for function `name`, as bpftrace prints them (`const char* s`). Like bpftrace,
   * C functions are found by DW_AT_name only (glibc's `__GI_` asm-label aliases list no
   * parameters); C++ symbols also by their mangled linkage name, which bpftrace cannot do.
   */
  paramDecls(name: string): string[] {
    const f = this.function(name, undefined, name.startsWith('_Z'));
    if (!f) return [];
    return f.params.map((p) => (p.name ? `${typeSpelling(p.type)} ${p.name}` : typeSpelling(p.type)));
  }
}

interface CacheEntry {
  stamp: string;
  info: DebugInfo | null;
}

const cache = new Map<string, CacheEntry>();

/** The DWARF of `path` (read once per version of the file), or null when it has none. */
export function debugInfo(path: string): DebugInfo | null {
  let stamp: string;
  try {
    const st = statSync(path);
    stamp = `${st.dev}:${st.ino}:${st.size}:${st.mtimeMs}`;
  } catch {
    return null;
  }
  const hit = cache.get(path);
  if (hit && hit.stamp === stamp) return hit.info;
  let info: DebugInfo | null = null;
  const src = loadDebugSource(path);
  if (src) {
    const alt = src.alt ? new DwarfFile(src.alt) : null;
    info = new DebugInfo(new DwarfFile(src.sections, alt), src.path);
  }
  cache.set(path, { stamp, info });
  return info;
}
