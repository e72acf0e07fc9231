import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as C from '../../src/bpf/constants.ts';
import { defaultSys } from '../../src/bpf/default-sys.ts';
import { Helper } from '../../src/bpf/helpers.ts';
import {
  AluOp,
  alu64Imm,
  atomicAdd,
  call,
  exit,
  type Insn,
  JmpOp,
  jmpImm,
  ldMapFd,
  load,
  movImm,
  movReg,
  Reg,
  store,
  storeImm,
} from '../../src/bpf/insn.ts';
import { BpfMap, possibleCpus } from '../../src/bpf/map.ts';
import { BpfProgram, enableStats, mapResolver, reasonLine, VerifierError } from '../../src/bpf/program.ts';
import { FakeSys } from './fake-sys.ts';
import { noLeak, readU64, u32 } from './util.ts';

/**
 * @counts[ctx[0]] += 1 (raw_tp ctx[0] is the first tracepoint argument); returns ctx[1].
 * Creates the element with 1 when missing.
 */
function counterProgram(map: string): Insn[] {
  return [
    movReg(Reg.R6, Reg.R1),
    load(8, Reg.R1, Reg.R6, 0),
    store(4, Reg.FP, -4, Reg.R1),
    ldMapFd(Reg.R1, map),
    movReg(Reg.R2, Reg.FP),
    alu64Imm(AluOp.ADD, Reg.R2, -4),
    call(Helper.map_lookup_elem),
    jmpImm(JmpOp.JEQ, Reg.R0, 0, 'create'),
    movImm(Reg.R1, 1),
    atomicAdd(8, Reg.R0, 0, Reg.R1),
    { ...load(8, Reg.R0, Reg.R6, 8), labels: ['done'] },
    exit(),
    { ...storeImm(8, Reg.FP, -16, 1), labels: ['create'], comment: 'first hit: insert 1' },
    ldMapFd(Reg.R1, map),
    movReg(Reg.R2, Reg.FP),
    alu64Imm(AluOp.ADD, Reg.R2, -4),
    movReg(Reg.R3, Reg.FP),
    alu64Imm(AluOp.ADD, Reg.R3, -16),
    movImm(Reg.R4, C.BPF_ANY),
    call(Helper.map_update_elem),
    { op: 0x05, dst: 0, src: 0, off: -1, imm: 0, ref: { kind: 'label', name: 'done' } },
  ];
}

function ctx(...args: bigint[]): Uint8Array {
  const b = new Uint8Array(8 * args.length);
  const dv = new DataView(b.buffer);
  for (const [i, a] of args.entries()) dv.setBigUint64(i * 8, a, true);
  return b;
}

describe('BpfProgram (real kernel)', () => {
  it(
    'loads, runs with BPF_PROG_TEST_RUN and changes a map',
    noLeak(() => {
      const m = BpfMap.create({ name: 'counts', type: C.BPF_MAP_TYPE_HASH, keySize: 4, valueSize: 8, maxEntries: 16 });
      const p = BpfProgram.load(
        { name: 'count', type: C.BPF_PROG_TYPE_RAW_TRACEPOINT, insns: counterProgram('counts'), license: 'GPL' },
        mapResolver([m]),
      );
      try {
        assert.equal(p.testRun(ctx(7n, 42n)).retval, 42);
        assert.equal(p.testRun(ctx(7n, 43n)).retval, 43);
        p.testRun(ctx(9n, 0n));
        assert.equal(readU64(m.lookup(u32(7)) as Uint8Array), 2n);
        assert.equal(readU64(m.lookup(u32(9)) as Uint8Array), 1n);
        assert.ok(p.xlatedInsnCount >= 20);
        assert.ok(p.verifiedInsns > 0);
      } finally {
        p.close();
        m.close();
      }
    }),
  );

  it(
    'runs on a chosen CPU: per-CPU counters land in that CPU slot',
    noLeak(() => {
      const cpus = possibleCpus();
      const target = cpus.length > 1 ? 1 : 0;
      const m = BpfMap.create({ name: 'pcpu', type: C.BPF_MAP_TYPE_PERCPU_ARRAY, keySize: 4, valueSize: 8, maxEntries: 1 });
      const insns = [
        storeImm(4, Reg.FP, -4, 0),
        ldMapFd(Reg.R1, 'pcpu'),
        movReg(Reg.R2, Reg.FP),
        alu64Imm(AluOp.ADD, Reg.R2, -4),
        call(Helper.map_lookup_elem),
        jmpImm(JmpOp.JEQ, Reg.R0, 0, 'out'),
        movImm(Reg.R1, 5),
        atomicAdd(8, Reg.R0, 0, Reg.R1),
        { ...movImm(Reg.R0, 0), labels: ['out'] },
        exit(),
      ];
      const p = BpfProgram.load({ name: 'pcpu', type: C.BPF_PROG_TYPE_RAW_TRACEPOINT, insns, license: 'GPL' }, mapResolver([m]));
      try {
        p.testRun(undefined, { cpu: target });
        p.testRun(undefined, { cpu: target });
        const per = m.lookupPerCpu(u32(0)) as Uint8Array[];
        assert.equal(per.length, cpus.length);
        for (const [i, v] of per.entries()) assert.equal(readU64(v), i === target ? 10n : 0n, `cpu ${i}`);
      } finally {
        p.close();
        m.close();
      }
    }),
  );

  it(
    'counts runs while stats are enabled',
    noLeak(() => {
      const p = BpfProgram.load(
        { name: 'ret', type: C.BPF_PROG_TYPE_RAW_TRACEPOINT, insns: [movImm(Reg.R0, 0), exit()], license: 'GPL' },
        null,
      );
      const stats = enableStats();
      try {
        p.testRun();
        p.testRun();
        const s = p.stats();
        assert.ok(s.runCnt >= 2n, `run_cnt ${s.runCnt}`);
      } finally {
        defaultSys().close(stats);
        p.close();
      }
    }),
  );

  it(
    'a rejected program throws VerifierError with the log and a reason',
    noLeak(() => {
      const insns = [movImm(Reg.R1, 0), exit()]; // r0 never set
      const err = (() => {
        try {
          BpfProgram.load({ name: 'bad', type: C.BPF_PROG_TYPE_RAW_TRACEPOINT, insns, license: 'GPL' }, null);
        } catch (e) {
          return e;
        }
        return undefined;
      })();
      assert.ok(err instanceof VerifierError);
      assert.equal(err.code, 'EACCES');
      assert.match(err.log, /R0 !read_ok/);
      assert.match(err.message, /^bpf\(BPF_PROG_LOAD\) failed: Permission denied \(EACCES\): program bad: R0 !read_ok$/);
      assert.ok(err.lastLines(2).length === 2);
    }),
  );

  it(
    'an unknown helper is named in the hints',
    noLeak(() => {
      assert.throws(
        () =>
          BpfProgram.load(
            { name: 'nohelper', type: C.BPF_PROG_TYPE_RAW_TRACEPOINT, insns: [call(9999), movImm(Reg.R0, 0), exit()], license: 'GPL' },
            null,
          ),
        (e: unknown) => e instanceof VerifierError && e.hints.some((h) => /unknown \(#9999\) is not available/.test(h)),
      );
    }),
  );
});

describe('BpfProgram (fake kernel)', () => {
  it('grows the verifier log on ENOSPC and keeps the first errno', () => {
    const sys = new FakeSys();
    const sizes: number[] = [];
    const longLog = `${'x'.repeat(100_000)}\nR1 invalid mem access 'scalar'\nprocessed 3 insns\n`;
    sys.onBpf = (cmd, attr) => {
      if (cmd !== C.BPF_PROG_LOAD) return undefined;
      const dv = new DataView(attr.buffer);
      const logSize = dv.getUint32(28, true);
      if (logSize === 0) return -13; // EACCES without a log
      sizes.push(logSize);
      const buf = sys.at(dv.getBigUint64(32, true));
      const bytes = new TextEncoder().encode(longLog);
      buf.set(bytes.subarray(0, logSize - 1));
      dv.setUint32(140, bytes.length + 1, true); // log_true_size
      return logSize < bytes.length + 1 ? -28 : -13;
    };
    assert.throws(
      () => BpfProgram.load({ name: 'big', type: C.BPF_PROG_TYPE_RAW_TRACEPOINT, insns: [exit()], license: 'GPL' }, null, sys),
      (e: unknown) => {
        assert.ok(e instanceof VerifierError);
        assert.equal(e.code, 'EACCES');
        assert.equal(e.truncated, false);
        assert.deepEqual(e.lastLines(1), ['processed 3 insns']);
        assert.match(e.message, /program big: R1 invalid mem access 'scalar'$/);
        return true;
      },
    );
    assert.deepEqual(sizes, [64 * 1024, 256 * 1024]);
    assert.equal(sys.live(), 0);
  });

  it('explains EPERM with an empty log', () => {
    const sys = new FakeSys();
    sys.onBpf = (cmd) => (cmd === C.BPF_PROG_LOAD ? -1 : undefined);
    assert.throws(
      () => BpfProgram.load({ name: 'p', type: C.BPF_PROG_TYPE_KPROBE, insns: [exit()], license: 'GPL' }, null, sys),
      (e: unknown) => e instanceof VerifierError && e.code === 'EPERM' && e.hints.some((h) => /CAP_BPF/.test(h)),
    );
  });

  it('loads again when the verifier was interrupted (EAGAIN), and gives up after a few tries', () => {
    const sys = new FakeSys();
    let eagains = 2;
    sys.onBpf = (cmd) => (cmd === C.BPF_PROG_LOAD && eagains-- > 0 ? -11 : undefined);
    const p = BpfProgram.load({ name: 'p', type: C.BPF_PROG_TYPE_KPROBE, insns: [exit()], license: 'GPL' }, null, sys);
    assert.equal(sys.calls.filter((c) => c.name === 'bpf' && c.args[0] === C.BPF_PROG_LOAD).length, 3);
    p.close();

    const stuck = new FakeSys();
    stuck.onBpf = (cmd) => (cmd === C.BPF_PROG_LOAD ? -11 : undefined);
    assert.throws(
      () => BpfProgram.load({ name: 'p', type: C.BPF_PROG_TYPE_KPROBE, insns: [exit()], license: 'GPL' }, null, stuck),
      (e: unknown) => e instanceof VerifierError && e.code === 'EAGAIN',
    );
    assert.equal(stuck.calls.filter((c) => c.name === 'bpf' && c.args[0] === C.BPF_PROG_LOAD).length, 12);
  });

  it('reasonLine skips the verifier summary', () => {
    assert.equal(reasonLine('0: (95) exit\nR0 !read_ok\nprocessed 1 insns (limit 1000000)\n'), 'R0 !read_ok');
    assert.equal(reasonLine(''), undefined);
  });
});
