// Benchmarks against Debian's bpftrace in the same run: ratios, not absolute times.
//   npm run bench [-- startup|wildcard|events|uprobe|parse|kernel|strings] [--runs N]
// Installs bpftrace with apt when it is missing. Not a test: nothing here asserts timings.

import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { statsOf, withBpfStats } from './prog-stats.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
// The launcher users run (Bun when its package is installed, else Node).
const ours = [join(root, 'bpftrace-ts')];

interface Sample {
  wallMs: number;
  maxRssKiB: number;
}

/**
 * Debian's bpftrace 0.17 does not mount tracefs itself: mount it for the comparison runs and
 * unmount it at exit if we did (bpftrace-ts mounts it on demand and leaves things as found).
 */
function ensureTracefs(): void {
  if (readFileSync('/proc/mounts', 'utf8').includes(' /sys/kernel/tracing tracefs ')) return;
  execFileSync('mount', ['-t', 'tracefs', 'nodev', '/sys/kernel/tracing']);
  process.on('exit', () => spawnSync('umount', ['/sys/kernel/tracing']));
}

function ensureBpftrace(): string {
  ensureTracefs();
  const path = '/usr/bin/bpftrace';
  if (!existsSync(path)) {
    process.stderr.write('installing bpftrace (apt-get)...\n');
    execFileSync('sh', ['-c', 'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq bpftrace >/dev/null'], {
      stdio: 'inherit',
    });
  }
  return path;
}

/** Runs a command under /usr/bin/time -f to get wall time and peak RSS of the whole process. */
function measure(cmd: string[]): Sample {
  const timeFmt = '%e %M';
  const r = spawnSync('/usr/bin/time', ['-f', timeFmt, ...cmd], { encoding: 'utf8', stdio: ['ignore', 'ignore', 'pipe'] });
  const last = r.stderr.trim().split('\n').pop() ?? '';
  const [wall, rss] = last.split(' ');
  return { wallMs: Number(wall) * 1000, maxRssKiB: Number(rss) };
}

function measureHr(cmd: string[]): Sample {
  const t0 = process.hrtime.bigint();
  const s = measure(cmd);
  const t1 = process.hrtime.bigint();
  // /usr/bin/time's %e has 10 ms resolution; our own clock is finer (includes spawning time).
  return { wallMs: Number(t1 - t0) / 1e6, maxRssKiB: s.maxRssKiB };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

function compare(name: string, script: string[], runs: number): void {
  const bt = ensureBpftrace();
  const a: Sample[] = [];
  const b: Sample[] = [];
  // Interleave so both see the same machine state.
  for (let i = 0; i < runs; i++) {
    a.push(measureHr([...ours, ...script]));
    b.push(measureHr([bt, ...script]));
  }
  const aw = median(a.map((s) => s.wallMs));
  const bw = median(b.map((s) => s.wallMs));
  const am = median(a.map((s) => s.maxRssKiB)) / 1024;
  const bm = median(b.map((s) => s.maxRssKiB)) / 1024;
  console.log(`\n## ${name} (${runs} runs, medians)`);
  console.log(`script: ${script.join(' ')}`);
  console.log('| | bpftrace-ts | bpftrace 0.17 | ratio |');
  console.log('|---|---|---|---|');
  console.log(`| wall time | ${aw.toFixed(1)} ms | ${bw.toFixed(1)} ms | ${(aw / bw).toFixed(2)} |`);
  console.log(`| peak RSS | ${am.toFixed(1)} MiB | ${bm.toFixed(1)} MiB | ${(am / bm).toFixed(2)} |`);
}

function runsArg(def: number): number {
  const i = process.argv.indexOf('--runs');
  return i >= 0 ? Number(process.argv[i + 1]) : def;
}

const which = process.argv.slice(2).filter((a) => !a.startsWith('--') && !/^\d+$/.test(a));
const all = which.length === 0;
if (!existsSync(ours[1] as string)) execFileSync('sh', [join(root, 'scripts', 'setup.sh')], { stdio: 'inherit' });

if (all || which.includes('startup')) {
  compare('startup: BEGIN printf + exit', ['-e', 'BEGIN { printf("hi\\n"); exit(); }'], runsArg(10));
}
if (all || which.includes('wildcard')) {
  compare(
    'wildcard attach: 361 syscall tracepoints',
    ['-e', 'tracepoint:syscalls:sys_enter_* { @ = count(); } BEGIN { exit(); }'],
    runsArg(3),
  );
}
if (all || which.includes('events')) perEvent();
if (all || which.includes('uprobe')) {
  const { uprobeBenchmarks } = await import('./uprobe.ts');
  uprobeBenchmarks(compare, root, runsArg);
}
// Needs a kernel with kprobes and fentry (the kernel-lab VM), so only when asked for.
if (which.includes('kernel')) {
  const { kernelProbeBenchmarks } = await import('./kernel-probes.ts');
  await kernelProbeBenchmarks(root, runsArg);
}

/**
 * Per-event cost in the kernel: the same script under both tools while a load generator makes
 * syscalls, with kernel.bpf_stats_enabled=1; run_time_ns / run_cnt and the translated
 * instruction count come from bpftool for the program attached to raw_syscalls:sys_enter.
 */
function perEvent(): void {
  const bt = ensureBpftrace();
  if (!existsSync('/usr/sbin/bpftool')) {
    execFileSync('sh', ['-c', 'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq bpftool >/dev/null'], {
      stdio: 'inherit',
    });
  }
  const script =
    'tracepoint:raw_syscalls:sys_enter { @c[comm] = count(); @h = hist(args->id); @s[pid % 8] = sum(args->id); } interval:s:3 { exit(); }';
  const load = ['dd', 'if=/dev/zero', 'of=/dev/null', 'bs=1', 'count=300000'];
  withBpfStats(() => {
    console.log('\n## per-event cost: tracepoint:raw_syscalls:sys_enter, three maps');
    console.log(`script: ${script}`);
    console.log('| | ns/event | events | xlated insns |');
    console.log('|---|---|---|---|');
    for (const [name, cmd] of [
      ['bpftrace-ts', [...ours, '-e', script]],
      ['bpftrace 0.17', [bt, '-e', script]],
    ] as const) {
      const r = statsOf(cmd as readonly string[], load);
      console.log(`| ${name} | ${r.nsPerEvent.toFixed(0)} | ${r.runs} | ${r.insns} |`);
    }
  });
}

if (which.includes('strings')) {
  const { stringBenchmarks } = await import('./strings.ts');
  stringBenchmarks(root, runsArg(5));
}

if (all || which.includes('parse')) {
  const { benchParse } = await import('../src/lang/bench-parse.ts');
  const r = benchParse();
  console.log(`\n## parse + expand: ${r.lines} lines in ${r.ms.toFixed(1)} ms`);
}
