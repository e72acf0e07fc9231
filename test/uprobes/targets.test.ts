// Where uprobe/USDT targets lead and in which order probes on one event run: path globs,
// every object of a -p process, a process in another mount namespace, empty USDT providers,
// quoted parts, `-l` of a program or a process, and the messages bpftrace gives when a target
// cannot be probed. Real uprobes on test/progs binaries where the host allows.

import assert from 'node:assert/strict';
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { globFiles, inOtherMountNs, pathForProcess, processObjects } from '../../src/elf/resolve.ts';
import { splitAttachParts } from '../../src/probes/attach-parts.ts';
import { attachOrder } from '../../src/runtime/tracer.ts';
import { isRoot, runCli } from '../helpers/run.ts';
import { BUILD_DIR, buildProgs, type Progs } from '../progs/build.ts';

describe('target helpers', () => {
  let dir = '';
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'bpftrace-ts-glob-'));
    for (const n of ['prog_a', 'prog_b', 'other']) writeFileSync(join(dir, n), '');
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('a path glob expands one directory level per component, sorted, keeping the spelling', () => {
    assert.deepEqual(globFiles(`${dir}/prog_*`), [`${dir}/prog_a`, `${dir}/prog_b`]);
    assert.deepEqual(globFiles(`${dir}/nothing*`), []);
    const cwd = process.cwd();
    process.chdir(dir);
    try {
      assert.deepEqual(globFiles('./prog_?'), ['./prog_a', './prog_b']);
      assert.deepEqual(globFiles('prog_*'), ['prog_a', 'prog_b']);
    } finally {
      process.chdir(cwd);
    }
  });

  test('quoted attach point parts keep colons and backslash-escaped characters', () => {
    assert.deepEqual(splitAttachParts('usdt:./bin:test:"\\"probe1\\""'), ['usdt', './bin', 'test', '"probe1"']);
    assert.deepEqual(splitAttachParts('uprobe:"/a:b":f'), ['uprobe', '/a:b', 'f']);
    assert.deepEqual(splitAttachParts('usdt:bin::name'), ['usdt', 'bin', '', 'name']);
  });

  test('newest-first probe types attach in reverse, the others in script order', () => {
    const types = ['uprobe', 'tracepoint', 'uprobe', 'rawtracepoint', 'usdt'];
    const items = types.map((_, index) => ({ index }));
    const order = attachOrder(items, (i) => types[i]).map((t) => t.index);
    assert.deepEqual(order, [1, 3, 4, 2, 0]);
  });

  test('our own process is in our mount namespace: its paths stay as they are', () => {
    assert.equal(inOtherMountNs(process.pid), false);
    assert.equal(pathForProcess(process.pid, '/usr/bin/true'), '/usr/bin/true');
    assert.ok(processObjects(process.pid).includes(readlinkSync('/proc/self/exe')));
  });
});

const skip = !isRoot || !existsSync('/sys/bus/event_source/devices/uprobe') ? 'needs root and uprobes' : false;
let P: Progs;

before(() => {
  if (!skip) P = buildProgs();
});

function ok(args: string[]): string {
  const r = runCli(args, { timeoutMs: 30000 });
  assert.equal(r.code, 0, `stderr: ${r.stderr}`);
  return r.stdout;
}

function fails(args: string[]): string {
  const r = runCli(args, { timeoutMs: 30000 });
  assert.equal(r.code, 1, `expected a failure, got stdout: ${r.stdout}`);
  return r.stderr;
}

/** Waits (bounded) until a started process's executable is `exe`. */
async function waitForExe(child: ChildProcess, exe: string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    try {
      if (readlinkSync(`/proc/${child.pid}/exe`).endsWith(exe)) return;
    } catch {
      // not started yet
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.fail(`process ${child.pid} never ran ${exe}`);
}

describe('wildcard and process-wide targets', { skip }, () => {
  test('a path glob lists and attaches in every binary it matches', () => {
    const listed = ok(['-l', `uprobe:${BUILD_DIR}/target*:mul3`]).split('\n');
    assert.ok(listed.includes(`uprobe:${BUILD_DIR}/target:mul3`), listed.join('\n'));
    assert.ok(listed.includes(`uprobe:${BUILD_DIR}/target-nopie:mul3`), listed.join('\n'));
    const usdt = ok(['-l', `usdt:${BUILD_DIR}/target*:tprov:args3`]).split('\n');
    assert.ok(usdt.includes(`usdt:${BUILD_DIR}/target:tprov:args3`), usdt.join('\n'));
    assert.ok(usdt.includes(`usdt:${BUILD_DIR}/target-nopie:tprov:args3`), usdt.join('\n'));
    const out = ok(['-e', `uprobe:${BUILD_DIR}/target*:mul3 /pid == cpid/ { printf("%s\\n", probe); exit(); }`, '-c', `${P.target} 1`]);
    assert.equal(out, `uprobe:${BUILD_DIR}/target:mul3\n\n\n`);
    const err = fails(['-e', `uprobe:${BUILD_DIR}/nothing*:mul3 {}`]);
    assert.match(err, /uprobe target file '.*nothing\*' does not exist or is not executable/);
  });

  test("'*' with -p: every object the process maps, for uprobes and USDT probes; -l 'u*:*' -p lists them", async () => {
    const child = spawn(P.target, ['400', '10'], { stdio: 'ignore' });
    try {
      await waitForExe(child, '/target');
      const pid = String(child.pid);
      const up = ok(['-p', pid, '-e', 'uprobe:*:mul3 { printf("%s\\n", probe); exit(); }']);
      assert.equal(up, `uprobe:${P.target}:mul3\n\n\n`);
      const ret = ok(['-p', pid, '-e', 'uretprobe:*:mul3 { printf("%s %d\\n", probe, retval); exit(); }']);
      assert.equal(ret, `uretprobe:${P.target}:mul3 42\n\n\n`);
      const usdt = ok(['-p', pid, '-e', 'usdt:::*args3 { printf("%s\\n", probe); exit(); }']);
      assert.equal(usdt, `usdt:${P.target}:tprov:args3\n\n\n`);
      // (`-l -p PID` alone lists every kernel probe too: more than spawnSync buffers.)
      const listed = ok(['-l', 'u*:*', '-p', pid]).split('\n');
      assert.ok(listed.includes(`uprobe:${P.target}:mul3`));
      assert.ok(listed.includes(`usdt:${P.target}:tprov:args3`));
      assert.ok(
        listed.some((l) => /^uprobe:\/\S*libc\.so\.6:malloc$/.test(l)),
        'libc is mapped too',
      );
      const only = ok(['-l', 'uprobe:*', '-p', pid]).split('\n');
      assert.ok(only.includes(`uprobe:${P.target}:mul3`));
      assert.ok(only.every((l) => l === '' || l.startsWith('uprobe:')));
    } finally {
      child.kill();
    }
  });

  test('a binary inside another mount namespace is reached through /proc/PID/root', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bpftrace-ts-mntns-'));
    // The binary exists only in the child's private tmpfs mounted over `dir`.
    const script = `mount -t tmpfs tmpfs ${dir} && cp ${P.target} ${dir}/t && exec ${dir}/t 400 10`;
    const child = spawn('unshare', ['--mount', '--propagation', 'private', 'sh', '-c', script], { stdio: 'ignore' });
    try {
      await waitForExe(child, '/t');
      const pid = String(child.pid);
      assert.equal(inOtherMountNs(child.pid as number), true);
      assert.equal(existsSync(`${dir}/t`), false);
      const out = ok(['-p', pid, '-e', `uprobe:${dir}/t:mul3 { printf("hit %d\\n", arg2); exit(); }`]);
      assert.equal(out, 'hit 7\n\n\n');
      const usdt = ok(['-p', pid, '-e', `usdt:${dir}/t:tprov:args3 { printf("usdt %d\\n", arg1); exit(); }`]);
      assert.equal(usdt, 'usdt -5\n\n\n');
      const implicit = ok(['-p', pid, '-e', 'uprobe:mul3 { printf("implicit %d\\n", arg1); exit(); }']);
      assert.equal(implicit, 'implicit 3\n\n\n');
      const listed = ok(['-l', 'uprobe:*', '-p', pid]).split('\n');
      assert.ok(listed.includes(`uprobe:/proc/${pid}/root${dir}/t:mul3`), listed.slice(0, 5).join('\n'));
    } finally {
      child.kill();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('usdt: a probe with several locations counts once in "Attached N probes"', () => {
    const dir = mkdtempSync(join(tmpdir(), 'bpftrace-ts-usdtlocs-'));
    try {
      const src = join(dir, 'm.c');
      const bin = join(dir, 'm');
      writeFileSync(
        src,
        [
          '#include <sys/sdt.h>',
          '__attribute__((noinline)) void a(int x) { STAP_PROBE1(multi, twice, x); }',
          '__attribute__((noinline)) void b(int x) { STAP_PROBE1(multi, twice, x + 10); }',
          'int main(void) { a(1); b(1); STAP_PROBE1(multi, once, 3); return 0; }',
        ].join('\n'),
      );
      execFileSync('gcc', ['-O1', '-o', bin, src]);
      const r = runCli(['-e', `usdt:${bin}:multi:* { printf("%s %d\\n", probe, arg0); }`, '-c', bin], { timeoutMs: 30000 });
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stderr, /^Attached 2 probes$/m);
      assert.equal(r.stdout, `usdt:${bin}:multi:twice 1\nusdt:${bin}:multi:twice 11\nusdt:${bin}:multi:once 3\n\n\n`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('usdt: an empty provider means any', () => {
    const out = ok(['-e', `usdt:${P.target}::args3 /pid == cpid/ { printf("%s %d\\n", probe, arg0); }`, '-c', `${P.target} 2`]);
    assert.equal(out, `usdt:${P.target}:tprov:args3 0\nusdt:${P.target}:tprov:args3 1\n\n\n`);
  });
});

describe('probes on one event run in script order', { skip }, () => {
  for (const [kind, ap] of [
    ['uprobe', 'uprobe:TARGET:mul3'],
    ['uretprobe', 'uretprobe:TARGET:mul3'],
    ['usdt', 'usdt:TARGET:tprov:args3'],
  ] as const) {
    test(kind, () => {
      const a = ap.replace('TARGET', P.target);
      const s = `${a} /pid == cpid/ { printf("first"); } ${a} /pid == cpid/ { printf(" second\\n"); } ${a} /pid == cpid/ { printf(" third\\n"); }`;
      assert.equal(ok(['-e', s, '-c', `${P.target} 1`]), 'first second\n third\n\n\n');
    });
  }
});

describe('listing a program', { skip }, () => {
  test('-l -e PROGRAM and -l FILE list what its attach points expand to', () => {
    const prog = `uprobe:${P.target}:mu* {} interval:ms:100 {} begin {} tracepoint:syscalls:sys_enter_openat {}`;
    const want = `uprobe:${P.target}:mul3\ninterval:ms:\ntracepoint:syscalls:sys_enter_openat\n`;
    assert.equal(ok(['-l', '-e', prog]), want);
    const dir = mkdtempSync(join(tmpdir(), 'bpftrace-ts-listfile-'));
    try {
      writeFileSync(join(dir, 'p.bt'), prog);
      assert.equal(ok(['-l', join(dir, 'p.bt')]), want);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    assert.equal(ok(['-l', 'interval:*']), 'interval:hz:\ninterval:ms:\ninterval:s:\ninterval:us:\n');
    const warned = runCli(['-l', 'no_such_file.bt']);
    assert.match(warned.stderr, /WARNING: It appears that 'no_such_file\.bt' is a filename but the file does not exist\./);
  });

  test('-lv lists types among probes, naming their BTF', () => {
    const out = ok(['-lv', 'struct file,struct fd']);
    assert.match(out, /^vmlinux: struct file \{$/m);
    assert.match(out, /^vmlinux: struct fd \{$/m);
  });
});

describe('messages', { skip }, () => {
  test('uprobe checks bpftrace makes when attaching are reported without a location', () => {
    const zero = fails(['--dry-run', '-e', `uprobe:${P.target}:_init {}`]);
    assert.ok(
      zero.startsWith(
        'ERROR: Could not determine boundary for _init (symbol has size 0).\nUse --unsafe to force attachment. WARNING: This option could lead to data corruption in the target process.\n',
      ),
      zero,
    );
    ok(['--dry-run', '--unsafe', '-e', `uprobe:${P.target}:_init {}`]);
    const addr = fails(['--dry-run', '-e', `uprobe:${P.target}:10 {}`]);
    assert.ok(addr.startsWith(`ERROR: Could not resolve address: ${P.target}:0xa\n`), addr);
  });

  test('--unsafe probes a file that is not ELF at a file offset', () => {
    const dir = mkdtempSync(join(tmpdir(), 'bpftrace-ts-flat-'));
    try {
      const flat = join(dir, 'code.bin');
      writeFileSync(flat, Buffer.from([0x31, 0xc0, 0xc3]));
      chmodSync(flat, 0o755);
      assert.match(fails(['--dry-run', '-e', `uprobe:${flat}:0x0 {}`]), /target file '.*code\.bin' does not exist or is not executable/);
      ok(['--dry-run', '--unsafe', '-e', `uprobe:${flat}:0x0 { printf("%d\\n", pid); }`]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('rawtracepoint: an unknown module, and a pattern that matches nothing', () => {
    const mod = fails(['--dry-run', '-e', 'rawtracepoint:nonsense:sys_exit {}']);
    assert.match(mod, /ERROR: No matches for rawtracepoint nonsense:sys_exit\./);
    const none = fails(['--dry-run', '-e', 'rawtracepoint:nonsense {}']);
    assert.match(
      none,
      /ERROR: Probe has no valid attach points\. If this is expected, set the 'missing_probes' config variable to 'warn'\./,
    );
    ok(['--dry-run', '-e', 'rawtracepoint:vmlinux:sys_exit {}']);
  });
});
