import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as C from '../../src/bpf/constants.ts';
import { defaultSys } from '../../src/bpf/default-sys.ts';
import { Helper } from '../../src/bpf/helpers.ts';
import { AluOp, alu64Imm, call, exit, JmpOp, jmpImm, ldMapFd, load, movImm, movReg, Reg, store } from '../../src/bpf/insn.ts';
import { BpfMap } from '../../src/bpf/map.ts';
import { BpfProgram, mapResolver } from '../../src/bpf/program.ts';
import { RingBuf, RingBufReader, RingConsumer } from '../../src/bpf/ringbuf.ts';
import { noLeak, waitFor } from './util.ts';

// ---------------------------------------------------------------- a synthetic ring

const PAGE = 64;

/** Emulates the kernel producer over plain memory, including the double-mapped data area. */
class FakeProducer {
  readonly consumer = new ArrayBuffer(8);
  readonly producer: ArrayBuffer;
  private readonly bytes: Uint8Array;
  private pos = 0;

  constructor(readonly size: number) {
    this.producer = new ArrayBuffer(PAGE + 2 * size);
    this.bytes = new Uint8Array(this.producer);
  }

  private put(pos: number, data: Uint8Array): void {
    for (let j = 0; j < data.length; j++) {
      const idx = (pos + j) & (this.size - 1);
      this.bytes[PAGE + idx] = data[j] as number;
      this.bytes[PAGE + idx + this.size] = data[j] as number;
    }
  }

  /** Appends a record; returns its position. */
  write(payload: Uint8Array, bits = 0): number {
    const at = this.pos;
    const hdr = new Uint8Array(8);
    new DataView(hdr.buffer).setUint32(0, (payload.length | bits) >>> 0, true);
    this.put(at, hdr);
    this.put(at + 8, payload);
    this.pos += Math.ceil((payload.length + 8) / 8) * 8;
    new DataView(this.producer).setBigUint64(0, BigInt(this.pos), true);
    return at;
  }

  setBits(at: number, len: number, bits: number): void {
    const hdr = new Uint8Array(4);
    new DataView(hdr.buffer).setUint32(0, (len | bits) >>> 0, true);
    this.put(at, hdr);
  }

  consumerPos(): number {
    return Number(new DataView(this.consumer).getBigUint64(0, true));
  }

  /** Moves both positions forward as if earlier records had been produced and consumed. */
  skipTo(pos: number): void {
    this.pos = pos;
    new DataView(this.consumer).setBigUint64(0, BigInt(pos), true);
    new DataView(this.producer).setBigUint64(0, BigInt(pos), true);
  }
}

const text = (s: string): Uint8Array => new TextEncoder().encode(s);
const collect = (c: RingConsumer, limit?: number): string[] => {
  const out: string[] = [];
  c.consume((v, off, len) => out.push(new TextDecoder().decode(new Uint8Array(v.buffer, v.byteOffset + off, len))), limit);
  return out;
};

describe('RingConsumer (synthetic ring)', () => {
  it('delivers records in order, skipping discarded ones, padding to 8', () => {
    const p = new FakeProducer(256);
    const c = RingConsumer.contiguous(p.consumer, p.producer, PAGE, 256);
    p.write(text('one'));
    p.write(text('two-discarded'), C.BPF_RINGBUF_DISCARD_BIT);
    p.write(text('three!!!'));
    assert.equal(c.available(), 16 + 24 + 16);
    assert.deepEqual(collect(c), ['one', 'three!!!']);
    assert.equal(c.discarded, 1);
    assert.equal(p.consumerPos(), 56);
    assert.equal(c.available(), 0);
    assert.deepEqual(collect(c), []);
  });

  it('stops at a busy record and resumes once it is committed', () => {
    const p = new FakeProducer(256);
    const c = RingConsumer.contiguous(p.consumer, p.producer, PAGE, 256);
    p.write(text('a'));
    const busy = p.write(text('bb'), C.BPF_RINGBUF_BUSY_BIT);
    p.write(text('c'));
    assert.deepEqual(collect(c), ['a']);
    p.setBits(busy, 2, 0);
    assert.deepEqual(collect(c), ['bb', 'c']);
  });

  it('hands out a record that wraps around the end as one contiguous view', () => {
    const p = new FakeProducer(64);
    const c = RingConsumer.contiguous(p.consumer, p.producer, PAGE, 64);
    p.skipTo(48); // header at 48, payload 56..80 wraps past 64
    p.write(text('0123456789abcdefghij'));
    let seen: { off: number; len: number } | undefined;
    assert.deepEqual(collect(c), ['0123456789abcdefghij']);
    p.write(text('next'));
    c.consume((_v, off, len) => {
      seen = { off, len };
    });
    assert.equal(seen?.len, 4);
    // 48 + 32 = 80 → position 80 & 63 = 16: data at 16 + 8 in the data area's view.
    assert.equal(seen?.off, 16 + 8);
  });

  it('reads a ring through windows mapped on first use, joining records that cross one', () => {
    const p = new FakeProducer(128);
    const used: number[] = [];
    const c = new RingConsumer(p.consumer, p.producer, 128, {
      windowSize: 32,
      window: (i) => {
        if (!used.includes(i)) used.push(i);
        return new DataView(p.producer, PAGE + i * 32, 32);
      },
    });
    p.write(text('abc'));
    assert.deepEqual(collect(c), ['abc']);
    assert.deepEqual(used, [0]);
    // Header at 16, payload 24..44: crosses from window 0 into window 1.
    p.write(text('0123456789abcdefghij'));
    // Header at 48, payload 56..136: runs through windows 1, 2, 3 and wraps into window 0.
    p.write(text(`${'x'.repeat(70)}wrap!!`));
    assert.deepEqual(collect(c), ['0123456789abcdefghij', `${'x'.repeat(70)}wrap!!`]);
    assert.deepEqual(used, [0, 1, 2, 3]);
  });

  it('honours a limit and releases a record whose callback throws', () => {
    const p = new FakeProducer(256);
    const c = RingConsumer.contiguous(p.consumer, p.producer, PAGE, 256);
    p.write(text('x'));
    p.write(text('y'));
    p.write(text('z'));
    assert.deepEqual(collect(c, 1), ['x']);
    assert.throws(() =>
      c.consume(() => {
        throw new Error('boom');
      }),
    );
    assert.deepEqual(collect(c), ['z']);
  });

  it('rejects sizes that are not powers of two', () => {
    assert.throws(() => RingConsumer.contiguous(new ArrayBuffer(8), new ArrayBuffer(PAGE + 200), PAGE, 100), RangeError);
  });
});

// ---------------------------------------------------------------- the real kernel

/** bpf_ringbuf_output(&rb, {ctx[0], ctx[1]}, 16, ctx[2]); returns its result. */
const outputProgram = [
  movReg(Reg.R6, Reg.R1),
  load(8, Reg.R1, Reg.R6, 0),
  store(8, Reg.FP, -16, Reg.R1),
  load(8, Reg.R1, Reg.R6, 8),
  store(8, Reg.FP, -8, Reg.R1),
  ldMapFd(Reg.R1, 'rb'),
  movReg(Reg.R2, Reg.FP),
  alu64Imm(AluOp.ADD, Reg.R2, -16),
  movImm(Reg.R3, 16),
  load(8, Reg.R4, Reg.R6, 16),
  call(Helper.ringbuf_output),
  exit(),
];

/** Reserves 8 bytes and discards them. */
const discardProgram = [
  ldMapFd(Reg.R1, 'rb'),
  movImm(Reg.R2, 8),
  movImm(Reg.R3, 0),
  call(Helper.ringbuf_reserve),
  jmpImm(JmpOp.JEQ, Reg.R0, 0, 'out'),
  movReg(Reg.R1, Reg.R0),
  movImm(Reg.R2, 0),
  call(Helper.ringbuf_discard),
  { ...movImm(Reg.R0, 0), labels: ['out'] },
  exit(),
];

function args(a: bigint, b: bigint, flags: number): Uint8Array {
  const buf = new Uint8Array(24);
  const dv = new DataView(buf.buffer);
  dv.setBigUint64(0, a, true);
  dv.setBigUint64(8, b, true);
  dv.setBigUint64(16, BigInt(flags), true);
  return buf;
}

function setup(size = 16 * 1024): { map: BpfMap; out: BpfProgram; discard: BpfProgram; close(): void } {
  const map = BpfMap.create({ name: 'rb', type: C.BPF_MAP_TYPE_RINGBUF, keySize: 0, valueSize: 0, maxEntries: size });
  const maps = mapResolver([map]);
  const out = BpfProgram.load({ name: 'rb_out', type: C.BPF_PROG_TYPE_RAW_TRACEPOINT, insns: outputProgram, license: 'GPL' }, maps);
  const discard = BpfProgram.load(
    { name: 'rb_discard', type: C.BPF_PROG_TYPE_RAW_TRACEPOINT, insns: discardProgram, license: 'GPL' },
    maps,
  );
  return {
    map,
    out,
    discard,
    close() {
      discard.close();
      out.close();
      map.close();
    },
  };
}

describe('RingBuf (real kernel)', () => {
  it(
    'reads records written by bpf_ringbuf_output straight from the mapping',
    noLeak(() => {
      const s = setup();
      const ring = RingBuf.open(s.map);
      try {
        for (let i = 1n; i <= 100n; i++) assert.equal(s.out.testRun(args(i, i * 2n, C.BPF_RB_NO_WAKEUP)).retval, 0);
        s.discard.testRun();
        const seen: bigint[] = [];
        const n = ring.consume((v, off, len) => {
          assert.equal(len, 16);
          const a = v.getBigUint64(off, true);
          assert.equal(v.getBigUint64(off + 8, true), a * 2n);
          seen.push(a);
        });
        assert.equal(n, 100);
        assert.deepEqual(
          seen,
          [...Array(100).keys()].map((i) => BigInt(i + 1)),
        );
        assert.equal(ring.consumer.discarded, 1);
        assert.equal(ring.consumer.available(), 0);
      } finally {
        ring.close();
        s.close();
      }
    }),
  );

  it(
    'reports a full ring to the producer and recovers once consumed',
    noLeak(() => {
      const s = setup(4096);
      const ring = RingBuf.open(s.map);
      try {
        let written = 0;
        while (s.out.testRun(args(1n, 2n, C.BPF_RB_NO_WAKEUP)).retval === 0) written++;
        assert.equal(written, Math.floor(4096 / 24));
        assert.equal(
          ring.consume(() => {}),
          written,
        );
        assert.equal(s.out.testRun(args(1n, 2n, 0)).retval, 0);
        assert.equal(
          ring.consume(() => {}),
          1,
        );
      } finally {
        ring.close();
        s.close();
      }
    }),
  );

  it(
    'the reader wakes through epoll without blocking JS, drains, stops and closes',
    noLeak(async () => {
      const s = setup();
      const reader = new RingBufReader(defaultSys());
      const got: bigint[] = [];
      try {
        reader.add(RingBuf.open(s.map), (v, off) => got.push(v.getBigUint64(off, true)));
        const running = reader.start();
        let ticks = 0;
        const timer = setInterval(() => ticks++, 5);
        await new Promise((r) => setTimeout(r, 30));
        s.out.testRun(args(11n, 22n, C.BPF_RB_FORCE_WAKEUP));
        assert.ok(await waitFor(() => got.length === 1), 'no wakeup');
        s.out.testRun(args(12n, 24n, C.BPF_RB_FORCE_WAKEUP));
        assert.ok(await waitFor(() => got.length === 2), 'no second wakeup');
        clearInterval(timer);
        assert.ok(ticks > 0);
        await reader.stop();
        await running;
        s.out.testRun(args(13n, 26n, C.BPF_RB_NO_WAKEUP));
        assert.equal(reader.drain(), 1);
        assert.deepEqual(got, [11n, 12n, 13n]);
      } finally {
        reader.close();
        s.close();
      }
    }),
  );

  it(
    'closing a reader while it waits releases everything once the wait returns',
    noLeak(async () => {
      const s = setup();
      const reader = new RingBufReader(defaultSys());
      reader.add(RingBuf.open(s.map), () => {});
      const running = reader.start();
      await new Promise((r) => setTimeout(r, 20));
      reader.close();
      await running;
      s.close();
    }),
  );
});
