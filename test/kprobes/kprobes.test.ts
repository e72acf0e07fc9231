// Kernel dynamic probes on a machine that may not run them: attach-point parsing, wildcard
// expansion, BTF-typed fentry/fexit contexts, iterator programs, the attach attrs, and the
// message a kernel without these features gives. What runs them is test/vm (npm run test:vm).

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import {
  BPF_F_RDONLY_PROG,
  BPF_LINK_CREATE,
  BPF_PROG_TYPE_KPROBE,
  BPF_PROG_TYPE_TRACING,
  BPF_TRACE_FENTRY,
  BPF_TRACE_FEXIT,
  BPF_TRACE_ITER,
  BPF_TRACE_KPROBE_MULTI,
  BPF_TRACE_KPROBE_SESSION,
} from '../../src/bpf/constants.ts';
import { setDisabledFeatures } from '../../src/bpf/disabled-features.ts';
import { disasm } from '../../src/bpf/disasm.ts';
import { type FeatureResult, features } from '../../src/bpf/features.ts';
import { Helper } from '../../src/bpf/helpers.ts';
import type { Insn } from '../../src/bpf/insn.ts';
import type { CompiledScript } from '../../src/codegen/compile.ts';
import { UserError } from '../../src/lang/diagnostics.ts';
import { fentry, fexit } from '../../src/probes/fentry.ts';
import { listProbes } from '../../src/probes/info/listing.ts';
import { setAvailableFilterText, traceableFunctions } from '../../src/probes/info/symbol-sources.ts';
import { iter, pinPath, withIterPrologue } from '../../src/probes/iter.ts';
import { createKprobeMulti, LINK_CREATE_KPROBE_MULTI } from '../../src/probes/kernel/attach.ts';
import { availabilityOptions, requireKprobes, requireTracing } from '../../src/probes/kernel/availability.ts';
import { bpfProgramsSource } from '../../src/probes/kernel/bpf-programs.ts';
import { kernelFuncSignature } from '../../src/probes/kernel/btf-func.ts';
import { matchFunctions, parseKprobeBlacklist, setKprobeBlacklist, traceableModules } from '../../src/probes/kernel/functions.ts';
import { ITER_FMT_MAP, seqFormatProblem } from '../../src/probes/kernel/seq-printf.ts';
import {
  kprobeAddressProblem,
  parseKprobeAddress,
  parseKprobeFunc,
  setKprobeMultiSupport,
  setKprobeSessionSupport,
} from '../../src/probes/kprobe.ts';
import { Kallsyms, loadKallsyms } from '../../src/runtime/ksyms.ts';
import { kernelBtf } from '../../src/sema/btf-types.ts';
import { FakeSys } from '../bpf/fake-sys.ts';
import { compileText } from '../helpers/compile.ts';
import { isRoot, LAUNCHER, runCli, waitForStderr } from '../helpers/run.ts';

const lines = (s: string): string[] => s.split('\n').filter((l) => l !== '');

const SPAN = { start: 0, end: 0, line: 1, col: 1 } as never;

/** Feature answers as on a kernel that has everything. */
const everything = (): FeatureResult => ({ status: 'available' });

function compiled(text: string): CompiledScript {
  const r = compileText(text);
  assert.ok(r.script, r.errors);
  return r.script;
}

/** Loads from the context register (r6) at `off`, as `ldxdw rX, [r6+off]`. */
function readsCtx(insns: readonly Insn[], off: number): boolean {
  return insns.some((i) => (i.op & 0x07) === 0x01 && i.src === 6 && i.off === off);
}

const hasBtf = kernelBtf() !== null;
const hasTracefsList = (() => {
  try {
    return matchFunctions(null, 'vfs_read').length === 1;
  } catch {
    return false;
  }
})();

describe('attach points', () => {
  test('kprobe function, offset (decimal or hex), and what is refused', () => {
    assert.deepEqual(parseKprobeFunc('vfs_read', false), { func: 'vfs_read', offset: 0 });
    assert.deepEqual(parseKprobeFunc('vfs_read+16', false), { func: 'vfs_read', offset: 16 });
    assert.deepEqual(parseKprobeFunc('vfs_read+0x10', false), { func: 'vfs_read', offset: 16 });
    assert.throws(() => parseKprobeFunc('vfs_read+4', true), /Offset not allowed/);
    assert.throws(() => parseKprobeFunc('vfs_read+1+2', false), /more than one offset/);
    assert.throws(() => parseKprobeFunc('vfs_read+x', false), /Invalid offset/);
    assert.throws(() => parseKprobeFunc('+4', false), /Invalid offset/);
  });

  test('the kprobe blacklist file, old and new formats', () => {
    const text =
      '0xffffffff81c00990-0xffffffff81c009b0\tasm_exc_divide_error\n0xffffffffc0001000-0xffffffffc0001010\tmod_fn [mymod]\n0xffffffff81000000\told_style\n';
    assert.deepEqual([...parseKprobeBlacklist(text)], ['asm_exc_divide_error', 'mod_fn', 'old_style']);
  });

  test('iterator pin paths are absolute or under /sys/fs/bpf', () => {
    assert.equal(pinPath('list'), '/sys/fs/bpf/list');
    assert.equal(pinPath('/sys/fs/bpf/files'), '/sys/fs/bpf/files');
  });
});

describe('kernel functions: the file scan agrees with the whole table', () => {
  // available_filter_functions as a kernel with modules writes it: the same name in several
  // modules, a module function named like a core one, compiler-split `.part.N` pieces.
  const FILE = ['vfs_read', 'vfs_write', 'vfs_fsync [ext4]', 'vfs_fsync', 'vfs_fsync [xfs]', 'vfs_x.part.0', 'ext4_read [ext4]', ''].join(
    '\n',
  );
  after(() => setAvailableFilterText(undefined));

  /** The answers, scanning the file (no table yet) or, with `table`, from the whole table. */
  function answers(table: boolean): unknown {
    setAvailableFilterText(FILE);
    if (table) traceableFunctions();
    return {
      any: matchFunctions(null, 'vfs_*'),
      perModule: matchFunctions('*', 'vfs_*'),
      ext4: matchFunctions('ext*', '*'),
      classes: matchFunctions(null, 'vfs_[!r]*'),
      one: traceableModules('vfs_fsync'),
      part: traceableModules('vfs_x.part.0'),
    };
  }

  test('names without their [module], modules in file order, .part. pieces left out of wildcards', () => {
    const scanned = answers(false);
    assert.deepEqual(scanned, {
      any: [
        { name: 'vfs_fsync', module: 'ext4' },
        { name: 'vfs_read', module: 'vmlinux' },
        { name: 'vfs_write', module: 'vmlinux' },
      ],
      perModule: [
        { name: 'vfs_fsync', module: 'ext4' },
        { name: 'vfs_fsync', module: 'vmlinux' },
        { name: 'vfs_fsync', module: 'xfs' },
        { name: 'vfs_read', module: 'vmlinux' },
        { name: 'vfs_write', module: 'vmlinux' },
      ],
      ext4: [
        { name: 'ext4_read', module: 'ext4' },
        { name: 'vfs_fsync', module: 'ext4' },
      ],
      classes: [
        { name: 'vfs_fsync', module: 'ext4' },
        { name: 'vfs_write', module: 'vmlinux' },
      ],
      one: ['ext4', 'vmlinux', 'xfs'],
      part: ['vmlinux'],
    });
    assert.deepEqual(answers(true), scanned);
  });
});

describe('a kernel without kprobes or tracing programs says so', () => {
  after(() => {
    availabilityOptions.lookup = null;
    availabilityOptions.kernelHasKprobeCode = null;
  });
  const table =
    (answers: Record<string, FeatureResult>) =>
    (name: string): FeatureResult =>
      answers[name] ?? { status: 'available' };

  test('no kprobe PMU and no kprobe code: CONFIG_KPROBES is off', () => {
    availabilityOptions.lookup = table({ kprobe_pmu: { status: 'missing', detail: 'no /sys/bus/event_source/devices/kprobe' } });
    availabilityOptions.kernelHasKprobeCode = () => false;
    assert.throws(
      () => requireKprobes('kprobe'),
      (e: unknown) => e instanceof UserError && e.message === 'kprobes are not available in this kernel (CONFIG_KPROBES is off)',
    );
  });

  test('kprobes without the PMU (Linux < 4.17)', () => {
    availabilityOptions.lookup = table({ kprobe_pmu: { status: 'missing' } });
    availabilityOptions.kernelHasKprobeCode = () => true;
    assert.throws(() => requireKprobes('kretprobe'), /kretprobes need the kprobe PMU \(Linux 4\.17\+\)/);
  });

  test('tracing programs refused (EPERM) or missing, and no BTF', () => {
    availabilityOptions.lookup = table({ prog_tracing: { status: 'missing', detail: 'EPERM: refused by this kernel' } });
    assert.throws(() => requireTracing('fentry'), {
      message: 'fentry/fexit probes need BPF_PROG_TYPE_TRACING, which this kernel refuses (EPERM)',
    });
    assert.throws(() => requireTracing('iter'), {
      message: 'iter probes (BPF iterators) need BPF_PROG_TYPE_TRACING, which this kernel refuses (EPERM)',
    });
    availabilityOptions.lookup = table({ prog_tracing: { status: 'missing', detail: 'E2BIG' } });
    assert.throws(() => requireTracing('fentry'), /which this kernel does not have \(E2BIG\)/);
    availabilityOptions.lookup = table({ btf_vmlinux: { status: 'missing' } });
    assert.throws(() => requireTracing('fentry'), /need kernel BTF/);
  });

  test('--probe-filter: only the probes it keeps need kernel support (bpftrace runtime test probe_filter no match)', () => {
    availabilityOptions.lookup = table({
      kprobe_pmu: { status: 'missing' },
      prog_tracing: { status: 'missing', detail: 'EPERM: refused by this kernel' },
    });
    availabilityOptions.kernelHasKprobeCode = () => false;
    const script = 'kprobe:vfs_read { exit(); } fentry:vfs_write { exit(); } iter:task { exit(); }';
    const none = compileText(script, { probeFilter: /nonexistent_probe_xyz_42/ });
    assert.equal(none.errors, '');
    assert.deepEqual(none.script?.programs, []);
    // BEGIN is never filtered; the kprobe the filter keeps is checked, the others are not.
    const kept = compileText(`BEGIN { exit(); } ${script}`, { probeFilter: /^kprobe:/ });
    assert.equal(kept.script, null);
    assert.match(kept.errors, /^stdin:1:19-34: ERROR: kprobes are not available in this kernel \(CONFIG_KPROBES is off\)\n/);
    assert.doesNotMatch(kept.errors, /TRACING/);
    const fentryKept = compileText(script, { probeFilter: /fentry/ });
    assert.match(
      fentryKept.errors,
      /^stdin:1:29-45: ERROR: fentry\/fexit probes need BPF_PROG_TYPE_TRACING, which this kernel refuses \(EPERM\)\n/,
    );
    // A lookup that fails still names missing support as the likelier reason.
    assert.match(compileText('kprobe:no_such_function_xyz { }').errors, /ERROR: kprobes are not available in this kernel/);
    assert.match(compileText('fentry:bpf:no_such_program_xyz* { }').errors, /ERROR: fentry\/fexit probes need BPF_PROG_TYPE_TRACING/);
    // Malformed attach points are still named as such first.
    assert.match(compileText('kprobe:f+x { }').errors, /ERROR: Invalid offset: f\+x/);
  });

  test('--dry-run: the whole script is checked, then what the kernel lacks is reported with its other errors', () => {
    availabilityOptions.lookup = table({
      kprobe_pmu: { status: 'missing' },
      prog_tracing: { status: 'missing', detail: 'EPERM: refused by this kernel' },
    });
    availabilityOptions.kernelHasKprobeCode = () => false;
    const script = 'kprobe:vfs_read { printf("%d\\n", nosuch); } fentry:vfs_write { @ = count(); }';
    // A run stops at the first probe type the kernel lacks, before looking at the bodies.
    const run = compileText(script);
    assert.match(run.errors, /^stdin:1:1-16: ERROR: kprobes are not available in this kernel/);
    assert.doesNotMatch(run.errors, /Unknown identifier/);
    // --dry-run reports the script's own errors too, then the same kernel messages.
    const dry = compileText(script, { deferKernelSupport: true });
    assert.equal(dry.script, null);
    const errors = lines(dry.errors).filter((l) => l.includes('ERROR:'));
    assert.deepEqual(errors, [
      "stdin:1:34-40: ERROR: Unknown identifier: 'nosuch'",
      'stdin:1:1-16: ERROR: kprobes are not available in this kernel (CONFIG_KPROBES is off)',
      'stdin:1:45-61: ERROR: fentry/fexit probes need BPF_PROG_TYPE_TRACING, which this kernel refuses (EPERM)',
    ]);
    // A function that does not exist is said as such (a run blames the missing kprobes instead).
    const missing = compileText('kprobe:no_such_function_xyz { }', { deferKernelSupport: true });
    assert.deepEqual(
      lines(missing.errors).filter((l) => l.includes('ERROR:')),
      [
        'stdin:1:1-28: ERROR: No matches for kprobe no_such_function_xyz.',
        'stdin:1:1-28: ERROR: kprobes are not available in this kernel (CONFIG_KPROBES is off)',
      ],
    );
    // A correct script compiles through codegen; only the kernel's lack is left to say.
    const ok = compileText('kprobe:vfs_read { @[comm] = count(); } fentry:vfs_write { @w = sum(args.count); }', {
      deferKernelSupport: true,
    });
    assert.deepEqual(
      lines(ok.errors).filter((l) => l.includes('ERROR:')),
      [
        'stdin:1:1-16: ERROR: kprobes are not available in this kernel (CONFIG_KPROBES is off)',
        'stdin:1:40-56: ERROR: fentry/fexit probes need BPF_PROG_TYPE_TRACING, which this kernel refuses (EPERM)',
      ],
    );
  });

  test('through the CLI on this machine: exit 1, one message, no verifier dump', { skip: !existsSync('/sys/kernel/btf/vmlinux') }, () => {
    const kprobes = existsSync('/sys/bus/event_source/devices/kprobe');
    if (!kprobes) {
      const r = runCli(['-e', 'kprobe:do_sys_openat2 { printf("%s\\n", str(arg1)); }']);
      assert.equal(r.code, 1);
      assert.match(r.stderr, /^stdin:1:1-22: ERROR: kprobes are not available in this kernel \(CONFIG_KPROBES is off\)$/m);
      assert.doesNotMatch(r.stderr, /verifier|processed \d+ insns/);
    }
    for (const [script, what] of [
      ['fentry:vfs_read { @ = count(); }', 'fentry/fexit probes'],
      ['iter:task { printf("%d\\n", ctx->task->pid); }', 'iter probes'],
    ] as const) {
      const r = runCli(['-e', script]);
      if (r.code === 0 || !/BPF_PROG_TYPE_TRACING/.test(r.stderr)) continue; // this kernel runs them
      assert.equal(r.code, 1);
      assert.ok(r.stderr.includes(`ERROR: ${what}`), r.stderr);
      assert.doesNotMatch(r.stderr, /verifier|processed \d+ insns/);
    }
  });
});

describe('compiling kernel probes (feature checks answered as on a capable kernel)', () => {
  before(() => {
    availabilityOptions.lookup = everything;
    setKprobeMultiSupport(false);
  });
  after(() => {
    availabilityOptions.lookup = null;
    setKprobeMultiSupport(null);
    setKprobeBlacklist(null);
  });

  test('kprobe: KPROBE programs, arguments from pt_regs registers', { skip: !hasTracefsList }, () => {
    const s = compiled('kprobe:vfs_read { @n = arg2; }');
    const p = s.programs[0];
    assert.ok(p);
    assert.equal(p.spec.type, BPF_PROG_TYPE_KPROBE);
    assert.equal(p.spec.expectedAttachType, undefined);
    assert.deepEqual(
      p.targets.map((t) => t.name),
      ['kprobe:vfs_read'],
    );
    assert.ok(readsCtx(p.spec.insns, 96), 'arg2 is rdx at pt_regs+96');
  });

  test('kretprobe: retval is rax, signed', { skip: !hasTracefsList }, () => {
    const s = compiled('kretprobe:vfs_read { @r[retval] = count(); }');
    const p = s.programs[0];
    assert.ok(p && readsCtx(p.spec.insns, 80), 'rax at pt_regs+80');
    assert.deepEqual(s.resources.maps[0]?.keyType, { kind: 'int', size: 8, signed: true });
  });

  test('kprobe offsets appear in the probe name as bpftrace prints them', { skip: !hasTracefsList }, () => {
    const s = compiled('kprobe:vfs_read+0x10 { @ = count(); }');
    assert.equal(s.programs[0]?.targets[0]?.name, 'kprobe:vfs_read+16');
  });

  test('kprobe:vfs_* expands from available_filter_functions, minus blacklisted functions', { skip: !hasTracefsList }, () => {
    const all = matchFunctions(null, 'vfs_*').map((f) => f.name);
    assert.ok(all.includes('vfs_read') && all.includes('vfs_write'));
    assert.deepEqual(all, [...all].sort());
    setKprobeBlacklist(['vfs_write']);
    try {
      const s = compiled('kprobe:vfs_* { @ = count(); }');
      assert.equal(s.programs.length, 1, 'one program shared by every function');
      const names = s.programs[0]?.targets.map((t) => t.name) ?? [];
      assert.equal(names.length, all.length - 1);
      assert.ok(!names.includes('kprobe:vfs_write'));
      // `probe` differs per function: one program that looks the name up by attach cookie where
      // links carry cookies (probes/probe-names.ts), else a program each.
      const per = compiled('kprobe:vfs_* { @[probe] = count(); }');
      if (features().has('perf_link') && features().has('helper_get_attach_cookie')) {
        assert.equal(per.programs.length, 1);
        assert.equal(per.programs[0]?.targets.length, all.length - 1);
        assert.ok(per.programs[0]?.spec.insns.some((i) => i.op === 0x85 && i.imm === Helper.get_attach_cookie));
      } else assert.equal(per.programs.length, all.length - 1);
      const r = compileText('kprobe:vfs_write { }');
      assert.match(r.errors, /the kernel does not allow kprobes on vfs_write/);
    } finally {
      setKprobeBlacklist(null);
    }
  });

  test('functions that crash the kernel when probed (rcu_*, the idle loop) are never matched nor attached', {
    skip: !hasTracefsList,
  }, () => {
    assert.ok(matchFunctions(null, 'rcu_*').length === 0 && matchFunctions(null, '*idle*').every((f) => f.name !== 'default_idle'));
    assert.match(compileText('kprobe:rcu_* { }').errors, /ERROR: Probe has no valid attach points\./);
    assert.match(compileText('kprobe:default_idle { }').errors, /default_idle can not be probed safely/);
    assert.match(compileText('fentry:rcu_note_context_switch { }').errors, /rcu_note_context_switch/);
  });

  test('kprobe errors: unknown function, wildcard with offset, by address', { skip: !hasTracefsList }, () => {
    // 0.26's words: a warning that the function is not traceable, then no match (an error, or a
    // warning with missing_probes = warn, or nothing with ignore).
    const text = 'kprobe:no_such_function_xyz { }';
    assert.equal(
      lines(compileText(text).errors)
        .filter((l) => /WARNING|ERROR/.test(l))
        .join('\n'),
      'stdin:1:1-28: WARNING: no_such_function_xyz is not traceable (either non-existing, inlined, or marked as "notrace"); attaching to it will likely fail\n' +
        'stdin:1:1-28: ERROR: No matches for kprobe no_such_function_xyz.',
    );
    assert.match(
      compileText(`config = { missing_probes = "warn" } ${text}`).errors,
      /WARNING: No matches for kprobe no_such_function_xyz\. Skipping\./,
    );
    assert.doesNotMatch(compileText(`config = { missing_probes = "ignore" } kprobe:vfs_read {} ${text}`).errors, /WARNING|ERROR/);
    assert.match(
      compileText('kprobe:vmlinux:no_such_function_xyz { }').errors,
      /ERROR: No matches for kprobe vmlinux:no_such_function_xyz\./,
    );
    // A wildcard matching nothing adds no target (0.26): alone, it leaves the probe empty.
    assert.match(compileText('kretprobe:no_such_* { }').errors, /ERROR: Probe has no valid attach points\./);
    assert.equal(compileText('kprobe:vfs_read, kprobe:no_such_* { }').errors, '');
    assert.match(
      compileText('kprobe:no_such_module:vfs_read { }').errors,
      /ERROR: specified module no_such_module in probe kprobe:no_such_module:vfs_read is not loaded\./,
    );
    assert.match(compileText('kprobe:vfs_*+4 { }').errors, /Offsets can not be used with wildcards/);
    assert.match(compileText('kprobe:a:b:c { }').errors, /requires 1 or 2 arguments/);
  });

  test('with kprobe_multi links: one program loaded for them, one link', { skip: !hasTracefsList }, () => {
    setKprobeMultiSupport(true);
    try {
      const s = compiled('kprobe:vfs_read* { @ = count(); }');
      assert.equal(s.programs.length, 1);
      assert.equal(s.programs[0]?.spec.expectedAttachType, BPF_TRACE_KPROBE_MULTI);
      const one = compiled('kprobe:vfs_read { @ = count(); }');
      assert.equal(one.programs[0]?.spec.expectedAttachType, undefined, 'a single function uses the perf PMU');
      // --no-feature kprobe_multi: a perf kprobe per function even where the links work.
      setDisabledFeatures(['kprobe_multi']);
      const perf = compiled('kprobe:vfs_read* { @ = count(); }');
      assert.equal(perf.programs[0]?.spec.expectedAttachType, undefined);
    } finally {
      setDisabledFeatures([]);
      setKprobeMultiSupport(false);
    }
  });

  test('kprobe sessions: a kprobe and a kretprobe on the same functions are one program, entry or return chosen by bpf_session_is_return', {
    skip: !hasTracefsList,
  }, () => {
    setKprobeMultiSupport(true);
    setKprobeSessionSupport(true);
    try {
      const script = 'kprobe:vfs_read /pid > 1/ { @s[tid] = nsecs; } kretprobe:vfs_read { @d = hist(nsecs - @s[tid]); delete(@s, tid); }';
      const s = compiled(script);
      assert.equal(s.programs.length, 1);
      const p = s.programs[0];
      assert.equal(p?.spec.expectedAttachType, BPF_TRACE_KPROBE_SESSION);
      assert.deepEqual(
        p?.targets.map((t) => t.name),
        ['kprobe:vfs_read'],
      );
      const asm = disasm(p?.spec.insns ?? []);
      const id = kernelBtf()?.findId('bpf_session_is_return', 'func');
      // The kfunc decides first; the entry part (its predicate, then its body) ends in `return 0`.
      assert.match(asm, new RegExp(`call kfunc#${id}\\n.*if r0 != 0x0 goto (L\\d+)`));
      // Wildcards pair too; a probe reading `probe`, or two return probes for one entry, do not.
      assert.equal(compiled('kprobe:vfs_read* { @a = count(); } kretprobe:vfs_read* { @b = count(); }').programs.length, 1);
      assert.equal(compiled('kprobe:vfs_read { @[probe] = count(); } kretprobe:vfs_read { @b = count(); }').programs.length, 2);
      assert.equal(
        compiled('kprobe:vfs_read { @a = 1; } kretprobe:vfs_read { @b = 1; } kretprobe:vfs_read { @c = 1; }').programs.length,
        3,
      );
      // --no-feature kprobe_session: two programs.
      setDisabledFeatures(['kprobe_session']);
      assert.equal(compiled(script).programs.length, 2);
    } finally {
      setDisabledFeatures([]);
      setKprobeSessionSupport(null);
      setKprobeMultiSupport(false);
    }
  });

  test('override(): kprobes only, --unsafe, an integer; calls bpf_override_return; never kprobe_multi', { skip: !hasTracefsList }, () => {
    assert.match(
      compileText('kprobe:vfs_read { override(1); }').errors,
      /ERROR: override\(\) is unsafe\. To use you need the --unsafe flag/,
    );
    assert.match(
      compileText('kretprobe:vfs_read { override(1); }', { unsafe: true }).errors,
      /ERROR: override\(\) can only be used inside kprobes/,
    );
    assert.match(
      compileText('kprobe:vfs_read { override("no"); }', { unsafe: true }).errors,
      /ERROR: override\(\) only supports int arguments \(string provided\)/,
    );
    setKprobeMultiSupport(true);
    try {
      const r = compileText('kprobe:vfs_read* { override(-5); }', { unsafe: true });
      assert.ok(r.script, r.errors);
      const p = r.script.programs[0];
      assert.ok(p && p.targets.length > 1);
      assert.equal(p.spec.expectedAttachType, undefined, 'a perf kprobe per function, as error injection needs');
      // r1 = ctx (kept in r6), then call 58 (bpf_override_return).
      const at = p.spec.insns.findIndex((i) => i.op === 0x85 && i.src === 0 && i.imm === 58);
      assert.ok(at > 0, 'calls helper 58');
      assert.ok(p.spec.insns.slice(0, at).some((i) => i.op === 0xbf && i.dst === 1 && i.src === 6));
    } finally {
      setKprobeMultiSupport(false);
    }
    const saved = availabilityOptions.lookup;
    availabilityOptions.lookup = (name) =>
      name === 'helper_override_return' ? { status: 'missing', detail: 'unknown func bpf_override_return#58' } : { status: 'available' };
    try {
      assert.match(
        compileText('kprobe:vfs_read { override(1); }', { unsafe: true }).errors,
        /ERROR: override\(\) needs a kernel built with CONFIG_BPF_KPROBE_OVERRIDE; this one refuses bpf_override_return \(unknown func bpf_override_return#58\)/,
      );
    } finally {
      availabilityOptions.lookup = saved;
    }
  });

  test('fentry:vfs_read: args typed from BTF, a TRACING program on its BTF id', { skip: !hasBtf || !hasTracefsList }, () => {
    const btf = kernelBtf();
    assert.ok(btf);
    const sig = kernelFuncSignature(btf, 'vfs_read');
    assert.ok(sig);
    assert.deepEqual(
      sig.args.map((a) => [a.name, a.offset]),
      [
        ['file', 0],
        ['buf', 8],
        ['count', 16],
        ['pos', 24],
      ],
    );
    const file = sig.args[0]?.type;
    assert.ok(file?.kind === 'pointer' && file.to.kind === 'struct' && file.to.name === 'struct file' && file.to.origin.kind === 'btf');
    assert.deepEqual(sig.args[2]?.type, { kind: 'int', size: 8, signed: false }, 'size_t');
    assert.deepEqual(sig.returnType, { kind: 'int', size: 8, signed: true }, 'ssize_t');

    const [t] = fentry.expand('fentry:vfs_read', ['vfs_read'], SPAN);
    assert.ok(t);
    assert.equal(t.name, 'fentry:vmlinux:vfs_read');
    const ctx = fentry.context(t);
    assert.equal(ctx.argN, 'u64array');
    assert.equal(ctx.retval, false);
    assert.deepEqual(
      ctx.args?.map((a) => a.name),
      ['file', 'buf', 'count', 'pos'],
    );

    const s = compiled('fentry:vfs_read { @c = args.count; @n[str(args.file->f_path.dentry->d_name.name)] = count(); }');
    const p = s.programs[0];
    assert.ok(p);
    assert.equal(p.spec.type, BPF_PROG_TYPE_TRACING);
    assert.equal(p.spec.expectedAttachType, BPF_TRACE_FENTRY);
    assert.equal(p.spec.attachBtfId, sig.btfId);
    assert.ok(readsCtx(p.spec.insns, 16), 'args.count is the third u64');
  });

  test('fexit: retval after the arguments, typed; old names kfunc/kretfunc', { skip: !hasBtf || !hasTracefsList }, () => {
    const [t] = fexit.expand('kretfunc:vfs_read', ['vfs_read'], SPAN);
    assert.ok(t);
    assert.equal(t.name, 'kretfunc:vmlinux:vfs_read');
    const ctx = fexit.context(t);
    assert.equal(ctx.retval, true);
    assert.equal(ctx.retvalOffset, 32);
    assert.deepEqual(ctx.retvalType, { kind: 'int', size: 8, signed: true });
    const s = compiled('fexit:vfs_read { @r = retval; }');
    assert.equal(s.programs[0]?.spec.expectedAttachType, BPF_TRACE_FEXIT);
    assert.ok(readsCtx(s.programs[0]?.spec.insns ?? [], 32));
    assert.equal(compiled('kfunc:vfs_read { @ = count(); }').programs[0]?.targets[0]?.name, 'kfunc:vmlinux:vfs_read');
  });

  test('fentry wildcards: a program per function, each on its own BTF id', { skip: !hasBtf || !hasTracefsList }, () => {
    const s = compiled('fentry:vfs_read* { @ = count(); }');
    assert.ok(s.programs.length >= 2);
    // The functions are the ones `-l` lists for vmlinux, minus those trampolines refuse.
    const btf = kernelBtf();
    assert.ok(btf);
    const listed = listProbes('fentry:vmlinux:vfs_read*', { style: '0.26', kfuncAvailable: true }).lines.filter(
      (l) => kernelFuncSignature(btf, l.slice('fentry:vmlinux:'.length))?.unsupported === null,
    );
    assert.deepEqual(
      s.programs.map((p) => p.targets[0]?.name),
      listed,
    );
    const ids = new Set(s.programs.map((p) => p.spec.attachBtfId));
    assert.equal(ids.size, s.programs.length);
    assert.match(compileText('fentry:no_such_function_xyz { }').errors, /ERROR: No matches for fentry no_such_function_xyz\./);
    assert.match(
      compileText('config = { missing_probes = "warn" } fentry:vfs_read, fexit:no_such_function_xyz { }').errors,
      /WARNING: No matches for fexit no_such_function_xyz\. Skipping\./,
    );
    assert.match(compileText('fentry:somemod:somefn { }').errors, /ERROR: No matches for fentry somemod:somefn\./);
    assert.match(compileText('fentry:a:b:c { }').errors, /Only the 'bpf' variant of fentry takes 3 arguments/);
  });

  test('fentry/fexit: functions whose programs would be the same share one compiled body', { skip: !hasBtf || !hasTracefsList }, () => {
    const bodies = (text: string): (readonly Insn[])[] => compiled(text).programs.map((p) => p.spec.insns);
    const same = bodies('fentry:vfs_read, fentry:vfs_write, fentry:vfs_fsync { @ = count(); }');
    assert.equal(same.length, 3);
    assert.ok(same[0] === same[1] && same[1] === same[2], 'one body, loaded on three BTF ids');
    const s = compiled('fentry:vfs_read, fentry:vfs_write { @ = count(); }');
    assert.notEqual(s.programs[0]?.spec.attachBtfId, s.programs[1]?.spec.attachBtfId);
    assert.notEqual(s.programs[0]?.spec.funcName, s.programs[1]?.spec.funcName);
    // `probe` and `args` differ per function: a body each.
    const named = bodies('fentry:vfs_read, fentry:vfs_write { @[probe] = count(); }');
    assert.notEqual(named[0], named[1]);
    const args = bodies('fentry:vfs_read, fentry:vfs_write { @ = args.count; }');
    assert.notEqual(args[0], args[1]);
    // fexit's retval: vfs_read and vfs_write return ssize_t after four arguments; vfs_fsync an
    // int after two, so its body reads another slot and is its own.
    const ret = compiled('fexit:vfs_read, fexit:vfs_write, fexit:vfs_fsync { @ = retval; }').programs.map((p) => p.spec.insns);
    assert.equal(ret[0], ret[1]);
    assert.notEqual(ret[1], ret[2]);
    assert.ok(readsCtx(ret[0] ?? [], 32) && readsCtx(ret[2] ?? [], 16));
  });

  test('kprobe:ADDRESS: named by the address in decimal, a perf kprobe each (never kprobe_multi)', () => {
    // With --unsafe nothing is checked (without it, see the next test).
    setKprobeMultiSupport(true);
    try {
      const r = compileText('kretprobe:0xffffffff81000010, kretprobe:18446744071578845200 { @ = count(); }', { unsafe: true });
      assert.ok(r.script, r.errors);
      const p = r.script.programs[0];
      assert.ok(p);
      assert.deepEqual(
        p.targets.map((t) => t.name),
        ['kretprobe:18446744071578845200', 'kretprobe:18446744071578845200'],
      );
      assert.equal(p.spec.expectedAttachType, undefined, 'kprobe_multi links take names, not addresses');
    } finally {
      setKprobeMultiSupport(false);
    }
    const named = compileText('kprobe:0x10 { printf("%s\\n", probe); }', { unsafe: true });
    assert.equal(named.script?.programs[0]?.targets[0]?.name, 'kprobe:16');
  });

  test('kprobe:ADDRESS without --unsafe: a text symbol of this kernel passes, anything else is refused', () => {
    let ks: Kallsyms | null = null;
    try {
      ks = loadKallsyms();
    } catch {
      ks = null;
    }
    const addr = ks?.kaddr('vfs_read') ?? null;
    if (!ks || ks.hidden || addr === null) return; // no kallsyms to check against here
    const r = compileText(`kprobe:0x${(addr + 4n).toString(16)} { @ = count(); }`);
    assert.ok(r.script, r.errors);
    assert.equal(r.script.programs[0]?.targets[0]?.name, `kprobe:${addr + 4n}`);
    assert.match(compileText('kprobe:0x1000 { }').errors, /0x1000 is below every kernel symbol[\s\S]*HINT: use --unsafe/);
    assert.match(compileText(`kprobe:mymod:0x${addr.toString(16)} { }`).errors, /\(vfs_read\+0\) is not in module mymod/);
  });

  test('iter:task: ctx typed from BTF, skip of the final NULL call, printf through seq_printf', { skip: !hasBtf }, () => {
    const btf = kernelBtf();
    assert.ok(btf);
    const [t] = iter.expand('iter:task', ['task'], SPAN);
    assert.ok(t);
    const ctx = iter.context(t);
    const ctxType = ctx.ctxType?.();
    assert.deepEqual(
      ctxType && ctxType.kind === 'pointer' && ctxType.to.kind === 'struct' ? ctxType.to.name : null,
      'struct bpf_iter__task',
    );
    assert.equal(ctx.seqPrintf, true);

    const s = compiled('iter:task { printf("%s:%d\\n", ctx->task->comm, ctx->task->pid); }');
    const p = s.programs[0];
    assert.ok(p);
    assert.equal(p.spec.type, BPF_PROG_TYPE_TRACING);
    assert.equal(p.spec.expectedAttachType, BPF_TRACE_ITER);
    assert.equal(p.spec.attachBtfId, btf.findId('bpf_iter_task', 'func'));
    // ldxdw r0, [r1+8]; if r0 != 0 goto body; r0 = 0; exit
    assert.deepEqual(
      p.spec.insns.slice(0, 4).map((i) => [i.op, i.dst, i.src, i.off]),
      [
        [0x79, 0, 1, 8],
        [0x55, 0, 0, -1],
        [0xb7, 0, 0, 0],
        [0x95, 0, 0, 0],
      ],
    );
    const fmt = s.resources.internalMaps.find((m) => m.name === ITER_FMT_MAP);
    assert.ok(fmt);
    assert.equal(fmt.flags, BPF_F_RDONLY_PROG);
    const value = s.resources.mapInit.get(ITER_FMT_MAP)?.[0]?.value;
    assert.ok(value);
    assert.equal(Buffer.from(value).toString('latin1').replace(/\0+$/, ''), '%s:%d\n');
    assert.equal(s.resources.formats.length, 0, 'nothing goes through the ring buffer');
    // bpftrace 0.26 spells it ctx.task.comm
    compiled('iter:task { printf("%s\\n", ctx.task.comm); }');
  });

  test('iter errors: unknown iterator, wildcard, map iterators', { skip: !hasBtf }, () => {
    assert.match(
      compileText('iter:no_such_iter { }').errors,
      /this kernel has no no_such_iter iterator[\s\S]*HINT: iterators here: .*\btask\b/,
    );
    assert.match(compileText('iter:task* { }').errors, /does not support wildcards/);
    assert.match(compileText('iter:bpf_map_elem { }').errors, /needs a map to iterate over/);
    assert.match(compileText('iter:task { printf("%f\\n", 1); }').errors, /(does not support %f|%f)/);
  });

  test('the iterator prologue keeps the body intact after it', () => {
    const body: Insn[] = [{ op: 0xb7, dst: 0, src: 0, off: 0, imm: 1, imm64: 0n, labels: ['Lx'] }];
    const out = withIterPrologue(body);
    assert.equal(out.length, 5);
    assert.deepEqual(out[4]?.labels, ['Lx', 'Liter_body']);
  });
});

describe('bpf_seq_printf formats', () => {
  test('what the kernel formats', () => {
    assert.equal(seqFormatProblem('%s:%d %lu %llx %-10s %5d %c %% %X %i %u'), null);
    assert.match(seqFormatProblem('%f') ?? '', /%f/);
    assert.match(seqFormatProblem('%.2d') ?? '', /precision/);
    assert.match(seqFormatProblem('%#x') ?? '', /'#'/);
    assert.match(seqFormatProblem('%hd') ?? '', /'h' length/);
    assert.match(seqFormatProblem('%ls') ?? '', /%ls/);
  });
});

describe('kprobe:ADDRESS checks', () => {
  test('addresses in hex or decimal; 0 and other words are not addresses', () => {
    assert.equal(parseKprobeAddress('0xffffffff81000000'), 0xffffffff81000000n);
    assert.equal(parseKprobeAddress('18446744071578845184'), 0xffffffff81000000n);
    assert.equal(parseKprobeAddress('vfs_read'), null);
    assert.equal(parseKprobeAddress('0x10+4'), null);
    assert.throws(() => parseKprobeAddress('0'), /kprobes should be attached to a function or an address/);
    assert.throws(() => parseKprobeAddress('99999999999999999999999'), /Invalid address/);
  });

  test('an address must be in a text symbol, of the named module, not blacklisted', () => {
    const ks = new Kallsyms(
      Buffer.from(
        [
          'ffffffff81000000 T _stext',
          'ffffffff81000100 T vfs_read',
          'ffffffff81000200 t helper',
          'ffffffff81000300 D some_data',
          'ffffffffc0000000 t mod_fn\t[mymod]',
          '',
        ].join('\n'),
      ),
    );
    const none = new Set<string>();
    assert.equal(kprobeAddressProblem(ks, 0xffffffff81000110n, null, none), null);
    assert.equal(kprobeAddressProblem(ks, 0xffffffff81000110n, 'vmlinux', none), null);
    assert.equal(kprobeAddressProblem(ks, 0xffffffffc0000004n, 'mymod', none), null);
    assert.equal(kprobeAddressProblem(ks, 0xff00n, null, none), '0xff00 is below every kernel symbol');
    assert.equal(
      kprobeAddressProblem(ks, 0xffffffff81000300n, null, none),
      "0xffffffff81000300 is not in kernel code (some_data+0 is a 'D' symbol)",
    );
    assert.equal(kprobeAddressProblem(ks, 0xffffffff81000100n, 'mymod', none), '0xffffffff81000100 (vfs_read+0) is not in module mymod');
    assert.equal(
      kprobeAddressProblem(ks, 0xffffffffc0000000n, 'vmlinux', none),
      '0xffffffffc0000000 (mod_fn+0 [mymod]) is not in module vmlinux',
    );
    assert.match(
      kprobeAddressProblem(ks, 0xffffffff81000208n, null, new Set(['helper'])) ?? '',
      /is in helper, which is in the kprobe blacklist/,
    );
    const hidden = new Kallsyms(Buffer.from('0000000000000000 T _stext\n0000000000000000 T vfs_read\n'));
    assert.match(kprobeAddressProblem(hidden, 0xffffffff81000000n, null, none) ?? '', /hidden from this user/);
  });
});

describe('fentry:bpf / fexit:bpf (running programs answered by a stub)', () => {
  const MAIN = 'tracepoint_syscalls_sys_enter_read_1';
  before(() => {
    availabilityOptions.lookup = everything;
    bpfProgramsSource.list = () => [
      {
        id: 7,
        name: 'tracepoint_sysc',
        hasBtf: true,
        funcs: [
          // As bpftrace's programs: `int64 f(int8 *ctx)`, a prototype the kernel distrusts.
          { name: MAIN, btfId: 6, retvalSlot: 5, ret: { size: 8, signed: true } },
          { name: `${MAIN}_sub1`, btfId: 7, retvalSlot: 0, ret: { size: 4, signed: true } },
        ],
      },
      { id: 12, name: 'no_btf', hasBtf: false, funcs: [] },
      { id: 30, name: 'btf_no_funcs', hasBtf: true, funcs: [] },
      { id: 100, name: 'tracepoint_sysc', hasBtf: true, funcs: [{ name: MAIN, btfId: 9, retvalSlot: 0, ret: { size: 4, signed: true } }] },
    ];
  });
  after(() => {
    availabilityOptions.lookup = null;
    bpfProgramsSource.list = null;
  });

  test('-l lists bpf:ID:NAME for programs with BTF and their sub-programs, in byte order', () => {
    const ls = (q: string): string[] => listProbes(q, { style: '0.26', kfuncAvailable: true }).lines;
    assert.deepEqual(ls('fentry:bpf:*'), [
      `fentry:bpf:100:${MAIN}`,
      'fentry:bpf:30:btf_no_funcs',
      `fentry:bpf:7:${MAIN}`,
      `fentry:bpf:7:${MAIN}_sub1`,
    ]);
    assert.deepEqual(ls('fexit:bpf:7:*sub*'), [`fexit:bpf:7:${MAIN}_sub1`]);
    assert.deepEqual(ls('fentry:bpf:*:nothing'), []);
  });

  test('a name attaches to every program that has it: TRACING programs on that program and FUNC', () => {
    const s = compiled(`fentry:bpf:${MAIN} { @[probe] = count(); }`);
    assert.deepEqual(
      s.programs.map((p) => [p.targets[0]?.name, p.spec.type, p.spec.expectedAttachType, p.spec.attachProgId, p.spec.attachBtfId]),
      [
        [`fentry:bpf:100:${MAIN}`, BPF_PROG_TYPE_TRACING, BPF_TRACE_FENTRY, 100, 9],
        [`fentry:bpf:7:${MAIN}`, BPF_PROG_TYPE_TRACING, BPF_TRACE_FENTRY, 7, 6],
      ],
    );
    const one = compiled(`fentry:bpf:7:${MAIN} { @ = count(); }`);
    assert.equal(one.programs.length, 1);
    assert.equal(one.programs[0]?.spec.attachProgId, 7);
  });

  test('fexit:bpf retval: where the kernel puts it for that function, typed from its BTF', () => {
    const [t] = fexit.expand(`fexit:bpf:7:${MAIN}_sub1`, ['bpf', '7', `${MAIN}_sub1`], SPAN);
    assert.ok(t);
    assert.equal(t.name, `fexit:bpf:7:${MAIN}_sub1`);
    const ctx = fexit.context(t);
    assert.equal(ctx.args, null);
    assert.equal(ctx.argN, null);
    assert.equal(ctx.retvalOffset, 0);
    assert.deepEqual(ctx.retvalType, { kind: 'int', size: 4, signed: true });
    const s = compiled(`fexit:bpf:7:${MAIN} { @r = retval; }`);
    assert.equal(s.programs[0]?.spec.expectedAttachType, BPF_TRACE_FEXIT);
    assert.ok(readsCtx(s.programs[0]?.spec.insns ?? [], 40), 'a distrusted prototype: retval after five registers');
  });

  test('errors: no name, a bad id, a missing program, one without function info, args', () => {
    assert.match(compileText('fentry:bpf { }').errors, /the 'bpf' variant of fentry requires a BPF program name/);
    assert.match(compileText('fentry:bpf:x:y { }').errors, /bpf program id must be a number or '\*'/);
    assert.match(compileText('fentry:bpf:5:nothing { }').errors, /No valid BPF program found with name: nothing and id: 5\./);
    assert.match(
      compileText('fentry:bpf:zzz* { }').errors,
      /Probe has no valid attach points\.[\s\S]*HINT: list them with: bpftrace-ts -l 'fentry:bpf:\*'/,
    );
    assert.match(compileText('fentry:bpf:30:btf_no_funcs { }').errors, /BPF program 30 \(btf_no_funcs\) has no BTF function info/);
    assert.match(
      compileText(`fentry:bpf:7:${MAIN} { print(args.x); }`).errors,
      /The args builtin cannot be used for 'fentry\/fexit:bpf' probes/,
    );
    // A wildcard leaves out what can not be attached to.
    assert.deepEqual(
      compiled('fentry:bpf:*:* { }').programs.map((p) => p.targets[0]?.name),
      [`fentry:bpf:100:${MAIN}`, `fentry:bpf:7:${MAIN}`, `fentry:bpf:7:${MAIN}_sub1`],
    );
  });
});

test("-l fentry:bpf:* lists another bpftrace-ts run by its programs' BTF names (this kernel)", { skip: !isRoot }, async () => {
  const bg = spawn(LAUNCHER, ['-e', 'interval:ms:777 { @ = count(); } interval:s:60 { exit(); }'], { stdio: ['ignore', 'ignore', 'pipe'] });
  try {
    const attached = await waitForStderr(bg, 'Attached');
    assert.ok(attached, 'the background run attached');
    const r = runCli(['-l', 'fentry:bpf:*:interval_*']);
    assert.equal(r.code, 0, r.stderr);
    const own = lines(r.stdout).filter((l) => l.endsWith(':interval_ms_777_1') || l.endsWith(':interval_s_60_2'));
    assert.equal(own.length, 2, r.stdout);
    assert.match(own[0] ?? '', /^fentry:bpf:\d+:interval_ms_777_1$/);
    // Attaching needs BPF_PROG_TYPE_TRACING, which this kernel may refuse: then the usual message.
    const f = runCli(['-e', 'fentry:bpf:interval_ms_777_1 { @ = count(); exit(); }']);
    if (f.code !== 0) assert.match(f.stderr, /ERROR: fentry\/fexit probes need BPF_PROG_TYPE_TRACING/);
  } finally {
    bg.kill('SIGINT');
  }
});

test('programs are named in their BTF as bpftrace names them: the probe, then its index', () => {
  const s = compiled('BEGIN { exit(); } interval:s:1 { exit(); }');
  assert.deepEqual(
    s.programs.map((p) => p.spec.funcName),
    ['begin_1', 'interval:s:1_2'],
  );
});

test('kprobe_multi link attr: the symbol table, count and return flag', () => {
  const fake = new FakeSys();
  let seen: { cnt: number; flags: number; attachType: number; names: string[] } | null = null;
  fake.onBpf = (cmd, attr) => {
    if (cmd !== BPF_LINK_CREATE) return undefined;
    const v = new DataView(attr.buffer, attr.byteOffset, attr.byteLength);
    const o = LINK_CREATE_KPROBE_MULTI.offsets;
    const cnt = v.getUint32(o.cnt, true);
    const syms = v.getBigUint64(o.syms, true);
    const names: string[] = [];
    for (let i = 0; i < cnt; i++) {
      const ptr = new DataView(fake.at(syms + BigInt(i * 8)).buffer, fake.at(syms + BigInt(i * 8)).byteOffset).getBigUint64(0, true);
      const bytes = fake.at(ptr);
      names.push(Buffer.from(bytes.subarray(0, bytes.indexOf(0))).toString('latin1'));
    }
    seen = { cnt, flags: v.getUint32(o.kprobe_multi_flags, true), attachType: v.getUint32(o.attach_type, true), names };
    return 42;
  };
  const link = createKprobeMulti(fake, 7, ['vfs_read', 'vfs_write', 'vfs_open'], true, 'test');
  assert.deepEqual(seen, { cnt: 3, flags: 1, attachType: BPF_TRACE_KPROBE_MULTI, names: ['vfs_read', 'vfs_write', 'vfs_open'] });
  link.close();
  assert.deepEqual(fake.closed, [42]);
  assert.equal(fake.live(), 0, 'the symbol table is freed');
});
