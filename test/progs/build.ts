// Builds the C/C++ test programs into test/progs/build (git-ignored) with gcc, once: outputs
// newer than every source are kept. Tests call buildProgs() in a `before` hook.

import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../helpers/run.ts';

export const PROGS_DIR = join(ROOT, 'test', 'progs');
export const BUILD_DIR = join(PROGS_DIR, 'build');

export interface Progs {
  /** PIE, -O2, debug info, USDT probes with a semaphore. */
  target: string;
  /** The same, linked at a fixed address (-no-pie). */
  targetNoPie: string;
  /** The PIE target without any symbol table but .dynsym. */
  targetStripped: string;
  /** A shared library with lib_square() and the tlib:squared USDT probe. */
  lib: string;
  /** Calls lib_square() from libtlib.so. */
  uselib: string;
  /** C++: namespace, class method, overloads, template. */
  cpp: string;
  /** Scenarios for the stdlib builtins (threads, a struct member, ERR_PTRs, a user buffer). */
  stdlib: string;
}

function newer(out: string, inputs: string[]): boolean {
  if (!existsSync(out)) return false;
  const t = statSync(out).mtimeMs;
  return inputs.every((i) => statSync(i).mtimeMs <= t);
}

/** `after` goes after the sources: objects and libraries the link needs. */
function cc(compiler: string, out: string, sources: string[], flags: string[], after: string[] = [], extraInputs: string[] = []): void {
  const srcs = sources.map((s) => join(PROGS_DIR, s));
  if (newer(out, [...srcs, ...extraInputs])) return;
  execFileSync(compiler, [...flags, '-o', out, ...srcs, ...after], { stdio: ['ignore', 'ignore', 'inherit'] });
}

let built: Progs | null = null;

export function buildProgs(): Progs {
  if (built) return built;
  mkdirSync(BUILD_DIR, { recursive: true });
  const b = (n: string): string => join(BUILD_DIR, n);
  const o0 = b('probes_O0.o');
  cc('gcc', o0, ['probes_O0.c'], ['-O0', '-g', '-fPIC', '-c']);
  const sema = b('probes_sema.o');
  cc('gcc', sema, ['probes_sema.c'], ['-O2', '-g', '-fPIC', '-c']);
  const p: Progs = {
    target: b('target'),
    targetNoPie: b('target-nopie'),
    targetStripped: b('target-stripped'),
    lib: b('libtlib.so'),
    uselib: b('uselib'),
    cpp: b('cpp'),
    stdlib: b('stdlib'),
  };
  cc('gcc', p.target, ['target.c'], ['-O2', '-g', '-fno-omit-frame-pointer', '-fPIE', '-pie'], [o0, sema], [o0, sema]);
  cc('gcc', p.targetNoPie, ['target.c'], ['-O2', '-g', '-fno-omit-frame-pointer', '-fno-pie', '-no-pie'], [o0, sema], [o0, sema]);
  if (!newer(p.targetStripped, [p.target])) execFileSync('strip', ['-s', '-o', p.targetStripped, p.target]);
  cc('gcc', p.lib, ['lib.c'], ['-O2', '-g', '-fPIC', '-shared']);
  cc('gcc', p.uselib, ['uselib.c'], ['-O2', '-g'], [`-L${BUILD_DIR}`, '-ltlib', '-Wl,-rpath,$ORIGIN'], [p.lib]);
  cc('g++', p.cpp, ['cpp.cc'], ['-O1', '-g']);
  cc('gcc', p.stdlib, ['stdlib.c'], ['-O2', '-g', '-fno-omit-frame-pointer', '-pthread']);
  built = p;
  return p;
}
