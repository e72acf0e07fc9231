import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as C from '../../src/bpf/constants.ts';
import { BpfMap, parseCpuList, possibleCpus, sanitizeObjName } from '../../src/bpf/map.ts';
import { readCounter } from '../../src/bpf/ringbuf.ts';
import { SyscallError } from '../../src/bpf/sys.ts';
import { FakeSys } from './fake-sys.ts';
import { noLeak, readU64, u32, u64 } from './util.ts';

const sortKeys = (ks: Uint8Array[]): number[] =>
  ks.map((k) => new DataView(k.buffer, k.byteOffset).getUint32(0, true)).sort((a, b) => a - b);

describe('map helpers', () => {
  it('sanitizes object names the way the kernel accepts them', () => {
    assert.equal(sanitizeObjName('@count'), '_count');
    assert.equal(sanitizeObjName('a.b_c-d e'), 'a.b_c_d_e');
    assert.equal(sanitizeObjName('a_very_long_map_name_indeed'), 'a_very_long_map');
  });

  it('parses cpu lists', () => {
    assert.deepEqual(parseCpuList('0-3\n'), [0, 1, 2, 3]);
    assert.deepEqual(parseCpuList('0,2-3,7'), [0, 2, 3, 7]);
    assert.ok(possibleCpus().length >= 1);
  });
});

describe('BpfMap (real kernel)', () => {
  it(
    'hash: update, lookup, delete, iterate, batch',
    noLeak(() => {
      const m = BpfMap.create({ name: '@counts', type: C.BPF_MAP_TYPE_HASH, keySize: 4, valueSize: 8, maxEntries: 256 });
      try {
        assert.equal(m.lookup(u32(1)), null);
        for (let i = 0; i < 100; i++) m.update(u32(i), u64(i * 10));
        assert.equal(readU64(m.lookup(u32(42)) as Uint8Array), 420n);
        assert.deepEqual(sortKeys(m.keys()), [...Array(100).keys()]);
        const entries = m.entries();
        assert.equal(entries.length, 100);
        for (const e of entries) assert.equal(readU64(e.value), BigInt(new DataView(e.key.buffer).getUint32(0, true) * 10));
        assert.equal(m.delete(u32(42)), true);
        assert.equal(m.delete(u32(42)), false);
        assert.equal(m.lookup(u32(42)), null);
        assert.throws(
          () => m.update(u32(1), u64(1), C.BPF_NOEXIST),
          (e: unknown) => e instanceof SyscallError && e.code === 'EEXIST',
        );
        m.clear();
        assert.deepEqual(m.keys(), []);
        assert.deepEqual(m.entries(), []);
        assert.throws(() => m.lookup(new Uint8Array(3)), RangeError);
      } finally {
        m.close();
      }
    }),
  );

  it(
    'array: every index exists, clear zeroes',
    noLeak(() => {
      const m = BpfMap.create({ name: 'arr', type: C.BPF_MAP_TYPE_ARRAY, keySize: 4, valueSize: 8, maxEntries: 8 });
      try {
        m.update(u32(3), u64(33));
        assert.equal(m.keys().length, 8);
        const e = m.entries();
        assert.equal(e.length, 8);
        assert.equal(readU64(e[3]?.value as Uint8Array), 33n);
        m.clear();
        assert.equal(readU64(m.lookup(u32(3)) as Uint8Array), 0n);
        assert.throws(
          () => m.update(u32(8), u64(1)),
          (err: unknown) => err instanceof SyscallError && err.code === 'E2BIG',
        );
      } finally {
        m.close();
      }
    }),
  );

  it(
    'percpu_array and percpu_hash: values split by possible CPU, stride rounded to 8',
    noLeak(() => {
      const n = possibleCpus().length;
      for (const type of [C.BPF_MAP_TYPE_PERCPU_ARRAY, C.BPF_MAP_TYPE_PERCPU_HASH]) {
        const m = BpfMap.create({ name: 'pc', type, keySize: 4, valueSize: 4, maxEntries: 4 });
        try {
          assert.equal(m.cpuStride, 8);
          assert.equal(m.valueBytes, 8 * n);
          const v = new Uint8Array(8 * n);
          for (let c = 0; c < n; c++) new DataView(v.buffer).setUint32(c * 8, 100 + c, true);
          m.update(u32(1), v);
          const per = m.lookupPerCpu(u32(1));
          assert.deepEqual(
            per?.map((b) => new DataView(b.buffer, b.byteOffset, 4).getUint32(0, true)),
            [...Array(n).keys()].map((c) => 100 + c),
          );
          const all = m.entriesPerCpu();
          const mine = all.find((e) => e.key[0] === 1);
          assert.equal(mine?.values.length, n);
          assert.equal(mine?.values[0]?.length, 4);
        } finally {
          m.close();
        }
      }
    }),
  );

  it(
    'lru_hash evicts instead of failing',
    noLeak(() => {
      const m = BpfMap.create({ name: 'lru', type: C.BPF_MAP_TYPE_LRU_HASH, keySize: 4, valueSize: 8, maxEntries: 16 });
      try {
        for (let i = 0; i < 200; i++) m.update(u32(i), u64(i));
        const n = m.keys().length;
        assert.ok(n > 0 && n <= 16 + 2 * possibleCpus().length, `lru held ${n}`);
        assert.ok(m.entries().length === n);
      } finally {
        m.close();
      }
    }),
  );

  it(
    'stack_trace and ringbuf maps can be created; stack maps iterate without batch',
    noLeak(() => {
      const s = BpfMap.create({ name: 'stacks', type: C.BPF_MAP_TYPE_STACK_TRACE, keySize: 4, valueSize: 127 * 8, maxEntries: 128 });
      const r = BpfMap.create({ name: 'rb', type: C.BPF_MAP_TYPE_RINGBUF, keySize: 0, valueSize: 0, maxEntries: 4096 * 4 });
      try {
        assert.deepEqual(s.entries(), []);
        assert.equal(s.lookup(u32(0)), null);
      } finally {
        s.close();
        r.close();
      }
    }),
  );

  it(
    'readCounter sums a per-CPU counter over CPUs',
    noLeak(() => {
      const n = possibleCpus().length;
      const m = BpfMap.create({ name: 'lost', type: C.BPF_MAP_TYPE_PERCPU_ARRAY, keySize: 4, valueSize: 8, maxEntries: 1 });
      try {
        const v = new Uint8Array(8 * n);
        for (let c = 0; c < n; c++) new DataView(v.buffer).setBigUint64(c * 8, BigInt(c + 1), true);
        m.update(u32(0), v);
        assert.equal(readCounter(m), BigInt((n * (n + 1)) / 2));
      } finally {
        m.close();
      }
    }),
  );

  it('reports a bad spec with the map name', () => {
    assert.throws(
      () => BpfMap.create({ name: 'bad', type: C.BPF_MAP_TYPE_HASH, keySize: 0, valueSize: 8, maxEntries: 1 }),
      /bpf\(BPF_MAP_CREATE\) failed: Invalid argument \(EINVAL\): map bad/,
    );
  });
});

describe('BpfMap (fake kernel)', () => {
  it('batch lookup grows its buffer on ENOSPC and follows the cursor', () => {
    const sys = new FakeSys();
    let calls = 0;
    sys.onBpf = (cmd, attr) => {
      if (cmd !== C.BPF_MAP_LOOKUP_BATCH) return undefined;
      calls++;
      const dv = new DataView(attr.buffer);
      const count = dv.getUint32(32, true);
      if (calls === 1) return -28; // ENOSPC: a bucket holds more than `count`
      // Fill one element per call; report ENOENT on the second successful batch.
      const keys = sys.at(dv.getBigUint64(16, true));
      const values = sys.at(dv.getBigUint64(24, true));
      keys.set(u32(calls));
      values.set(u64(calls * 2));
      dv.setUint32(32, 1, true);
      assert.ok(count >= 2);
      return calls === 3 ? -2 : 0;
    };
    const m = BpfMap.create({ name: 'h', type: C.BPF_MAP_TYPE_HASH, keySize: 4, valueSize: 8, maxEntries: 1 }, sys);
    const got = m.entries();
    assert.deepEqual(
      got.map((e) => [e.key[0], readU64(e.value)]),
      [
        [2, 4n],
        [3, 6n],
      ],
    );
    m.close();
    assert.equal(sys.live(), 0, 'native buffers leaked');
  });
});
