// bpftrace's less common flags: --probe-filter, --traceable-functions, --no-feature, --debuginfo,
// --usdt-file-activation and the `--name=value` spelling of long options, through real runs; and
// systemd's readiness notification.

import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { parseArgs } from '../../src/cli/args.ts';
import { UserError } from '../../src/lang/diagnostics.ts';
import { notifyAddress } from '../../src/runtime/sd-notify.ts';
import { isRoot, LAUNCHER, runCli, waitForStderr } from '../helpers/run.ts';

const dir = mkdtempSync(join(tmpdir(), 'cli-flags-'));
const needsRoot = isRoot ? false : 'needs root';
const needsUprobes = !isRoot || !existsSync('/sys/bus/event_source/devices/uprobe') ? 'needs root and uprobes' : false;

function refused(argv: string[]): string {
  try {
    parseArgs(argv);
  } catch (e) {
    assert.ok(e instanceof UserError, String(e));
    return e.message;
  }
  assert.fail(`accepted: ${argv.join(' ')}`);
}

describe('parsing', () => {
  test("short options cluster as getopt's do: `-ve PROG`, `-qp123`; an option's value is never split", () => {
    const o = parseArgs(['-ve', 'BEGIN { }', `-qp${process.pid}`]);
    assert.equal(o.verbose, true);
    assert.equal(o.quiet, true);
    assert.equal(o.program, 'BEGIN { }');
    assert.equal(o.pid, process.pid);
    assert.equal(parseArgs(['-e', '-vq']).program, '-vq');
    const c = parseArgs(['-c', '-lq', '-e', 'BEGIN {}']);
    assert.equal(c.command, '-lq');
    assert.equal(c.program, 'BEGIN {}');
    // Spellings the switch knows whole stay whole.
    assert.equal(parseArgs(['-lv', 'kprobe:*']).listVerbose, true);
  });

  test('long options take their value after `=` or as the next word', () => {
    const o = parseArgs([
      '--include=a.h',
      '--include',
      'b.h',
      '--debuginfo=/x:y',
      '--debuginfo',
      '+/z',
      '--probe-filter=^tracepoint:',
      '--traceable-functions=/tmp/f',
      '--no-feature=uprobe_multi,kprobe_session',
      '--no-feature',
      'kprobe_multi',
      '--output=out.txt',
      '--pid=1',
      '--usdt-file-activation',
      '--quiet',
      '-e',
      'BEGIN {}',
    ]);
    assert.deepEqual(o.includes, ['a.h', 'b.h']);
    assert.deepEqual(o.debuginfo, ['/x:y', '+/z']);
    assert.equal(o.probeFilter, '^tracepoint:');
    assert.equal(o.traceableFunctions, '/tmp/f');
    assert.deepEqual(o.noFeatures, ['uprobe_multi', 'kprobe_session', 'kprobe_multi']);
    assert.equal(o.outputFile, 'out.txt');
    assert.equal(o.pid, 1);
    assert.equal(o.usdtFileActivation, true);
    assert.equal(o.quiet, true);
  });

  test('an empty value after `=` is a value; a flag refuses one; a bad feature name is bpftrace error', () => {
    assert.equal(parseArgs(['--probe-filter=', '-e', 'BEGIN {}']).probeFilter, '');
    assert.equal(refused(['--fmt=yes', '-e', 'BEGIN {}']), "option '--fmt' doesn't allow an argument");
    assert.equal(refused(['-e', 'BEGIN {}', '--probe-filter']), "option '--probe-filter' requires an argument");
    const usage = "USAGE: --no-feature can only have values 'kprobe_multi,kprobe_session,uprobe_multi'.";
    assert.equal(refused(['--no-feature', 'uprobe_multi,bogus', '-e', 'BEGIN {}']), usage);
    assert.equal(refused(['--no-feature=uprobe_multi,,kprobe_multi', '-e', 'BEGIN {}']), usage);
  });

  test('named script options after the script are not taken for ours', () => {
    const o = parseArgs(['-e', 'BEGIN {}', '--', '--probe-filter=x']);
    assert.equal(o.probeFilter, null);
    assert.equal(o.named.get('probe-filter'), 'x');
  });
});

test('--help lists the new options', () => {
  const r = runCli(['--help']);
  assert.equal(r.code, 0, r.stderr);
  for (const flag of [
    '--probe-filter REGEX',
    '--traceable-functions FILE',
    '--no-feature FEATURE[,FEATURE]',
    '--debuginfo DIR[:DIR]',
    '--usdt-file-activation',
  ]) {
    assert.ok(r.stdout.includes(flag), flag);
  }
});

describe('--probe-filter', { skip: needsRoot }, () => {
  const script = 'BEGIN { exit(); } tracepoint:syscalls:sys_enter_openat { } tracepoint:syscalls:sys_enter_close { }';

  test('only matching probes attach; BEGIN is kept', () => {
    const all = runCli(['-e', script]);
    assert.equal(all.code, 0, all.stderr);
    assert.match(all.stderr, /^Attached 3 probes\n/);
    const some = runCli(['--probe-filter=openat', '-e', script]);
    assert.equal(some.code, 0, some.stderr);
    assert.match(some.stderr, /^Attached 2 probes\n/);
  });

  test('wildcards are filtered by their expanded names', () => {
    const r = runCli(['--probe-filter', 'sys_enter_(openat|close)$', '-e', 'BEGIN { exit(); } tracepoint:syscalls:sys_enter_* { }']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /^Attached 3 probes\n/);
  });

  test('nothing left: "No probes to attach" (not with -q), exit 1', () => {
    const r = runCli(['--probe-filter', 'nomatch', '-e', 'tracepoint:syscalls:sys_enter_* { }']);
    assert.equal(r.code, 1, r.stderr);
    assert.equal(r.stdout, 'No probes to attach\n');
    const q = runCli(['-q', '--probe-filter', 'nomatch', '-e', 'tracepoint:syscalls:sys_enter_* { }']);
    assert.equal(q.code, 1, q.stderr);
    assert.equal(q.stdout, '');
  });

  test('a filtered-out probe is neither checked for kernel support nor attached (bpftrace runtime test)', () => {
    // Also on a host whose kernel has no kprobes or tracing programs.
    for (const probe of ['kprobe:vfs_read', 'fentry:vfs_read', 'iter:task']) {
      const r = runCli(['--probe-filter', 'nonexistent_probe_xyz_42', '-e', `${probe} { exit(); }`]);
      assert.equal(r.code, 1, r.stderr);
      assert.equal(r.stdout, 'No probes to attach\n', probe);
      assert.equal(r.stderr, '', probe);
    }
  });

  test('test probes are filtered too', () => {
    const file = join(dir, 'tests.bt');
    writeFileSync(file, 'test:first { return 0; }\ntest:second { return 0; }\ntest:third { return 0; }\n');
    const r = runCli(['--test', '--probe-filter=test:(first|third)', file]);
    assert.equal(r.code, 0, r.stderr);
    const plain = r.stdout.replace(/\x1b\[\d+m/g, '');
    assert.match(plain, /Running 2 tests/);
    assert.match(plain, /\[ RUN {6}\] first/);
    assert.doesNotMatch(plain, /second/);
  });

  test('an invalid regex is refused with bpftrace message', () => {
    const r = runCli(['--probe-filter', '(', '-e', 'BEGIN { exit(); }']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^ERROR: Invalid --probe-filter regex '\(': \S/);
  });
});

describe('--traceable-functions', () => {
  test('kprobe listing reads the functions from the file', () => {
    const file = join(dir, 'traceable');
    writeFileSync(file, 'vfs_read\nvfs_readv\nbpftrace_ts_fake [fakemod]\nother_fn\n');
    const r = runCli([`--traceable-functions=${file}`, '-l', 'kprobe:vfs_rea*']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'kprobe:vfs_read\nkprobe:vfs_readv\n');
    const all = runCli(['--traceable-functions', file, '-l', 'kprobe:*']);
    assert.match(all.stdout, /^kprobe:.*bpftrace_ts_fake$/m);
    assert.equal(all.stdout.split('\n').filter(Boolean).length, 4);
  });

  test('an unreadable file is an error', () => {
    const r = runCli(['--traceable-functions', join(dir, 'missing'), '-l', 'kprobe:*']);
    assert.equal(r.code, 1);
    assert.match(
      r.stderr,
      /^ERROR: Failed to open kernel function info: Could not read functions from \S+missing\. \(No such file or directory\)\n/,
    );
  });
});

/** Kinds of the anonymous-inode fds a process holds: "bpf_link uprobe_multi", "[perf_event]"... */
function anonFds(pid: number): string[] {
  const out: string[] = [];
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    let target: string;
    try {
      target = readlinkSync(`/proc/${pid}/fd/${fd}`);
    } catch {
      continue;
    }
    if (!target.startsWith('anon_inode:')) continue;
    const kind = target.slice('anon_inode:'.length);
    if (kind !== 'bpf_link') out.push(kind);
    else out.push(`bpf_link ${/link_type:\s*(\S+)/.exec(readFileSync(`/proc/${pid}/fdinfo/${fd}`, 'latin1'))?.[1]}`);
  }
  return out;
}

/** Starts a trace, waits (bounded) until it has attached, returns its fds' kinds and stops it. */
async function fdsWhileAttached(args: string[]): Promise<string[]> {
  const child = spawn(LAUNCHER, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const attached = waitForStderr(child, 'Attached');
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  try {
    assert.ok(await attached, 'did not attach');
    return anonFds(child.pid as number);
  } finally {
    child.kill('SIGINT');
    const t = setTimeout(() => child.kill('SIGKILL'), 10000);
    await exited;
    clearTimeout(t);
  }
}

/** A small C program built with -g, its DWARF split off into `dbg/` and stripped from `bin/`. */
function splitDebugProgram(name: string, buildId: boolean, debuglink = true): { bin: string; debug: string } {
  const root = join(dir, name);
  mkdirSync(join(root, 'bin'), { recursive: true });
  mkdirSync(join(root, 'dbg'), { recursive: true });
  const src = join(root, 'p.c');
  writeFileSync(
    src,
    '#include <stdio.h>\n' +
      'int __attribute__((noinline)) scale(int value, long factor) { return value * factor; }\n' +
      'int __attribute__((noinline)) shift(int value) { return value << 1; }\n' +
      'int main(int argc, char **argv) { printf("%d\\n", scale(argc, 3) + shift(argc)); return 0; }\n',
  );
  const bin = join(root, 'bin', 'p');
  const debug = join(root, 'dbg', 'p.debug');
  execFileSync('gcc', ['-g', '-O0', `-Wl,--build-id=${buildId ? 'sha1' : 'none'}`, '-o', bin, src]);
  execFileSync('objcopy', ['--only-keep-debug', bin, debug]);
  execFileSync('strip', ['-g', bin]);
  if (debuglink) execFileSync('objcopy', [`--add-gnu-debuglink=${debug}`, bin]);
  return { bin, debug };
}

describe('--no-feature', { skip: needsUprobes }, () => {
  test('uprobe_multi: one uprobe_multi link per file normally, one perf link per function without it', async () => {
    const { bin } = splitDebugProgram('nofeature', true);
    const script = `uprobe:${bin}:{scale,shift,main} { }`;
    const multi = await fdsWhileAttached(['-e', script]);
    assert.equal(multi.filter((k) => k === 'bpf_link uprobe_multi').length, 1, multi.join(', '));
    assert.equal(multi.filter((k) => k === '[perf_event]').length, 0, multi.join(', '));
    const each = await fdsWhileAttached(['--no-feature', 'uprobe_multi', '-e', script]);
    assert.equal(each.filter((k) => k === 'bpf_link uprobe_multi').length, 0, each.join(', '));
    assert.equal(each.filter((k) => k === '[perf_event]').length, 3, each.join(', '));
  });

  test('--info reports a disabled feature as missing', { skip: needsRoot }, () => {
    const r = runCli(['--no-feature=uprobe_multi', '--info']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /uprobe_multi links .*: no \(disabled by --no-feature\)/);
  });
});

describe('--debuginfo', { skip: needsUprobes }, () => {
  const lines = (r: { stdout: string }): string[] => r.stdout.split('\n').filter(Boolean);

  test('absolute and relative directories are searched for the debuglink file', () => {
    const { bin } = splitDebugProgram('dbg-link', true);
    const probe = `uprobe:${bin}:scale`;
    assert.deepEqual(lines(runCli(['-lv', probe])), [probe]);
    const withArgs = [probe, '    int value', '    long int factor'];
    assert.deepEqual(lines(runCli(['--debuginfo', join(dir, 'dbg-link', 'dbg'), '-lv', probe])), withArgs);
    assert.deepEqual(lines(runCli(['--debuginfo=/nonexistent:../dbg', '-lv', probe])), withArgs);
  });

  test('by build id under DIR/.build-id, and args read from it in a real run', () => {
    const { bin, debug } = splitDebugProgram('dbg-buildid', true);
    const id = /Build ID: ([0-9a-f]+)/.exec(execFileSync('readelf', ['-n', bin], { encoding: 'latin1' }))?.[1] as string;
    const ids = join(dir, 'dbg-buildid', 'ids');
    mkdirSync(join(ids, '.build-id', id.slice(0, 2)), { recursive: true });
    execFileSync('cp', [debug, join(ids, '.build-id', id.slice(0, 2), `${id.slice(2)}.debug`)]);
    // The debuglink's own file is renamed away: only the build id can find the copy.
    execFileSync('mv', [debug, `${debug}.hidden`]);
    const r = runCli(
      ['--debuginfo', ids, '-e', `uprobe:${bin}:scale { printf("%d %d\\n", args.value, args.factor); }`, '-c', `${bin} a b`],
      {
        timeoutMs: 30000,
      },
    );
    assert.equal(r.code, 0, r.stderr);
    // The program's own line and the probe's may come in either order.
    assert.deepEqual(lines(r).sort(), ['15', '3 3']);
  });

  test('without a debuglink, the binary name + ".debug" is looked for (libdw fallback, as bpftrace corpus binaries need)', () => {
    const { bin } = splitDebugProgram('dbg-nolink', false, false);
    const probe = `uprobe:${bin}:shift`;
    assert.deepEqual(lines(runCli(['-lv', probe])), [probe]);
    assert.deepEqual(lines(runCli(['--debuginfo', '../dbg', '-lv', probe])), [probe, '    int value']);
  });

  test('+DIR checks the debuglink CRC32: a changed debug file is skipped there only', () => {
    const { bin, debug } = splitDebugProgram('dbg-crc', false);
    const probe = `uprobe:${bin}:shift`;
    const dbgDir = join(dir, 'dbg-crc', 'dbg');
    assert.deepEqual(lines(runCli(['--debuginfo', `+${dbgDir}`, '-lv', probe])), [probe, '    int value']);
    // Bytes after the last section: the ELF is the same, its CRC32 is not.
    writeFileSync(debug, Buffer.concat([readFileSync(debug), Buffer.from('changed')]));
    assert.deepEqual(lines(runCli(['--debuginfo', `+${dbgDir}`, '-lv', probe])), [probe]);
    assert.deepEqual(lines(runCli(['--debuginfo', dbgDir, '-lv', probe])), [probe, '    int value']);
  });
});

test('--usdt-file-activation is accepted', { skip: needsRoot }, () => {
  const r = runCli(['--usdt-file-activation', '-e', 'BEGIN { printf("ok\\n"); exit(); }']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, 'ok\n\n\n');
});

describe('systemd readiness (NOTIFY_SOCKET)', () => {
  test('the socket address: a path NUL-terminated, @name abstract, anything else refused', () => {
    const path = notifyAddress('/run/x');
    assert.ok(path instanceof Uint8Array);
    assert.deepEqual([...path], [1, 0, ...Buffer.from('/run/x'), 0]);
    const abstract = notifyAddress('@sd');
    assert.ok(abstract instanceof Uint8Array);
    assert.deepEqual([...abstract], [1, 0, 0, ...Buffer.from('sd')]);
    assert.equal(notifyAddress('relative'), -22);
    assert.equal(notifyAddress(`/${'x'.repeat(200)}`), -22);
  });

  const python = spawnSync('python3', ['--version']).status === 0;
  test('READY=1 once attached, STOPPING=1 at the end; a dead socket is only a warning', {
    skip: needsRoot || (!python && 'needs python3'),
  }, async () => {
    const sock = join(dir, 'notify.sock');
    // A datagram listener (Node has no unix datagram sockets): prints each message as JSON.
    const listener = spawn(
      'python3',
      [
        '-c',
        'import socket,sys,json\ns=socket.socket(socket.AF_UNIX,socket.SOCK_DGRAM)\ns.bind(sys.argv[1])\ns.settimeout(20)\nprint("up",flush=True)\nfor _ in range(2): print(json.dumps(s.recv(4096).decode()),flush=True)\n',
        sock,
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let heard = '';
    listener.stdout.on('data', (d: Buffer) => {
      heard += d.toString('latin1');
    });
    const done = new Promise<void>((resolve) => listener.on('exit', () => resolve()));
    try {
      for (let i = 0; i < 100 && !heard.includes('up'); i++) await new Promise((r) => setTimeout(r, 50));
      assert.ok(heard.includes('up'), 'the listener started');
      const r = runCli(['-e', 'BEGIN { printf("hi\\n"); exit(); }'], { env: { NOTIFY_SOCKET: sock } });
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, 'hi\n\n\n');
      const t = setTimeout(() => listener.kill(), 20000);
      await done;
      clearTimeout(t);
      assert.deepEqual(
        heard
          .split('\n')
          .slice(1, 3)
          .map((l) => JSON.parse(l) as string),
        ['READY=1\nSTATUS=Processing events...', 'STOPPING=1\nSTATUS=Shutting down...'],
      );
    } finally {
      listener.kill();
    }
    const dead = runCli(['-e', 'BEGIN { exit(); }'], { env: { NOTIFY_SOCKET: join(dir, 'nobody.sock') } });
    assert.equal(dead.code, 0, dead.stderr);
    assert.match(dead.stderr, /WARNING: Failed to send readiness notification, ignoring: No such file or directory/);
  });
});

test('--info follows bpftrace 0.26: System, Build, Kernel helpers, Kernel features, Probe types, two columns', { skip: needsRoot }, () => {
  const r = runCli(['--info']);
  assert.equal(r.code, 0, r.stderr);
  const sections = r.stdout.split('\n').filter((l) => /^[A-Z]/.test(l));
  assert.deepEqual(sections.slice(0, 5), ['System', 'Build', 'Kernel helpers', 'Kernel features', 'Probe types']);
  assert.match(r.stdout, /^ {2}Arch: x86_64$/m);
  assert.match(r.stdout, /^ {2}dpath: (yes|no) {2,}get_tai_ns: (yes|no) +$/m);
  assert.match(r.stdout, /^ {2}Instruction limit: 1000000 +btf: (yes|no) +$/m);
  assert.match(r.stdout, /^ {2}kprobe_multi: (yes|no) +uprobe_multi: (yes|no) +$/m);
});

test('an unknown option: getopt-style message, then the usage text, exit 1 (as bpftrace)', () => {
  const long = runCli(['--bogus']);
  assert.equal(long.code, 1);
  assert.match(long.stderr, /^bpftrace-ts: unrecognized option '--bogus'\nUSAGE:\n/);
  const short = runCli(['-idonotexist']);
  assert.equal(short.code, 1);
  assert.match(short.stderr, /^bpftrace-ts: invalid option -- 'i'\nUSAGE:\n/);
});

test('-V/--version: bpftrace\'s "bpftrace vX.Y.Z" (the release followed), then bpftrace-ts\'s own version', () => {
  for (const flag of ['-V', '--version']) {
    const r = runCli([flag]);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /^bpftrace v0\.26\.\d+ \(bpftrace-ts \d+\.\d+\.\d+\)\n$/);
  }
});

test('--dry-run compiles and, with the privilege, loads every program through the verifier and attaches it; nothing runs', {
  skip: !isRoot,
}, () => {
  const ok = runCli(['--dry-run', '-e', 'BEGIN { printf("hi\\n"); } tracepoint:syscalls:sys_enter_openat { @ = count(); }']);
  assert.equal(ok.code, 0, ok.stderr);
  assert.equal(ok.stdout, '');
  assert.equal(ok.stderr, '');
  // A verifier log too small for the program fails its load: the load did happen.
  const small = runCli(['--dry-run', '-v', '-e', 'config = { log_size = 10 } BEGIN { printf("hi\\n"); }']);
  assert.equal(small.code, 1);
  assert.match(small.stderr, /^ERROR: Error loading BPF program for begin_1\. Error code: -28/m);
  assert.equal(small.stdout, '');
  // Attaching happens too (0.26): a hardware event on a machine without a PMU fails only there.
  const hw = runCli(['--dry-run', '-e', 'hardware:cycles:1000000 { @ = count(); }']);
  if (!existsSync('/sys/bus/event_source/devices/cpu')) {
    assert.equal(hw.code, 1);
    assert.match(hw.stderr, /Unable to attach probe: hardware:cycles:1000000/);
  }
});

test("max_probes: more probes attached one by one than the limit is bpftrace's error, before anything loads", { skip: !isRoot }, () => {
  const script = 'tracepoint:sched:sched_switch, tracepoint:sched:sched_wakeup, tracepoint:sched:sched_waking { @ = count(); }';
  const over = runCli(['-e', `config = { max_probes = 2 } ${script}`]);
  assert.equal(over.code, 1);
  assert.equal(
    over.stderr,
    "ERROR: Can't attach to 3 probes because it exceeds the current limit of 2 probes.\nYou can increase the limit through the BPFTRACE_MAX_PROBES environment variable, but BE CAREFUL since a high number of probes attached can cause your system to crash.\n",
  );
  assert.equal(runCli(['--dry-run', '-e', script], { env: { BPFTRACE_MAX_PROBES: '3' } }).code, 0);
  // One coalesced program for the syscall wildcard counts once, not per tracepoint.
  assert.equal(runCli(['--dry-run', '-e', 'config = { max_probes = 2 } tracepoint:syscalls:sys_enter_* { @[probe] = count(); }']).code, 0);
});
