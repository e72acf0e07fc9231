// The DWARF of one binary, opened on first use and kept while the file is unchanged: typed
// `args` fields for uprobes (pt_regs offsets of the integer argument registers, stack offsets
// of stack-passed arguments), the parameter lines of -lv, source lines to addresses and
// addresses to source lines and inlined calls (stack frames).

import { statSync } from 'node:fs';
import { PT_REGS_ARGS } from '../../builtins/task.ts';
import type { ArgField } from '../../probes/provider.ts';
import type { Type } from '../../sema/types.ts';
import { debuginfoSearchKey } from '../debug-paths.ts';
import { assignArgs } from './abi.ts';
import { CodeLocator } from './code-info.ts';
import { DW_TAG_class_type, DW_TAG_enumeration_type, DW_TAG_structure_type, DW_TAG_typedef, DW_TAG_union_type } from './constants.ts';
import { FunctionIndex, type FunctionInfo, functionInfo } from './functions.ts';
import { DwarfFile } from './info.ts';
import { loadDebugSource } from './sections.ts';
import { SourceLines } from './source-lines.ts';
import { splitFinder } from './split.ts';
import { type CType, ctype, namedType, typeSpelling, valueType } from './types.ts';

/** A parameter `args` cannot offer, and why (for diagnostics). */
export interface SkippedArg {
  name: string;
  why: string;
}

export class DebugInfo {
  private index: FunctionIndex | null = null;
  private lines: SourceLines | null = null;
  private code: CodeLocator | null = null;

  constructor(
    readonly file: DwarfFile,
    /** Where the DWARF was read from: the binary or its separate debug file. */
    readonly debugPath: string,
  ) {}

  functions(): FunctionIndex {
    this.index ??= new FunctionIndex(this.file);
    return this.index;
  }

  /** Source locations to addresses, through the units' line tables. */
  sourceLines(): SourceLines {
    this.lines ??= new SourceLines(this.file);
    return this.lines;
  }

  /** Addresses to functions, source lines and inlined calls, for stack frames. */
  codeLocator(): CodeLocator {
    this.code ??= new CodeLocator(this.file, this.sourceLines());
    return this.code;
  }

  function(name: string, vaddr?: number, linkage = true): FunctionInfo | null {
    const d = this.functions().lookup(name, vaddr, linkage);
    return d ? functionInfo(d) : null;
  }

  /**
   * `args` of function `name`: each named parameter that arrives whole in one integer register,
   * typed, at its pt_regs offset, and each integer, pointer or struct passed on the stack, at its
   * offset from the stack pointer at entry. The others (floating point, aggregates in
   * registers) are listed in `skipped`. Null when the DWARF does not describe the function.
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
      const scalar = t !== null && (t.kind === 'int' || t.kind === 'pointer');
      if (place?.kind === 'stack' && t !== null && (scalar || (t.kind === 'struct' && t.size > 0))) {
        // A struct on the stack is addressable there: its members are read from user memory.
        fields.push({ name: p.name, type: t, offset: place.offset, dataLoc: false, onStack: true });
      } else if (!scalar) {
        skipped.push({ name: p.name, why: `its type ${typeSpelling(p.type)} is not an integer or a pointer` });
      } else if (place?.kind === 'intreg') {
        fields.push({ name: p.name, type: t, offset: PT_REGS_ARGS[place.index] ?? 0, dataLoc: false });
      } else skipped.push({ name: p.name, why: place?.kind === 'elsewhere' ? place.why : 'its place is unknown' });
    });
    return { fields, skipped };
  }

  /**
   * The type a cast names (`struct node`, `union u`, a typedef), from the first unit that
   * defines it, or null. Enums are integers, as for parameters.
   */
  typeByName(name: string): Type | null {
    const m = /^(struct|union|enum) (.+)$/.exec(name);
    const tags = !m
      ? [DW_TAG_typedef]
      : m[1] === 'struct'
        ? [DW_TAG_structure_type, DW_TAG_class_type]
        : m[1] === 'union'
          ? [DW_TAG_union_type]
          : [DW_TAG_enumeration_type];
    for (const tag of tags) {
      const d = namedType(this.file, tag, m ? (m[2] as string) : name);
      if (d) return valueType(d);
    }
    return null;
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

/** The DWARF of `path` (read once per version of the file and search path), or null when it has none. */
export function debugInfo(path: string): DebugInfo | null {
  let stamp: string;
  try {
    const st = statSync(path);
    stamp = `${st.dev}:${st.ino}:${st.size}:${st.mtimeMs}:${debuginfoSearchKey()}`;
  } catch {
    return null;
  }
  const hit = cache.get(path);
  if (hit && hit.stamp === stamp) return hit.info;
  let info: DebugInfo | null = null;
  const src = loadDebugSource(path);
  if (src) {
    const alt = src.alt ? new DwarfFile(src.alt) : null;
    const file = new DwarfFile(src.sections, alt);
    // Skeleton units (split DWARF) are followed into their .dwo or .dwp when first needed.
    file.splitFinder = splitFinder(path, src.path, src.sections);
    info = new DebugInfo(file, src.path);
  }
  cache.set(path, { stamp, info });
  return info;
}
