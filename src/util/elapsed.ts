// Timing for diagnostics with process.hrtime, not performance.now(): the first use of the
// `performance` global loads perf_hooks and its friends (~17 ms on an emulated CPU), which a
// run that only wants to know how long indexing took should not pay.

/** A reading to pass to elapsedMs. */
export function clockStart(): bigint {
  return process.hrtime.bigint();
}

/** Milliseconds since `t0` (from clockStart). */
export function elapsedMs(t0: bigint): number {
  return Number(process.hrtime.bigint() - t0) / 1e6;
}
