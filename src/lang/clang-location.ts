// bpftrace 0.26 hands the script's C parts to clang as one file, `definitions.h`: a line that
// includes its BTF header, then each C part (#include and #define lines, struct definitions) on
// lines of its own, in script order. Clang's messages name places in that file
// (`definitions.h:2:10: fatal error: 'lol/no.h' file not found`); we print them as 0.26 does,
// before our own report of the same problem.

import type { Program } from './ast.ts';

/** The line each C part of the script starts on in definitions.h, by node id. */
export function definitionsLines(program: Program): Map<number, number> {
  const lines = new Map<number, number>();
  let line = 2;
  for (const item of program.items) {
    if (item.kind !== 'CDefinition' && item.kind !== 'Include') continue;
    lines.set(item.id, line);
    line += item.kind === 'CDefinition' ? item.text.split('\n').length : 1;
  }
  return lines;
}

/** Where `offset` into a C part that starts on `line` of definitions.h is. */
export function clangPlace(line: number, partText: string, offset: number): { line: number; col: number } {
  const before = partText.slice(0, offset).split('\n');
  return { line: line + before.length - 1, col: (before[before.length - 1]?.length ?? 0) + 1 };
}

/** Clang's `definitions.h:LINE:COL: SEVERITY: MESSAGE`. */
export function clangMessage(at: { line: number; col: number }, severity: 'error' | 'fatal error', message: string): string {
  return `definitions.h:${at.line}:${at.col}: ${severity}: ${message}`;
}
