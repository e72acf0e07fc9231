// Long strings: what string compares and copies cost at max_strlen 64 and 1024. Per script:
// instructions generated, translated by the kernel and processed by the verifier, the time
// BPF_PROG_LOAD takes (median), and the per-event cost on a hot tracepoint (sys_enter_write
// under `dd bs=40`, every buffer a 39-byte string) from bpf_stats.

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { defaultSys } from '../src/bpf/default-sys.ts';
import { BpfMap } from '../src/bpf/map.ts';
import { ensureMemlock } from '../src/bpf/memlock.ts';
import { BpfProgram, mapResolver } from '../src/bpf/program.ts';
import { compile } from '../src/codegen/compile.ts';
import { Diagnostics } from '../src/lang/diagnostics.ts';
import { parseScript } from '../src/lang/frontend.ts';
import { statsOf, withBpfStats } from './prog-stats.ts';

const SCRIPTS: Readonly<Record<string, string>> = {
  compare: 'tracepoint:syscalls:sys_enter_write /str(args.buf) == str(args.buf)/ { @n = count(); }',
  copy: 'tracepoint:syscalls:sys_enter_write { $s = str(args.buf); @k[$s, 1] = count(); }',
};

interface LoadCost {
  generated: number;
  xlated: number;
  verified: number;
  loadMs: number;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1] as number;
}

/** Compiles in-process and loads the (single) program `runs` times, with its maps. */
function loadCost(script: string, maxStrlen: number, runs: number): LoadCost {
  const source = { name: 'stdin', text: script };
  const diags = new Diagnostics(source);
  const compiled = compile(parseScript(source, diags), diags, {
    positional: [],
    unsafe: false,
    env: { BPFTRACE_MAX_STRLEN: String(maxStrlen) },
  });
  const spec = compiled.programs[0]?.spec;
  if (!spec) throw new Error(`no program for ${script}`);
  const sys = defaultSys();
  ensureMemlock(sys);
  const maps = new Map<string, BpfMap>();
  try {
    for (const m of [...compiled.resources.internalMaps, ...compiled.resources.maps.map((r) => r.spec)])
      maps.set(m.name, BpfMap.create(m, sys));
    const times: number[] = [];
    let xlated = 0;
    let verified = 0;
    for (let i = 0; i < runs; i++) {
      const t0 = process.hrtime.bigint();
      const p = BpfProgram.load(spec, mapResolver(maps), sys);
      times.push(Number(process.hrtime.bigint() - t0) / 1e6);
      xlated = p.xlatedInsnCount;
      verified = p.verifiedInsns;
      p.close();
    }
    return { generated: spec.insns.length, xlated, verified, loadMs: median(times) };
  } finally {
    for (const m of maps.values()) m.close();
  }
}

export function stringBenchmarks(root: string, runs: number): void {
  const data = join('/tmp', `bench-strings-${process.pid}.bin`);
  // 100,000 records of 39 'a's and a NUL: each write() buffer is a 39-byte string.
  writeFileSync(data, Buffer.from(`${'a'.repeat(39)}\0`.repeat(100_000), 'latin1'));
  const load = ['dd', `if=${data}`, 'of=/dev/null', 'bs=40', 'status=none'];
  console.log(`\n## long strings (${runs} loads, medians)`);
  console.log('| script | max_strlen | insns generated | xlated | verifier processed | load | ns/event |');
  console.log('|---|---|---|---|---|---|---|');
  withBpfStats(() => {
    for (const [name, script] of Object.entries(SCRIPTS)) {
      for (const maxStrlen of [64, 1024]) {
        const c = loadCost(script, maxStrlen, runs);
        const ev = [0, 1, 2].map(() =>
          statsOf([join(root, 'bpftrace-ts'), '-e', script], load, { ...process.env, BPFTRACE_MAX_STRLEN: String(maxStrlen) }),
        );
        const ns = median(ev.map((e) => e.nsPerEvent));
        console.log(
          `| ${name} | ${maxStrlen} | ${c.generated} | ${c.xlated} | ${c.verified} | ${c.loadMs.toFixed(2)} ms | ${ns.toFixed(0)} |`,
        );
      }
    }
  });
}
