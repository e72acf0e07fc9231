// uaddr(), uptr()/kptr() and usermode, on a non-PIE test program.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { ROOT, runCli, shellCommand } from '../helpers/run.ts';

const dir = join(ROOT, 'test', 'progs', 'build');
const bin = join(dir, 'watched-nopie');
const pie = join(dir, 'watched-pie');

before(() => {
  mkdirSync(dir, { recursive: true });
  execFileSync('gcc', ['-O0', '-no-pie', '-o', bin, join(ROOT, 'test', 'progs', 'watched.c')]);
  execFileSync('gcc', ['-O0', '-pie', '-fPIE', '-o', pie, join(ROOT, 'test', 'progs', 'watched.c')]);
});

test('uaddr() is the symbol address in a non-PIE binary; reading through it works; usermode is 1 in a uprobe', () => {
  const nm = execFileSync('nm', [bin], { encoding: 'utf8' });
  const addr = BigInt(
    `0x${
      nm
        .split('\n')
        .find((l) => l.endsWith(' watched_counter'))
        ?.split(' ')[0]
    }`,
  );
  const r = runCli([
    '-e',
    `uprobe:${bin}:main { printf("%d %d %d\\n", uaddr("watched_counter"), *uaddr("watched_counter"), usermode); }`,
    '-c',
    bin,
  ]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, `${addr} 0 1\n\n\n`);
});

test('uaddr() in a PIE binary is the run-time address; a missing symbol is a clear error', () => {
  // Relocated as the program runs: main's uaddr is where the uprobe on main fired, and the
  // distance to the global is the one in the file.
  const nm = execFileSync('nm', [pie], { encoding: 'utf8' });
  const at = (sym: string): bigint =>
    BigInt(
      `0x${
        nm
          .split('\n')
          .find((l) => l.endsWith(` ${sym}`))
          ?.split(' ')[0]
      }`,
    );
  const a = runCli([
    '-e',
    `uprobe:${pie}:main { printf("%d %d\\n", uaddr("watched_counter") - uaddr("main"), uaddr("main") == reg("ip")); exit(); }`,
    '-c',
    pie,
  ]);
  assert.equal(a.code, 0, a.stderr);
  assert.equal(a.stdout.split('\n')[0], `${at('watched_counter') - at('main')} 1`);
  const b = runCli(['-e', `uprobe:${bin}:main { printf("%d\\n", uaddr("no_such_symbol")); }`]);
  assert.equal(b.code, 1);
  assert.match(b.stderr, /Could not resolve symbol: .*:no_such_symbol/);
});

test('uptr() makes a kernel-typed integer read user memory', () => {
  const r = runCli(['-e', `uprobe:${bin}:main { $p = uptr(uaddr("watched_counter")); printf("%d\\n", *$p); }`, '-c', bin]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, '0\n\n\n');
});

test('usermode is 0 where the context has no registers (a tracepoint, as 0.26 folds it), read in a uprobe otherwise', () => {
  const r = runCli([
    '-e',
    'tracepoint:syscalls:sys_enter_clock_nanosleep /pid == cpid/ { printf("%d\\n", usermode); exit(); }',
    '-c',
    '/bin/sleep 0.1',
  ]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, '0\n\n\n');
  const asm = runCli(['--dry-run', '-d', 'asm', '-e', 'tracepoint:sched:sched_switch { @[usermode] = count(); }']);
  assert.equal(asm.code, 0, asm.stderr);
  // No pt_regs read: the key is the constant.
  assert.doesNotMatch(asm.stdout, /\+0x88\)|\+136\)/);
});

test("a tracepoint struct pointer is typed through BTF: args.rqtp->tv_sec reads the sleeper's timespec (user memory)", () => {
  const r = runCli([
    '-e',
    'tracepoint:syscalls:sys_enter_clock_nanosleep,tracepoint:syscalls:sys_enter_nanosleep /pid == cpid/ { printf("%d %d\\n", args.rqtp->tv_sec, args->rqtp->tv_nsec); $t = args.rqtp; @ns = $t.tv_nsec; }',
    '-c',
    '/bin/sleep 1.25',
  ]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, '1 250000000\n\n\n@ns: 250000000\n');
});

test('tracepoint array fields (__u8 saddr[4]) as values: print, ntop, map keys, print(args)', () => {
  const connect = shellCommand('exec 3<>/dev/tcp/127.0.0.1/9 || true', '/bin/bash');
  const r = runCli([
    '-e',
    'tracepoint:sock:inet_sock_set_state /args.newstate == 2 && args.dport == 9/ { print(args.saddr); printf("%s %s\\n", ntop(args.saddr), ntop(args.daddr_v6)); @[args.daddr] = count(); print(args); exit(); }',
    '-c',
    connect,
  ]);
  assert.equal(r.code, 0, r.stderr);
  const lines = r.stdout.split('\n');
  assert.equal(lines[0], '[127,0,0,1]');
  assert.equal(lines[1], '127.0.0.1 ::ffff:127.0.0.1');
  assert.match(
    lines[2] ?? '',
    /^\{ \.skaddr = 0x[0-9a-f]+, \.oldstate = 7, \.newstate = 2, \.sport = 0, \.dport = 9, \.family = 2, \.protocol = 6, \.saddr = \[127,0,0,1\], \.daddr = \[127,0,0,1\], /,
  );
  assert.match(r.stdout, /\n@\[\[127,0,0,1\]\]: 1\n$/);
});
