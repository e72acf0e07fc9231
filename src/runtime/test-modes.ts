// --test and --bench (bpftrace 0.26's run modes): test:NAME and bench:NAME probes run in the
// kernel through BPF_PROG_TEST_RUN, one at a time, and are reported through the sink. The
// tracer runs each probe (`runOnce`); this decides how often and what the results mean.

import type { BpfProgram } from '../bpf/program.ts';
import type { OutputSink } from './sink.ts';

/** One BPF_PROG_TEST_RUN of a probe, repeated `repeat` times in the kernel, its output captured. */
export interface ProbeRun {
  retval: number;
  /** The kernel's average time per run. */
  durationNs: number;
  output: string;
  /** The exit(code) it asked for, 0 without one. */
  exitCode: number;
  /** Whether it reported errors (errorf, failed helpers). */
  errored: boolean;
}

export type RunOnce = (prog: BpfProgram, repeat: number) => ProbeRun;

export interface ModeProbe {
  prog: BpfProgram;
  name: string;
}

/** --test: each test probe runs once; it passes with return 0, no exit(code), no errorf. */
export function runTests(tests: readonly ModeProbe[], runOnce: RunOnce, out: OutputSink): number {
  const names = tests.map((t) => t.name);
  const passed: boolean[] = [];
  tests.forEach((t, i) => {
    const result = runOnce(t.prog, 1);
    passed.push(result.retval === 0 && result.exitCode === 0 && !result.errored);
    out.testResult(names, i, result.durationNs, passed, result.output);
  });
  return passed.every(Boolean) ? 0 : 1;
}

/**
 * --bench: each bench probe is repeated (x1000, x100, x10, x2...) until a run takes at least
 * a millisecond; the kernel's average time per run is reported. Returning 1 skips a bench.
 */
export function runBenchmarks(benches: readonly ModeProbe[], runOnce: RunOnce, out: OutputSink): number {
  const names = benches.map((b) => b.name);
  let failed = 0;
  for (const [index, b] of benches.entries()) {
    let iters = 1;
    for (;;) {
      const r = runOnce(b.prog, iters);
      if (r.exitCode === 0 && r.retval !== 0) break;
      const total = r.durationNs * iters;
      if (total < 1_000) iters *= 1000;
      else if (total < 10_000) iters *= 100;
      else if (total < 100_000) iters *= 10;
      else if (total < 1_000_000) iters *= 2;
      else {
        if (r.exitCode !== 0 || r.errored) {
          out.warning(`Benchmark '${b.name}' failed.`);
          failed++;
          break;
        }
        out.benchmarkResult(names, index, r.durationNs, iters);
        break;
      }
    }
  }
  return failed ? 1 : 0;
}
