// User-space probe benchmarks against bpftrace 0.17 in the same run:
//  - attaching a wildcard over libc's functions (thousands of uprobes) and exiting at once;
//  - symbolizing a user stack: uprobes with ustack on a short -c program whose maps print at exit.
// Wall time and peak RSS of the whole process, medians of interleaved runs.

import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export type Compare = (name: string, script: string[], runs: number) => void;

function libcPath(): string {
  for (const p of ['/lib/x86_64-linux-gnu/libc.so.6', '/usr/lib/x86_64-linux-gnu/libc.so.6', '/lib64/libc.so.6'])
    if (existsSync(p)) return p;
  return 'libc';
}

/** A small program with a deep call chain to take stacks from (built once with gcc). */
function stackProgram(root: string): string {
  const dir = join(root, 'test', 'progs', 'build');
  const bin = join(dir, 'bench-stack');
  if (existsSync(bin)) return bin;
  mkdirSync(dir, { recursive: true });
  const src = join(dir, 'bench-stack.c');
  writeFileSync(
    src,
    [
      '#include <stdlib.h>',
      '__attribute__((noipa)) int leaf(int x) { return x + 1; }',
      '__attribute__((noipa)) int mid(int x) { return leaf(x) * 2; }',
      '__attribute__((noipa)) int top(int x) { return mid(x) + 3; }',
      'int main(int argc, char **argv) { int n = argc > 1 ? atoi(argv[1]) : 1000, s = 0;',
      '  for (int i = 0; i < n; i++) s += top(i); return s == -1; }',
      '',
    ].join('\n'),
  );
  execFileSync('gcc', ['-O2', '-fno-omit-frame-pointer', '-o', bin, src]);
  return bin;
}

export function uprobeBenchmarks(compare: Compare, root: string, runs: (def: number) => number): void {
  const libc = libcPath();
  let n = 0;
  try {
    n = Number(
      execFileSync('sh', ['-c', `${process.execPath} ${join(root, 'dist', 'bpftrace-ts.js')} -l 'uprobe:${libc}:str*' | wc -l`], {
        encoding: 'utf8',
      }).trim(),
    );
  } catch {
    // only for the title
  }
  compare(
    `uprobe wildcard attach: uprobe:${libc}:str* (${n} functions)`,
    ['-e', `uprobe:${libc}:str* { @ = count(); } BEGIN { exit(); }`],
    runs(3),
  );
  const prog = stackProgram(root);
  compare(
    'ustack symbolization: 3 uprobes x 1000 calls, stacks printed at exit',
    ['-e', `uprobe:${prog}:leaf,uprobe:${prog}:mid,uprobe:${prog}:top { @[ustack] = count(); }`, '-c', `${prog} 1000`],
    runs(5),
  );
}
