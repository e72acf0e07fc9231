// Builds split-DWARF flavours (gcc -gsplit-dwarf) of the DWARF test programs into
// test/progs/build, as bpftrace's corpus builds its uprobe_test-split: .dwo files beside the
// binary (gcc names them OUT-SRC.dwo, relative to the compilation directory), or packed into
// OUT.dwp and the .dwo files removed. binutils' dwp crashes on DWARF 5 units, and llvm-dwp 14
// loops forever on some of gcc's (dwarfargs.c's among them): DWARF 5 packages are made of
// splitpkg.c with llvm-dwp, under a time limit; DWARF 4 ones with either tool.

import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { BUILD_DIR, PROGS_DIR } from '../progs/build.ts';
import { INLINED_SRC } from './inlined-progs.ts';

export interface SplitProgs {
  /** dwarfargs.c, -O0, DWARF 5 skeleton + .dwo (DW_UT_skeleton, strx/addrx forms). */
  args5: string;
  /** dwarfargs.c, -O0, DWARF 4 GNU split DWARF (DW_AT_GNU_dwo_name, DW_FORM_GNU_*_index). */
  args4: string;
  /** dwarfargs.c, -O0, DWARF 4, in OUT.dwp (binutils' dwp, else llvm-dwp; null without either). */
  args4dwp: string | null;
  /** dwarfstructs.c + dwarfstructs2.c (two units), -O0, DWARF 4, in OUT.dwp (llvm-dwp, else dwp). */
  structsDwp: string | null;
  /** splitpkg.c, -O0, DWARF 5, in OUT.dwp (llvm-dwp; null without it or when it fails). */
  pkg5dwp: string | null;
  /** dwarfstructs.c + dwarfstructs2.c, -O0, DWARF 4, two .dwo files. */
  structs4: string;
  /** inlined.c, -O2, DWARF 5 + .dwo (range lists through rnglistx in the .dwo). */
  inlined5: string;
  /** inlined.c, -O2, DWARF 4 + .dwo (.debug_ranges offsets from DW_AT_GNU_ranges_base). */
  inlined4: string;
}

const ARGS_SRC = join(PROGS_DIR, 'dwarfargs.c');
const PKG_SRC = join(PROGS_DIR, 'splitpkg.c');
const STRUCT_SRCS = [join(PROGS_DIR, 'dwarfstructs.c'), join(PROGS_DIR, 'dwarfstructs2.c')];
const FP = ['-fno-omit-frame-pointer', '-mno-omit-leaf-frame-pointer'];

function tool(name: string): boolean {
  try {
    execFileSync(name, ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** The .dwo files gcc writes for output `out` (named OUT-SRC.dwo). */
function dwoFiles(out: string): string[] {
  const prefix = `${basename(out)}-`;
  return readdirSync(BUILD_DIR)
    .filter((f) => f.startsWith(prefix) && f.endsWith('.dwo'))
    .map((f) => join(BUILD_DIR, f));
}

/**
 * gcc -gsplit-dwarf run in BUILD_DIR with a relative output name, so DW_AT_dwo_name is relative
 * to DW_AT_comp_dir, as a build tree has it. Kept while newer than its sources.
 */
function gccSplit(name: string, flags: string[], srcs: string[], dwp: null): string;
function gccSplit(name: string, flags: string[], srcs: string[], dwp: string): string | null;
function gccSplit(name: string, flags: string[], srcs: string[], dwp: string | null): string | null {
  const out = join(BUILD_DIR, name);
  const debug = dwp ? `${out}.dwp` : null;
  const fresh =
    existsSync(out) &&
    srcs.every((s) => statSync(out).mtimeMs >= statSync(s).mtimeMs) &&
    (debug ? existsSync(debug) : dwoFiles(out).length === srcs.length);
  if (fresh) return out;
  for (const f of dwoFiles(out)) rmSync(f);
  execFileSync('gcc', ['-gsplit-dwarf', ...flags, '-o', name, ...srcs], { cwd: BUILD_DIR, stdio: ['ignore', 'ignore', 'inherit'] });
  if (dwp && debug) {
    try {
      execFileSync(dwp, ['-e', name, '-o', `${name}.dwp`], { cwd: BUILD_DIR, stdio: 'ignore', timeout: 60000 });
    } catch {
      rmSync(debug, { force: true });
      return null;
    } finally {
      for (const f of dwoFiles(out)) rmSync(f);
    }
  }
  return out;
}

let built: SplitProgs | null = null;

export function buildSplitProgs(): SplitProgs {
  if (built) return built;
  mkdirSync(BUILD_DIR, { recursive: true });
  const llvmDwp = tool('llvm-dwp') ? 'llvm-dwp' : null;
  const gnuDwp = tool('dwp') ? 'dwp' : null;
  const args4Tool = gnuDwp ?? llvmDwp;
  const structsTool = llvmDwp ?? gnuDwp;
  built = {
    args5: gccSplit('split-args5', ['-g', '-O0', '-gdwarf-5'], [ARGS_SRC], null),
    args4: gccSplit('split-args4', ['-g', '-O0', '-gdwarf-4'], [ARGS_SRC], null),
    args4dwp: args4Tool ? gccSplit('split-args4p', ['-g', '-O0', '-gdwarf-4'], [ARGS_SRC], args4Tool) : null,
    structsDwp: structsTool ? gccSplit('split-structs4p', ['-g', '-O0', '-gdwarf-4'], STRUCT_SRCS, structsTool) : null,
    pkg5dwp: llvmDwp ? gccSplit('split-pkg5p', ['-g', '-O0', '-gdwarf-5'], [PKG_SRC], llvmDwp) : null,
    structs4: gccSplit('split-structs4', ['-g', '-O0', '-gdwarf-4'], STRUCT_SRCS, null),
    inlined5: gccSplit('split-inlined5', ['-g', '-O2', '-gdwarf-5', ...FP], [INLINED_SRC], null),
    inlined4: gccSplit('split-inlined4', ['-g', '-O2', '-gdwarf-4', ...FP], [INLINED_SRC], null),
  };
  return built;
}
