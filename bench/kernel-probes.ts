// Kernel dynamic probe benchmarks against bpftrace 0.17, for a kernel that has kprobes and
// fentry (the kernel-lab VM):
//   ../shared/kernel-lab/run-in-vm -- node dist/bench.js kernel [--runs N]
// (test/vm/run.sh --bench does that on a private copy of the build.)
//
// - attach cost: wall time of "attach every match, then exit at once" minus the same tool's
//   `BEGIN { exit(); }`, so start-up is left out and what remains is compiling, loading,
//   attaching and detaching the probes;
// - the kernel's share of that: our BPF layer alone attaching do-nothing programs;
// - per-event cost: the same kprobe script under both tools while dd makes 200k reads, from
//   the programs' run_time_ns / run_cnt with kernel.bpf_stats_enabled=1.
// Not a test: nothing here asserts timings.

import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BPF_PROG_TYPE_KPROBE, BPF_PROG_TYPE_TRACING, BPF_TRACE_FENTRY } from '../src/bpf/constants.ts';
import { defaultSys } from '../src/bpf/default-sys.ts';
import { exit, movImm, Reg } from '../src/bpf/insn.ts';
import { attachPerfEvent, type Link } from '../src/bpf/link.ts';
import { openKprobe } from '../src/bpf/perf-event.ts';
import { BpfProgram } from '../src/bpf/program.ts';
import { attachTracing } from '../src/probes/kernel/attach.ts';
import { kernelFuncSignature } from '../src/probes/kernel/btf-func.ts';
import { kprobeBlacklist, matchFunctions } from '../src/probes/kernel/functions.ts';
import { kernelBtf } from '../src/sema/btf-types.ts';

const BPFTRACE = '/usr/bin/bpftrace';

interface Tool {
  name: string;
  cmd: string[];
}

function tools(root: string): Tool[] {
  // The launcher users run; test/vm/run.sh-style snapshots name another with BPFTRACE_TS_CLI.
  return [
    { name: 'bpftrace-ts', cmd: [process.env.BPFTRACE_TS_CLI ?? join(root, 'bpftrace-ts')] },
    { name: 'bpftrace 0.17', cmd: [BPFTRACE] },
  ];
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

/** Wall time of one run in ms, or NaN when it failed. */
function wallMs(cmd: string[]): number {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(cmd[0] as string, cmd.slice(1), { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) {
    process.stderr.write(`  (failed: ${cmd.slice(-2).join(' ')}: ${r.stderr.trim().split('\n').pop()})\n`);
    return Number.NaN;
  }
  return ms;
}

/** kprobes still registered (perf kprobes disappear when their fd closes). */
function kprobesLeft(): number {
  try {
    return readFileSync('/sys/kernel/debug/kprobes/list', 'utf8').split('\n').filter(Boolean).length;
  } catch {
    return -1;
  }
}

function countMatches(root: string, pattern: string): number {
  try {
    const out = execFileSync(tools(root)[0]?.cmd[0] as string, ['-l', pattern], { encoding: 'utf8' });
    return out.split('\n').filter(Boolean).length;
  } catch {
    return 0;
  }
}

function attachCost(root: string, title: string, scripts: Record<string, string>, runs: number): void {
  const rows: string[] = [];
  const results: Record<string, { total: number; base: number }> = {};
  for (const t of tools(root)) {
    const script = scripts[t.name];
    if (!script) continue;
    const base: number[] = [];
    const total: number[] = [];
    for (let i = 0; i < runs; i++) {
      base.push(wallMs([...t.cmd, '-e', 'BEGIN { exit(); }']));
      total.push(wallMs([...t.cmd, '-e', script]));
    }
    results[t.name] = { total: median(total), base: median(base) };
    const left = kprobesLeft();
    rows.push(
      `| ${t.name} | ${median(total).toFixed(0)} ms | ${median(base).toFixed(0)} ms | ${(median(total) - median(base)).toFixed(0)} ms | ${left} |`,
    );
  }
  console.log(`\n## attach cost: ${title} (${runs} runs, medians)`);
  for (const [name, s] of Object.entries(scripts)) console.log(`${name}: \`${s}\``);
  console.log('| | wall (probes + exit) | wall (BEGIN exit) | attach cost | kprobes left after |');
  console.log('|---|---|---|---|---|');
  for (const r of rows) console.log(r);
  const a = results['bpftrace-ts'];
  const b = results['bpftrace 0.17'];
  if (a && b) console.log(`ratio of attach costs: ${((a.total - a.base) / (b.total - b.base)).toFixed(3)}`);
}

interface ProgInfo {
  id: number;
  type: string;
  run_time_ns?: number;
  run_cnt?: number;
  bytes_xlated?: number;
}

function progs(): ProgInfo[] {
  return JSON.parse(execFileSync('bpftool', ['prog', 'show', '-j'], { encoding: 'utf8' })) as ProgInfo[];
}

/** Starts `cmd`, waits for its attach message (bpftrace 0.17 prints it on stdout, we on stderr). */
async function startAttached(cmd: string[]): Promise<ReturnType<typeof spawn>> {
  const child = spawn(cmd[0] as string, cmd.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
  await new Promise<void>((resolve, reject) => {
    let text = '';
    const timer = setTimeout(() => reject(new Error(`no attach message: ${text}`)), 120_000);
    const onData = (d: Buffer): void => {
      text += d.toString();
      if (/Attach(ed|ing) \d+ probe/.test(text)) {
        clearTimeout(timer);
        // bpftrace prints its line before attaching: give it a moment to finish.
        setTimeout(resolve, 2000);
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.on('exit', () => reject(new Error(`exited before attaching: ${text}`)));
  });
  return child;
}

async function perEvent(root: string): Promise<void> {
  const script = 'kprobe:vfs_read { @[comm] = count(); }';
  const prev = readFileSync('/proc/sys/kernel/bpf_stats_enabled', 'utf8').trim();
  execFileSync('sysctl', ['-q', '-w', 'kernel.bpf_stats_enabled=1']);
  try {
    console.log('\n## per-event cost: kprobe:vfs_read, count by comm, 200k reads by dd');
    console.log(`script: \`${script}\``);
    console.log('| | ns/event | events | xlated insns |');
    console.log('|---|---|---|---|');
    for (const t of tools(root)) {
      const before = new Set(progs().map((p) => p.id));
      const child = await startAttached([...t.cmd, '-e', script]);
      spawnSync('dd', ['if=/dev/zero', 'of=/dev/null', 'bs=1', 'count=200000'], { stdio: 'ignore' });
      const mine = progs().filter((p) => p.type === 'kprobe' && !before.has(p.id));
      child.kill('SIGINT');
      await new Promise((r) => child.on('exit', r));
      const p = mine.sort((a, b) => (b.run_cnt ?? 0) - (a.run_cnt ?? 0))[0];
      if (!p) {
        console.log(`| ${t.name} | ? | 0 | ? |`);
        continue;
      }
      const ns = (p.run_time_ns ?? 0) / Math.max(1, p.run_cnt ?? 0);
      console.log(`| ${t.name} | ${ns.toFixed(0)} | ${p.run_cnt ?? 0} | ${(p.bytes_xlated ?? 0) / 8} |`);
    }
  } finally {
    execFileSync('sysctl', ['-q', '-w', `kernel.bpf_stats_enabled=${prev}`]);
  }
}

/**
 * The kernel's share: our BPF layer alone (no CLI, no compiler) attaching a do-nothing program
 * to every function, then detaching — what any tool pays for the same probes.
 */
function kernelShare(title: string, count: number, attach: () => Link[], loadMs = 0): void {
  const t0 = process.hrtime.bigint();
  const links = attach();
  const t1 = process.hrtime.bigint();
  for (const l of links.reverse()) l.close();
  const t2 = process.hrtime.bigint();
  const ms = (a: bigint, b: bigint): string => (Number(b - a) / 1e6).toFixed(0);
  console.log(`| ${title} | ${count} | ${loadMs.toFixed(0)} ms | ${ms(t0, t1)} ms | ${ms(t1, t2)} ms |`);
}

function kernelShares(): void {
  const sys = defaultSys();
  const ret0 = [movImm(Reg.R0, 0), exit()];
  console.log('\n## kernel share: attach and detach through our BPF layer only (no CLI, no compiler)');
  console.log('| probes | functions | load | attach | detach |');
  console.log('|---|---|---|---|---|');
  const vfs = matchFunctions(null, 'vfs_*').filter((f) => !kprobeBlacklist().has(f.name));
  const kp = BpfProgram.load({ name: 'bench_kprobe', type: BPF_PROG_TYPE_KPROBE, insns: ret0, license: 'GPL' }, null, sys);
  try {
    kernelShare('kprobe:vfs_* (perf kprobe PMU)', vfs.length, () =>
      vfs.map((f) => attachPerfEvent(kp, openKprobe(f.name, 0, false, sys), { target: f.name })),
    );
  } finally {
    kp.close();
  }
  const btf = kernelBtf();
  if (!btf) return;
  const tcp = matchFunctions(null, 'tcp_*')
    .map((f) => ({ f, sig: kernelFuncSignature(btf, f.name) }))
    .filter((x) => x.sig && !x.sig.unsupported);
  const t0 = process.hrtime.bigint();
  const progs = tcp.map(({ sig }) =>
    BpfProgram.load(
      {
        name: 'bench_fentry',
        type: BPF_PROG_TYPE_TRACING,
        insns: ret0,
        license: 'GPL',
        expectedAttachType: BPF_TRACE_FENTRY,
        attachBtfId: sig?.btfId ?? 0,
      },
      null,
      sys,
    ),
  );
  const loadMs = Number(process.hrtime.bigint() - t0) / 1e6;
  try {
    kernelShare(
      'fentry:tcp_* (a trampoline each)',
      progs.length,
      () => progs.map((p, i) => attachTracing(p, tcp[i]?.f.name ?? '')),
      loadMs,
    );
  } finally {
    for (const p of progs) p.close();
  }
}

export async function kernelProbeBenchmarks(root: string, runs: (def: number) => number): Promise<void> {
  const n = runs(3);
  const vfs = countMatches(root, 'kprobe:vfs_*');
  attachCost(
    root,
    `kprobe:vfs_* (${vfs} functions), one shared program`,
    {
      'bpftrace-ts': 'kprobe:vfs_* { @ = count(); } BEGIN { exit(); }',
      'bpftrace 0.17': 'kprobe:vfs_* { @ = count(); } BEGIN { exit(); }',
    },
    n,
  );
  attachCost(
    root,
    `kprobe:vfs_* (${vfs} functions), a program each (probe used)`,
    {
      'bpftrace-ts': 'kprobe:vfs_* { @[probe] = count(); } BEGIN { exit(); }',
      'bpftrace 0.17': 'kprobe:vfs_* { @[probe] = count(); } BEGIN { exit(); }',
    },
    n,
  );
  // bpftrace 0.17 fails to load a program for tcp_v6_init_seq_and_ts_off, so the full
  // fentry:tcp_* only runs here; tcp_v4_* is the set both tools attach.
  const v4 = countMatches(root, 'fentry:tcp_v4_*');
  attachCost(
    root,
    `fentry:tcp_v4_* (${v4} functions)`,
    {
      'bpftrace-ts': 'fentry:tcp_v4_* { @ = count(); } BEGIN { exit(); }',
      'bpftrace 0.17': 'kfunc:tcp_v4_* { @ = count(); } BEGIN { exit(); }',
    },
    n,
  );
  const tcp = countMatches(root, 'fentry:tcp_*');
  attachCost(
    root,
    `fentry:tcp_* (${tcp} functions)`,
    {
      'bpftrace-ts': 'fentry:tcp_* { @ = count(); } BEGIN { exit(); }',
      'bpftrace 0.17': 'kfunc:tcp_* { @ = count(); } BEGIN { exit(); }',
    },
    1,
  );
  kernelShares();
  await perEvent(root);
}
