// Kernel probes this machine runs, each fired by events the test makes itself: a child
// process that opens a known file, page faults, a timer. Everything through the CLI.

import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { BPF_PROG_TYPE_RAW_TRACEPOINT } from '../../src/bpf/constants.ts';
import { defaultSys } from '../../src/bpf/default-sys.ts';
import { loadedProgram, loadedProgramIds } from '../../src/bpf/prog-list.ts';
import { LAUNCHER, runCli } from '../helpers/run.ts';

/** Runs the tracer, starts `cmd` once it has attached (-c), returns stdout. */
function traceCommand(script: string, cmd: string): { stdout: string; stderr: string; code: number | null } {
  return runCli(['-e', script, '-c', cmd], { timeoutMs: 30000 });
}

const dir = mkdtempSync(join(tmpdir(), 'bpftrace-ts-'));
const marker = join(dir, 'marker-file.txt');
writeFileSync(marker, 'x\n');

test('tracepoint with args->field (old syntax) and str(): the file a child opens', () => {
  const r = traceCommand(
    `tracepoint:syscalls:sys_enter_openat /pid == cpid/ { printf("open %s\\n", str(args->filename)); }`,
    `cat ${marker}`,
  );
  assert.equal(r.code, 0, r.stderr);
  assert.ok(r.stdout.split('\n').includes(`open ${marker}`), r.stdout);
});

test('tracepoint args.field (new syntax), @[comm] = count() keyed by the child', () => {
  const r = traceCommand(
    `tracepoint:syscalls:sys_enter_openat /pid == cpid/ { @opens[comm] = count(); @files[str(args.filename)] = count(); }`,
    `cat ${marker}`,
  );
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^@opens\[cat\]: \d+$/m);
  assert.ok(r.stdout.includes(`@files[${marker}]: 1\n`), r.stdout);
});

test('print(args) prints the tracepoint record with its field names', () => {
  const r = traceCommand(
    `tracepoint:syscalls:sys_enter_openat /pid == cpid && str(args.filename) == "${marker}"/ { print(args); }`,
    `cat ${marker}`,
  );
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^\{ \.__syscall_nr = 257, \.dfd = -100, \.filename = 0x[0-9a-f]+, \.flags = \d+, \.mode = 0 \}$/m);
});

test('latency histogram with @start[tid] across enter/exit tracepoints', () => {
  const script = `
    tracepoint:raw_syscalls:sys_enter /pid == cpid/ { @start[tid] = nsecs; }
    tracepoint:raw_syscalls:sys_exit /pid == cpid && @start[tid]/ { @us = hist((nsecs - @start[tid]) / 1000); delete(@start, tid); @n = count(); }`;
  const r = traceCommand(script, `cat ${marker}`);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^@us:\n(\[.*\n)+/m);
  assert.match(r.stdout, /^@n: \d+$/m);
});

test('rawtracepoint arg1 is the syscall number', () => {
  const r = traceCommand('rawtracepoint:sys_enter /pid == cpid && arg1 == 257/ { @openat = count(); }', `cat ${marker}`);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^@openat: \d+$/m);
});

test('a syscall wildcard over many tracepoints counts what per-syscall probes count', () => {
  const names = ['read', 'write', 'openat', 'close', 'mmap', 'newfstat', 'brk', 'pread64', 'mprotect', 'munmap'];
  const wildcard = `tracepoint:syscalls:sys_enter_{${names.join(',')}} /pid == cpid/ { @w = count(); }`;
  const raw = `tracepoint:raw_syscalls:sys_enter /pid == cpid && (${[0, 1, 257, 3, 9, 5, 12, 17, 10, 11].map((n) => `args.id == ${n}`).join(' || ')})/ { @r = count(); }`;
  const r = traceCommand(`${wildcard} ${raw}`, `cat ${marker}`);
  assert.equal(r.code, 0, r.stderr);
  const w = /@w: (\d+)/.exec(r.stdout)?.[1];
  const rr = /@r: (\d+)/.exec(r.stdout)?.[1];
  assert.ok(w && rr, r.stdout);
  assert.equal(w, rr);
  assert.match(r.stderr, /Attached 11 probes/);
});

test('probe in a syscall wildcard names the syscall that fired (one coalesced program)', () => {
  const ids: Record<string, number> = {
    read: 0,
    write: 1,
    openat: 257,
    close: 3,
    mmap: 9,
    newfstat: 5,
    brk: 12,
    pread64: 17,
    mprotect: 10,
    munmap: 11,
  };
  const names = Object.keys(ids);
  const wildcard = `tracepoint:syscalls:sys_enter_{${names.join(',')}} /pid == cpid/ { @p[probe] = count(); }`;
  const raw = `tracepoint:raw_syscalls:sys_enter /pid == cpid/ { @r[args.id] = count(); }`;
  // A loop body is a callback: it reaches the name through the probe's frame.
  const exit = `tracepoint:syscalls:sys_exit_{${names.join(',')}} /pid == cpid/ { for ($i : 0..1) { @x[probe] = count(); } }`;
  const r = traceCommand(`${wildcard} ${raw} ${exit}`, `cat ${marker}`);
  assert.equal(r.code, 0, r.stderr);
  const byName = new Map([...r.stdout.matchAll(/^@p\[tracepoint:syscalls:sys_enter_(\w+)\]: (\d+)$/gm)].map((m) => [m[1], Number(m[2])]));
  const byId = new Map([...r.stdout.matchAll(/^@r\[(\d+)\]: (\d+)$/gm)].map((m) => [Number(m[1]), Number(m[2])]));
  assert.ok(byName.get('openat'), r.stdout);
  for (const name of names) assert.equal(byName.get(name), byId.get(ids[name] as number), `${name}\n${r.stdout}`);
  const exits = [...r.stdout.matchAll(/^@x\[(.*)\]: \d+$/gm)].map((m) => m[1]);
  assert.ok(exits.includes('tracepoint:syscalls:sys_exit_openat'), r.stdout);
  assert.ok(
    exits.every((n) => names.some((x) => n === `tracepoint:syscalls:sys_exit_${x}`)),
    r.stdout,
  );
});

test('two syscall wildcards in one script keep their own syscalls', () => {
  const mine = ['read', 'write', 'openat', 'close', 'mmap', 'newfstat', 'brk', 'pread64', 'mprotect', 'munmap'];
  // Syscalls cat does not make: this probe must see nothing of the first one's.
  const others = ['getppid', 'getpgid', 'getsid', 'setuid', 'setgid', 'sethostname', 'setdomainname', 'syncfs'];
  const r = traceCommand(
    `tracepoint:syscalls:sys_enter_{${mine.join(',')}} /pid == cpid/ { @a = count(); } tracepoint:syscalls:sys_enter_{${others.join(',')}} /pid == cpid/ { @b = count(); }`,
    `cat ${marker}`,
  );
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^@a: \d+$/m);
  assert.doesNotMatch(r.stdout, /@b/);
});

test('probe over several tracepoints: one program, each link names its tracepoint through the attach cookie', () => {
  const script =
    'tracepoint:sched:sched_process_exec,tracepoint:sched:sched_process_exit,tracepoint:sched:sched_process_fork /pid == cpid/ { @[probe] = count(); }';
  // The compiled programs as -d asm lists them: one, which looks the name up by cookie.
  const asm = runCli(['--dry-run', '-d', 'asm', '-e', script]);
  assert.equal(asm.code, 0, asm.stderr);
  const headers = asm.stdout.split('\n').filter((l) => l.startsWith('; '));
  assert.deepEqual(
    headers,
    ['; tracepoint:sched:sched_process_exec, tracepoint:sched:sched_process_exit, tracepoint:sched:sched_process_fork'],
    asm.stdout,
  );
  assert.match(asm.stdout, /call bpf_get_attach_cookie/);
  const r = traceCommand(script, 'true');
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^@\[tracepoint:sched:sched_process_exec\]: 1$/m);
  assert.match(r.stdout, /^@\[tracepoint:sched:sched_process_exit\]: 1$/m);
  assert.doesNotMatch(r.stdout, /sched_process_fork/);
});

/** Ids of the BPF programs process `pid` holds open (its bpf-prog fds). */
function heldProgramIds(pid: number): number[] {
  const ids: number[] = [];
  for (const fd of readdirSync(`/proc/${pid}/fdinfo`)) {
    let info: string;
    try {
      info = readFileSync(`/proc/${pid}/fdinfo/${fd}`, 'utf8');
    } catch {
      continue; // closed meanwhile
    }
    const m = /^prog_id:\s*(\d+)$/m.exec(info);
    if (m && /^prog_type:/m.test(info)) ids.push(Number(m[1]));
  }
  return [...new Set(ids)].sort((a, b) => a - b);
}

test('tracepoint:syscalls:sys_enter_* loads one raw tracepoint program for all syscalls', async () => {
  const child = spawn(LAUNCHER, ['-e', 'tracepoint:syscalls:sys_enter_* { @ = count(); }'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  const exited = new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
  const attached = new Promise<boolean>((resolve) => {
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      if (/Attached \d+ probes/.test(stderr)) resolve(true);
    });
    void exited.then(() => resolve(false));
  });
  const guard = setTimeout(() => child.kill('SIGKILL'), 30000);
  try {
    assert.ok(await attached, stderr);
    const n = Number(/Attached (\d+) probes/.exec(stderr)?.[1]);
    assert.ok(n >= 100, stderr);
    // What the running tracer holds, described by the kernel through our bpf layer.
    const sys = defaultSys();
    const held = heldProgramIds(child.pid as number);
    const all = new Set(loadedProgramIds(sys));
    assert.ok(held.length > 0 && held.every((id) => all.has(id)), `${held} among the loaded programs`);
    const progs = held.map((id) => loadedProgram(sys, id));
    assert.deepEqual(
      progs.map((p) => p && { type: p.type, name: p.name }),
      [{ type: BPF_PROG_TYPE_RAW_TRACEPOINT, name: 'tracepoint_sysc' }],
      `${n} syscall tracepoints, one program`,
    );
  } finally {
    child.kill('SIGINT');
    assert.equal(await exited, 0, stderr);
    clearTimeout(guard);
  }
});

test('interval fires at its period; exit from interval ends the run', () => {
  const r = runCli(['-e', 'interval:ms:100 { @ticks = count(); if (@ticks == 3) { exit(); } }']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, '\n\n@ticks: 3\n');
});

test('interval short form and s unit, profile on every CPU', () => {
  const r = runCli(['-e', 'profile:hz:99 { @p[cpu] = count(); } interval:200ms { exit(); }']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^@p\[\d+\]: \d+$/m);
});

test('software:page-faults fire for a child that touches memory', () => {
  const r = traceCommand('software:page-faults:1 /pid == cpid/ { @faults = count(); }', 'ls /');
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^@faults: \d+$/m);
});

test('hardware probes fail clearly where there is no PMU', () => {
  const r = runCli(['-e', 'hardware:cache-misses:1000 { @ = count(); }']);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /ERROR: .*hardware/i);
  assert.doesNotMatch(r.stderr, /\n\s+at /);
});

test('an unknown tracepoint is a clear error with a hint', () => {
  const r = runCli(['-e', 'tracepoint:syscalls:sys_enter_nosuchcall { }']);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /ERROR: No matches for tracepoint syscalls:sys_enter_nosuchcall\.\n/);
});

test('Ctrl-C detaches everything: the programs we loaded are gone after exit', async () => {
  const progIds = (): Set<number> => {
    const r = spawnSync('bpftool', ['prog', 'show', '-j'], { encoding: 'utf8' });
    return new Set((JSON.parse(r.stdout || '[]') as { id: number }[]).map((p) => p.id));
  };
  const before = progIds();
  const child = spawn(LAUNCHER, ['-e', 'tracepoint:raw_syscalls:sys_enter { @[comm] = count(); } BEGIN { printf("up\\n"); }'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  await new Promise<void>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error('no output')), 15000);
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('up\n')) {
        clearTimeout(t);
        resolve();
      }
    });
  });
  const ours = [...progIds()].filter((id) => !before.has(id));
  assert.ok(ours.length >= 2, 'the tracer has programs loaded while it runs');
  child.kill('SIGINT');
  const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
  assert.equal(code, 0);
  assert.match(out, /@\[.*\]: \d+/);
  const after = progIds();
  assert.deepEqual(
    ours.filter((id) => after.has(id)),
    [],
  );
  assert.doesNotMatch(readFileSync('/proc/mounts', 'utf8'), /tracefs \/sys\/kernel\/tracing.*\n[\s\S]*tracefs \/sys\/kernel\/tracing/);
});

test('-p PID filters kernel probes to that process', async () => {
  const { spawn: sp } = await import('node:child_process');
  // A busy child making syscalls, and one that only sleeps.
  const busy = sp('/bin/sh', ['-c', 'while :; do cat /etc/hostname >/dev/null; done'], { stdio: 'ignore' });
  try {
    const r = runCli(['-p', String(busy.pid), '-e', 'tracepoint:raw_syscalls:sys_enter { @[pid] = count(); } interval:ms:300 { exit(); }']);
    assert.equal(r.code, 0, r.stderr);
    const keys = [...r.stdout.matchAll(/^@\[(\d+)\]/gm)].map((m) => Number(m[1]));
    assert.deepEqual([...new Set(keys)], [busy.pid]);
  } finally {
    busy.kill('SIGKILL');
  }
});

test('-p with a pid that does not exist is a clear error', () => {
  const r = runCli(['-p', '4194303', '-e', 'BEGIN { }']);
  assert.equal(r.code, 1);
  assert.equal(r.stderr, "ERROR: pid '4194303' does not exist\nHINT: check it with ps, or start the program with -c instead\n");
  // Beyond the largest pid_max, bpftrace's own check and words.
  const big = runCli(['-p', '999999999', '-e', 'BEGIN { }']);
  assert.equal(big.stderr, 'ERROR: Pid out of range: 999999999\n');
});
