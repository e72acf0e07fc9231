#!/usr/bin/env node
// Runs bpftrace's own runtime test corpus (tests/runtime in the bpftrace repository) against
// bpftrace-ts, to find where we differ from bpftrace. The case format and the pass/fail rules
// follow bpftrace's engine (tests/runtime/engine/{parser,runner}.py); the runner itself is ours.
//
//   sudo node scripts/bpftrace-runtime-tests.mjs [--mirror GIT_DIR] [--rev REV] [--jobs N]
//        [--filter REGEX] [--json OUT.json] [--keep] [--bin PATH] [--verbose]
//        [--kernel-probes] [--slow FACTOR] [--list] [--aot]
//
// --aot runs the PROG cases as bpftrace's engine does with --run-aot-tests: each program is
// compiled with `--aot FILE`, then FILE runs it.
//
// --kernel-probes runs only the cases the host skips for their probe types (kprobe, fentry,
// iter...), for a kernel that has them: the kernel-lab VM, where the CPU is emulated and
// --slow multiplies every timeout (e.g. 8):
//   ../shared/kernel-lab/run-in-vm --accel tcg --timeout 3000 -- \
//     node scripts/bpftrace-runtime-tests.mjs --kernel-probes --slow 8 --jobs 1
//
// Cases that cannot run on this host are skipped with a reason: probe types the kernel refuses
// (kprobe, fentry/fexit, iter, ...), features the host lacks (REQUIRES_FEATURE), REQUIRES
// commands that fail, kernel/arch limits, test programs that do not build here.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { arch as hostArch, release, tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';

const ROOT = resolve(dirname(new URL(import.meta.url).pathname), '..');
const DEFAULT_TIMEOUT = 5;
const ATTACH_TIMEOUT = 10;
const ATTACHED_LINE = '__BPFTRACE_NOTIFY_PROBES_ATTACHED';
// The corpus is written for bpftrace's CI, whose /bin/sh is bash (`echo 'a\n'` keeps the backslash).
const SHELL = existsSync('/bin/bash') ? '/bin/bash' : 'sh';

// Probe types whose programs this kernel refuses (kprobes, BPF trampolines, iterators): cases
// using them would only measure the host, not bpftrace-ts.
const UNSUPPORTED_PROBE = /(?:^|[};,]|\s)\s*(kprobe|kretprobe|k|kr|fentry|fexit|f|fr|kfunc|kretfunc|iter|it|kprobe_session)\s*:/m;
// Also a program in a RUN line's quotes (`-e 'kprobe:f { }'`): cases --kernel-probes adds, while
// the host's count stays as it was triaged.
const KERNEL_PROBE_IN_RUN = /(?:^|[};,']|\s)\s*(kprobe|kretprobe|k|kr|fentry|fexit|f|fr|kfunc|kretfunc|iter|it|kprobe_session)\s*:/m;

// Features other people are adding while this corpus was triaged: failures that only involve
// them are reported apart so they are not mistaken for new incompatibilities.
const PENDING_ELSEWHERE = [
  'strerror',
  'syscall_name',
  'signal_name',
  'strcap',
  'memcmp',
  'default_str_length',
  'assert',
  'assert_str',
  'static_assert',
  'fail',
  'is_array',
  'is_integer',
  'is_literal',
  'is_ptr',
  'is_str',
  'is_unsigned_integer',
  'probetype',
  'has_cpid',
  'config',
  'cgroupid',
  'cgroup_path',
  'leader_comm',
  'leader_tid',
  'container_of',
  'is_err',
  'kfunc_exist',
  'kfunc_allowed',
  'find',
  'socket_cookie',
  'signal_thread',
  'write_user',
  'dw_ustack',
  'path',
  'skboutput',
  'unwatch',
];

function parseArgs(argv) {
  const opts = {
    mirror: '/work/.mirror/bpftrace+bpftrace/repo',
    rev: 'HEAD',
    jobs: 2,
    filter: null,
    json: null,
    keep: false,
    bin: join(ROOT, 'bpftrace-ts'),
    verbose: false,
    kernelProbes: false,
    slow: 1,
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === '--mirror') opts.mirror = next();
    else if (a === '--rev') opts.rev = next();
    else if (a === '--jobs') opts.jobs = Number(next());
    else if (a === '--filter') opts.filter = new RegExp(next());
    else if (a === '--json') opts.json = resolve(next());
    else if (a === '--keep') opts.keep = true;
    else if (a === '--bin') opts.bin = resolve(next());
    else if (a === '--verbose') opts.verbose = true;
    else if (a === '--kernel-probes') opts.kernelProbes = true;
    else if (a === '--slow') opts.slow = Number(next());
    else if (a === '--list') opts.list = true;
    else if (a === '--aot') opts.aot = true;
    else throw new Error(`unknown option ${a}`);
  }
  return opts;
}

// ---- parsing (same rules as bpftrace's engine/parser.py) ----

function parseSuite(text, suite) {
  const tests = [];
  const lines = text.split(/(?<=\n)/);
  let block = [];
  lines.forEach((line, idx) => {
    if (line.startsWith('#')) return;
    if (line !== '\n') block.push(line);
    if (line === '\n' || idx === lines.length - 1) {
      if (block.length > 0) tests.push(parseCase(block, suite));
      block = [];
    }
  });
  return tests;
}

function parseCase(lines, suite) {
  const t = {
    suite,
    name: '',
    run: '',
    prog: '',
    expects: [],
    exact: false,
    timeout: DEFAULT_TIMEOUT,
    befores: [],
    after: '',
    setup: '',
    cleanup: '',
    kernelMin: '',
    kernelMax: '',
    requires: [],
    env: {},
    arch: [],
    features: [],
    negFeatures: [],
    willFail: false,
    newPidns: false,
    skipIfEnv: null,
    returnCode: 0,
    localizeTs: -1,
    error: null,
  };
  let prev = '';
  for (const item of lines) {
    const lead = item.slice(0, prev.length + 1);
    if (lead.length > 0 && /^\s+$/.test(lead)) {
      const cont = item.slice(prev.length + 1).replace(/\n$/, '');
      if (prev === 'PROG') {
        t.prog += `\n${cont}`;
        continue;
      }
      if (prev === 'EXPECT' || prev === 'EXPECT_REGEX') {
        t.expects[t.expects.length - 1].text += `\n${cont}`;
        continue;
      }
    }
    const trimmed = item.trim();
    const sp = trimmed.search(/\s/);
    const key = sp < 0 ? trimmed : trimmed.slice(0, sp);
    const value = sp < 0 ? '' : trimmed.slice(sp).trimStart();
    prev = key;
    switch (key) {
      case 'NAME':
        t.name = value;
        break;
      case 'RUN':
        t.run = value;
        break;
      case 'PROG':
        t.prog = value;
        break;
      case 'EXPECT':
        t.expects.push({ mode: 'text', text: value });
        break;
      case 'EXPECT_NONE':
        t.expects.push({ mode: 'text_none', text: value });
        break;
      case 'EXPECT_REGEX':
        t.expects.push({ mode: 'regex', text: value });
        break;
      case 'EXPECT_REGEX_NONE':
        t.expects.push({ mode: 'regex_none', text: value });
        break;
      case 'EXPECT_FILE':
        t.exact = true;
        t.expects.push({ mode: 'file', text: value });
        break;
      case 'EXPECT_JSON':
        t.exact = true;
        t.expects.push({ mode: 'json', text: value });
        break;
      case 'TIMEOUT':
        t.timeout = Number.parseInt(value, 10);
        break;
      case 'BEFORE':
        t.befores.push(value);
        break;
      case 'AFTER':
        t.after = value;
        break;
      case 'SETUP':
        t.setup = value;
        break;
      case 'CLEANUP':
        t.cleanup = value;
        break;
      case 'MIN_KERNEL':
        t.kernelMin = value;
        break;
      case 'MAX_KERNEL':
        t.kernelMax = value;
        break;
      case 'REQUIRES':
        t.requires.push(value);
        break;
      case 'ENV':
        for (const kv of value.split(/\s+/).filter(Boolean)) {
          const [k, v] = kv.split('=');
          t.env[k] = v;
        }
        break;
      case 'ARCH':
        t.arch = value.split('|').map((s) => s.trim());
        break;
      case 'REQUIRES_FEATURE':
        for (const f of value.split(' ').map((s) => s.trim())) {
          if (f.startsWith('!')) t.negFeatures.push(f.slice(1));
          else if (f) t.features.push(f);
        }
        break;
      case 'WILL_FAIL':
        t.willFail = true;
        break;
      case 'NEW_PIDNS':
        t.newPidns = true;
        break;
      case 'SKIP_IF_ENV_HAS': {
        const [k, v] = value.split('=');
        t.skipIfEnv = [k, v];
        break;
      }
      case 'RETURN_CODE':
        t.returnCode = Number.parseInt(value, 10);
        break;
      case 'LOCALIZE_TIMESTAMPS':
        t.localizeTs = Number.parseInt(value, 10);
        break;
      default:
        t.error = `unknown directive ${key}`;
    }
  }
  if (!t.name) t.error = 'no NAME';
  else if (!t.run && !t.prog) t.error = 'no RUN or PROG';
  return t;
}

// ---- host facts ----

function versionCmp(a, b) {
  const pa = a.split(/[.-]/).map((x) => Number.parseInt(x, 10) || 0);
  const pb = b.split(/[.-]/).map((x) => Number.parseInt(x, 10) || 0);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

// Maps bpftrace's REQUIRES_FEATURE names to what bpftrace-ts --info reports for this host.
function hostFeatures(bin) {
  const info = spawnSync(bin, ['--info'], { encoding: 'utf8' });
  const out = `${info.stdout}${info.stderr}`;
  const has = (label) => new RegExp(`${label}[^\\n]*: yes`).test(out);
  return {
    loop: has('bpf_loop'),
    probe_read_kernel: has('bpf_probe_read_kernel'),
    btf: has('kernel BTF'),
    fentry: has('tracing programs \\(fentry/fexit\\)'),
    dpath: has('bpf_d_path'),
    signal: has('bpf_send_signal'),
    iter: /\biter: yes/.test(out),
    libpath_resolv: false,
    dwarf: true,
    kprobe_multi: /\bkprobe_multi: yes/.test(out),
    kprobe_session: /\bkprobe_session: yes/.test(out),
    uprobe_multi: has('uprobe_multi links'),
    aot: true,
    skboutput: false,
    get_tai_ns: has('bpf_ktime_get_tai_ns'),
    get_func_ip: has('bpf_get_func_ip'),
    jiffies64: true,
    lookup_percpu_elem: true,
    dwunwind: false,
    blazesym: false,
  };
}

function stripStrings(s) {
  return s.replace(/"(?:[^"\\\n]|\\.)*"/g, '""');
}

/** The program text of a case: PROG, or RUN with the scripts it runs (runtime/scripts/x.bt). */
function caseSource(t, testsDir) {
  if (t.prog) return t.prog;
  const scripts = t.run.match(/runtime\/scripts\/[\w.-]+\.bt/g) ?? [];
  return [t.run, ...scripts.map((f) => (existsSync(join(testsDir, f)) ? readFileSync(join(testsDir, f), 'utf8') : ''))].join('\n');
}

function skipReason(t, features, kernel, testsDir, kernelProbes) {
  if (t.error) return `unparsable case: ${t.error}`;
  if (t.arch.length > 0) {
    const ids = new Set([hostArch() === 'x64' ? 'x86_64' : hostArch(), 'le']);
    const pos = t.arch.filter((a) => !a.startsWith('!'));
    const neg = t.arch.filter((a) => a.startsWith('!')).map((a) => a.slice(1));
    if (pos.length > 0 && !pos.some((a) => ids.has(a))) return `arch ${t.arch.join('|')}`;
    if (neg.some((a) => ids.has(a))) return `arch ${t.arch.join('|')}`;
  }
  if (t.kernelMin && versionCmp(t.kernelMin, kernel) > 0) return `min kernel ${t.kernelMin}`;
  if (t.kernelMax && versionCmp(t.kernelMax, kernel) < 0) return `max kernel ${t.kernelMax}`;
  if (t.skipIfEnv && process.env[t.skipIfEnv[0]] === t.skipIfEnv[1]) return 'environment';
  for (const f of t.features) {
    if (!(f in features)) return `unknown feature ${f}`;
    if (!features[f]) return `feature ${f} missing`;
  }
  for (const f of t.negFeatures) if (features[f]) return `feature ${f} present`;
  const m = UNSUPPORTED_PROBE.exec(stripStrings(caseSource(t, testsDir)));
  if (kernelProbes) {
    if (!m && !KERNEL_PROBE_IN_RUN.test(stripStrings(caseSource(t, testsDir)))) return 'no kernel probe type (--kernel-probes)';
  } else if (m) return `${m[1]} probes unsupported on this host`;
  if (t.newPidns) return 'NEW_PIDNS (needs unshare of the runner)';
  return null;
}

// ---- test programs ----

function buildTestprogs(work, srcDir) {
  const out = join(work, 'tests', 'testprogs');
  const include = join(srcDir, 'include');
  mkdirSync(out, { recursive: true });
  const cflags = ['-g', '-O0', '-fno-omit-frame-pointer', '-mno-omit-leaf-frame-pointer', `-I${include}`];
  const libsOut = join(work, 'tests', 'testlibs');
  mkdirSync(libsOut, { recursive: true });
  for (const f of readdirSync(join(srcDir, 'testlibs'))) {
    if (!f.endsWith('.c')) continue;
    const name = `lib${basename(f, '.c')}.so`;
    spawnSync('gcc', ['-g', '-O0', '-shared', '-fPIC', `-I${include}`, '-o', join(libsOut, name), join(srcDir, 'testlibs', f)]);
    if (existsSync(join(libsOut, name))) spawnSync('chmod', ['-x', join(libsOut, name)]);
  }
  const built = [];
  const failed = [];
  for (const f of readdirSync(join(srcDir, 'testprogs')).sort()) {
    const m = /^(.*)\.(c|cpp)$/.exec(f);
    if (!m) continue;
    const name = m[1];
    const cc = m[2] === 'cpp' ? 'g++' : 'gcc';
    const extra = name === 'uprobe_nofp' ? ['-g', '-O1', '-fomit-frame-pointer', '-fno-optimize-sibling-calls'] : cflags;
    const libs =
      name === 'usdt_lib' ? [`-I${join(srcDir, 'testlibs')}`, '-fPIC', `-L${libsOut}`, `-Wl,-rpath,${libsOut}`, '-lusdt_tp'] : [];
    const threads = ['-lpthread'];
    for (const pie of [false, true]) {
      const target = join(out, pie ? `${name}-pie` : name);
      const r = spawnSync(
        cc,
        [
          ...extra,
          `-I${include}`,
          pie ? '-fpie' : '-fno-pie',
          pie ? '-pie' : '-no-pie',
          '-o',
          target,
          join(srcDir, 'testprogs', f),
          ...libs,
          ...threads,
        ],
        {
          encoding: 'utf8',
        },
      );
      if (r.status === 0) built.push(basename(target));
      else failed.push(basename(target));
    }
  }
  // Variants bpftrace's CMake makes: stripped binaries with separate debug info, a flat binary.
  const objcopy = (args) => spawnSync('objcopy', args).status === 0;
  const ext = join(out, 'external_debug');
  mkdirSync(ext, { recursive: true });
  mkdirSync(join(out, '.debug'), { recursive: true });
  if (existsSync(join(out, 'uprobe_test'))) {
    objcopy(['--only-keep-debug', join(out, 'uprobe_test'), join(ext, 'uprobe_test-stripped.debug')]);
    objcopy(['--strip-debug', join(out, 'uprobe_test'), join(out, 'uprobe_test-stripped')]);
  }
  if (existsSync(join(out, 'uprobe_separate_debug'))) {
    const dbg = join(out, '.debug', 'uprobe_separate_debug-stripped.debug');
    objcopy(['--only-keep-debug', join(out, 'uprobe_separate_debug'), dbg]);
    objcopy(['--strip-debug', join(out, 'uprobe_separate_debug'), join(out, 'uprobe_separate_debug-stripped')]);
    objcopy([`--add-gnu-debuglink=${dbg}`, join(out, 'uprobe_separate_debug-stripped')]);
  }
  const falseObj = join(out, 'false.o');
  if (spawnSync('gcc', ['-c', join(srcDir, 'testprogs', 'false.c'), '-o', falseObj]).status === 0) {
    objcopy(['-S', '--only-section=.text', '--keep-symbol=main', '-O', 'binary', falseObj, join(out, 'false.bin')]);
    rmSync(falseObj, { force: true });
  }
  if (existsSync(join(out, 'true'))) spawnSync('zip', ['-q', '-0', '-j', join(out, 'archive.zip'), join(out, 'true')]);
  // Split DWARF: .dwo files next to the binary, and the same packaged into a .dwp.
  const testSrc = join(srcDir, 'testprogs', 'uprobe_test.c');
  for (const kind of ['dwo', 'dwp']) {
    const dir = join(ext, kind);
    mkdirSync(dir, { recursive: true });
    const bin = join(dir, 'uprobe_test-split');
    spawnSync('gcc', ['-g', '-O0', '-gsplit-dwarf', '-o', bin, testSrc], { cwd: dir });
    if (kind === 'dwp' && existsSync(bin)) {
      spawnSync('llvm-dwp', ['-e', bin, '-o', `${bin}.dwp`], { cwd: dir });
      for (const f of readdirSync(dir)) if (f.endsWith('.dwo')) rmSync(join(dir, f));
    }
  }
  return { built, failed };
}

// ---- running one case (same rules as bpftrace's engine/runner.py) ----

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function escapeRegex(s) {
  return s.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
}

// Python regexes as used by the corpus, in JavaScript syntax. Scoped flags `(?s:...)` are
// newer than Node 20's regexes: their dots are spelled out as "any character".
function pyRegex(src) {
  return new RegExp(
    src
      .replace(/\(\?s:((?:[^()\\]|\\.)*)\)/g, (_, inner) => `(?:${inner.replace(/(?<!\\)\./g, '[\\s\\S]')})`)
      .replace(/\(\?P</g, '(?<')
      .replace(/\(\?P=(\w+)\)/g, '\\k<$1>')
      .replace(/\\Z/g, '$(?![\\s\\S])')
      .replace(/\\A/g, '^(?<![\\s\\S])'),
    'm',
  );
}

function jsonEqual(a, b) {
  if (a === b) return true;
  if (typeof a !== typeof b || a === null || b === null || typeof a !== 'object') return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) return a.length === b.length && a.every((x, i) => jsonEqual(x, b[i]));
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  return ka.length === kb.length && ka.every((k) => k in b && jsonEqual(a[k], b[k]));
}

function localize(t, text) {
  if (t.localizeTs < 0) return text;
  return execFileSync('date', ['-d', `@${t.localizeTs}`, `+${text}`], { encoding: 'utf8' }).replace(/\n$/, '');
}

function checkExpect(t, e, output, cwd) {
  try {
    switch (e.mode) {
      case 'text':
        return new RegExp(`^\\s*${escapeRegex(e.text)}\\s*$`, 'm').test(output);
      case 'text_none':
        return !new RegExp(`^\\s*${escapeRegex(e.text)}\\s*$`, 'm').test(output);
      case 'regex':
        return pyRegex(e.text).test(output);
      case 'regex_none':
        return !pyRegex(e.text).test(output);
      case 'file':
        return output.trim() === localize(t, readFileSync(join(cwd, e.text), 'utf8').trim());
      case 'json': {
        const want = readFileSync(join(cwd, e.text), 'utf8').trim();
        const got = output.trim().split('\n');
        if (e.text.endsWith('.ndjson')) {
          const wl = want.split('\n');
          return wl.length === got.length && wl.every((l, i) => jsonEqual(JSON.parse(l), JSON.parse(got[i])));
        }
        return got.length === 1 && jsonEqual(JSON.parse(output.trim()), JSON.parse(want));
      }
      default:
        return false;
    }
  } catch {
    return false;
  }
}

function shQuote(s) {
  return `'${s.replace(/'/g, "'\\''")}'`;
}

let aotFiles = 0;

function bpfCommand(t, bin, aotDir) {
  if (t.run) return t.run.replace(/\{\{BPFTRACE\}\}/g, shQuote(bin));
  const json = t.expects[0]?.mode === 'json' ? '-q -f json ' : '';
  const cmd = `${shQuote(bin)} ${json}-e ${shQuote(t.prog)}`;
  if (!aotDir) return cmd;
  // One file per case: cases run in parallel.
  const file = shQuote(join(aotDir, `prog${aotFiles++}.btaot`));
  return `${cmd} --aot ${file} && ${file}`;
}

function killGroup(child, sig) {
  try {
    process.kill(-child.pid, sig);
  } catch {
    // already gone
  }
}

function readComm(pid) {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return null;
  }
}

async function runShellStep(cmd, cwd) {
  const r = spawnSync(SHELL, ['-c', cmd], { cwd, encoding: 'utf8' });
  return r.status === 0 ? null : `${r.stdout}${r.stderr}`;
}

async function runCase(t, ctx) {
  const cwd = ctx.testsDir;
  for (const req of t.requires) {
    if (spawnSync(SHELL, ['-c', req], { cwd, stdio: 'ignore' }).status !== 0) return { status: 'skip', reason: `REQUIRES ${req}` };
  }
  if (t.setup) {
    const err = await runShellStep(t.setup, cwd);
    if (err !== null) return { status: 'fail', command: t.setup, detail: [`SETUP failed: ${err}`], output: '' };
  }
  const befores = [];
  let after = null;
  let child = null;
  let output = '';
  let timedOut = false;
  let command = '';
  try {
    for (const b of t.befores) {
      const argv = b.trim().split(/\s+/);
      const p = spawn(argv[0], argv.slice(1), { cwd, detached: true, stdio: 'ignore' });
      p.on('error', () => {});
      befores.push(p);
      const want = basename(argv[argv.length - 1]).slice(0, 15);
      const deadline = Date.now() + t.timeout * 1000 * ctx.slow;
      while (readComm(p.pid) !== want) {
        if (Date.now() > deadline || p.exitCode !== null)
          return { status: 'fail', command: b, detail: ['BEFORE did not start'], output: '' };
        await sleep(50);
      }
    }
    command = bpfCommand(t, ctx.bin, ctx.aotDir);
    if (befores.length > 0) command = command.replace(/\{\{BEFORE_PID\}\}/g, String(befores[0].pid));
    const env = { test: t.name, [ATTACHED_LINE]: '1', PATH: process.env.PATH ?? '', ...t.env };
    child = spawn(SHELL, ['-c', `exec 2>&1; ${command}`], { cwd, env, detached: true, stdio: ['ignore', 'pipe', 'ignore'] });
    let buf = '';
    let attached = false;
    let timer = null;
    const finished = new Promise((res) => child.on('close', (code, signal) => res({ code, signal })));
    const timeoutHit = new Promise((res) => {
      const arm = (secs) => {
        if (timer) clearTimeout(timer);
        timer = setTimeout(() => res('timeout'), secs * 1000);
      };
      arm(ATTACH_TIMEOUT * ctx.slow);
      child.stdout.setEncoding('utf8');
      child.stdout.on('data', (chunk) => {
        buf += chunk;
        let nl = buf.indexOf('\n');
        while (nl >= 0) {
          const line = buf.slice(0, nl + 1);
          buf = buf.slice(nl + 1);
          output += line;
          if (!attached && line === `${ATTACHED_LINE}\n`) {
            attached = true;
            if (t.exact) output = '';
            arm(t.timeout * ctx.slow);
            if (t.after) after = spawn(SHELL, ['-c', t.after], { cwd, detached: true, stdio: 'ignore' });
          }
          nl = buf.indexOf('\n');
        }
      });
    });
    const first = await Promise.race([finished, timeoutHit]);
    let exit = null;
    if (first === 'timeout') {
      timedOut = true;
      // The AFTER/BEFORE programs go first: a tool detaching a trampoline waits (uninterruptibly)
      // for an RCU-tasks grace period, which a program looping through the traced function holds
      // off (fexit:__sys_bpf with fentry_args, under an emulated CPU).
      if (after) killGroup(after, 'SIGKILL');
      for (const b of befores) killGroup(b, 'SIGKILL');
      killGroup(child, 'SIGTERM');
      const late = await Promise.race([finished, sleep(1000).then(() => null)]);
      if (late === null) {
        killGroup(child, 'SIGKILL');
        await finished;
      }
    } else exit = first;
    if (timer) clearTimeout(timer);
    output += buf;
    const failedExpects = t.expects.filter((e) => !checkExpect(t, e, output, cwd));
    const detail = [];
    if (!timedOut && exit) {
      const rc = exit.code ?? 128 + 15;
      if (rc !== t.returnCode && !t.willFail) detail.push(`exit code ${rc}, expected ${t.returnCode}`);
      if (rc === 0 && t.willFail) detail.push('exit code 0 but WILL_FAIL');
    }
    for (const e of failedExpects) detail.push(`${e.mode}: ${e.text}`);
    if (timedOut && failedExpects.length > 0) detail.unshift(`timed out after ${t.timeout}s`);
    if (detail.length > 0) return { status: 'fail', command, detail, output };
    return { status: 'pass' };
  } finally {
    for (const b of befores) killGroup(b, 'SIGKILL');
    if (child && child.exitCode === null) killGroup(child, 'SIGKILL');
    if (after) {
      await Promise.race([new Promise((r) => after.on('close', r)), sleep(1000)]);
      killGroup(after, 'SIGKILL');
    }
    if (t.cleanup) spawnSync(SHELL, ['-c', t.cleanup], { cwd, stdio: 'ignore' });
  }
}

function pendingFeature(t) {
  const src = stripStrings(t.prog || t.run);
  return PENDING_ELSEWHERE.find((f) => new RegExp(`\\b${f}\\s*\\(|\\b${f}\\s*=\\s*\\{|\\b${f}:`).test(src)) ?? null;
}

// Cases that write the same fixed file (/tmp/bpftrace-file-output-test...) must not overlap.
function sharedPath(t) {
  return /\/tmp\/[\w.-]+/.exec([t.run, t.prog, t.after, t.setup, t.cleanup, ...t.befores].join(' '))?.[0] ?? null;
}

const locks = new Map();
async function exclusive(key, fn) {
  if (key === null) return fn();
  const prev = locks.get(key) ?? Promise.resolve();
  let release;
  const mine = new Promise((r) => {
    release = r;
  });
  locks.set(key, mine);
  await prev;
  try {
    return await fn();
  } finally {
    release();
  }
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  // No dashes: expected stack frames match source paths (compiled in here) with `[\w\/]+`.
  const work = mkdtempSync(join(tmpdir(), 'bpftrace_rt_'));
  const srcDir = join(work, 'src');
  mkdirSync(srcDir);
  execFileSync('sh', ['-c', `git --git-dir=${shQuote(opts.mirror)} archive ${shQuote(opts.rev)} tests | tar -x -C ${shQuote(srcDir)}`]);
  const testsSrc = join(srcDir, 'tests');
  mkdirSync(join(work, 'tests'));
  renameSync(join(testsSrc, 'runtime'), join(work, 'tests', 'runtime'));
  if (!opts.list) {
    process.stdout.write(`work dir ${work}\nbuilding test programs... `);
    const progs = buildTestprogs(work, testsSrc);
    process.stdout.write(
      `${progs.built.length} built, ${progs.failed.length} failed (${progs.failed.filter((n) => !n.endsWith('-pie')).join(' ')})\n`,
    );
  }

  const features = hostFeatures(opts.bin);
  const kernel = release();
  const runtimeDir = join(work, 'tests', 'runtime');
  const cases = [];
  for (const f of readdirSync(runtimeDir).sort()) {
    if (f.startsWith('.') || statSync(join(runtimeDir, f)).isDirectory()) continue;
    for (const t of parseSuite(readFileSync(join(runtimeDir, f), 'utf8'), f)) {
      if (opts.filter && !opts.filter.test(`${t.suite}.${t.name}`)) continue;
      cases.push(t);
    }
  }
  const ctx = { bin: opts.bin, testsDir: join(work, 'tests'), slow: opts.slow, aotDir: opts.aot ? work : null };
  const results = new Array(cases.length);
  let nextIdx = 0;
  const worker = async () => {
    while (nextIdx < cases.length) {
      const i = nextIdx++;
      const t = cases[i];
      const reason = opts.aot && !t.prog ? 'aot: only PROG cases' : skipReason(t, features, kernel, ctx.testsDir, opts.kernelProbes);
      if (opts.list) {
        if (!reason) process.stdout.write(`${t.suite}.${t.name}\n`);
        results[i] = { suite: t.suite, name: t.name, status: 'skip', reason: 'listed' };
        continue;
      }
      const r = reason ? { status: 'skip', reason } : await exclusive(sharedPath(t), () => runCase(t, ctx));
      results[i] = { suite: t.suite, name: t.name, pending: pendingFeature(t), ...r };
      if (opts.verbose)
        process.stdout.write(`[${r.status.toUpperCase().padEnd(4)}] ${t.suite}.${t.name}${r.reason ? ` (${r.reason})` : ''}\n`);
      // Printed at once as well: a guest that dies mid-run never reaches the summary.
      if (opts.verbose && r.status === 'fail') {
        for (const d of r.detail) process.stdout.write(`  expected ${d}\n`);
        process.stdout.write(`${r.output.slice(0, 1500).replace(/^/gm, '    | ')}\n`);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, opts.jobs) }, worker));

  const bySuite = new Map();
  for (const r of results) {
    const s = bySuite.get(r.suite) ?? { pass: 0, fail: 0, skip: 0 };
    s[r.status]++;
    bySuite.set(r.suite, s);
  }
  const failures = results.filter((r) => r.status === 'fail');
  for (const r of failures) {
    process.stdout.write(
      `\n[FAILED] ${r.suite}.${r.name}${r.pending ? ` (needs ${r.pending}, pending elsewhere)` : ''}\n  command: ${r.command}\n`,
    );
    for (const d of r.detail) process.stdout.write(`  expected ${d}\n`);
    const shown = r.output.length > 2000 ? `${r.output.slice(0, 2000)}\n...` : r.output;
    process.stdout.write(`  got:\n${shown.replace(/^/gm, '    | ')}\n`);
  }
  process.stdout.write('\nsuite                 pass  fail  skip\n');
  const total = { pass: 0, fail: 0, skip: 0 };
  for (const [suite, s] of [...bySuite].sort()) {
    process.stdout.write(`${suite.padEnd(20)} ${String(s.pass).padStart(5)} ${String(s.fail).padStart(5)} ${String(s.skip).padStart(5)}\n`);
    total.pass += s.pass;
    total.fail += s.fail;
    total.skip += s.skip;
  }
  const pending = failures.filter((r) => r.pending).length;
  process.stdout.write(
    `${'total'.padEnd(20)} ${String(total.pass).padStart(5)} ${String(total.fail).padStart(5)} ${String(total.skip).padStart(5)}\n` +
      `${total.pass} of ${total.pass + total.fail} applicable pass (${pending} failures need features pending elsewhere)\n`,
  );
  if (opts.json) writeFileSync(opts.json, `${JSON.stringify(results, null, 1)}\n`);
  if (!opts.keep) rmSync(work, { recursive: true, force: true });
  process.exit(total.fail > 0 ? 1 : 0);
}

main().catch((err) => {
  process.stderr.write(`bpftrace-runtime-tests: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(2);
});
