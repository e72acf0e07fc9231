import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { Btf, parseBtf } from '../../src/btf/btf.ts';
import { HashChains } from '../../src/btf/name-hash.ts';
import { decodeBtfSnapshot, encodeBtfSnapshot } from '../../src/btf/snapshot.ts';
import { BtfBuilder } from './btf-builder.ts';

const VMLINUX = '/sys/kernel/btf/vmlinux';

/** A parsed blob, and the same blob opened again from its snapshot. */
function roundTrip(blob: Uint8Array): { parsed: Btf; opened: Btf } {
  const parsed = parseBtf(blob);
  const parts = decodeBtfSnapshot(encodeBtfSnapshot(parsed.snapshotParts()));
  assert.ok(parts, 'the snapshot opens');
  return { parsed, opened: new Btf(parts.blob, {}, parts.index) };
}

/** A blob with the lookups a snapshot must keep: names shared by kinds, FUNCs, anonymous types. */
function sample(): Uint8Array {
  const b = new BtfBuilder();
  const int = b.int('int', 4, true);
  const long = b.int('long', 8, true);
  const thing = b.composite('struct', 'thing', 8, [{ name: 'x', type: long, bitOffset: 0 }]);
  b.wrap('typedef', thing, 'thing'); // the same name as the struct, another kind
  b.fwd('later', false);
  const proto = b.funcProto(int, [
    { name: 't', type: b.ptr(thing) },
    { name: 'n', type: long },
  ]);
  b.func('do_thing', proto);
  b.func('do_other', b.funcProto(0, []));
  b.func('thing', proto); // a FUNC named like the struct
  b.enum('mode', 4, [['MODE_A', 0]]);
  return b.build();
}

describe('BTF snapshots', () => {
  test('every type and every lookup answers as the parsed blob does', () => {
    const { parsed, opened } = roundTrip(sample());
    assert.equal(opened.count, parsed.count);
    for (let id = 1; id <= parsed.lastId; id++) assert.deepEqual(opened.get(id), parsed.get(id), `type ${id}`);
    for (const name of ['thing', 'do_thing', 'do_other', 'later', 'mode', 'int', 'missing']) {
      assert.deepEqual(opened.findAllIds(name), parsed.findAllIds(name), name);
      assert.equal(opened.findId(name, 'func'), parsed.findId(name, 'func'), name);
      assert.equal(opened.findId(name, 'struct'), parsed.findId(name, 'struct'), name);
    }
    assert.deepEqual(opened.funcProto('do_thing'), parsed.funcProto('do_thing'));
    assert.ok(opened.funcProto('do_thing'));
  });

  test('what is not a snapshot of this layout is refused, not misread', () => {
    const good = encodeBtfSnapshot(parseBtf(sample()).snapshotParts());
    assert.equal(decodeBtfSnapshot(good.subarray(0, good.length - 4)), null, 'cut short');
    const other = new Uint8Array(good);
    new DataView(other.buffer).setUint32(4, 999, true);
    assert.equal(decodeBtfSnapshot(other), null, 'another version');
    assert.equal(decodeBtfSnapshot(new Uint8Array(16)), null, 'too short for a header');
    // An unaligned copy still opens (it is copied to an aligned buffer first).
    const shifted = new Uint8Array(good.length + 1).subarray(1);
    shifted.set(good);
    assert.ok(decodeBtfSnapshot(shifted));
  });

  test('the running kernel: functions and structs found as in the parsed file', {
    skip: !existsSync(VMLINUX) && `${VMLINUX} is absent`,
  }, () => {
    const { parsed, opened } = roundTrip(readFileSync(VMLINUX));
    const funcs = [...parsed.ids('func')];
    // A spread of the FUNCs, and the structs most scripts name.
    for (let i = 0; i < funcs.length; i += Math.max(1, Math.floor(funcs.length / 300))) {
      const name = parsed.nameOf(funcs[i] as number);
      assert.deepEqual(opened.funcProto(name), parsed.funcProto(name), name);
    }
    for (const name of ['task_struct', 'sk_buff', 'file', 'sock']) {
      assert.equal(opened.findId(name, 'struct'), parsed.findId(name, 'struct'), name);
    }
  });
});

describe('hash chains from stored arrays', () => {
  const entries = Uint32Array.from([10, 20, 30]);
  const hashes = Uint32Array.from([5, 5, 7]);

  test('stored and taken back, they find what the built ones find', () => {
    const built = HashChains.build(entries, hashes, 3);
    const stored = built.storedArrays();
    let i = 0;
    const back = HashChains.stored(() => stored[i++] as Uint32Array, ...built.sizes);
    assert.ok(back);
    const found = (c: HashChains, h: number): number[] => {
      const out: number[] = [];
      c.find(h, (e) => {
        out.push(e);
        return false;
      });
      return out;
    };
    assert.deepEqual(found(back, 5), [10, 20]);
    assert.deepEqual(found(back, 7), found(built, 7));
  });

  test('arrays of the wrong shape are refused; damaged links do not loop', () => {
    const built = HashChains.build(entries, hashes, 3).arrays();
    assert.equal(HashChains.fromArrays({ ...built, heads: new Uint32Array(1000) }), null, 'not a power of two');
    assert.equal(HashChains.fromArrays({ ...built, nexts: new Uint32Array(2) }), null, 'lengths differ');
    // Every pair links to the first: a cycle.
    const heads = new Uint32Array(built.heads.length).fill(1);
    const cyclic = HashChains.fromArrays({ ...built, heads, nexts: Uint32Array.from([1, 1, 1]) });
    assert.ok(cyclic);
    let visits = 0;
    cyclic.find(5, () => {
      visits++;
      return false;
    });
    assert.ok(visits <= 3, `${visits} visits`);
  });
});
