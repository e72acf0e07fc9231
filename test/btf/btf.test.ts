import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe, test } from 'node:test';
import { type Btf, loadKernelBtf, parseBtf } from '../../src/btf/btf.ts';
import { rawDump } from '../../src/btf/raw-dump.ts';
import type { BtfComposite } from '../../src/btf/types.ts';
import { BtfBuilder } from './btf-builder.ts';

const VMLINUX = '/sys/kernel/btf/vmlinux';
const haveVmlinux = existsSync(VMLINUX);
const BPFTOOL = ['/usr/sbin/bpftool', '/usr/bin/bpftool', '/sbin/bpftool'].find((p) => existsSync(p)) ?? null;

/** bpftool's raw dump, split into one text block per type id. */
function bpftoolRaw(): Map<number, string> | null {
  if (!BPFTOOL) return null;
  const text = execFileSync(BPFTOOL, ['btf', 'dump', 'file', VMLINUX, 'format', 'raw'], {
    encoding: 'utf8',
    maxBuffer: 256 << 20,
    timeout: 60_000,
  });
  const out = new Map<number, string>();
  let id = -1;
  let lines: string[] = [];
  for (const line of text.split('\n')) {
    const m = /^\[(\d+)\] /.exec(line);
    if (m) {
      if (id >= 0) out.set(id, lines.join('\n'));
      id = Number(m[1]);
      lines = [line];
    } else if (line !== '') {
      lines.push(line);
    }
  }
  if (id >= 0) out.set(id, lines.join('\n'));
  return out;
}

function struct(btf: Btf, name: string): BtfComposite {
  const t = btf.findByName(name, 'struct');
  assert.ok(t, `struct ${name} not found`);
  return t;
}

describe('kernel BTF', { skip: haveVmlinux ? false : `${VMLINUX} is absent` }, () => {
  test('opens and indexes vmlinux fast', (t) => {
    const t0 = performance.now();
    const btf = loadKernelBtf();
    const total = performance.now() - t0;
    t.diagnostic(`read+index ${total.toFixed(1)} ms (index ${btf.indexMs.toFixed(1)} ms), ${btf.count} types`);
    assert.ok(btf.count > 1000);
    assert.equal(loadKernelBtf(), btf, 'cached');
    const t1 = performance.now();
    const ts = btf.findByName('task_struct', 'struct');
    t.diagnostic(`findByName('task_struct') ${(performance.now() - t1).toFixed(2)} ms`);
    assert.ok(ts && ts.members.length > 50);
  });

  test('every type decodes exactly as bpftool prints it', { skip: BPFTOOL ? false : 'bpftool is absent' }, () => {
    const btf = loadKernelBtf();
    const raw = bpftoolRaw();
    assert.ok(raw);
    assert.equal(raw.size, btf.count, 'type count');
    // Named samples first, so a failure names a recognisable type.
    const samples = [
      btf.findId('task_struct', 'struct'),
      btf.findId('vfs_read', 'func'),
      btf.findByName('vfs_read', 'func')?.type ?? null,
      btf.findId('migratetype', 'enum'),
      btf.findId('pid_t', 'typedef'),
      btf.findId('int', 'int'),
    ];
    for (const id of samples) {
      assert.ok(id !== null);
      assert.equal(rawDump(btf, id), raw.get(id));
    }
    let mismatches = 0;
    for (const [id, text] of raw) {
      if (rawDump(btf, id) !== text) {
        mismatches++;
        assert.equal(rawDump(btf, id), text, `type ${id}`);
      }
    }
    assert.equal(mismatches, 0);
  });

  test('covers every kind the kernel uses', () => {
    const btf = loadKernelBtf();
    const kinds = new Set<string>();
    for (const id of btf.ids()) kinds.add(btf.kindOf(id));
    for (const k of [
      'int',
      'ptr',
      'array',
      'struct',
      'union',
      'enum',
      'fwd',
      'typedef',
      'const',
      'volatile',
      'func',
      'func_proto',
      'var',
      'datasec',
    ]) {
      assert.ok(kinds.has(k), `no ${k} in vmlinux`);
    }
  });

  test('task_struct members, offsets and a bitfield', () => {
    const btf = loadKernelBtf();
    const ts = struct(btf, 'task_struct');
    const comm = ts.members.find((m) => m.name === 'comm');
    assert.ok(comm);
    const loc = btf.memberPath(ts.id, ['comm']);
    assert.ok(loc);
    assert.equal(loc.bitOffset, comm.bitOffset);
    assert.equal(loc.offset, comm.bitOffset / 8);
    assert.equal(loc.bitfield, null);
    assert.equal(btf.typeToString(loc.type), 'char[16]');
    assert.equal(btf.sizeof(loc.type), 16);

    // A nested path adds the offsets of each step.
    const se = ts.members.find((m) => m.name === 'se');
    assert.ok(se);
    const seStruct = btf.get(btf.resolve(se.type));
    assert.equal(seStruct.kind, 'struct');
    const vr = (seStruct as BtfComposite).members.find((m) => m.name === 'vruntime');
    assert.ok(vr);
    const nested = btf.memberPath(ts.id, ['se', 'vruntime']);
    assert.ok(nested);
    assert.equal(nested.bitOffset, se.bitOffset + vr.bitOffset);

    // Some bitfield of task_struct (sched_reset_on_fork and friends).
    const bf = ts.members.find((m) => m.bitfieldSize > 0);
    assert.ok(bf, 'task_struct has bitfields');
    const bfl = btf.memberPath(ts.id, [bf.name]);
    assert.ok(bfl?.bitfield);
    assert.equal(bfl.bitfield.bits, bf.bitfieldSize);
    assert.equal(bfl.offset * 8 + bfl.bitfield.shift, bf.bitOffset);
    assert.ok(bfl.bitfield.readSize * 8 >= bfl.bitfield.shift + bfl.bitfield.bits);

    assert.equal(btf.memberPath(ts.id, ['no_such_member']), null);
    assert.equal(btf.sizeof(ts.id), ts.size);
  });

  test('memberPath looks inside anonymous members', () => {
    const btf = loadKernelBtf();
    // Find a struct with an anonymous struct/union member that has a named member inside.
    for (const id of btf.ids('struct')) {
      const t = btf.get(id) as BtfComposite;
      for (const m of t.members) {
        if (m.name !== '') continue;
        const inner = btf.get(btf.resolve(m.type));
        if (inner.kind !== 'struct' && inner.kind !== 'union') continue;
        const named = inner.members.find((x) => x.name !== '' && !t.members.some((y) => y.name === x.name));
        if (!named) continue;
        const loc = btf.memberPath(id, [named.name]);
        assert.ok(loc, `${t.name}.${named.name}`);
        assert.equal(loc.bitOffset, m.bitOffset + named.bitOffset);
        return;
      }
    }
    assert.fail('no struct with an anonymous member found');
  });

  test('typeToString spells C types', () => {
    const btf = loadKernelBtf();
    const ts = struct(btf, 'task_struct');
    const lastWakee = btf.memberPath(ts.id, ['last_wakee']);
    assert.ok(lastWakee);
    assert.equal(btf.typeToString(lastWakee.type), 'struct task_struct *');
    assert.equal(btf.typeToString(btf.findId('unsigned int', 'int') as number), 'unsigned int');
    const exec = btf.funcProto('do_sys_openat2');
    assert.ok(exec);
    const filename = exec.params.find((p) => p.name === 'filename');
    assert.ok(filename);
    assert.equal(btf.typeToString(filename.type), 'const char *');
    assert.equal(btf.typeToString(0), 'void');
  });

  test('funcProto gives a kernel function parameters', () => {
    const btf = loadKernelBtf();
    const sig = btf.funcProto('vfs_read');
    assert.ok(sig);
    assert.deepEqual(
      sig.params.map((p) => btf.declToString(p.type, p.name)),
      ['struct file *file', 'char *buf', 'size_t count', 'loff_t *pos'],
    );
    assert.equal(btf.typeToString(sig.returnType), 'ssize_t');
    assert.equal(btf.funcProto('no_such_function_xyz'), null);
  });

  test('resolve skips typedefs and qualifiers', () => {
    const btf = loadKernelBtf();
    const pid = btf.findId('pid_t', 'typedef');
    assert.ok(pid !== null);
    const r = btf.get(btf.resolve(pid));
    assert.equal(r.kind, 'int');
    assert.equal(r.name, 'int');
    assert.equal(btf.sizeof(pid), 4);
  });

  test('name lookups', () => {
    const btf = loadKernelBtf();
    assert.equal(btf.findByName('definitely_not_a_kernel_type'), null);
    assert.equal(btf.findId(''), null);
    const all = btf.findAllIds('task_struct');
    assert.ok(all.length >= 1);
    assert.deepEqual(
      all,
      [...all].sort((a, b) => a - b),
    );
    // Kind filters: the struct and the function tables are separate, both must answer.
    assert.equal(btf.kindOf(btf.findId('vfs_read') as number), 'func');
    assert.equal(btf.findId('vfs_read', 'struct'), null);
    assert.equal(btf.findId('task_struct', 'func'), null);
  });
});

describe('BTF from hand-built blobs', () => {
  function sample(): { blob: Uint8Array; ids: Record<string, number> } {
    const b = new BtfBuilder();
    const int = b.int('int', 4, true);
    const uint = b.int('unsigned int', 4, false);
    const char = b.int('char', 1, false, 8);
    const cchar = b.wrap('const', char);
    const pcchar = b.ptr(cchar);
    const u32 = b.wrap('typedef', uint, 'u32');
    const arr = b.array(char, int, 16);
    const inner = b.composite('union', '', 4, [
      { name: 'a', type: int, bitOffset: 0 },
      { name: 'b', type: uint, bitOffset: 0 },
    ]);
    const s = b.composite('struct', 'thing', 32, [
      { name: 'id', type: u32, bitOffset: 0 },
      { name: '', type: inner, bitOffset: 32 },
      { name: 'flags', type: uint, bitOffset: 64, bitfieldSize: 3 },
      { name: 'more', type: uint, bitOffset: 67, bitfieldSize: 7 },
      { name: 'name', type: arr, bitOffset: 96 },
    ]);
    const e = b.enum(
      'color',
      4,
      [
        ['RED', 0],
        ['BLUE', -1],
      ],
      true,
    );
    const e64 = b.enum64('big', [['HUGE', 1n << 40n]]);
    const proto = b.funcProto(int, [
      { name: 'path', type: pcchar },
      { name: '', type: 0 },
    ]);
    const f = b.func('open_it', proto);
    const fwd = b.fwd('later', true);
    return { blob: b.build(), ids: { int, uint, char, pcchar, u32, arr, s, e, e64, proto, f, fwd } };
  }

  test('decodes each kind', () => {
    const { blob, ids } = sample();
    const btf = parseBtf(blob);
    assert.equal(btf.count, Object.keys(ids).length + 2); // plus the unnamed const and union
    const s = btf.getAs(ids.s, 'struct');
    assert.equal(s.name, 'thing');
    assert.deepEqual(
      s.members.map((m) => [m.name, m.bitOffset, m.bitfieldSize]),
      [
        ['id', 0, 0],
        ['', 32, 0],
        ['flags', 64, 3],
        ['more', 67, 7],
        ['name', 96, 0],
      ],
    );
    const e = btf.getAs(ids.e, 'enum');
    assert.deepEqual(e.values, [
      { name: 'RED', value: 0 },
      { name: 'BLUE', value: -1 },
    ]);
    assert.equal(btf.getAs(ids.e64, 'enum64').values[0].value, 1n << 40n);
    const p = btf.getAs(ids.proto, 'func_proto');
    assert.equal(p.variadic, true);
    assert.deepEqual(p.params, [{ name: 'path', type: ids.pcchar }]);
    assert.equal(btf.getAs(ids.fwd, 'fwd').union, true);
    assert.equal(btf.getAs(ids.f, 'func').linkage, 'global');
  });

  test('memberPath: anonymous union members and bitfields', () => {
    const { blob, ids } = sample();
    const btf = parseBtf(blob);
    assert.deepEqual(btf.memberPath(ids.s, ['b']), { type: ids.uint, bitOffset: 32, offset: 4, bitfield: null });
    assert.deepEqual(btf.memberPath(ids.s, ['more']), {
      type: ids.uint,
      bitOffset: 67,
      offset: 8,
      bitfield: { bits: 7, shift: 3, readSize: 2 },
    });
    assert.equal(btf.memberPath(ids.s, ['name', 'x']), null, 'an array has no members');
  });

  test('typeToString and declarations', () => {
    const { blob, ids } = sample();
    const btf = parseBtf(blob);
    assert.equal(btf.typeToString(ids.pcchar), 'const char *');
    assert.equal(btf.typeToString(ids.arr), 'char[16]');
    assert.equal(btf.declToString(ids.arr, 'comm'), 'char comm[16]');
    assert.equal(btf.typeToString(ids.u32), 'u32');
    assert.equal(btf.typeToString(ids.s), 'struct thing');
    assert.equal(btf.typeToString(ids.fwd), 'union later');
    assert.equal(btf.typeToString(ids.e), 'enum color');
    assert.equal(btf.declToString(ids.f, 'open_it'), 'int open_it(const char *path, ...)');
    assert.equal(btf.sizeof(ids.arr), 16);
    assert.equal(btf.sizeof(ids.pcchar), 8);
  });

  test('declarators follow libbpf spacing', () => {
    const b = new BtfBuilder();
    const char = b.int('char', 1, true);
    const int = b.int('int', 4, true);
    const cchar = b.wrap('const', char);
    const p1 = b.ptr(cchar);
    const cp1 = b.wrap('const', p1);
    const pp = b.ptr(cp1); // const char * const *
    const arr4 = b.array(int, int, 4);
    const parr = b.ptr(arr4); // int (*)[4]
    const parrOfPtr = b.array(b.ptr(char), int, 3); // char *[3]
    const m23 = b.array(b.array(int, int, 3), int, 2); // int [2][3]
    const ret = b.ptr(b.fwd('sk_buff', false));
    const fp = b.ptr(b.funcProto(ret, [{ name: '', type: int }])); // struct sk_buff * (*)(int)
    const vfp = b.ptr(b.funcProto(0, [])); // void (*)()
    const vc = b.wrap('volatile', b.wrap('const', int));
    const btf = parseBtf(b.build());
    assert.equal(btf.typeToString(pp), 'const char * const *');
    assert.equal(btf.declToString(pp, 'argv'), 'const char * const *argv');
    assert.equal(btf.declToString(cp1, 'p'), 'const char * const p');
    assert.equal(btf.declToString(parr, 'p'), 'int (*p)[4]');
    assert.equal(btf.declToString(parrOfPtr, 'v'), 'char *v[3]');
    assert.equal(btf.declToString(m23, 'm'), 'int m[2][3]');
    assert.equal(btf.declToString(fp, 'fn'), 'struct sk_buff * (*fn)(int)');
    assert.equal(btf.typeToString(vfp), 'void (*)()');
    assert.equal(btf.typeToString(vc), 'const volatile int');
  });

  test('alignof: natural alignment, the widest member, 1 for a packed struct', () => {
    const b = new BtfBuilder();
    const char = b.int('char', 1, true);
    const int = b.int('int', 4, true);
    const long = b.int('long', 8, true);
    const pint = b.ptr(int);
    const chars = b.array(char, int, 3);
    const small = b.composite('struct', 'small', 8, [
      { name: 'c', type: char, bitOffset: 0 },
      { name: 'i', type: int, bitOffset: 32 },
    ]);
    const wide = b.composite('struct', 'wide', 16, [
      { name: 's', type: small, bitOffset: 0 },
      { name: 'p', type: pint, bitOffset: 64 },
    ]);
    const packed = b.composite('struct', 'packed', 9, [
      { name: 'c', type: char, bitOffset: 0 },
      { name: 'l', type: long, bitOffset: 8 },
    ]);
    const bits = b.composite('struct', 'bits', 4, [
      { name: 'a', type: int, bitOffset: 3, bitfieldSize: 5 },
      { name: 'b', type: int, bitOffset: 8, bitfieldSize: 8 },
    ]);
    const btf = parseBtf(b.build());
    assert.deepEqual(
      [char, int, pint, chars, small, wide, packed, bits].map((id) => btf.alignof(id)),
      [1, 4, 8, 1, 4, 8, 1, 4],
    );
  });

  test('split BTF chains ids and strings to its base', () => {
    const base = new BtfBuilder();
    const int = base.int('int', 4, true);
    const baseStruct = base.composite('struct', 'base_thing', 4, [{ name: 'x', type: int, bitOffset: 0 }]);
    const baseBlob = base.build();
    const baseBtf = parseBtf(baseBlob);
    const strLen = Buffer.from(baseBlob).readUInt32LE(20);

    const mod = new BtfBuilder({ lastId: baseBtf.lastId, strLen });
    const ptr = mod.ptr(baseStruct);
    const modStruct = mod.composite('struct', 'mod_thing', 16, [
      { name: 'x', type: int, bitOffset: 0 }, // 'x' is a base string, re-added locally here
      { name: 'owner', type: ptr, bitOffset: 64 },
    ]);
    const modBtf = parseBtf(mod.build(), { name: 'mymod', base: baseBtf });
    assert.equal(modBtf.startId, baseBtf.lastId + 1);
    assert.equal(modBtf.count, 2);
    assert.equal(modBtf.findId('mod_thing', 'struct'), modStruct);
    assert.equal(modBtf.findId('base_thing', 'struct'), baseStruct, 'base names are visible');
    assert.equal(modBtf.typeToString(ptr), 'struct base_thing *');
    assert.equal(modBtf.get(int).name, 'int');
    const loc = modBtf.memberPath(modStruct, ['owner']);
    assert.equal(loc?.offset, 8);
    assert.deepEqual([...modBtf.ids()], [ptr, modStruct]);
  });

  test('rejects malformed blobs', () => {
    assert.throws(() => parseBtf(new Uint8Array(10)), /too short/);
    const { blob } = sample();
    const bad = Buffer.from(blob);
    bad.writeUInt16LE(0x1234, 0);
    assert.throws(() => parseBtf(bad), /bad magic/);
    const unknownKind = Buffer.from(blob);
    unknownKind.writeUInt32LE(31 << 24, 24 + 4); // first type's info word
    assert.throws(() => parseBtf(unknownKind), /unknown kind/);
    assert.throws(() => parseBtf(blob).get(10_000), /out of range/);
  });
});
