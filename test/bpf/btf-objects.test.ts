import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { describe, it } from 'node:test';
import { BTF_INFO, GET_ID, OBJ_GET_INFO_BY_FD, PROG_LOAD } from '../../src/bpf/attr.ts';
import { openKernelBtfObject } from '../../src/bpf/btf-objects.ts';
import * as C from '../../src/bpf/constants.ts';
import { defaultSys } from '../../src/bpf/default-sys.ts';
import { exit, movImm, Reg } from '../../src/bpf/insn.ts';
import { BpfProgram } from '../../src/bpf/program.ts';
import { SyscallError } from '../../src/bpf/sys.ts';
import { FakeSys } from './fake-sys.ts';
import { noLeak, readU32 } from './util.ts';

interface FakeBtf {
  id: number;
  /** '' for BTF a program loaded; a kernel object's name otherwise. */
  name: string;
  /** GET_FD_BY_ID answers ENOENT: unloaded between listing and opening. */
  gone?: boolean;
}

/**
 * A kernel with these BTF objects, strict as 6.1 is: BPF_BTF_GET_FD_BY_ID refuses any non-zero
 * byte after btf_id (its last field there), GET_NEXT_ID any after next_id. Each object's fd is
 * 1000 + its id.
 */
function kernelWith(objects: FakeBtf[], errors: { nextId?: number; fdById?: number; info?: number } = {}): FakeSys {
  const sys = new FakeSys();
  const tailZero = (attr: Uint8Array, from: number): boolean => attr.subarray(from).every((b) => b === 0);
  sys.onBpf = (cmd, attr) => {
    const dv = new DataView(attr.buffer, attr.byteOffset, attr.byteLength);
    switch (cmd) {
      case C.BPF_BTF_GET_NEXT_ID: {
        if (errors.nextId) return errors.nextId;
        if (!tailZero(attr, GET_ID.offsets.next_id)) return -22;
        const start = dv.getUint32(GET_ID.offsets.id, true);
        const next = objects.find((o) => o.id > start);
        if (!next) return -2;
        dv.setUint32(GET_ID.offsets.next_id, next.id, true);
        return 0;
      }
      case C.BPF_BTF_GET_FD_BY_ID: {
        if (errors.fdById) return errors.fdById;
        if (!tailZero(attr, GET_ID.offsets.next_id)) return -22;
        const o = objects.find((x) => x.id === dv.getUint32(GET_ID.offsets.id, true));
        return !o || o.gone ? -2 : 1000 + o.id;
      }
      case C.BPF_OBJ_GET_INFO_BY_FD: {
        if (errors.info) return errors.info;
        const o = objects.find((x) => 1000 + x.id === dv.getUint32(OBJ_GET_INFO_BY_FD.offsets.bpf_fd, true));
        if (!o) return -9;
        const info = sys.at(dv.getBigUint64(OBJ_GET_INFO_BY_FD.offsets.info, true));
        const iv = new DataView(info.buffer, info.byteOffset, BTF_INFO.size);
        iv.setUint32(BTF_INFO.offsets.id, o.id, true);
        iv.setUint32(BTF_INFO.offsets.kernel_btf, o.name ? 1 : 0, true);
        const nameLen = iv.getUint32(BTF_INFO.offsets.name_len, true);
        const name = new TextEncoder().encode(`${o.name}\0`);
        if (name.length > nameLen) return -28;
        sys.at(iv.getBigUint64(BTF_INFO.offsets.name, true)).set(name);
        return 0;
      }
      default:
        return undefined;
    }
  };
  return sys;
}

const objects: FakeBtf[] = [
  { id: 1, name: 'vmlinux' },
  { id: 3, name: '' }, // a program's BTF
  { id: 5, name: 'unloaded', gone: true },
  { id: 8, name: 'nf_tables' },
  { id: 12, name: 'xfs' },
];

describe('kernel BTF objects (fake kernel)', () => {
  it('finds a module by name, opening only the id it was asked for, and closes the others', () => {
    const sys = kernelWith(objects);
    assert.equal(openKernelBtfObject(sys, 'nf_tables'), 1008);
    assert.deepEqual(sys.closed, [1001, 1003]);
    assert.equal(sys.live(), 0);
    // Every GET_FD_BY_ID attr holds the id and nothing else (next_id left over is EINVAL on 6.1).
    const opened = sys.calls.filter((c) => c.name === 'bpf' && c.args[0] === C.BPF_BTF_GET_FD_BY_ID).map((c) => c.args[1] as Uint8Array);
    assert.deepEqual(
      opened.map((a) => readU32(a)),
      [1, 3, 5, 8],
    );
    for (const a of opened) assert.ok(a.subarray(4).every((b) => b === 0));
  });

  it('remembers the ids it walked past: a second lookup opens only that id', () => {
    const sys = kernelWith(objects);
    assert.equal(openKernelBtfObject(sys, 'nf_tables'), 1008);
    const before = sys.calls.length;
    for (const [name, fd] of [
      ['nf_tables', 1008],
      ['vmlinux', 1001],
    ] as const) {
      assert.equal(openKernelBtfObject(sys, name), fd);
    }
    const cmds = sys.calls
      .slice(before)
      .filter((c) => c.name === 'bpf')
      .map((c) => c.args[0]);
    assert.ok(!cmds.includes(C.BPF_BTF_GET_NEXT_ID), 'no walk');
    assert.equal(cmds.filter((c) => c === C.BPF_BTF_GET_FD_BY_ID).length, 2);
  });

  it('walks again when the remembered id is gone or now names another object (module reloaded)', () => {
    const list: FakeBtf[] = objects.map((o) => ({ ...o }));
    const sys = kernelWith(list);
    assert.equal(openKernelBtfObject(sys, 'nf_tables'), 1008);
    const nf = list.find((o) => o.name === 'nf_tables') as FakeBtf;
    nf.gone = true;
    list.push({ id: 20, name: 'nf_tables' });
    assert.equal(openKernelBtfObject(sys, 'nf_tables'), 1020);
    // The id now belongs to another module: the name is checked, not trusted.
    const list2: FakeBtf[] = objects.map((o) => ({ ...o }));
    const sys2 = kernelWith(list2);
    assert.equal(openKernelBtfObject(sys2, 'nf_tables'), 1008);
    (list2.find((o) => o.id === 8) as FakeBtf).name = 'ext4';
    list2.push({ id: 21, name: 'nf_tables' });
    assert.equal(openKernelBtfObject(sys2, 'nf_tables'), 1021);
    assert.ok(sys2.closed.includes(1008));
    assert.equal(sys.live(), 0);
  });

  it('finds vmlinux, the first object', () => {
    const sys = kernelWith(objects);
    assert.equal(openKernelBtfObject(sys, 'vmlinux'), 1001);
    assert.deepEqual(sys.closed, []);
  });

  it('answers null for a name no kernel object has, with every fd closed', () => {
    const sys = kernelWith(objects);
    assert.equal(openKernelBtfObject(sys, 'nosuchmod'), null);
    assert.deepEqual(sys.closed, [1001, 1003, 1008, 1012]);
    assert.equal(sys.live(), 0);
    // A program's BTF has no name: asking for '' finds nothing either.
    assert.equal(openKernelBtfObject(kernelWith(objects), ''), null);
  });

  it('answers null on kernels whose bpf_btf_info has no name (before 5.11)', () => {
    const sys = kernelWith(objects, { info: -7 });
    assert.equal(openKernelBtfObject(sys, 'xfs'), null);
    assert.deepEqual(sys.closed, [1001]);
    assert.equal(sys.live(), 0);
  });

  it('reports a kernel that refuses, rather than not finding the module', () => {
    for (const [errors, command] of [
      [{ nextId: -1 }, 'BPF_BTF_GET_NEXT_ID'],
      [{ fdById: -1 }, 'BPF_BTF_GET_FD_BY_ID'],
      [{ fdById: -22 }, 'BPF_BTF_GET_FD_BY_ID'],
      [{ info: -13 }, 'BPF_OBJ_GET_INFO_BY_FD'],
    ] as const) {
      const sys = kernelWith(objects, errors);
      assert.throws(
        () => openKernelBtfObject(sys, 'xfs'),
        (e: unknown) => e instanceof SyscallError && e.command === command,
        command,
      );
      assert.equal(sys.live(), 0);
      assert.ok(sys.closed.length <= 1);
    }
  });

  it("loads a program against a module's BTF object (attach_btf_obj_fd), then closes that fd", () => {
    const sys = kernelWith(objects);
    let loadAttr: Uint8Array | undefined;
    const inner = sys.onBpf;
    sys.onBpf = (cmd, attr) => {
      if (cmd === C.BPF_PROG_LOAD) loadAttr = attr.slice();
      return inner(cmd, attr);
    };
    const p = BpfProgram.load(
      {
        name: 'f',
        type: C.BPF_PROG_TYPE_TRACING,
        expectedAttachType: C.BPF_TRACE_FENTRY,
        attachBtfId: 77,
        attachBtfObject: 'xfs',
        insns: [movImm(Reg.R0, 0), exit()],
        license: 'GPL',
      },
      null,
      sys,
    );
    p.close();
    assert.ok(loadAttr);
    assert.equal(readU32(loadAttr, PROG_LOAD.offsets.attach_btf_id), 77);
    assert.equal(readU32(loadAttr, PROG_LOAD.offsets.attach_prog_fd), 1012); // attach_btf_obj_fd
    assert.ok(sys.closed.includes(1012));
    assert.throws(
      () =>
        BpfProgram.load(
          { name: 'f', type: C.BPF_PROG_TYPE_TRACING, attachBtfObject: 'nosuchmod', insns: [exit()], license: 'GPL' },
          null,
          sys,
        ),
      /no kernel BTF for module nosuchmod/,
    );
  });
});

describe('kernel BTF objects (real kernel)', () => {
  it(
    'opens vmlinux and every module listed in /sys/kernel/btf by name',
    noLeak(() => {
      const sys = defaultSys();
      const names = readdirSync('/sys/kernel/btf');
      assert.ok(names.includes('vmlinux'));
      // A handful is enough; each lookup walks the ids from the start.
      for (const name of ['vmlinux', ...names.filter((n) => n !== 'vmlinux').slice(0, 5)]) {
        const fd = openKernelBtfObject(sys, name);
        assert.ok(fd !== null && fd >= 0, `no BTF object for ${name}`);
        sys.close(fd);
      }
      assert.equal(openKernelBtfObject(sys, 'no_such_module_xyz'), null);
    }),
  );
});
