// The DWARF side of user stack frames (show_debug_info): for an address in an object file, the
// function, file:line and inlined calls there. An object's DWARF is opened the first time one
// of its frames is printed and kept for the run; an object without DWARF costs one look for it
// (its own sections, then a separate debug file), and DWARF that cannot be read counts as none.

import type { CodeInfo } from '../elf/dwarf/code-info.ts';
import { type DebugInfo, debugInfo } from '../elf/dwarf/debuginfo.ts';
import { ElfObject } from '../elf/symbols.ts';

const objects = new Map<string, DebugInfo | null>();

function debugOf(path: string): DebugInfo | null {
  let d = objects.get(path);
  if (d === undefined) {
    try {
      d = debugInfo(path);
    } catch {
      d = null;
    }
    objects.set(path, d);
  }
  return d;
}

/** What the DWARF of `path` says about the code at `fileOffset` in it (at link-time address `vaddr`), or null. */
export function codeAtFileOffset(path: string, fileOffset: number): { code: CodeInfo; vaddr: number } | null {
  const d = debugOf(path);
  if (!d) return null;
  try {
    const vaddr = ElfObject.get(path).elf.offsetToVaddr(fileOffset);
    const code = vaddr === null ? null : d.codeLocator().at(vaddr);
    return code && vaddr !== null ? { code, vaddr } : null;
  } catch {
    // Malformed DWARF for this address: the frame prints without it, the others still try.
    return null;
  }
}
