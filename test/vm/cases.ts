// The kernel-probe cases run inside the kernel-lab VM (Debian's 6.1 kernel, where kprobes,
// fentry/fexit and iterators work). Each case runs bpftrace-ts once; where bpftrace 0.17 (in the
// same VM) prints the reference output, its stdout was recorded in expected/NAME.out by
// `npm run test:vm -- --record` and ours must match it.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { release } from 'node:os';
import { type RunResult, shellCommand } from '../helpers/run.ts';

export interface VmCase {
  name: string;
  /**
   * bpftrace-ts arguments; a function is called in the VM, after `background` has attached
   * (for what only the guest knows: kernel addresses, program ids).
   */
  ours: string[] | (() => string[]);
  /** bpftrace-ts arguments of a run started before this case and stopped after it (fentry:bpf targets). */
  background?: string[];
  /**
   * bpftrace 0.17's arguments for the same thing (its spelling may differ: kfunc for fentry),
   * when its stdout is the reference; recorded, not run, by the normal test.
   */
  bpftrace?: string[];
  /** `sorted`: compare lines in any order (maps whose equal counts may print either way). */
  compare?: 'exact' | 'sorted';
  /** Checks of our own result; exit code 0 is required unless `fails` is set. */
  check?: (r: RunResult) => void;
  /** The run must fail (exit code 1) with a message: checked by `check`. */
  fails?: boolean;
  timeoutMs?: number;
}

/** Opens (ld.so.cache, libc, locale files, /etc/hostname) and reads nothing: a quiet child. */
const OPEN = '/usr/bin/head -c 0 /etc/hostname';
/** One 7-byte read of /etc/hostname (3 bytes there), after ld.so's reads of libc. */
const READ = '/usr/bin/dd if=/etc/hostname of=/dev/null bs=7 count=1';

const lines = (s: string): string[] => s.split('\n').filter((l) => l !== '');

/** A kernel function's address in the guest (first text symbol so named in /proc/kallsyms). */
function kallsymsAddress(name: string): bigint {
  const m = new RegExp(`^([0-9a-f]+) [Tt] ${name}$`, 'm').exec(readFileSync('/proc/kallsyms', 'latin1'));
  if (!m) throw new Error(`${name} is not in /proc/kallsyms`);
  return BigInt(`0x${m[1]}`);
}

/** A data symbol of vmlinux in the guest: address and name. */
function kallsymsData(): { address: bigint; name: string } {
  const m = /^([0-9a-f]+) [Dd] (\w+)$/m.exec(readFileSync('/proc/kallsyms', 'latin1'));
  if (!m) throw new Error('no data symbol in /proc/kallsyms');
  return { address: BigInt(`0x${m[1]}`), name: m[2] as string };
}

/** The CLI the VM cases run (test/vm/run.sh says which). */
const cliPath = (): string => process.env.BPFTRACE_TS_CLI ?? './bpftrace-ts';

/** The id of the running BPF program that has a function `name`, from our own `-l 'fentry:bpf:*'`. */
function bpfProgramId(name: string): number {
  const r = spawnSync(cliPath(), ['-l', `fentry:bpf:*:${name}`], { encoding: 'latin1', timeout: 60_000 });
  const m = new RegExp(`^fentry:bpf:(\\d+):${name}$`, 'm').exec(r.stdout ?? '');
  if (!m) throw new Error(`no running program has ${name}: ${r.stdout}${r.stderr}`);
  return Number(m[1]);
}

/** The tracepoint program the fentry:bpf cases trace, run in the background; its for loop is a sub-program. */
const READ_COUNTER = [
  '-e',
  'tracepoint:syscalls:sys_enter_read /comm == "dd"/ { @reads = count(); @m[1] = 1; for ($kv : @m) { @n = 1; } }',
];
/** Its name in its BTF function info: the probe's and its index, as bpftrace names programs. */
const READ_COUNTER_FUNC = 'tracepoint_syscalls_sys_enter_read_1';

/** One UDP datagram to 127.0.0.1:9999 (nothing listens: the kernel answers with an ICMP error). */
const UDP = shellCommand('echo -n bpftrace-ts-skb > /dev/udp/127.0.0.1/9999', '/bin/bash');
const PCAP_ALL = '/tmp/bpftrace-ts-skb-all.pcap';
const PCAP_PAYLOAD = '/tmp/bpftrace-ts-skb-payload.pcap';

interface PcapPacket {
  sec: number;
  usec: number;
  data: Buffer;
}

/** The packets of a PCAP file, after checking its header is the one bpftrace writes (RAW IP). */
function readPcap(path: string): PcapPacket[] {
  const f = readFileSync(path);
  // Magic, version 2.4, zone 0, sigfigs 0, snaplen 65535, LINKTYPE_RAW (101).
  assert.equal(f.subarray(0, 24).toString('hex'), 'd4c3b2a1020004000000000000000000ffff000065000000');
  const out: PcapPacket[] = [];
  for (let at = 24; at + 16 <= f.length; ) {
    const caplen = f.readUInt32LE(at + 8);
    assert.equal(f.readUInt32LE(at + 12), caplen, 'captured and original lengths are equal');
    out.push({ sec: f.readUInt32LE(at), usec: f.readUInt32LE(at + 4), data: f.subarray(at + 16, at + 16 + caplen) });
    at += 16 + caplen;
  }
  return out;
}

/** Same script for both tools (bpftrace 0.17 knows fentry/fexit as kfunc/kretfunc). */
function both(script: string, cmd?: string, old017 = script): Pick<VmCase, 'ours' | 'bpftrace'> {
  const c = cmd ? ['-c', cmd] : [];
  return { ours: ['-e', script, ...c], bpftrace: ['-e', old017, ...c] };
}

export const CASES: VmCase[] = [
  {
    name: 'write_user_openat',
    // bpftrace's documented use: a process asks for a file that does not exist and opens the
    // one the probe wrote over its path (Debian's kernel allows bpf_probe_write_user). Run
    // first: late in the suite (never alone, never first) some boots saw none of cat's opens
    // match, with no failed read under -k; @opens counts cat's openats to tell apart a probe
    // that does not fire from a path that does not compare.
    ours: [
      '--unsafe',
      '-k',
      '-e',
      'tracepoint:syscalls:sys_enter_openat /comm == "cat"/ { @opens = count(); } tracepoint:syscalls:sys_enter_openat /comm == "cat" && str(args.filename) == "/etc/hostnamX"/ { printf("ok=%d\\n", write_user(args.filename, "/etc/hostname", 13)); }',
      '-c',
      shellCommand('for i in 1 2 3 4 5; do /bin/cat /etc/hostnamX && break; sleep 0.5; done'),
    ],
    check: (r) => {
      assert.ok(lines(r.stdout).includes('ok=1'), r.stdout);
      // The write landed: cat printed the hostname file instead of failing.
      const host = readFileSync('/etc/hostname', 'latin1').trim();
      assert.ok(lines(r.stdout).includes(host), r.stdout);
    },
  },
  {
    name: 'kprobe_openat2_str',
    // bpftrace 0.17 reads arg1 (a user pointer) with probe_read_kernel and prints empty
    // names here; ours reads it, so only our output is checked.
    ours: ['-e', 'kprobe:do_sys_openat2 /pid == cpid/ { printf("%s %s\\n", probe, str(arg1)); }', '-c', OPEN],
    check: (r) => {
      assert.ok(lines(r.stdout).includes('kprobe:do_sys_openat2 /etc/hostname'), r.stdout);
      assert.ok(lines(r.stdout).includes('kprobe:do_sys_openat2 /etc/ld.so.cache'), r.stdout);
    },
  },
  {
    name: 'kprobe_openat2_count',
    ...both('kprobe:do_sys_openat2 /pid == cpid/ { @opens = count(); }', OPEN),
  },
  {
    name: 'kretprobe_retval',
    ...both('kretprobe:do_sys_openat2 /pid == cpid/ { @[retval] = count(); }', OPEN),
  },
  {
    name: 'seed_do_sys_open',
    // The seed's symbol: present in 6.1 (available_filter_functions lists it) but the open
    // syscalls reach do_sys_openat2 without calling it, so both tools print nothing.
    ...both('kprobe:do_sys_open /comm == "head"/ { printf("%s %s\\n", comm, str(arg1)); }', OPEN),
  },
  {
    name: 'seed_style_openat2',
    ours: ['-e', 'kprobe:do_sys_openat2 /comm == "head"/ { printf("%s %s\\n", comm, str(arg1)); }', '-c', OPEN],
    check: (r) => assert.ok(lines(r.stdout).includes('head /etc/hostname'), r.stdout),
  },
  {
    name: 'kprobe_offset',
    ...both('kprobe:vfs_read+0 /pid == cpid/ { @reads = count(); }', READ),
  },
  {
    name: 'kprobe_arg_and_kstack',
    ...both('kprobe:vfs_read /pid == cpid && arg2 == 7/ { printf("%d\\n", arg2); @[kstack(4)] = count(); }', READ),
  },
  {
    name: 'kprobe_wildcard_per_probe',
    ...both('kprobe:vfs_* /pid == cpid/ { @[probe] = count(); }', READ),
    compare: 'sorted',
    check: (r) => assert.match(r.stderr, /Attached 71 probes/),
  },
  {
    name: 'kprobe_wildcard_shared',
    // One program on 71 kprobes (no kprobe_multi on this kernel: one perf event each).
    ...both('kprobe:vfs_* /pid == cpid/ { @calls = count(); }', READ),
  },
  {
    name: 'kretprobe_wildcard',
    ...both('kretprobe:vfs_read* /pid == cpid/ { @[probe] = count(); }', READ),
    compare: 'sorted',
  },
  {
    name: 'kprobe_module_function',
    // The guest's root is an overlayfs (a module): kprobe:MODULE:FUNC (0.26 syntax).
    ours: ['-e', 'kprobe:overlay:ovl_read_iter /pid == cpid/ { @[probe] = count(); }', '-c', READ],
    check: (r) => assert.match(r.stdout, /^@\[kprobe:overlay:ovl_read_iter\]: [1-9]\d*$/m),
  },
  {
    name: 'kprobe_wildcard_hundreds',
    // Hundreds of kprobes attach, and all are gone afterwards (checked by the last test).
    ours: ['-e', 'kprobe:tcp_* { @ = count(); } BEGIN { exit(); }'],
    timeoutMs: 600_000,
    check: (r) => {
      const n = Number(/Attached (\d+) probes/.exec(r.stderr)?.[1]);
      assert.ok(n >= 200, r.stderr);
    },
  },
  {
    name: 'func_builtin',
    // 0.26 semantics: the traced function also in return probes (0.17 printed the caller).
    ours: [
      '-e',
      'kprobe:vfs_read /pid == cpid/ { @k[func] = count(); } kretprobe:vfs_read /pid == cpid/ { @kr[func] = count(); } fexit:vfs_read /pid == cpid/ { @fx[func] = count(); }',
      '-c',
      READ,
    ],
    check: (r) => {
      assert.match(r.stdout, /^@k\[vfs_read\]: 6$/m);
      assert.match(r.stdout, /^@kr\[vfs_read\]: 6$/m);
      assert.match(r.stdout, /^@fx\[vfs_read\]: 6$/m);
    },
  },
  {
    name: 'fentry_args',
    ...both(
      'fentry:vfs_read /pid == cpid/ { printf("%s %d\\n", probe, args.count); }',
      READ,
      'kfunc:vfs_read /pid == cpid/ { printf("%s %d\\n", probe, args->count); }',
    ),
    // bpftrace 0.17 names these kfunc:vmlinux:vfs_read; 0.26 and we say fentry:...
    check: (r) => assert.match(r.stdout, /^fentry:vmlinux:vfs_read 7$/m),
  },
  {
    name: 'kfunc_old_names',
    ...both('kfunc:vfs_read /pid == cpid/ { printf("%s %d\\n", probe, args->count); }', READ),
  },
  {
    name: 'kretfunc_retval',
    ...both('kretfunc:vfs_read /pid == cpid/ { printf("%s %d %d\\n", probe, args->count, retval); }', READ),
  },
  {
    name: 'fentry_btf_struct',
    ...both(
      'fentry:vfs_read /pid == cpid/ { printf("%s\\n", str(args.file->f_path.dentry->d_name.name)); }',
      READ,
      'kfunc:vfs_read /pid == cpid/ { printf("%s\\n", str(args->file->f_path.dentry->d_name.name)); }',
    ),
  },
  {
    name: 'fexit_wildcard',
    ...both('fexit:vfs_read* /pid == cpid/ { @[probe] = count(); }', READ, 'kretfunc:vfs_read* /pid == cpid/ { @[probe] = count(); }'),
    compare: 'sorted',
    check: (r) => assert.match(r.stdout, /^@\[fexit:vmlinux:vfs_read\]: 6$/m),
  },
  {
    name: 'percpu_kaddr',
    // BTF ksyms need the data symbols of CONFIG_KALLSYMS_ALL, which Debian's kernel has (the
    // development host's does not). Each CPU's `cpu_number` holds that CPU's number; a CPU that
    // does not exist gives 0; runqueues' `cpu` member is its own CPU. bpftrace 0.17 lacks it.
    ours: [
      '-e',
      'BEGIN { $me = (int32 *)percpu_kaddr("cpu_number"); $one = (int32 *)percpu_kaddr("cpu_number", 1); $rq = (struct rq *)percpu_kaddr("runqueues", 0); ' +
        'printf("%d %d %d %d\\n", *$me == (int32)cpu, *$one, percpu_kaddr("cpu_number", 100000) == 0, $me != 0); if ($rq != 0) { printf("rq %d\\n", $rq->cpu); } exit(); }',
    ],
    check: (r) => assert.equal(r.stdout.trimEnd(), '1 1 1 1\nrq 0'),
  },
  {
    name: 'iter_task',
    ...both('iter:task /ctx->task->pid < 5/ { printf("%s:%d\\n", ctx->task->comm, ctx->task->pid); }'),
  },
  {
    name: 'iter_task_new_syntax',
    ours: ['-e', 'iter:task /ctx.task.pid < 5/ { printf("%s:%d\\n", ctx.task.comm, ctx.task.pid); }'],
    // The blank lines after the output are bpftrace's, at exit.
    check: (r) => assert.equal(r.stdout.trimEnd(), 'init:1\nkthreadd:2\nrcu_gp:3\nrcu_par_gp:4'),
  },
  {
    name: 'iter_task_file',
    // ctx->fd > 0: bpftrace 0.17 skips fd 0 (it NULL-checks every ctx field it reads).
    ...both('iter:task_file /ctx->task->pid == 1 && ctx->fd > 0/ { printf("%s:%d %d\\n", ctx->task->comm, ctx->task->pid, ctx->fd); }'),
  },
  {
    name: 'iter_task_file_path',
    // path() of every open file of init, as bpftrace 0.17 prints them.
    ...both(
      'iter:task_file /ctx->task->pid == 1 && ctx->fd > 0/ { printf("%s:%d %d:%s\\n", ctx->task->comm, ctx->task->pid, ctx->fd, path(ctx->file->f_path)); }',
    ),
  },
  {
    name: 'iter_task_file_path_size',
    // A size smaller than the path: bpf_d_path keeps its end and fails with ENAMETOOLONG,
    // reported as bpftrace 0.26 reports helper errors (the call underlined).
    ours: [
      '-e',
      'iter:task_file /ctx.task.pid == 1 && ctx.fd > 0/ { $p = path(ctx.file.f_path, 6); printf("%d:%s:%d\\n", ctx.fd, $p, sizeof($p)); }',
    ],
    check: (r) => {
      assert.match(r.stdout, /^10:\/init:6$/m);
      assert.match(r.stdout, /^11:nsole:6$/m);
      assert.match(r.stderr, /WARNING: File name too long\nAdditional Info - helper: d_path, retcode: -36\n/);
    },
  },
  {
    name: 'fentry_path',
    // security_file_open is on the kernel's bpf_d_path allow list (with dentry_open, vfs_truncate...).
    ours: ['-e', 'fentry:security_file_open /pid == cpid/ { printf("open %s\\n", path(args.file.f_path)); }', '-c', OPEN],
    check: (r) => {
      assert.ok(lines(r.stdout).includes('open /etc/hostname'), r.stdout);
      assert.ok(lines(r.stdout).includes('open /etc/ld.so.cache'), r.stdout);
    },
  },
  {
    name: 'fentry_path_not_allowed',
    // vfs_open is not on the allow list: refused when compiling, at the call (0.26's words),
    // where bpftrace 0.17 fails in the verifier naming another helper.
    ours: ['-e', 'fentry:vfs_open { printf("%s\\n", path(args.path)); }'],
    fails: true,
    check: (r) => {
      assert.match(r.stderr, /^stdin:1:34-49: ERROR: helper bpf_d_path not allowed in probe$/m);
      assert.match(r.stderr, /HINT: .*btf_allowlist_d_path.*not on vfs_open/);
      assert.doesNotMatch(r.stderr, /processed \d+ insns/);
    },
  },
  {
    name: 'skboutput_udp',
    // ip_output sees the datagram from its IP header on (offset 0); the second file skips the
    // IP and UDP headers (28 bytes). bpftrace 0.17 here has no skboutput (built without libpcap).
    ours: [
      '-e',
      `fentry:ip_output /pid == cpid/ { $r = skboutput("${PCAP_ALL}", args.skb, args.skb->len, 0); skboutput("${PCAP_PAYLOAD}", args.skb, args.skb->len, 28); printf("ret %d len %d\\n", $r, args.skb->len); }`,
      '-c',
      UDP,
    ],
    check: (r) => {
      assert.match(r.stdout, /^ret 0 len 43$/m);
      const all = readPcap(PCAP_ALL);
      // The datagram (protocol 17); the ICMP error the kernel sends back may follow.
      const udp = all.find((p) => p.data[9] === 17);
      assert.ok(udp, `no UDP packet among ${all.length}`);
      assert.equal(udp.data[0], 0x45, 'IPv4, 20-byte header: RAW IP, no link header');
      assert.equal(udp.data.readUInt16BE(2), 43);
      assert.equal(udp.data.readUInt16BE(22), 9999);
      assert.equal(udp.data.subarray(28, 43).toString('latin1'), 'bpftrace-ts-skb');
      // The kernel pads each sample to 8 bytes with its size word: 43 + 1, as in bpftrace's files.
      assert.equal(udp.data.length, 44);
      // Boot time + event time: today's wall clock, not seconds since boot.
      assert.ok(Math.abs(udp.sec - Date.now() / 1000) < 86_400, `timestamp ${udp.sec}`);
      assert.ok(udp.usec < 1_000_000);
      const payload = readPcap(PCAP_PAYLOAD);
      assert.ok(
        payload.some((p) => p.data.toString('latin1') === 'bpftrace-ts-skb\0'),
        payload.map((p) => p.data.toString('hex')).join(' '),
      );
    },
  },
  {
    name: 'iter_task_vma',
    // Not in bpftrace 0.17; any iterator BTF describes works.
    ours: ['-e', 'iter:task_vma /ctx->task->pid == 1/ { printf("%s %lx-%lx\\n", ctx->task->comm, ctx->vma->vm_start, ctx->vma->vm_end); }'],
    check: (r) => assert.match(r.stdout, /^init [0-9a-f]+-[0-9a-f]+$/m),
  },
  {
    // exit() in an iterator ends the run after the iteration, which the kernel makes in one
    // read(): every task is printed (bpftrace's call.iter:task expects its own comm there).
    name: 'iter_exit_after_iteration',
    ours: ['-e', 'iter:task { printf("comm: %s\\n", ctx.task.comm); exit(); }'],
    check: (r) => {
      assert.match(r.stdout, /^comm: bpftrace$/m);
      assert.ok(lines(r.stdout).length > 20, r.stdout);
    },
  },
  {
    name: 'iter_count_and_end',
    ours: ['-e', 'iter:task { @tasks = count(); } END { printf("end\\n"); }'],
    check: (r) => {
      assert.match(r.stdout, /^end$/m);
      const n = Number(/^@tasks: (\d+)$/m.exec(r.stdout)?.[1]);
      assert.ok(n > 20, r.stdout);
    },
  },
  {
    name: 'iter_pin',
    ours: ['-e', 'iter:task:bpftrace_ts_vm_pin /ctx->task->pid == 1/ { printf("pinned %s\\n", ctx->task->comm); }'],
    check: (r) => assert.match(r.stdout, /^Program pinned to \/sys\/fs\/bpf\/bpftrace_ts_vm_pin$/m),
  },
  {
    name: 'iter_task_pid',
    // -p: the task iterator visits only that process's threads (bpf_iter_link_info.task.pid).
    ours: ['-p', '1', '-e', 'iter:task { printf("%d %d\\n", ctx.task.tgid, ctx.task.pid); }'],
    check: (r) => {
      const rows = lines(r.stdout);
      assert.ok(rows.length >= 1, r.stdout);
      for (const row of rows) assert.match(row, /^1 \d+$/);
    },
  },
  {
    name: 'list_kprobe_wildcard',
    ours: ['-l', 'kprobe:vfs_*'],
    bpftrace: ['-l', 'kprobe:vfs_*'],
  },
  {
    name: 'list_fexit_verbose',
    // 0.17 calls it kfunc and lists retval for both; 0.26 (and we) only for fexit.
    ours: ['-lv', 'fexit:vfs_read'],
    check: (r) =>
      assert.equal(
        r.stdout,
        'fexit:vmlinux:vfs_read\n    struct file * file\n    char * buf\n    size_t count\n    loff_t * pos\n    ssize_t retval\n',
      ),
  },
  {
    name: 'list_kfunc_verbose_017',
    ours: ['-lv', 'fentry:vfs_read'],
    bpftrace: ['-lv', 'kfunc:vfs_read'],
    // Compared without the first line (name) and 0.17's retval line.
    check: (r) =>
      assert.equal(r.stdout, 'fentry:vmlinux:vfs_read\n    struct file * file\n    char * buf\n    size_t count\n    loff_t * pos\n'),
  },
  {
    name: 'unknown_function',
    ours: ['-e', 'kprobe:no_such_function_xyz { }'],
    fails: true,
    check: (r) => assert.match(r.stderr, /No matches for kprobe no_such_function_xyz\./),
  },
  {
    // 0.26's missing_probes handling for kernel functions: the kprobe one not traceable is
    // skipped with warnings, the fentry one likewise, and the probe left runs.
    name: 'missing_kernel_functions_warn',
    ours: [
      '-e',
      'config = { missing_probes = "warn" } kprobe:no_such_function_xyz, fentry:no_such_function_xyz, kprobe:vfs_read { printf("%s\\n", probe); exit(); }',
      '-c',
      READ,
    ],
    check: (r) => {
      assert.match(
        r.stderr,
        /WARNING: no_such_function_xyz is not traceable \(either non-existing, inlined, or marked as "notrace"\); attaching to it will likely fail/,
      );
      assert.match(r.stderr, /WARNING: No matches for kprobe no_such_function_xyz\. Skipping\./);
      assert.match(r.stderr, /WARNING: No matches for fentry no_such_function_xyz\. Skipping\./);
      assert.equal(lines(r.stdout)[0], 'kprobe:vfs_read');
    },
  },
  {
    // One session program where the kernel has kprobe_session links (6.10+ with FPROBE, e.g.
    // `--kernel linux-image-6.12...`), two programs on Debian's 6.1: both parts run either way.
    name: 'kprobe_kretprobe_session',
    ours: ['-e', 'kprobe:ksys_read /pid == cpid/ { @e = count(); } kretprobe:ksys_read /pid == cpid/ { @r = count(); }', '-c', READ],
    check: (r) => {
      const [major, minor] = release().split('.').map(Number) as [number, number];
      const session = major > 6 || (major === 6 && minor >= 10);
      assert.match(r.stderr, session ? /Attached 1 probe\n/ : /Attached 2 probes\n/);
      assert.match(r.stdout, /@e: [1-9]\d*\n/);
      assert.match(r.stdout, /@r: [1-9]\d*\n/);
    },
  },
  {
    name: 'kprobe_module_not_loaded',
    ours: ['-e', 'kprobe:no_such_module:vfs_read { }'],
    fails: true,
    check: (r) => assert.match(r.stderr, /ERROR: specified module no_such_module in probe kprobe:no_such_module:vfs_read is not loaded\./),
  },
  {
    name: 'blacklisted_function',
    ours: ['-e', 'kprobe:kprobe_dispatcher { }'],
    fails: true,
    check: (r) => assert.match(r.stderr, /(does not allow kprobes|No matches for kprobe kprobe_dispatcher)/),
  },
  {
    name: 'fentry_module_function',
    // The VM's shared directories are 9p: opening a file there runs the 9p module's v9fs_file_open,
    // whose BTF is the module's split BTF (attach_btf_obj_fd).
    ours: [
      '-e',
      'fentry:9p:v9fs_file_open { @[probe, args.file->f_inode == args.inode] = count(); } fexit:9p:v9fs_file_open { @r[retval] = count(); }',
      '-c',
      shellCommand(`cat ${process.env.BPFTRACE_TS_ROOT ?? '.'}/package.json > /dev/null`),
    ],
    check: (r) => {
      assert.match(r.stdout, /^@\[fentry:9p:v9fs_file_open, true\]: [1-9]\d*$/m);
      assert.match(r.stdout, /^@r\[0\]: [1-9]\d*$/m);
    },
  },
  {
    name: 'kprobe_address',
    // kprobe:ADDRESS (0.26): checked against kallsyms, named by the address in decimal; func is the function.
    ours: () => ['-e', `kprobe:0x${kallsymsAddress('vfs_read').toString(16)} /pid == cpid/ { @[probe, func] = count(); }`, '-c', READ],
    check: (r) => assert.match(r.stdout, new RegExp(`^@\\[kprobe:${kallsymsAddress('vfs_read')}, vfs_read\\]: 6$`, 'm')),
  },
  {
    name: 'kretprobe_address_unsafe',
    // A decimal address, unchecked with --unsafe (0.26 requires --unsafe for any address).
    ours: () => [
      '--unsafe',
      '-e',
      `kretprobe:${kallsymsAddress('vfs_read')} /pid == cpid/ { @[probe, func, retval] = count(); }`,
      '-c',
      READ,
    ],
    check: (r) => assert.match(r.stdout, new RegExp(`^@\\[kretprobe:${kallsymsAddress('vfs_read')}, vfs_read, 3\\]: 1$`, 'm')),
  },
  {
    name: 'kprobe_address_mid_instruction',
    // Inside the function, so our check passes; the kernel refuses an address that is not an instruction boundary.
    ours: () => ['-e', `kprobe:0x${(kallsymsAddress('vfs_read') + 1n).toString(16)} { }`],
    fails: true,
    check: (r) =>
      assert.match(r.stderr, /cannot attach kprobe:\d+: (the address is in the middle of an instruction|the kernel refused the kprobe)/),
  },
  {
    name: 'kprobe_address_not_code',
    ours: () => ['-e', `kprobe:0x${kallsymsData().address.toString(16)} { }`],
    fails: true,
    check: (r) => assert.match(r.stderr, /is not in kernel code \(\w+\+0 is a '[Dd]' symbol\)/),
  },
  {
    name: 'list_fentry_bpf',
    // The background program and its loop's sub-program, under one id.
    background: READ_COUNTER,
    ours: ['-l', 'fentry:bpf:*'],
    check: (r) => {
      const main = new RegExp(`^fentry:bpf:(\\d+):${READ_COUNTER_FUNC}$`, 'm').exec(r.stdout);
      assert.ok(main, r.stdout);
      assert.ok(lines(r.stdout).includes(`fentry:bpf:${main[1]}:${READ_COUNTER_FUNC}_sub1`), r.stdout);
    },
  },
  {
    name: 'fentry_fexit_bpf_program',
    // Trampolines on another bpftrace-ts's tracepoint program: probe names it with its id; its return value is 0.
    background: READ_COUNTER,
    ours: [
      '-e',
      `fentry:bpf:${READ_COUNTER_FUNC} { @[probe] = count(); } fexit:bpf:${READ_COUNTER_FUNC} { @r[retval] = count(); }`,
      '-c',
      READ,
    ],
    check: (r) => {
      assert.match(r.stdout, new RegExp(`^@\\[fentry:bpf:\\d+:${READ_COUNTER_FUNC}\\]: [1-9]\\d*$`, 'm'));
      assert.match(r.stdout, /^@r\[0\]: [1-9]\d*$/m);
    },
  },
  {
    name: 'fentry_bpf_subprogram_by_id',
    background: READ_COUNTER,
    ours: () => {
      const id = bpfProgramId(`${READ_COUNTER_FUNC}_sub1`);
      return ['-e', `fentry:bpf:${id}:${READ_COUNTER_FUNC}_sub1 { @[probe] = count(); }`, '-c', READ];
    },
    check: (r) => assert.match(r.stdout, new RegExp(`^@\\[fentry:bpf:\\d+:${READ_COUNTER_FUNC}_sub1\\]: [1-9]\\d*$`, 'm')),
  },
  {
    name: 'override_needs_kernel_support',
    // Debian builds without CONFIG_BPF_KPROBE_OVERRIDE: the verifier would refuse the helper.
    ours: ['--unsafe', '-e', 'kprobe:vfs_read { override(1); }'],
    fails: true,
    check: (r) => {
      assert.match(r.stderr, /override\(\) needs a kernel built with CONFIG_BPF_KPROBE_OVERRIDE/);
      assert.doesNotMatch(r.stderr, /processed \d+ insns/);
    },
  },
  {
    name: 'offset_mid_instruction',
    ours: ['-e', 'kprobe:vfs_read+1 { }'],
    fails: true,
    check: (r) => assert.match(r.stderr, /middle of an instruction/),
  },
  {
    name: 'is_err_fexit',
    // bpftrace's own runtime test; 0.17 has no is_err.
    ours: [
      '-e',
      'fexit:do_filp_open /pid == cpid/ { if (is_err(retval)) { printf("is_err: %ld\\n", (int64)retval); exit(); } }',
      '-c',
      '/bin/cat /tmp/bpftrace_ts_nonexistent_file',
    ],
    check: (r) => assert.match(r.stdout, /^is_err: -2$/m),
  },
  {
    name: 'socket_cookie',
    // A tracing program's struct sock * argument (fentry) and return value (fexit); the same
    // socket gives the same cookie. 0.17 has no socket_cookie.
    ours: [
      '-e',
      'fentry:sock_init_data /pid == cpid/ { $c = socket_cookie(args.sk); printf("cookie %d %d\\n", $c > 0, $c == socket_cookie(args.sk)); } ' +
        'fexit:sk_alloc /pid == cpid/ { printf("alloc %d\\n", socket_cookie(retval) > 0); }',
      '-c',
      '/usr/bin/logger bpftrace-ts-test',
    ],
    check: (r) => {
      assert.ok(lines(r.stdout).includes('cookie 1 1'), r.stdout);
      assert.ok(lines(r.stdout).includes('alloc 1'), r.stdout);
    },
  },
];

/** Cases whose recorded bpftrace output is compared without some lines (see the cases). */
export const EXPECTED_FILTERS: Record<string, (expected: string) => string> = {
  // bpftrace prints the kfunc name and a retval line for entry probes too.
  list_kfunc_verbose_017: (e) =>
    `fentry:${lines(e)[0]?.slice('kfunc:'.length)}\n${lines(e)
      .slice(1)
      .filter((l) => !l.endsWith(' retval'))
      .map((l) => `${l}\n`)
      .join('')}`,
  // 0.17 calls fentry probes kfunc:...
  fentry_args: (e) => e.replaceAll('kfunc:', 'fentry:'),
  // Stack frames: 0.17 indents them by 4, 0.26 (and we) by 8.
  kprobe_arg_and_kstack: (e) => e.replace(/^ {4}(?=\S)/gm, '        '),
  fexit_wildcard: (e) => e.replaceAll('kretfunc:', 'fexit:'),
};
