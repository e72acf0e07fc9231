import assert from 'node:assert/strict';
import { release } from 'node:os';
import { describe, it } from 'node:test';
import { LINK_CREATE_UPROBE_MULTI } from '../../src/bpf/attr.ts';
import * as C from '../../src/bpf/constants.ts';
import { Features } from '../../src/bpf/features.ts';
import { Helper } from '../../src/bpf/helpers.ts';
import { AluOp, alu64Imm, call, callSub, exit, ldFunc, ldMapFd, movImm, movReg, Reg, storeImm } from '../../src/bpf/insn.ts';
import { BpfMap } from '../../src/bpf/map.ts';
import { ensureMemlock, kernelUsesMemcg } from '../../src/bpf/memlock.ts';
import { BpfProgram, mapResolver } from '../../src/bpf/program.ts';
import { FakeSys } from './fake-sys.ts';
import { noLeak, readU64, u32 } from './util.ts';

/** Kernel release as [major, minor]. */
function kernel(): [number, number] {
  const m = /^(\d+)\.(\d+)/.exec(release()) as RegExpExecArray;
  return [Number(m[1]), Number(m[2])];
}

function atLeast(v: string): boolean {
  const [a, b] = v.split('.').map(Number) as [number, number];
  const [x, y] = kernel();
  return x > a || (x === a && y >= b);
}

it('the uprobe_multi link attr is laid out as in linux/bpf.h', () => {
  assert.deepEqual(LINK_CREATE_UPROBE_MULTI.offsets, {
    prog_fd: 0,
    target_fd: 4,
    attach_type: 8,
    flags: 12,
    path: 16,
    offsets: 24,
    ref_ctr_offsets: 32,
    cookies: 40,
    cnt: 48,
    uprobe_multi_flags: 52,
    pid: 56,
  });
  assert.equal(LINK_CREATE_UPROBE_MULTI.size, 64);
});

describe('feature probes (real kernel)', () => {
  it(
    'answer, cache, and never say "missing" for a feature this kernel version must have',
    noLeak(() => {
      const f = new Features();
      for (const name of f.names()) {
        const r = f.result(name);
        assert.notEqual(r.status, 'unknown', `${name}: ${r.detail}`);
        // Only config- or policy-dependent features may be missing on a new enough kernel.
        const mayLack = ['prog_tracing', 'kprobe_pmu', 'btf_vmlinux', 'helper_d_path', 'helper_skb_output'].includes(name);
        if (r.status === 'missing' && !mayLack && f.minKernel(name) && atLeast(f.minKernel(name))) {
          assert.fail(`${name} is missing on Linux ${kernel().join('.')} but should exist since ${f.minKernel(name)}: ${r.detail}`);
        }
        assert.equal(f.result(name), r, 'conclusive results are cached');
      }
      assert.equal(f.status('map_ringbuf'), 'available');
      assert.equal(f.status('prog_raw_tracepoint'), 'available');
      assert.equal(f.status('helper_loop'), 'available');
      assert.equal(f.status('helper_for_each_map_elem'), 'available');
      assert.equal(f.status('isa_v4'), 'available');
      assert.equal(f.status('perf_link'), 'available');
      if (atLeast('6.6')) assert.equal(f.status('uprobe_multi'), 'available');
      const report = f.report();
      assert.match(report, /^ {2}Program types\n {4}raw tracepoint programs: yes$/m);
      assert.match(report, /bpf_ringbuf_output: yes/);
      assert.throws(() => f.result('no_such_feature'), /unknown feature/);
    }),
  );

  it('answers "unknown" without privilege and does not cache it', () => {
    const sys = new FakeSys();
    sys.onBpf = () => -1; // EPERM for everything
    const f = new Features(sys);
    assert.equal(f.result('prog_kprobe').status, 'unknown');
    assert.equal(f.result('map_ringbuf').status, 'unknown');
    sys.onBpf = () => undefined;
    assert.equal(f.result('prog_kprobe').status, 'available');
  });

  it('memlock: left alone on a memcg-accounting kernel, raised to infinity on an old one', () => {
    assert.equal(kernelUsesMemcg(), true);
    const modern = new FakeSys();
    ensureMemlock(modern);
    assert.ok(!modern.calls.some((c) => c.name === 'setrlimit'));
    const old = new FakeSys();
    old.onBpf = (cmd) => (cmd === C.BPF_PROG_LOAD ? -22 : undefined); // no bpf_ktime_get_coarse_ns
    ensureMemlock(old);
    ensureMemlock(old); // once per Sys
    const set = old.calls.filter((c) => c.name === 'setrlimit');
    assert.deepEqual(set, [{ name: 'setrlimit', args: [C.RLIMIT_MEMLOCK, { cur: C.RLIM_INFINITY, max: C.RLIM_INFINITY }] }]);
    assert.equal(old.live(), 0);
  });
});

describe('callbacks (real kernel)', () => {
  it(
    'bpf_loop runs a callback referenced with ld_imm64 (also from a later subprogram)',
    noLeak(() => {
      const m = BpfMap.create({ name: 'loops', type: C.BPF_MAP_TYPE_ARRAY, keySize: 4, valueSize: 8, maxEntries: 1 });
      const insns = [
        callSub('runner'),
        exit(),
        // The callback sits *before* the subprogram that references it: a backward ld_imm64.
        { ...storeImm(4, Reg.FP, -4, 0), labels: ['cb'] },
        ldMapFd(Reg.R1, 'loops'),
        movReg(Reg.R2, Reg.FP),
        alu64Imm(AluOp.ADD, Reg.R2, -4),
        call(Helper.map_lookup_elem),
        { op: 0x15, dst: 0, src: 0, off: -1, imm: 0, ref: { kind: 'label' as const, name: 'cb_out' } },
        movImm(Reg.R1, 1),
        { op: 0xdb, dst: 0, src: 1, off: 0, imm: 0 }, // lock *(u64 *)(r0 +0) += r1
        { ...movImm(Reg.R0, 0), labels: ['cb_out'] },
        exit(),
        { ...movImm(Reg.R1, 7), labels: ['runner'] },
        ldFunc(Reg.R2, 'cb'),
        movImm(Reg.R3, 0),
        movImm(Reg.R4, 0),
        call(Helper.loop),
        exit(),
      ];
      const p = BpfProgram.load({ name: 'loop', type: C.BPF_PROG_TYPE_RAW_TRACEPOINT, insns, license: 'GPL' }, mapResolver([m]));
      try {
        assert.equal(p.testRun().retval, 7);
        assert.equal(readU64(m.lookup(u32(0)) as Uint8Array), 7n);
      } finally {
        p.close();
        m.close();
      }
    }),
  );
});
