// Builds test/progs/srclines.c into test/progs/build (git-ignored) in the flavours the source-line
// tests need, and finds the lines its markers name; outputs newer than the sources are kept.

import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BUILD_DIR, PROGS_DIR } from '../progs/build.ts';

export const SRC = join(PROGS_DIR, 'srclines.c');
export const HDR = join(PROGS_DIR, 'srclines.h');

export interface SrclinesProgs {
  /** -O0, DWARF 5, linked at a fixed address: reg("ip") is the link-time address. */
  noPie: string;
  /** -O0, DWARF 4, PIE. */
  dw4: string;
  /** -O2, DWARF 5: rows that are not statements, several places for one line. */
  o2: string;
  /** -O0, DWARF 5, -gsplit-dwarf: a skeleton unit in the binary, the rest in a .dwo. */
  split: string;
  /** -O0, DWARF 5, debug sections moved to `debugDir` (found only through --debuginfo). */
  stripped: string;
  debugDir: string;
  /** Two units from a/same.c and b/same.c. */
  ambiguous: string;
}

function fresh(out: string, srcs: string[]): boolean {
  return existsSync(out) && srcs.every((s) => statSync(out).mtimeMs >= statSync(s).mtimeMs);
}

function gcc(out: string, flags: string[], srcs = [SRC]): void {
  if (fresh(out, [...srcs, HDR])) return;
  execFileSync('gcc', [...flags, '-o', out, ...srcs], { cwd: BUILD_DIR, stdio: ['ignore', 'ignore', 'inherit'] });
}

/** a/same.c and b/same.c, written once: the same file name in two directories. */
function ambiguousSources(dir: string): string[] {
  const a = join(dir, 'a', 'same.c');
  const b = join(dir, 'b', 'same.c');
  if (!existsSync(a)) {
    mkdirSync(join(dir, 'a'), { recursive: true });
    mkdirSync(join(dir, 'b'), { recursive: true });
    writeFileSync(a, 'int fb(void);\nint main(void) {\n  return fb();\n}\n');
    writeFileSync(b, 'int fb(void) {\n  return 0;\n}\n');
  }
  return [a, b];
}

let built: SrclinesProgs | null = null;

export function buildSrclinesProgs(): SrclinesProgs {
  if (built) return built;
  mkdirSync(BUILD_DIR, { recursive: true });
  const b = (n: string): string => join(BUILD_DIR, n);
  const p: SrclinesProgs = {
    noPie: b('srclines-nopie'),
    dw4: b('srclines-dw4'),
    o2: b('srclines-O2'),
    split: b('srclines-split'),
    stripped: b('srclines-stripped'),
    debugDir: b('srclines-debuginfo'),
    ambiguous: b('srclines-ambiguous'),
  };
  gcc(p.noPie, ['-g', '-O0', '-gdwarf-5', '-fno-pie', '-no-pie']);
  gcc(p.dw4, ['-g', '-O0', '-gdwarf-4']);
  gcc(p.o2, ['-g', '-O2', '-gdwarf-5']);
  gcc(p.split, ['-g', '-O0', '-gdwarf-5', '-gsplit-dwarf']);
  const debugFile = join(p.debugDir, 'srclines-stripped.debug');
  if (!fresh(p.stripped, [SRC, HDR]) || !existsSync(debugFile)) {
    const full = `${p.stripped}.full`;
    gcc(full, ['-g', '-O0', '-gdwarf-5']);
    mkdirSync(p.debugDir, { recursive: true });
    execFileSync('objcopy', ['--only-keep-debug', full, debugFile]);
    // The link names the bare file, which is not beside the binary: only --debuginfo finds it.
    execFileSync('objcopy', ['--strip-debug', `--add-gnu-debuglink=${debugFile}`, full, p.stripped]);
  }
  const amb = ambiguousSources(b('srclines-ambiguous.src'));
  gcc(p.ambiguous, ['-g', '-O0'], amb);
  built = p;
  return p;
}

/** The 1-based line of `file` holding `@marker`. */
export function markerLine(marker: string, file = SRC): number {
  const lines = readFileSync(file, 'latin1').split('\n');
  const i = lines.findIndex((l) => l.includes(`@${marker} `) || l.endsWith(`@${marker}`));
  if (i < 0) throw new Error(`no @${marker} in ${file}`);
  return i + 1;
}

/** The 1-based column of `text` on line `line` of `file`. */
export function columnOf(line: number, text: string, file = SRC): number {
  const l = readFileSync(file, 'latin1').split('\n')[line - 1] ?? '';
  const i = l.indexOf(text);
  if (i < 0) throw new Error(`no '${text}' on line ${line} of ${file}`);
  return i + 1;
}

/** objdump --dwarf=decodedline's rows of `file` (a base name) on `line`: their addresses, in program order. */
export function objdumpLineAddresses(bin: string, file: string, line: number): number[] {
  // objdump warns about split units' file lists on stderr: not the rows read here.
  const text = execFileSync('objdump', ['--dwarf=decodedline', bin], { encoding: 'latin1', stdio: ['ignore', 'pipe', 'ignore'] });
  const out: number[] = [];
  for (const l of text.split('\n')) {
    const w = l.trim().split(/\s+/);
    if (w[0] === file && w[1] === String(line) && /^0x[0-9a-f]+$/.test(w[2] ?? '')) out.push(Number.parseInt(w[2] as string, 16));
  }
  return out;
}
