// Builds test/progs/dwarfargs.c and dwarfstructs.c into test/progs/build (git-ignored) in the DWARF flavours the
// reader's tests need; outputs newer than the source are kept.

import { execFileSync } from 'node:child_process';
import { closeSync, copyFileSync, existsSync, mkdirSync, openSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { ElfFile } from '../../src/elf/elf.ts';
import { BUILD_DIR, PROGS_DIR } from '../progs/build.ts';

export interface DwarfProgs {
  /** -O0, DWARF 4. */
  dw4: string;
  /** -O0, DWARF 5. */
  dw5: string;
  /** -O2, DWARF 5: `twice` is an abstract instance plus a concrete out-of-line copy. */
  o2: string;
  /** -O0, DWARF 4 with type units in .debug_types (-fdebug-types-section). */
  types4: string;
  /** -O0, DWARF 5 with type units in .debug_info. */
  types5: string;
  /** -O0, DWARF 5, zlib-compressed debug sections (SHF_COMPRESSED). */
  gz: string;
  /** -O0, DWARF 5, debug info moved to `stripped.debug` beside it (found by .gnu_debuglink). */
  stripped: string;
  /** -O0 with its debug sections stripped (symbols kept) and no debug link: no DWARF anywhere. */
  nodebug: string;
  /** dwarfstructs.c + dwarfstructs2.c, -O0, DWARF 5, PIE. */
  structs: string;
  /** The same with DWARF 4 (bitfields as DW_AT_bit_offset from the storage unit's top bit). */
  structs4: string;
  /** The same linked at a fixed address (-no-pie). */
  structsNoPie: string;
  /** The same with zstd-compressed debug sections (SHF_COMPRESSED, ELFCOMPRESS_ZSTD). */
  structsZstd: string;
}

const SRC = join(PROGS_DIR, 'dwarfargs.c');
const STRUCT_SRCS = [join(PROGS_DIR, 'dwarfstructs.c'), join(PROGS_DIR, 'dwarfstructs2.c')];

function fresh(out: string, srcs = [SRC]): boolean {
  return existsSync(out) && srcs.every((s) => statSync(out).mtimeMs >= statSync(s).mtimeMs);
}

function gcc(out: string, flags: string[], srcs = [SRC]): void {
  if (fresh(out, srcs)) return;
  execFileSync('gcc', [...flags, '-o', out, ...srcs], { stdio: ['ignore', 'ignore', 'inherit'] });
}

/**
 * zstd-compressed DWARF: gcc -gz=zstd where gcc has it (13+), else the sections compressed
 * after linking by objcopy (binutils 2.40+; Debian 12's gcc 12 only knows zlib).
 */
function gccZstd(out: string): void {
  if (fresh(out, STRUCT_SRCS)) return;
  try {
    execFileSync('gcc', ['-g', '-O0', '-gdwarf-5', '-gz=zstd', '-o', out, ...STRUCT_SRCS], { stdio: 'ignore' });
  } catch {
    gcc(`${out}.plain`, ['-g', '-O0', '-gdwarf-5'], STRUCT_SRCS);
    execFileSync('objcopy', ['--compress-debug-sections=zstd', `${out}.plain`, out]);
  }
}

let built: DwarfProgs | null = null;

export function buildDwarfProgs(): DwarfProgs {
  if (built) return built;
  mkdirSync(BUILD_DIR, { recursive: true });
  const b = (n: string): string => join(BUILD_DIR, n);
  const p: DwarfProgs = {
    dw4: b('dwarfargs-dw4'),
    dw5: b('dwarfargs-dw5'),
    o2: b('dwarfargs-O2'),
    types4: b('dwarfargs-types4'),
    types5: b('dwarfargs-types5'),
    gz: b('dwarfargs-gz'),
    stripped: b('dwarfargs-stripped'),
    nodebug: b('dwarfargs-nodebug'),
    structs: b('dwarfstructs'),
    structs4: b('dwarfstructs-dw4'),
    structsNoPie: b('dwarfstructs-nopie'),
    structsZstd: b('dwarfstructs-zstd'),
  };
  gcc(p.dw4, ['-g', '-O0', '-gdwarf-4']);
  gcc(p.dw5, ['-g', '-O0', '-gdwarf-5']);
  gcc(p.o2, ['-g', '-O2', '-gdwarf-5']);
  gcc(p.types4, ['-g', '-O0', '-gdwarf-4', '-fdebug-types-section']);
  gcc(p.types5, ['-g', '-O0', '-gdwarf-5', '-fdebug-types-section']);
  gcc(p.gz, ['-g', '-O0', '-gdwarf-5', '-gz=zlib']);
  if (!fresh(p.stripped) || !existsSync(`${p.stripped}.debug`)) {
    // The separate debug file is named by .gnu_debuglink; objcopy runs in BUILD_DIR so the
    // link holds the bare name, looked up beside the binary.
    const full = `${p.stripped}.full`;
    gcc(full, ['-g', '-O0', '-gdwarf-5']);
    execFileSync('objcopy', ['--only-keep-debug', full, `${p.stripped}.debug`]);
    execFileSync('objcopy', ['--strip-debug', `--add-gnu-debuglink=dwarfargs-stripped.debug`, full, p.stripped], { cwd: BUILD_DIR });
  }
  if (!fresh(p.nodebug)) execFileSync('strip', ['--strip-debug', '-o', p.nodebug, p.dw5]);
  gcc(p.structs, ['-g', '-O0', '-gdwarf-5'], STRUCT_SRCS);
  gcc(p.structs4, ['-g', '-O0', '-gdwarf-4'], STRUCT_SRCS);
  gcc(p.structsNoPie, ['-g', '-O0', '-gdwarf-5', '-no-pie'], STRUCT_SRCS);
  gccZstd(p.structsZstd);
  built = p;
  return p;
}

/**
 * A copy of `path` (as `path-corrupt`) whose .debug_abbrev is overwritten with 0x7f bytes:
 * every abbreviation code becomes one with no attributes, so no DIE can be read.
 */
export function corruptAbbrevCopy(path: string): string {
  const bad = `${path}-corrupt`;
  copyFileSync(path, bad);
  const elf = ElfFile.open(bad);
  const abbrev = elf.section('.debug_abbrev');
  elf.close();
  if (!abbrev) throw new Error(`${path} has no .debug_abbrev`);
  const fd = openSync(bad, 'r+');
  writeSync(fd, Buffer.alloc(abbrev.size, 0x7f), 0, abbrev.size, abbrev.offset);
  closeSync(fd);
  return bad;
}
