// Run-time statistics of the programs a tool loads, read with bpftool while a load runs.

import { execFileSync, spawn, spawnSync } from 'node:child_process';

export interface ProgInfo {
  id: number;
  type: string;
  run_time_ns?: number;
  run_cnt?: number;
  bytes_xlated?: number;
}

/** Every loaded BPF program, as bpftool lists them. */
export function progs(): ProgInfo[] {
  return JSON.parse(execFileSync('bpftool', ['prog', 'show', '-j'], { encoding: 'utf8' })) as ProgInfo[];
}

export interface ProgStats {
  nsPerEvent: number;
  runs: number;
  insns: number;
}

/**
 * Starts `cmd`, waits for it to attach, runs `load` (a command making the events), and reads
 * run_time_ns / run_cnt and the translated size of the busiest tracepoint program that
 * appeared meanwhile. Needs kernel.bpf_stats_enabled=1.
 */
export function statsOf(cmd: readonly string[], load: readonly string[], env: NodeJS.ProcessEnv = process.env): ProgStats {
  // bpftool cannot name the owning process here (that needs BPF iterators), so the tool's
  // programs are the tracepoint programs that appear while it runs.
  const before = new Set(progs().map((p) => p.id));
  const child = spawn(cmd[0] as string, cmd.slice(1), { stdio: 'ignore', env });
  // Let it attach, then generate events, then sample the program's stats before it exits.
  spawnSync('sleep', ['1']);
  spawnSync(load[0] as string, load.slice(1), { stdio: 'ignore' });
  const mine = progs().filter((p) => p.type === 'tracepoint' && !before.has(p.id));
  child.kill('SIGINT');
  spawnSync('sleep', ['0.5']);
  const p = mine.sort((a, b) => (b.run_cnt ?? 0) - (a.run_cnt ?? 0))[0];
  if (!p) return { nsPerEvent: Number.NaN, runs: 0, insns: 0 };
  return { nsPerEvent: (p.run_time_ns ?? 0) / Math.max(1, p.run_cnt ?? 0), runs: p.run_cnt ?? 0, insns: (p.bytes_xlated ?? 0) / 8 };
}

/** Runs `f` with kernel.bpf_stats_enabled=1, restoring the previous setting afterwards. */
export function withBpfStats<T>(f: () => T): T {
  const prev = execFileSync('sysctl', ['-n', 'kernel.bpf_stats_enabled'], { encoding: 'utf8' }).trim();
  execFileSync('sysctl', ['-q', '-w', 'kernel.bpf_stats_enabled=1']);
  try {
    return f();
  } finally {
    execFileSync('sysctl', ['-q', '-w', `kernel.bpf_stats_enabled=${prev}`]);
  }
}
