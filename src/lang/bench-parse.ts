// Front-end throughput: a generated 10,000-line script through lexer, parser, desugaring and
// macro expansion. The CLI must start in well under 100 ms, so this should stay far below that.

import type { SourceFile } from './ast.ts';
import { Diagnostics } from './diagnostics.ts';
import { parseScript } from './frontend.ts';

const HEADER = `#include <linux/sched.h>
config = { max_map_keys = 8192; stack_mode = perf }
let @lat = lruhash(4096);
macro ms(x) { x / 1000000 }
macro bump(@m, k) { @m[k]++; }
`;

/** One probe of 25 lines in the style of the classic tools, varied by `i`. */
function probe(i: number): string {
  return `// probe ${i}: latency of something
kprobe:vfs_read_${i},
kprobe:vfs_write_${i}
/pid != 0 && comm != "bpftrace"/
{
  @start[tid] = nsecs;
  $task = (struct task_struct *)curtask;
  $ppid = $task->real_parent->tgid;
  if ($ppid == ${i} || arg2 > 0x1000) {
    printf("%-6d %-16s %d\\n", pid, comm, arg2);
  } else if (arg2 < 16) {
    bump(@small, comm);
  } else {
    @sizes = hist(arg2);
  }
  for ($j : 0..4) {
    @per[$j, cpu] = count();
  }
}

kretprobe:vfs_read_${i} /@start[tid]/
{
  $d = ms(nsecs - @start[tid]);
  @lat[comm, ${i}] = lhist($d, 0, 100, 10);
  delete(@start, tid);
}
`;
}

export function makeBenchScript(lines: number): SourceFile {
  const parts = [HEADER];
  let n = HEADER.split('\n').length - 1;
  for (let i = 0; n < lines; i++) {
    const p = probe(i);
    parts.push(p);
    n += p.split('\n').length - 1;
  }
  return { name: 'bench.bt', text: parts.join('') };
}

function runOnce(source: SourceFile): number {
  const t0 = performance.now();
  const diags = new Diagnostics(source);
  parseScript(source, diags);
  const ms = performance.now() - t0;
  if (diags.list.length > 0) throw new Error(`benchmark script has problems:\n${diags.render()}`);
  return ms;
}

/**
 * Times a 10,000-line script. `coldMs` is the first run, which includes the JIT warming up and is
 * what a single CLI invocation on such a script pays; `ms` is the steady state (median of the
 * last five of ten further runs).
 */
export function benchParse(): { lines: number; ms: number; coldMs: number } {
  const source = makeBenchScript(10_000);
  const lines = source.text.split('\n').length - 1;
  const coldMs = runOnce(source);
  const runs = Array.from({ length: 10 }, () => runOnce(source))
    .slice(5)
    .sort((a, b) => a - b);
  return { lines, ms: runs[2] ?? coldMs, coldMs };
}
