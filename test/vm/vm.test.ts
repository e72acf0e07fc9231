// Kernel dynamic probes (kprobe, kretprobe, fentry/fexit, iter) in a stock kernel: the cases run
// inside the kernel-lab VM (test/vm/run.sh sets BPFTRACE_TS_VM=1 there). On the host, `npm test`
// boots that VM once through run.sh and reports each case it ran as a test of its own; it is
// skipped where there is no VM runner, or with BPFTRACE_TS_SKIP_VM=1 (a quicker local run).
//
// With BPFTRACE_TS_VM_RECORD=1 it records bpftrace 0.17's stdout for the cases that have a
// bpftrace equivalent into test/vm/expected/ instead of testing (slow: LLVM under emulation).

import assert from 'node:assert/strict';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { ROOT, type RunResult } from '../helpers/run.ts';
import { CASES, EXPECTED_FILTERS, type VmCase } from './cases.ts';

const inVm = process.env.BPFTRACE_TS_VM === '1';
const record = process.env.BPFTRACE_TS_VM_RECORD === '1';
// run.sh runs a private copy of the build (BPFTRACE_TS_CLI) and says where the tree is.
const root = process.env.BPFTRACE_TS_ROOT ?? ROOT;
const cli = process.env.BPFTRACE_TS_CLI ?? join(root, 'bpftrace-ts');
const EXPECTED = join(root, 'test', 'vm', 'expected');
const OUT = join(root, 'test', 'vm', 'out');

function runCli(args: string[], timeoutMs: number): RunResult {
  const r = spawnSync(cli, args, { encoding: 'latin1', timeout: timeoutMs });
  return { stdout: r.stdout ?? '', stderr: r.stderr ?? '', code: r.status };
}

/** Starts a run that the case traces (fentry:bpf targets); resolves once it has attached (bounded). */
function startBackground(args: string[]): Promise<ChildProcess> {
  const child = spawn(cli, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the background run did not attach within 120 s: ${err}`)), 120_000);
    child.stderr?.on('data', (d: Buffer) => {
      err += d.toString('latin1');
      if (/Attached \d+ probe/.test(err)) {
        clearTimeout(timer);
        resolve(child);
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the background run exited (${code}) before attaching: ${err}`));
    });
  });
}

/** Stops a background run (SIGINT, then SIGKILL after 30 s) and waits for it to exit. */
function stopBackground(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.on('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGINT');
  });
}

function sortedLines(s: string): string {
  return s
    .split('\n')
    .filter((l) => l !== '')
    .sort()
    .join('\n');
}

function saveOutput(c: VmCase, r: RunResult): void {
  // *.log: kept out of git; for reading after a run (the VM shares this directory).
  writeFileSync(join(OUT, `${c.name}.log`), `exit ${r.code}\n--- stdout\n${r.stdout}--- stderr\n${r.stderr}`);
}

/** One result line of the VM's TAP stream: `ok 3 - name` / `not ok 3 - name # SKIP ...`. */
interface VmResult {
  ok: boolean;
  name: string;
  detail: string;
}

function parseTap(tap: string): VmResult[] {
  const lines = tap.split('\n');
  const out: VmResult[] = [];
  lines.forEach((line, i) => {
    // Top-level results only (subtests are indented).
    const m = /^(not ok|ok) \d+ - (.*)$/.exec(line);
    if (!m) return;
    // The YAML block after a failure says why.
    const yaml: string[] = [];
    for (let j = i + 1; j < lines.length && /^\s/.test(lines[j] as string); j++) yaml.push(lines[j] as string);
    out.push({ ok: m[1] === 'ok', name: m[2] as string, detail: yaml.join('\n') });
  });
  return out;
}

if (!inVm) {
  const runner = process.env.KERNEL_LAB_RUN ?? join(root, '..', 'shared', 'kernel-lab', 'run-in-vm');
  const skip =
    process.env.BPFTRACE_TS_SKIP_VM === '1'
      ? 'BPFTRACE_TS_SKIP_VM=1'
      : !existsSync(runner)
        ? `no kernel-lab VM runner at ${runner}`
        : false;
  test('kernel probes in the kernel-lab VM (one boot, every case)', { skip, timeout: 40 * 60_000 }, async (t) => {
    // The build under test is the one this suite runs from (npm test has just built it).
    const r = spawnSync('sh', [join(root, 'test', 'vm', 'run.sh'), '--no-build'], {
      encoding: 'latin1',
      timeout: 35 * 60_000,
      maxBuffer: 64 << 20,
    });
    const results = parseTap(r.stdout ?? '');
    assert.ok(results.length > 0, `the VM run reported no results (exit ${r.status})\n${(r.stderr ?? '').slice(-4000)}`);
    for (const res of results) {
      await t.test(res.name, () => assert.ok(res.ok, res.detail));
    }
    assert.equal(r.status, 0, (r.stderr ?? '').slice(-4000));
  });
} else if (record) {
  mkdirSync(EXPECTED, { recursive: true });
  for (const c of CASES) {
    if (!c.bpftrace) continue;
    test(`record bpftrace 0.17: ${c.name}`, () => {
      const r = spawnSync('bpftrace', c.bpftrace as string[], { encoding: 'latin1', timeout: 300_000 });
      assert.equal(r.status, 0, r.stderr);
      writeFileSync(join(EXPECTED, `${c.name}.out`), r.stdout);
    });
  }
} else {
  mkdirSync(OUT, { recursive: true });
  rmSync('/sys/fs/bpf/bpftrace_ts_vm_pin', { force: true });
  for (const c of CASES) {
    test(c.name, async () => {
      const bg = c.background ? await startBackground(c.background) : null;
      let r: RunResult;
      try {
        r = runCli(typeof c.ours === 'function' ? c.ours() : c.ours, c.timeoutMs ?? 120_000);
      } finally {
        if (bg) await stopBackground(bg);
      }
      saveOutput(c, r);
      if (c.fails) assert.equal(r.code, 1, `expected a failure\n${r.stderr}`);
      else assert.equal(r.code, 0, r.stderr);
      try {
        c.check?.(r);
      } catch (e) {
        // The check's own message shows one stream; a flaky failure needs both to be understood.
        if (e instanceof Error) e.message += `\n--- stdout:\n${r.stdout}\n--- stderr:\n${r.stderr}`;
        throw e;
      }
      const file = join(EXPECTED, `${c.name}.out`);
      if (!c.bpftrace) return;
      assert.ok(existsSync(file), `no recorded bpftrace output for ${c.name}: run npm run test:vm -- --record`);
      // 0.17 prints "Attaching N probes..." on stdout; 0.26 and we say "Attached N probes" on stderr.
      const raw = readFileSync(file, 'latin1').replace(/^Attaching \d+ probes?\.\.\.\n/, '');
      const expected = EXPECTED_FILTERS[c.name]?.(raw) ?? raw;
      if (c.compare === 'sorted') assert.equal(sortedLines(r.stdout), sortedLines(expected));
      else assert.equal(r.stdout, expected);
    });
  }
  test('a pinned iterator prints its output when read', () => {
    const path = '/sys/fs/bpf/bpftrace_ts_vm_pin';
    assert.ok(existsSync(path), 'the iter_pin case pins it first');
    try {
      assert.equal(readFileSync(path, 'latin1'), 'pinned init\n');
    } finally {
      rmSync(path, { force: true });
    }
  });
  test('kprobes are all gone after a wildcard run', () => {
    // Our kprobes go through the perf PMU: none may outlive the runs above.
    const text = readFileSync('/sys/kernel/debug/kprobes/list', 'latin1');
    assert.equal(text.trim(), '', text);
  });
}
