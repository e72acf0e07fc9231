// Compile-time builtins and the argument/probe-type errors of the stdlib batch (cgroupid,
// kfunc_exist, kfunc_allowed, find, container_of, is_err, leader_*, socket_cookie,
// signal_thread, write_user, dw_ustack), compiled in-process: no kernel programs are loaded.

import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { test } from 'node:test';
import { kernelBtf } from '../../src/sema/btf-types.ts';
import { compileText } from '../helpers/compile.ts';
import { tempDir } from './run-script.ts';

/** The constants the checker resolved for the script's calls, in source order. */
function constants(text: string): (bigint | boolean | string)[] {
  const r = compileText(text, { unsafe: true });
  assert.ok(r.script, r.errors);
  return [...r.script.sema.callConstants.values()];
}

function errors(text: string, unsafe = true): string {
  const r = compileText(text, { unsafe });
  assert.equal(r.script, null, `expected errors for ${text}`);
  return r.errors;
}

test('cgroupid is the inode number of the directory, resolved when compiling', () => {
  const dir = tempDir();
  assert.deepEqual(constants(`BEGIN { print(cgroupid("${dir}")); }`), [statSync(dir, { bigint: true }).ino]);
  assert.match(
    errors('BEGIN { print(cgroupid("/no/such/cgroup")); }'),
    /^stdin:1:15-42: ERROR: Failed to get `cgroupid` for path: "\/no\/such\/cgroup": No such file or directory\n[\s\S]*HINT: give the path of a cgroup directory/,
  );
  assert.match(errors('BEGIN { print(cgroupid(comm)); }'), /ERROR: cgroupid\(\) expects a string literal \(string provided\)/);
  assert.match(errors('BEGIN { print(cgroup_path("x")); }'), /ERROR: cgroup_path\(\) expects an integer cgroup id \(string provided\)/);
  assert.match(
    errors('BEGIN { $f = "unified"; print(cgroup_path(1, $f)); }'),
    /ERROR: cgroup_path\(\) expects a string literal as its filter/,
  );
});

test('kfunc_exist looks the name up in the kernel BTF; kfunc_allowed is false for an unknown kfunc', (t) => {
  const btf = kernelBtf();
  if (!btf) {
    t.skip('this kernel has no BTF');
    return;
  }
  // Any kernel function with BTF counts, as in bpftrace (a FUNC of that name).
  assert.ok(btf.findId('vfs_read', 'func') !== null);
  assert.deepEqual(constants('BEGIN { print((kfunc_exist("vfs_read"), kfunc_exist("no_such_kfunc_xyz"))); }'), [true, false]);
  assert.deepEqual(constants('BEGIN { print(kfunc_allowed("no_such_kfunc_xyz")); }'), [false]);
  assert.match(errors('BEGIN { print(kfunc_exist(comm)); }'), /ERROR: kfunc_exist\(\) expects a string literal \(string provided\)/);
});

test('find needs a map, a key of its type and a scratch variable of its value type', () => {
  assert.match(
    errors('BEGIN { @c[1] = 1; find(@c, 1, 5); }'),
    /^stdin:1:32-33: ERROR: find\(\) expects a scratch variable as its third argument/,
  );
  assert.match(errors('BEGIN { $m = 1; find($m, 1, $v); }'), /ERROR: find\(\) expects a map argument \(integer provided\)/);
  assert.match(errors('BEGIN { @c = 1; find(@c, 1, $v); }'), /ERROR: Argument mismatch for @c/);
  assert.match(
    errors('BEGIN { @c[1] = 1; $v = "s"; find(@c, 1, $v); }'),
    /ERROR: Type mismatch for \$v: trying to assign value of type 'int8'/,
  );
  assert.match(errors('BEGIN { @c[1] = count(); find(@c, 1, $v); }'), /ERROR: find\(\) cannot read @c: it holds an aggregation/);
});

test('container_of, is_err and leader_* check their arguments', () => {
  assert.match(
    errors('BEGIN { $x = container_of(curtask, curtask, pid); }'),
    /ERROR: container_of\(\) expects a type as its second argument\n[\s\S]*HINT: write it as typeof\(struct name\)/,
  );
  assert.match(
    errors('BEGIN { $x = container_of(curtask, typeof(struct task_struct), 1); }'),
    /ERROR: container_of\(\) expects a member name/,
  );
  assert.match(
    errors('struct Foo { int m; } BEGIN { $x = container_of(0, typeof(struct Foo), nofield); }'),
    /ERROR: 'struct Foo' has no field named 'nofield'/,
  );
  assert.match(
    errors('BEGIN { print(is_err("s")); }'),
    /^stdin:1:22-25: ERROR: is_err\(\) expects a pointer or an integer \(string provided\)/,
  );
  assert.match(
    errors('BEGIN { print(leader_comm(1)); }'),
    /ERROR: leader_comm\(\) expects a 'struct task_struct \*' argument \(int8 provided\)\n[\s\S]*HINT: call leader_comm\(\) without an argument/,
  );
  // container_of's result is a pointer to the container type.
  const r = compileText('struct Foo { int m; int n; } BEGIN { $p = container_of((int32 *)8, typeof(struct Foo), n); print($p->m); }');
  assert.ok(r.script, r.errors);
});

test('socket_cookie, signal_thread and write_user are refused where they cannot work', () => {
  assert.match(errors('BEGIN { print(socket_cookie(0)); }'), /^stdin:1:15-31: ERROR: socket_cookie can not be used with "BEGIN" probes/);
  assert.match(
    errors('tracepoint:syscalls:sys_enter_openat { print(socket_cookie(curtask)); }'),
    /ERROR: socket_cookie can not be used with "tracepoint" probes[\s\S]*ERROR: socket_cookie\(\) only supports 'struct sock \*' as the argument \('struct task_struct \*' provided\)/,
  );
  assert.match(
    errors('BEGIN { signal_thread(1); }'),
    /^stdin:1:9-25: ERROR: signal_thread\(\) can not be used for this probetype special\n/,
  );
  assert.match(
    errors('tracepoint:syscalls:sys_enter_openat { signal_thread("SIGUSR1"); }', false),
    /^stdin:1:40-64: ERROR: signal_thread\(\) is unsafe. To use you need the --unsafe flag\n[^\n]*\n *~+\n$/,
  );
  assert.match(errors('tracepoint:syscalls:sys_enter_openat { signal_thread("SIGFOO"); }'), /ERROR: Invalid string for signal: SIGFOO/);
  assert.match(
    errors('tracepoint:syscalls:sys_enter_openat { write_user(args.filename, "x", 2); }', false),
    /^stdin:1:40-73: ERROR: write_user\(\) is unsafe. To use you need the --unsafe flag\n[^\n]*\n *~+\n$/,
  );
  assert.match(
    errors('tracepoint:syscalls:sys_enter_openat { write_user(args.filename, "abc", 5); }'),
    /ERROR: write_user\(\) length must be between 1 and the size of the source \(4 bytes\), got 5/,
  );
  assert.match(
    errors('tracepoint:syscalls:sys_enter_openat { $n = 2; write_user(args.filename, "abc", $n); }'),
    /ERROR: write_user\(\) expects the length as an integer literal/,
  );
  assert.match(
    errors('tracepoint:syscalls:sys_enter_openat { write_user(args.filename, args.filename, 1); }'),
    /ERROR: write_user\(\) copies a value the program holds \(a string, array, record or integer\), not a/,
  );
  assert.match(
    errors('tracepoint:syscalls:sys_enter_openat { write_user("x", "abc", 1); }'),
    /ERROR: write_user\(\) expects a user-space address/,
  );
});

test('dw_ustack compiles as ustack with a warning about frame pointers', () => {
  const r = compileText('BEGIN { @[dw_ustack(perf, 3)] = count(); @u[ustack(perf, 3)] = count(); }');
  assert.ok(r.script, r.errors);
  assert.match(r.errors, /^stdin:1:11-29: WARNING: dw_ustack is unwound with frame pointers, like ustack/);
  assert.match(r.errors, /HINT: frames of code built without frame pointers/);
  assert.equal(r.script.sema.maps.get('')?.key?.kind, 'stack');
});
