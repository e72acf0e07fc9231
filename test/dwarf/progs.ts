// Builds test/progs/dwarfargs.c into test/progs/build (git-ignored) in the DWARF flavours the
// reader's tests need; outputs newer than the source are kept.

import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
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
}

const SRC = join(PROGS_DIR, 'dwarfargs.c');

function fresh(out: string): boolean {
  return existsSync(out) && statSync(out).mtimeMs >= statSync(SRC).mtimeMs;
}

function gcc(out: string, flags: string[]): void {
  if (fresh(out)) return;
  execFileSync('gcc', [...flags, '-o', out, SRC], { stdio: ['ignore', 'ignore', 'inherit'] });
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
  built = p;
  return p;
}
