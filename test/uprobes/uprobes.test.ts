// uprobe/uretprobe/USDT end to end through the CLI, on the C/C++ programs of test/progs:
// real uprobes, the traced programs started by -c (or run and found by -p), outputs compared
// with the expected text and, where bpftrace 0.17 gets it right, with /usr/bin/bpftrace's.

import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { before, describe, test } from 'node:test';
import { isRoot, runCli } from '../helpers/run.ts';
import { buildProgs, type Progs } from '../progs/build.ts';

let P: Progs;
const skip = !isRoot || !existsSync('/sys/bus/event_source/devices/uprobe') ? 'needs root and uprobes' : false;

before(() => {
  if (!skip) P = buildProgs();
});

/** Runs a script with -c and returns stdout, asserting success. */
function run(script: string, cmd: string, extra: string[] = []): string {
  const r = runCli([...extra, '-e', script, '-c', cmd], { timeoutMs: 30000 });
  assert.equal(r.code, 0, `stderr: ${r.stderr}`);
  return r.stdout;
}

function fails(script: string, extra: string[] = []): string {
  const r = runCli([...extra, '-e', script], { timeoutMs: 30000 });
  assert.equal(r.code, 1, `expected a failure, got stdout: ${r.stdout}`);
  return r.stderr;
}

/** bpftrace 0.17's stdout for the same run (its "Attaching" line dropped), or null without it. */
function bpftrace017(script: string, cmd: string): string | null {
  if (!existsSync('/usr/bin/bpftrace')) return null;
  const r = spawnSync('/usr/bin/bpftrace', ['-e', script, '-c', cmd], { encoding: 'latin1', timeout: 30000 });
  return (r.stdout ?? '')
    .split('\n')
    .filter((l) => !l.startsWith('Attaching '))
    .join('\n');
}

describe('uprobe and uretprobe', { skip }, () => {
  test('arguments, return values and user strings in a PIE binary (same as bpftrace 0.17)', () => {
    const s = `uprobe:${P.target}:add /pid == cpid/ { printf("add %d %d\\n", arg0, arg1); } uretprobe:${P.target}:add /pid == cpid/ { printf("ret %d\\n", retval); } uprobe:${P.target}:greet /pid == cpid/ { printf("greet %s\\n", str(arg0)); }`;
    const out = run(s, `${P.target} 2`);
    assert.equal(out, 'add 0 2\nret 2\ngreet world\nadd 1 2\nret 3\ngreet world\n\n\n');
    const theirs = bpftrace017(s, `${P.target} 2`);
    if (theirs !== null) assert.equal(out, theirs);
  });

  test('non-PIE binary, six register arguments, stack arguments and signed narrow types', () => {
    const s = `uprobe:${P.targetNoPie}:mul3 /pid == cpid/ { printf("%d %d %d\\n", arg0, arg1, arg2); } uretprobe:${P.targetNoPie}:mul3 /pid == cpid/ { printf("= %d\\n", retval); } uprobe:${P.targetNoPie}:sum8 /pid == cpid/ { printf("%d %d %d %d\\n", arg0, arg5, sarg0, sarg1); } uretprobe:${P.targetNoPie}:small /pid == cpid/ { printf("small %d\\n", retval & 0xff); }`;
    assert.equal(run(s, `${P.targetNoPie} 1`), '2 3 7\n= 42\n1 6 7 8\nsmall 41\n\n\n');
  });

  test('probe names, func, and wildcards over function names (through uprobe_multi)', () => {
    const s = `uprobe:${P.target}:{add,mul*,hid*} /pid == cpid/ { printf("%s %s\\n", probe, func); }`;
    const out = run(s, `${P.target} 1`);
    assert.equal(out, `uprobe:${P.target}:add add\nuprobe:${P.target}:mul3 mul3\nuprobe:${P.target}:hidden hidden\n\n\n`);
    const perEvent = runCli(['-e', s, '-c', `${P.target} 1`], { env: { BPFTRACE_TS_NO_UPROBE_MULTI: '1' } });
    assert.equal(perEvent.stdout, out, perEvent.stderr);
  });

  test('aggregation keyed by func prints names after the process has exited', () => {
    const out = run(`uprobe:${P.target}:{add,sum8} /pid == cpid/ { @[func] = count(); }`, `${P.target} 3`);
    // Equal counts: the order of the two lines is not defined.
    assert.deepEqual(out.split('\n').sort(), ['', '', '', '@[add]: 3', '@[sum8]: 3']);
  });

  test('exit(): calls right after it still count, as before bpftrace has detached (its intcast.Sum casted retval)', () => {
    // The 20 calls take some tens of microseconds, well inside the half millisecond probes run
    // on after exit(); bpftrace counts them too, having not yet woken up to detach.
    const out = run(`uretprobe:${P.target}:add /pid == cpid/ { @n = count(); exit(); }`, `${P.target} 20`);
    const n = Number(/^@n: (\d+)$/m.exec(out)?.[1]);
    assert.ok(n > 1 && n <= 20, out);
  });

  test('probe over a function wildcard: one program for all (the link cookie names the function)', () => {
    const s = `uprobe:${P.target}:{add,mul*,hid*} /pid == cpid/ { @[probe] = count(); @f[func] = count(); }`;
    const asm = runCli(['--dry-run', '-d', 'asm', '-e', s]);
    assert.equal(asm.code, 0, asm.stderr);
    assert.equal(asm.stdout.split('\n').filter((l) => l.startsWith('; ')).length, 1, asm.stdout);
    for (const env of [{}, { BPFTRACE_TS_NO_UPROBE_MULTI: '1' }]) {
      const r = runCli(['-e', s, '-c', `${P.target} 2`], { env, timeoutMs: 30000 });
      assert.equal(r.code, 0, r.stderr);
      const lines = r.stdout.split('\n').filter(Boolean).sort();
      assert.deepEqual(lines, [
        `@[uprobe:${P.target}:add]: 2`,
        `@[uprobe:${P.target}:hidden]: 2`,
        `@[uprobe:${P.target}:mul3]: 2`,
        '@f[add]: 2',
        '@f[hidden]: 2',
        '@f[mul3]: 2',
      ]);
    }
  });

  test('a shared library by path, and libc by name', () => {
    const out = run(
      `uprobe:${P.lib}:lib_square /pid == cpid/ { printf("sq %d\\n", arg0); } uretprobe:${P.lib}:lib_square /pid == cpid/ { printf("= %d\\n", retval); }`,
      `${P.uselib} 2`,
    );
    assert.equal(out, 'sq 2\n= 4\nsq 3\n= 9\n\n\n');
    const libc = run(`uprobe:libc:usleep /pid == cpid/ { printf("usleep %d\\n", arg0); }`, `${P.target} 2 3`);
    assert.equal(libc, 'usleep 3000\nusleep 3000\n\n\n');
  });

  test('func+OFFSET on an instruction boundary, and a virtual address', () => {
    const nm = spawnSync('nm', [P.target], { encoding: 'latin1' }).stdout;
    const addr = /^([0-9a-f]+) T mul3$/m.exec(nm)?.[1];
    assert.ok(addr);
    const s = `uprobe:${P.target}:mul3+4 /pid == cpid/ { printf("+4 rdi=%d\\n", reg("di")); } uprobe:${P.target}:0x${addr} /pid == cpid/ { printf("at %s\\n", func); }`;
    // mul3+4 is after `imul %rsi,%rdi`: rdi already holds a*b.
    assert.equal(run(s, `${P.target} 1`), 'at mul3\n+4 rdi=6\n\n\n');
  });

  test('-p PID with the binary left out', async () => {
    const child = spawn(P.target, ['400', '10'], { stdio: 'ignore' });
    try {
      await new Promise((r) => setTimeout(r, 100));
      const r = runCli(['-p', String(child.pid), '-e', 'uprobe:add { printf("%s %d\\n", probe, arg1); exit(); }'], { timeoutMs: 20000 });
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /^uprobe:\/\S+\/target:add 2\n/);
    } finally {
      child.kill();
    }
  });

  test('C++: cpp: demangled names with and without parameters, wildcards, mangled names', () => {
    const s = `uprobe:${P.cpp}:cpp:"ns::twice" /pid == cpid/ { printf("%s\\n", probe); } uprobe:${P.cpp}:cpp:"ns::Counter::*" /pid == cpid/ { printf("add %d\\n", arg1); } uprobe:${P.cpp}:_ZN2ns5identIiEET_S1_ /pid == cpid/ { printf("ident %d\\n", arg0); }`;
    assert.equal(run(s, `${P.cpp} 1`), `add 1\nuprobe:${P.cpp}:cpp:ns::twice(int)\nuprobe:${P.cpp}:cpp:ns::twice(double)\nident 7\n\n\n`);
  });
});

describe('user stacks and symbols', { skip }, () => {
  test('ustack is symbolized even though the process has exited when maps print', () => {
    const out = run(`uprobe:${P.target}:add /pid == cpid/ { @[ustack] = count(); }`, `${P.target} 2`);
    // target is built with -g: frames carry file:line (show_debug_info, on by default as in 0.26).
    assert.match(out, /@\[\n\s+add\+0@\/\S+\/target\.c:\d+\n\s+__libc_start_call_main\+\d+(@\S+)?\n(\s+\S+\n)*\]: 2\n/);
  });

  test('ustack(perf) names modules after a tab; ustack(raw) and ustack(build_id) are not indented (0.26)', () => {
    const out = run(
      `uprobe:${P.target}:add /pid == cpid/ { printf("%s|%s|%s", ustack(perf, 1), ustack(raw, 1), ustack(build_id, 1)); exit(); }`,
      `${P.target} 1`,
    );
    const buildId = /Build ID: ([0-9a-f]+)/.exec(execFileSync('readelf', ['-n', P.target], { encoding: 'latin1' }))?.[1];
    assert.ok(buildId);
    // build_id frames: the object's 20-byte id and the file offset of the address.
    assert.match(out, new RegExp(`^\\n\\t[0-9a-f]+ add\\+0 \\(\\S+/target\\)\\n\\|\\n[0-9a-f]+\\n\\|\\n${buildId} 0x[0-9a-f]+\\n`));
  });

  test('cpp_demangle = false leaves C++ frame names mangled (DWARF-named frames too)', () => {
    const probe = `uprobe:${P.cpp}:_ZN2ns5twiceEi /pid == cpid/ { printf("%s", ustack(1)); exit(); }`;
    assert.match(run(probe, `${P.cpp} 1`), /^\n\s+ns::twice\(int\)\+0@\S+cpp\.cc:\d+\n/);
    assert.match(run(`config = { cpp_demangle = false } ${probe}`, `${P.cpp} 1`), /^\n\s+_ZN2ns5twiceEi\+0@\S+cpp\.cc:\d+\n/);
    assert.match(run(`config = { cpp_demangle = false; show_debug_info = 0 } ${probe}`, `${P.cpp} 1`), /^\n\s+_ZN2ns5twiceEi\+0\n/);
  });

  test('kstack is not allowed the build_id mode', () => {
    assert.match(
      fails('tracepoint:raw_syscalls:sys_enter { print(kstack(build_id)); }'),
      /'build_id' stack mode can only be used for ustack/,
    );
  });
});

describe('USDT', { skip }, () => {
  const script = (t: string): string =>
    `usdt:${t}:tprov:args3 { printf("args3 %d %d %d\\n", arg0, arg1, arg2); } ` +
    `usdt:${t}:tprov:strs { printf("strs %s\\n", str(arg0)); } ` +
    `usdt:${t}:tprov:indexed { printf("indexed %d %d %d\\n", arg0, arg1, arg2); } ` +
    `usdt:${t}:tprov:stackargs { printf("stack %d %s %ld %d\\n", arg0, str(arg1), arg2, arg3); }`;
  const expected =
    'args3 0 -5 42\nstrs zero\nindexed 30 10 -7\nstack 0 stack 1234567890123 -2\n' +
    'args3 1 -5 43\nstrs one\nindexed 30 10 -7\nstack 1 stack 1234567890123 -2\n\n\n';

  test('every argument form: registers, constants, RIP-relative globals, index and stack memory', () => {
    assert.equal(run(script(P.target), `${P.target} 2`), expected);
    assert.equal(run(script(P.targetNoPie), `${P.targetNoPie} 2`), expected);
  });

  test('matches bpftrace 0.17 where it reads the argument (it cannot read RIP-relative ones)', () => {
    const s = script(P.target).replace('arg2); } usdt', '0); } usdt');
    const theirs = bpftrace017(s, `${P.target} 2`);
    if (theirs === null) return;
    assert.equal(run(s, `${P.target} 2`), theirs);
  });

  test('semaphores: the program sees them set while the probe is attached', () => {
    const t = P.target;
    assert.equal(
      run(
        `usdt:${t}:tprov:gated { printf("gated %d sema %d\\n", arg0, arg1); } usdt:${t}:tprov:done { printf("done sema %d\\n", arg0); }`,
        `${t} 2`,
      ),
      'gated 0 sema 1\ngated 1 sema 1\ndone sema 1\n\n\n',
    );
    assert.equal(run(`usdt:${t}:tprov:done { printf("done sema %d\\n", arg0); }`, `${t} 2`), 'done sema 0\n\n\n');
  });

  test('probe name without provider, wildcards, and a probe in a shared library', () => {
    assert.equal(run(`usdt:${P.target}:done { printf("%s\\n", probe); }`, `${P.target} 1`), `usdt:${P.target}:tprov:done\n\n\n`);
    assert.equal(run(`usdt:${P.lib}:tlib:* { printf("%d\\n", arg0); }`, `${P.uselib} 2`), '4\n9\n\n\n');
  });

  test('-p PID: target-less probes search every object of the process', async () => {
    const child = spawn(P.uselib, ['400', '10'], { stdio: 'ignore' });
    try {
      await new Promise((r) => setTimeout(r, 100));
      const r = runCli(['-p', String(child.pid), '-e', 'usdt:*:tlib:squared { printf("%s %d\\n", probe, arg0 > 0); exit(); }'], {
        timeoutMs: 20000,
      });
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /^usdt:\/\S+\/libtlib\.so:tlib:squared 1\n/);
      const l = runCli(['-l', 'usdt:*', '-p', String(child.pid)]);
      assert.match(l.stdout, /usdt:\/\S+\/libtlib\.so:tlib:squared\n/);
    } finally {
      child.kill();
    }
  });
});

describe('listing', { skip }, () => {
  test('-l uprobe and usdt as bpftrace 0.17 prints them', () => {
    for (const pat of [`uprobe:${P.target}:*`, `usdt:${P.target}:*`, `uprobe:${P.target}:s*`]) {
      const ours = runCli(['-l', pat]);
      assert.equal(ours.code, 0, ours.stderr);
      if (existsSync('/usr/bin/bpftrace'))
        assert.equal(ours.stdout, spawnSync('/usr/bin/bpftrace', ['-l', pat], { encoding: 'latin1' }).stdout);
      else assert.ok(ours.stdout.length > 0);
    }
  });
});

describe('errors', { skip }, () => {
  test('a missing binary', () => {
    assert.match(fails('uprobe:/nonexistent/bin:f { }'), /uprobe target file '\/nonexistent\/bin' does not exist or is not executable/);
  });
  test('a missing symbol', () => {
    assert.match(fails(`uprobe:${P.target}:no_such_function { }`), /No matches for uprobe \S+target:no_such_function\./);
  });
  test('an offset inside an instruction (allowed with --unsafe)', () => {
    assert.match(fails(`uprobe:${P.target}:mul3+1 { }`), /Could not add uprobe into middle of instruction: \S+:mul3\+1/);
    assert.match(fails(`uprobe:${P.target}:mul3+100 { }`), /Offset outside the function bounds \('mul3' size is \d+\)/);
    assert.match(fails(`uretprobe:${P.target}:mul3+4 { }`), /uretprobes can not be attached to a function offset/);
  });
  test('a stripped binary: local functions are gone', () => {
    assert.match(fails(`uprobe:${P.targetStripped}:hidden { }`), /No matches for uprobe \S+target-stripped:hidden\.\n.*no symbol table/s);
  });
  test('a USDT probe that does not exist, and an argument the probe does not have', () => {
    assert.match(fails(`usdt:${P.target}:tprov:nope { }`), /usdt probe not found: tprov:nope/);
    assert.match(fails(`usdt:${P.target}:tprov:done { print(arg3); }`), /arg3 is out of range: \S+ has 1 argument/);
  });
});
