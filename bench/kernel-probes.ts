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
import { progs } from './prog-stats.ts';

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

interface Timed {
  /** From start until BEGIN's line arrives: everything is attached by then. */
  tracingMs: number;
  /** From Ctrl-C until the process is gone: detaching, END, printing, exit. */
  exitMs: number;
}

/**
 * Runs `script` (whose BEGIN prints "go"), notes when the line arrives, then interrupts it and
 * notes how long it takes to exit. Null when it failed.
 */
function timedRun(cmd: string[], script: string): Promise<Timed | null> {
  return new Promise((resolve) => {
    const t0 = process.hrtime.bigint();
    const child = spawn(cmd[0] as string, [...cmd.slice(1), '-B', 'line', '-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    let tracingMs = -1;
    let tKill = 0n;
    const timer = setTimeout(() => child.kill('SIGKILL'), 600_000);
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      if (tracingMs < 0 && /^go$/m.test(out)) {
        tracingMs = Number(process.hrtime.bigint() - t0) / 1e6;
        tKill = process.hrtime.bigint();
        child.kill('SIGINT');
      }
    });
    child.stderr?.on('data', (d: Buffer) => {
      err += d.toString();
    });
    child.on('exit', () => {
      clearTimeout(timer);
      if (tracingMs < 0) {
        process.stderr.write(`  (failed: ${script}: ${err.trim().split('\n').pop()})\n`);
        resolve(null);
        return;
      }
      resolve({ tracingMs, exitMs: Number(process.hrtime.bigint() - tKill) / 1e6 });
    });
  });
}

/** kprobes still registered (perf kprobes disappear when their fd closes). */
function kprobesLeft(): number {
  try {
    return readFileSync('/sys/kernel/debug/kprobes/list', 'utf8').split('\n').filter(Boolean).length;
  } catch {
    return -1;
  }
}

/** What `-l PATTERN` lists, by our CLI. */
function listMatches(root: string, pattern: string): string[] {
  try {
    const out = execFileSync(tools(root)[0]?.cmd[0] as string, ['-l', pattern], { encoding: 'utf8' });
    return out.split('\n').filter(Boolean);
  } catch {
    return [];
  }
}

const GO = 'BEGIN { printf("go\\n"); }';

/**
 * Attach latency: time until a script's BEGIN runs (bpftrace and we run BEGIN once every probe
 * is attached) minus the same for a script with BEGIN alone; and the time to exit after
 * Ctrl-C, which is mostly the kernel detaching. Runs interleaved, medians.
 */
async function attachCost(root: string, title: string, probes: Record<string, string>, runs: number): Promise<void> {
  const rows: string[] = [];
  const latency: Record<string, number> = {};
  for (const t of tools(root)) {
    const body = probes[t.name];
    if (!body) continue;
    const base: number[] = [];
    const full: number[] = [];
    const exits: number[] = [];
    for (let i = 0; i < runs; i++) {
      const b = await timedRun(t.cmd, GO);
      const f = await timedRun(t.cmd, `${body} ${GO}`);
      if (b) base.push(b.tracingMs);
      if (f) {
        full.push(f.tracingMs);
        exits.push(f.exitMs);
      }
    }
    if (!full.length || !base.length) {
      rows.push(`| ${t.name} | failed | | | | |`);
      continue;
    }
    latency[t.name] = median(full) - median(base);
    rows.push(
      `| ${t.name} | ${median(base).toFixed(0)} ms | ${median(full).toFixed(0)} ms | ${(median(full) - median(base)).toFixed(0)} ms | ${median(exits).toFixed(0)} ms | ${kprobesLeft()} |`,
    );
  }
  console.log(`\n## attach: ${title} (${runs} runs each, interleaved, medians)`);
  for (const [name, s] of Object.entries(probes)) console.log(`${name}: \`${s} ${GO}\``);
  console.log(
    '| | until BEGIN runs, BEGIN alone | until BEGIN runs, with the probes | attach latency | exit after Ctrl-C | kprobes left |',
  );
  console.log('|---|---|---|---|---|---|');
  for (const r of rows) console.log(r);
  const a = latency['bpftrace-ts'];
  const b = latency['bpftrace 0.17'];
  if (a !== undefined && b !== undefined) console.log(`attach latency ratio (bpftrace-ts / bpftrace 0.17): ${(a / b).toFixed(3)}`);
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
  const vfs = listMatches(root, 'kprobe:vfs_*').length;
  await attachCost(
    root,
    `kprobe:vfs_* (${vfs} functions), one shared program`,
    { 'bpftrace-ts': 'kprobe:vfs_* { @ = count(); }', 'bpftrace 0.17': 'kprobe:vfs_* { @ = count(); }' },
    n,
  );
  await attachCost(
    root,
    `kprobe:vfs_* (${vfs} functions), a program each (probe used)`,
    { 'bpftrace-ts': 'kprobe:vfs_* { @[probe] = count(); }', 'bpftrace 0.17': 'kprobe:vfs_* { @[probe] = count(); }' },
    n,
  );
  // bpftrace 0.17 fails to load a program for tcp_v6_init_seq_and_ts_off, so the full
  // fentry:tcp_* only runs here; tcp_v4_* is the set both tools attach.
  const v4 = listMatches(root, 'fentry:tcp_v4_*').length;
  await attachCost(
    root,
    `fentry:tcp_v4_* (${v4} functions; bpftrace 0.17 fails on tcp_v4_init_seq_and_ts_off)`,
    { 'bpftrace-ts': 'fentry:tcp_v4_* { @ = count(); }', 'bpftrace 0.17': 'kfunc:tcp_v4_* { @ = count(); }' },
    n,
  );
  // The same set both tools attach, as a list of attach points.
  const both = listMatches(root, 'fentry:tcp_v4_*')
    .map((l) => l.slice(l.lastIndexOf(':') + 1))
    .filter((f) => f !== 'tcp_v4_init_seq_and_ts_off');
  await attachCost(
    root,
    `fentry on the ${both.length} tcp_v4_* functions both tools attach`,
    {
      'bpftrace-ts': `${both.map((f) => `fentry:${f}`).join(',')} { @ = count(); }`,
      'bpftrace 0.17': `${both.map((f) => `kfunc:${f}`).join(',')} { @ = count(); }`,
    },
    n,
  );
  const tcp = listMatches(root, 'fentry:tcp_*').length;
  await attachCost(
    root,
    `fentry:tcp_* (${tcp} functions; bpftrace 0.17 fails on tcp_v6_init_seq_and_ts_off)`,
    { 'bpftrace-ts': 'fentry:tcp_* { @ = count(); }', 'bpftrace 0.17': 'kfunc:tcp_* { @ = count(); }' },
    1,
  );
  kernelShares();
  await perEvent(root);
}
