// Builds test/progs/inlined.c into test/progs/build (git-ignored) in the flavours the stack
// source-line tests need: -O0 and -O2 (frame pointers kept, leaf functions too, so uprobe
// stacks hold every caller), DWARF 5 (.debug_rnglists) and DWARF 4 (.debug_ranges).

import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { BUILD_DIR, PROGS_DIR } from '../progs/build.ts';

export const INLINED_SRC = join(PROGS_DIR, 'inlined.c');

export interface InlinedProgs {
  o0: string;
  o2: string;
  o2dw4: string;
  /** -O2 without any DWARF: frames print as without show_debug_info. */
  nodebug: string;
}

const FP = ['-fno-omit-frame-pointer', '-mno-omit-leaf-frame-pointer'];

function gcc(out: string, flags: string[]): void {
  if (existsSync(out) && statSync(out).mtimeMs >= statSync(INLINED_SRC).mtimeMs) return;
  execFileSync('gcc', [...flags, ...FP, '-o', out, INLINED_SRC], { stdio: ['ignore', 'ignore', 'inherit'] });
}

let built: InlinedProgs | null = null;

export function buildInlinedProgs(): InlinedProgs {
  if (built) return built;
  mkdirSync(BUILD_DIR, { recursive: true });
  const b = (n: string): string => join(BUILD_DIR, n);
  const p: InlinedProgs = { o0: b('inlined-O0'), o2: b('inlined-O2'), o2dw4: b('inlined-O2-dw4'), nodebug: b('inlined-nodebug') };
  gcc(p.o0, ['-g', '-O0', '-gdwarf-5']);
  gcc(p.o2, ['-g', '-O2', '-gdwarf-5']);
  gcc(p.o2dw4, ['-g', '-O2', '-gdwarf-4']);
  gcc(p.nodebug, ['-O2']);
  built = p;
  return p;
}
