// Bundles the CLI into one ESM file (startup: one module to load, no TS at run time)
// and compiles each test file into dist/test so node's own runner can execute them.

import { readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';

const common = {
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  external: ['koffi', 'bun:ffi'],
  sourcemap: false,
  logLevel: 'warning',
  legalComments: 'none',
  banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
};

function walk(dir, out = []) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (name.endsWith('.test.ts')) out.push(p);
  }
  return out;
}

// --cli: only the CLI bundle. --only DIR: only the tests under DIR (for working on one area).
const onlyCli = process.argv.includes('--cli');
const onlyAt = process.argv.indexOf('--only');
const only = onlyAt >= 0 ? process.argv[onlyAt + 1] : null;
const jobs = [];
if (only) {
  jobs.push(build({ ...common, entryPoints: walk(only), outdir: 'dist/test', outbase: 'test' }));
} else {
  rmSync('dist/test', { recursive: true, force: true });
  rmSync('dist/chunks', { recursive: true, force: true });
  jobs.push(
    // One file, no code splitting: Bun pays more per loaded module than per byte, so separate
    // chunks cost more memory than they save. Dynamically imported modules (listing, dumps,
    // the disassembler) are still only initialised when used.
    build({
      ...common,
      entryPoints: { 'bpftrace-ts': 'src/cli/main.ts' },
      outdir: 'dist',
      minifyWhitespace: true,
      minifySyntax: true,
    }),
  );
}
if (!onlyCli && !only) {
  jobs.push(build({ ...common, entryPoints: { bench: 'bench/main.ts' }, outdir: 'dist' }));
  const tests = walk('test');
  if (tests.length) jobs.push(build({ ...common, entryPoints: tests, outdir: 'dist/test', outbase: 'test' }));
}
await Promise.all(jobs);
