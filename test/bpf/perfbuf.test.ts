// Perf buffers (skboutput()'s transport): the record parser over synthetic memory, including a
// record that wraps around the end and a lost-samples record; then the real kernel, where a
// raw-tracepoint program's bpf_perf_event_output lands in the buffer of the CPU it ran on.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as C from '../../src/bpf/constants.ts';
import { Helper } from '../../src/bpf/helpers.ts';
import { AluOp, alu64Imm, call, exit, ldImm64, ldMapFd, load, movReg, Reg, store } from '../../src/bpf/insn.ts';
import { BpfMap, onlineCpus, possibleCpus } from '../../src/bpf/map.ts';
import { openPerfBuffers, PerfConsumer, pagesPerCpu } from '../../src/bpf/perfbuf.ts';
import { BpfProgram, mapResolver } from '../../src/bpf/program.ts';
import { noLeak } from './util.ts';

// ---------------------------------------------------------------- a synthetic buffer

const PAGE = 4096;

/** The kernel's side of one perf buffer over plain memory: control page, then the data area. */
class FakePerfProducer {
  readonly mapping: ArrayBuffer;
  private readonly data: Uint8Array;
  private head = 0;

  constructor(readonly size: number) {
    this.mapping = new ArrayBuffer(PAGE + size);
    this.data = new Uint8Array(this.mapping, PAGE, size);
  }

  private put(bytes: Uint8Array): void {
    for (const b of bytes) this.data[this.head++ % this.size] = b;
    new DataView(this.mapping).setBigUint64(1024, BigInt(this.head), true);
  }

  private header(type: number, size: number): Uint8Array {
    const h = new Uint8Array(8);
    const v = new DataView(h.buffer);
    v.setUint32(0, type, true);
    v.setUint16(6, size, true);
    return h;
  }

  /** A PERF_RECORD_SAMPLE with PERF_SAMPLE_RAW: u32 size, the bytes, zero padding to 8. */
  sample(raw: Uint8Array): void {
    const padded = Math.ceil((4 + raw.length) / 8) * 8 - 4;
    const body = new Uint8Array(4 + padded);
    new DataView(body.buffer).setUint32(0, padded, true);
    body.set(raw, 4);
    this.put(this.header(9, 8 + body.length));
    this.put(body);
  }

  lost(n: bigint): void {
    const body = new Uint8Array(16);
    new DataView(body.buffer).setBigUint64(8, n, true);
    this.put(this.header(2, 24));
    this.put(body);
  }

  /** Pretends `n` bytes were produced and consumed already. */
  skip(n: number): void {
    this.head = n;
    new DataView(this.mapping).setBigUint64(1024, BigInt(n), true);
    new DataView(this.mapping).setBigUint64(1032, BigInt(n), true);
  }

  tail(): number {
    return Number(new DataView(this.mapping).getBigUint64(1032, true));
  }
}

function collect(c: PerfConsumer): { samples: number[][]; lost: bigint[]; n: number } {
  const samples: number[][] = [];
  const lost: bigint[] = [];
  const n = c.consume({ sample: (d) => samples.push([...d]), lost: (x) => lost.push(x) });
  return { samples, lost, n };
}

describe('PerfConsumer (synthetic buffer)', () => {
  it('delivers samples with their padding, reports lost samples, and frees the space', () => {
    const p = new FakePerfProducer(256);
    const c = new PerfConsumer(p.mapping, PAGE, 256);
    p.sample(new Uint8Array([1, 2, 3]));
    p.lost(5n);
    p.sample(new Uint8Array([9, 8, 7, 6, 5, 4, 3, 2, 1]));
    const r = collect(c);
    assert.equal(r.n, 2);
    // 4 + 3 bytes pad to 8: the raw size the kernel reports is 4, as bpftrace's files keep it.
    assert.deepEqual(r.samples, [
      [1, 2, 3, 0],
      [9, 8, 7, 6, 5, 4, 3, 2, 1, 0, 0, 0],
    ]);
    assert.deepEqual(r.lost, [5n]);
    assert.equal(p.tail(), 16 + 24 + 24);
    assert.deepEqual(collect(c), { samples: [], lost: [], n: 0 });
  });

  it('reassembles a record that wraps around the end of the data area', () => {
    const p = new FakePerfProducer(64);
    const c = new PerfConsumer(p.mapping, PAGE, 64);
    p.skip(60); // the header starts 4 bytes before the end
    const raw = Uint8Array.from({ length: 20 }, (_, i) => i + 1);
    p.sample(raw);
    const r = collect(c);
    assert.deepEqual(r.samples, [[...raw]]);
    assert.equal(p.tail(), 60 + 32);
  });

  it('rejects sizes that are not powers of two', () => {
    assert.throws(() => new PerfConsumer(new ArrayBuffer(PAGE + 100), PAGE, 100), /power of two/);
  });

  it('shares perf_rb_pages out between CPUs in powers of two', () => {
    assert.equal(pagesPerCpu(64, 2), 32);
    assert.equal(pagesPerCpu(64, 3), 32);
    assert.equal(pagesPerCpu(64, 128), 1);
    assert.equal(pagesPerCpu(100, 1), 128);
  });
});

// ---------------------------------------------------------------- the real kernel

/** bpf_perf_event_output(ctx, &events, BPF_F_CURRENT_CPU, {ctx[0], ctx[1]}, 16). */
const program = [
  movReg(Reg.R6, Reg.R1),
  load(8, Reg.R1, Reg.R6, 0),
  store(8, Reg.FP, -16, Reg.R1),
  load(8, Reg.R1, Reg.R6, 8),
  store(8, Reg.FP, -8, Reg.R1),
  movReg(Reg.R1, Reg.R6),
  ldMapFd(Reg.R2, 'events'),
  ldImm64(Reg.R3, 0xffffffffn),
  movReg(Reg.R4, Reg.FP),
  alu64Imm(AluOp.ADD, Reg.R4, -16),
  ldImm64(Reg.R5, 16n),
  call(Helper.perf_event_output),
  exit(),
];

describe('perf buffers (real kernel)', () => {
  it(
    'receive what bpf_perf_event_output sends on the CPU the program ran on',
    noLeak(() => {
      const map = BpfMap.create({
        name: 'events',
        type: C.BPF_MAP_TYPE_PERF_EVENT_ARRAY,
        keySize: 4,
        valueSize: 4,
        maxEntries: Math.max(...possibleCpus()) + 1,
      });
      const prog = BpfProgram.load(
        { name: 'perf_out', type: C.BPF_PROG_TYPE_RAW_TRACEPOINT, insns: program, license: 'GPL' },
        mapResolver([map]),
      );
      const bufs = openPerfBuffers(map, onlineCpus(), 2);
      try {
        const args = new Uint8Array(16);
        const dv = new DataView(args.buffer);
        for (let i = 1n; i <= 3n; i++) {
          dv.setBigUint64(0, i, true);
          dv.setBigUint64(8, i * 100n, true);
          assert.equal(prog.testRun(args).retval, 0);
        }
        const got: bigint[][] = [];
        const lengths: number[] = [];
        let lost = 0n;
        for (const b of bufs) {
          b.consume({
            sample: (d) => {
              lengths.push(d.length);
              const v = new DataView(d.buffer, d.byteOffset, d.byteLength);
              got.push([v.getBigUint64(0, true), v.getBigUint64(8, true)]);
            },
            lost: (n) => {
              lost += n;
            },
          });
        }
        // Buffers are read CPU by CPU: the runs may have moved between CPUs.
        got.sort((a, b) => Number((a[0] as bigint) - (b[0] as bigint)));
        assert.deepEqual(got, [
          [1n, 100n],
          [2n, 200n],
          [3n, 300n],
        ]);
        // 16 bytes and the kernel's 4 bytes of padding (the size word makes it 24).
        assert.deepEqual(lengths, [20, 20, 20]);
        assert.equal(lost, 0n);
      } finally {
        for (const b of bufs) b.close();
        prog.close();
        map.close();
      }
    }),
  );
});
