// path() and skboutput(): where they may be used (bpftrace's messages, with the script
// location), argument checks, and the code they compile to, with kernel feature questions
// answered as on a capable kernel (this machine refuses tracing programs; test/vm runs them).
// Code is pinned by disassembly in test/golden/codegen (UPDATE_GOLDENS=1 rewrites it).

import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { BPF_MAP_TYPE_PERF_EVENT_ARRAY } from '../../src/bpf/constants.ts';
import { disasm } from '../../src/bpf/disasm.ts';
import type { FeatureResult } from '../../src/bpf/features.ts';
import { possibleCpus } from '../../src/bpf/map.ts';
import { SKB_PERF_MAP } from '../../src/codegen/resources.ts';
import { availabilityOptions } from '../../src/probes/kernel/availability.ts';
import { matchFunctions } from '../../src/probes/kernel/functions.ts';
import { kernelBtf } from '../../src/sema/btf-types.ts';
import { compileText } from '../helpers/compile.ts';
import { ROOT, runCli } from '../helpers/run.ts';

const canCompile = (() => {
  try {
    return kernelBtf() !== null && matchFunctions(null, 'security_file_open').length === 1;
  } catch {
    return false;
  }
})();
const skip = !canCompile && 'needs kernel BTF and tracefs function lists';

const available = (): FeatureResult => ({ status: 'available' });

function errors(script: string): string {
  return compileText(script).errors;
}

function asm(script: string): string {
  const r = compileText(script);
  assert.doesNotMatch(r.errors, /ERROR/, r.errors);
  return (r.script?.programs ?? []).map((p) => disasm(p.spec.insns)).join('\n');
}

describe('path() and skboutput() on a capable kernel', { skip }, () => {
  before(() => {
    availabilityOptions.lookup = available;
  });
  after(() => {
    availabilityOptions.lookup = null;
    availabilityOptions.helperAllowedAt = null;
  });

  test('path() outside fentry/fexit/iter: bpftrace 0.26 message at the call', () => {
    assert.equal(
      errors('tracepoint:syscalls:sys_enter_openat { printf("%s\\n", path(args.filename)); }'),
      `stdin:1:55-74: ERROR: The path function can only be used with 'fentry', 'fexit', 'iter' probes
tracepoint:syscalls:sys_enter_openat { printf("%s\\n", path(args.filename)); }
                                                      ~~~~~~~~~~~~~~~~~~~
`,
    );
    assert.match(errors('BEGIN { path(0); }'), /ERROR: The path function can only be used with 'fentry', 'fexit', 'iter' probes/);
  });

  test('skboutput() outside tracing programs: bpftrace message at the call', () => {
    const e = errors('tracepoint:syscalls:sys_enter_openat { skboutput("x.pcap", (struct sk_buff *)0, 1, 0); }');
    assert.match(e, /^stdin:1:40-86: ERROR: skboutput can not be used with "tracepoint" probes$/m);
  });

  test('path() argument checks', () => {
    assert.match(
      errors('fentry:dentry_open { path(1); }'),
      /ERROR: path\(\) only supports pointer or C type argument \(integer provided\)/,
    );
    assert.match(
      errors('fentry:security_file_open { path(args.file); }'),
      /ERROR: path\(\) needs a struct path or a pointer to one \(struct file \* provided\)/,
    );
    assert.match(errors('fentry:dentry_open { path(args.path, -1); }'), /ERROR: path: invalid size value, need non-negative literal/);
    assert.match(
      errors('fentry:dentry_open { path(args.path, args.flags); }'),
      /ERROR: path: invalid size value, need non-negative literal/,
    );
    assert.match(
      errors('fentry:dentry_open { $p = args.path; $s = *$p; print(path($s)); }'),
      /ERROR: path\(\) needs a struct path in kernel memory/,
    );
  });

  test('path() returns max_strlen, or the size given (at most max_strlen)', () => {
    for (const [script, size] of [
      ['fentry:dentry_open { @ = path(args.path); }', 1024],
      ['fentry:dentry_open { @ = path(args.path, 48); }', 48],
      ['config = { max_strlen = 64 } fentry:dentry_open { @ = path(args.path, 100); }', 64],
    ] as const) {
      const r = compileText(script);
      assert.equal(r.errors, '');
      assert.deepEqual(r.script?.resources.maps[0]?.info.value, { kind: 'value', type: { kind: 'string', size } }, script);
    }
  });

  test('skboutput() argument checks', () => {
    const e = errors('fentry:ip_output { skboutput(1, args.sk, "a", $x); }');
    assert.match(e, /ERROR: skboutput\(\) expects a string literal \(integer provided\)/);
    assert.match(e, /ERROR: skboutput\(\) needs a struct sk_buff \* \(struct sock \* provided\)/);
    assert.match(e, /ERROR: skboutput\(\) only supports integer arguments \(string provided\)/);
    assert.match(
      errors('fentry:ip_output { skboutput("x", args.skb, 1, args.skb.len); }'),
      /ERROR: skboutput\(\) expects a non-negative integer literal as its offset/,
    );
    assert.match(
      errors('fentry:ip_output { skboutput("x", 1, 1, 0); }'),
      /ERROR: skboutput\(\) only supports pointer arguments \(integer provided\)/,
    );
  });

  test('a kernel without the helpers: bpftrace messages', () => {
    availabilityOptions.lookup = (name) =>
      name.startsWith('helper_') ? { status: 'missing', detail: 'unknown func' } : { status: 'available' };
    try {
      assert.match(
        errors('iter:task_file { printf("%s\\n", path(ctx.file.f_path)); }'),
        /ERROR: BPF_FUNC_d_path not available for your kernel version/,
      );
      assert.match(
        errors('fentry:ip_output { skboutput("x", args.skb, 1, 0); }'),
        /ERROR: BPF_FUNC_skb_output is not available for your kernel version/,
      );
    } finally {
      availabilityOptions.lookup = available;
    }
  });

  test('fentry on a function outside the d_path allow list: refused when compiling, at the call', () => {
    const asked: number[] = [];
    const btf = kernelBtf();
    const allowed = btf?.findId('security_file_open', 'func');
    availabilityOptions.helperAllowedAt = (helper, id) => {
      assert.equal(helper, 'd_path');
      asked.push(id);
      return id === allowed ? { status: 'available' } : { status: 'missing', detail: 'helper call is not allowed in probe' };
    };
    try {
      const e = errors('fentry:vfs_open { printf("%s\\n", path(args.path)); }');
      assert.match(e, /^stdin:1:34-49: ERROR: helper bpf_d_path not allowed in probe$/m);
      assert.match(
        e,
        /HINT: the kernel allows bpf_d_path in iterators and in fentry\/fexit on the functions of its btf_allowlist_d_path .* not on vfs_open/,
      );
      assert.equal(errors('fentry:security_file_open { printf("%s\\n", path(args.file.f_path)); }'), '');
      // Iterators may always call it: no question asked.
      const before = asked.length;
      assert.equal(errors('iter:task_file { printf("%s\\n", path(ctx.file.f_path)); }'), '');
      assert.equal(asked.length, before);
    } finally {
      availabilityOptions.helperAllowedAt = null;
    }
  });

  test('path() addresses its argument with verifier-typed pointers, never probe reads', () => {
    // fentry: the struct path pointer comes straight from the context.
    const a = asm('fentry:dentry_open { printf("%s\\n", path(args.path)); }');
    assert.match(a, /r7 = \*\(u64 \*\)\(r6 \+0\)\n.*r1 = r7\n.*r2 = .*\n(.*\n)?.*r3 = 1024\n.*call bpf_d_path#147/);
    // A struct member: the pointer from the context plus the member's offset.
    const f = asm('fentry:security_file_open { printf("%s\\n", path(args.file.f_path)); }');
    assert.match(f, /r7 = \*\(u64 \*\)\(r6 \+0\)\n.*r7 \+= \d+\n.*r1 = r7\n[\s\S]*call bpf_d_path#147/);
    // Iterators: ctx->file loaded directly, NULL-checked (the verifier insists), then offset.
    const it = asm('iter:task_file { printf("%s\\n", path(ctx.file.f_path, 64)); }');
    assert.match(
      it,
      /r7 = r6\n.*r7 = \*\(u64 \*\)\(r7 \+24\)\n.*if r7 == 0x0 goto (L\d+)\n.*r7 \+= \d+\n.*r1 = r7\n[\s\S]*r3 = 64\n.*call bpf_d_path#147/,
    );
    for (const text of [a, f]) assert.doesNotMatch(text, /probe_read/);
  });

  test('skboutput(): a perf event array, bpf_skb_output with the length in the flags, one record per call', () => {
    const r = compileText(
      'fentry:ip_output { $r = skboutput("a.pcap", args.skb, args.skb.len, 0); printf("%d\\n", $r); } fexit:ip_output { skboutput("b.pcap", args.skb, 64, 14); }',
    );
    // A discarded result is 0.26's warning, nothing more.
    assert.equal(
      r.errors
        .split('\n')
        .filter((l) => /ERROR|WARNING/.test(l))
        .join('\n'),
      'stdin:1:113-150: WARNING: Return value discarded.',
    );
    const res = r.script?.resources;
    assert.deepEqual(res?.skbOutputs, [
      { id: 0, file: 'a.pcap', offset: 0 },
      { id: 1, file: 'b.pcap', offset: 14 },
    ]);
    const maps = res?.internalMaps.filter((m) => m.name === SKB_PERF_MAP) ?? [];
    assert.deepEqual(maps, [
      { name: SKB_PERF_MAP, type: BPF_MAP_TYPE_PERF_EVENT_ARRAY, keySize: 4, valueSize: 4, maxEntries: Math.max(...possibleCpus()) + 1 },
    ]);
    // The return value is a u32, as in bpftrace.
    assert.match(disasm(r.script?.programs[0]?.spec.insns ?? []), /call bpf_skb_output#111\n.*r9 = r0\n.*r9 <<= 32\n.*r9 >>= 32/);
  });

  const dir = join(ROOT, 'test', 'golden', 'codegen');
  const update = process.env.UPDATE_GOLDENS === '1';
  for (const [name, script] of Object.entries({
    path_fentry: 'fentry:dentry_open { printf("%s\\n", path(args.path, 32)); }',
    skboutput_fentry: 'fexit:ip_output { $r = skboutput("out.pcap", args.skb, 64, 14); @r = $r; }',
  })) {
    test(`codegen golden: ${name}`, () => {
      const text = `; ${script}\n${asm(script)}\n`;
      const file = join(dir, `${name}.asm`);
      if (update || !existsSync(file)) writeFileSync(file, text);
      assert.equal(text, readFileSync(file, 'utf8'));
    });
  }
});

describe('through the CLI on this machine', () => {
  test('outside tracing probes: exit 1 with the message and the location', () => {
    const r = runCli(['-e', 'tracepoint:syscalls:sys_enter_openat { printf("%s\\n", path(args.filename)); }']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^stdin:1:55-74: ERROR: The path function can only be used with 'fentry', 'fexit', 'iter' probes$/m);
  });

  test('where the kernel refuses tracing programs, that is what is said', { skip: !existsSync('/sys/kernel/btf/vmlinux') }, () => {
    for (const script of [
      'fentry:security_file_open { printf("%s\\n", path(args.file.f_path)); }',
      'iter:task_file { printf("%s\\n", path(ctx.file.f_path)); }',
      'fentry:ip_output { skboutput("out.pcap", args.skb, args.skb.len, 0); }',
    ]) {
      const r = runCli(['-e', script]);
      if (r.code === 0 || !/BPF_PROG_TYPE_TRACING/.test(r.stderr)) continue; // this kernel runs them (test/vm)
      assert.equal(r.code, 1);
      assert.match(r.stderr, /ERROR: (fentry\/fexit|iter) probes.* need BPF_PROG_TYPE_TRACING, which this kernel refuses/);
      assert.doesNotMatch(r.stderr, /verifier|processed \d+ insns|at .*\.js:\d+/);
    }
  });
});
